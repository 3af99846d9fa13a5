// Issue 9: the whole journey with each person in their own browser context: the patient
// checks in and waits, the clinician sees them in the lobby and admits them, an interpreter
// joins by link, media flows between all three, the clinician ends the visit and the patient
// gets the rating question. Parts the server does not serve yet are reported as skipped,
// with the message type that is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchChromium, newPerson, screen, PHONE, DESKTOP } from './lib/web.mjs';

let demo, browser;
before(async () => {
  demo = await startDemo();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

// How many remote tiles on the page show decoded video.
async function liveTiles(page) {
  return page.evaluate(() => [...document.querySelectorAll('.tile.remote:not([hidden]) video')]
    .filter((v) => v.videoWidth > 0).length);
}

async function supports(page, type, fields = {}) {
  return page.evaluate(([t, f]) => window.__anteroom.sig.request(t, f)
    .then(() => true, (e) => e.code !== 'unknown_type'), [type, fields]);
}

test('patient, clinician and interpreter: check-in, lobby, admit, visit, end, rating', async (t) => {
  const patient = await newPerson(browser, { viewport: PHONE });
  const clinician = await newPerson(browser, { viewport: DESKTOP });
  const interp = await newPerson(browser, { viewport: DESKTOP });
  try {
    // Patient: link → consent → device check (echo through the server) → waiting room.
    await patient.page.goto(demo.links.patient);
    await screen(patient.page, 'consent');
    await patient.page.check('#consent-box');
    await patient.page.click('[data-screen="consent"] button[type="submit"]');
    await screen(patient.page, 'device-check');
    await patient.page.waitForFunction(() => document.querySelector('video.echo').videoWidth > 0, null, { timeout: 30000 });
    await patient.page.click('#check-done');
    await screen(patient.page, 'waiting');

    // Clinician: console by link.
    await clinician.page.goto(demo.links.clinician);
    await screen(clinician.page, 'lobby');

    // Interpreter: guest page by link, joins the visit's media room.
    await interp.page.goto(demo.links.interpreter);
    await screen(interp.page, 'guest-intro');
    await interp.page.click('#guest-join');
    await screen(interp.page, 'visit');
    assert.deepEqual([...patient.page.consoleErrors, ...clinician.page.consoleErrors, ...interp.page.consoleErrors], []);

    if (!(await supports(clinician.page, 'lobby.subscribe'))) {
      t.skip('server does not serve lobby.subscribe / lobby.admit yet: journey checked up to the waiting room');
      return;
    }
    const row = `tr[data-appointment]:has-text("ready"), tr.state-ready`;
    await clinician.page.waitForSelector(row, { timeout: 15000 });
    await clinician.page.click(`${row} >> text=Admit`);
    await screen(clinician.page, 'visit');
    await screen(patient.page, 'visit');
    // Everyone sees the two others.
    for (const p of [patient.page, clinician.page, interp.page]) {
      await p.waitForFunction(() => [...document.querySelectorAll('.tile.remote:not([hidden]) video')]
        .filter((v) => v.videoWidth > 0).length >= 2, null, { timeout: 30000 });
    }
    assert.ok(await liveTiles(clinician.page) >= 2);
    assert.ok(await liveTiles(interp.page) >= 2);
    // Chat reaches the patient.
    await clinician.page.click('.controls >> text=Chat');
    await clinician.page.fill('#chat-input', 'Can you hear me?');
    await clinician.page.press('#chat-input', 'Enter');
    await patient.page.waitForSelector('#chat-log li:has-text("Can you hear me?")', { state: 'attached', timeout: 10000 });
    // The clinician ends the visit; the patient is asked one question.
    await clinician.page.click('text=End visit for everyone');
    await screen(patient.page, 'rating', 15000);
  } finally {
    await patient.ctx.close();
    await clinician.ctx.close();
    await interp.ctx.close();
  }
});

test('interpreter and caregiver joining the same visit by their links see and hear each other', async (t) => {
  const interp = await newPerson(browser, { viewport: PHONE });
  const carer = await newPerson(browser, { viewport: PHONE });
  try {
    for (const [p, link] of [[interp.page, demo.links.interpreter], [carer.page, demo.links.caregiver]]) {
      await p.goto(link);
      await screen(p, 'guest-intro');
      await p.click('#guest-join');
      await screen(p, 'visit');
    }
    // A server whose visit answers accept no receive direction cannot forward anyone yet.
    await interp.page.waitForFunction(() => window.__anteroom.pcs[0]?.connectionState === 'connected', null, { timeout: 20000 });
    const receives = await interp.page.evaluate(() => window.__anteroom.pcs[0].getTransceivers()
      .some((x) => x.currentDirection === 'recvonly' || x.currentDirection === 'sendrecv'));
    if (!receives) {
      t.skip('server answers visit offers with no receive slots yet (all recvonly m-lines inactive)');
      return;
    }
    for (const p of [interp.page, carer.page]) {
      await p.waitForFunction(() => [...document.querySelectorAll('.tile.remote:not([hidden]) video')]
        .some((v) => v.videoWidth > 0), null, { timeout: 30000 });
      assert.equal(await p.isVisible('.waiting-note'), false);
    }
    assert.deepEqual([...interp.page.consoleErrors, ...carer.page.consoleErrors], []);
  } finally {
    await interp.ctx.close();
    await carer.ctx.close();
  }
});
