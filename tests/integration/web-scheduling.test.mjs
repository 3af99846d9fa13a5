// Issue 9: the patient page's scheduling flows in Chromium against the demo clinic. A patient
// on the waiting list sits in the waiting room; the clinician marks an earlier appointment a
// no-show, the freed slot is offered, and the patient takes it in the page and sees the new
// time. A patient cancels from the page; another moves to an open time from the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchChromium, newPerson, screen } from './lib/web.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { mintToken, stateDir, sql, upcoming } from './lib/waiting.mjs';

// A no-show keeps the old appointment's slot as history and opens the time as a new slot.
const openedSlot = (appt) => sql(demo, `select id from slot where opened_reason = 'noshow' and start_ts = ${appt.start}
  and schedule_id = (select schedule_id from slot where id = (select slot_id from appointment where id = '${appt.id}'))`);

let demo, browser, clinician;
before(async () => {
  demo = await startDemo({ scheduling: { min_notice_seconds: 0, min_answer_seconds: 1 } });
  browser = await launchChromium();
  clinician = new SignalingClient(demo.wsUrl);
  await clinician.opened;
  const j = await clinician.request('join', { token: mintToken(stateDir(demo), 'clinician', 'cl_demo', 'prac_okafor') });
  assert.equal(j.type, 'joined', JSON.stringify(j));
});
after(async () => {
  clinician?.close();
  await browser?.close();
  await demo?.stop();
});

const linkFor = (appointment, patient) =>
  `${demo.url}/patient.html#t=${mintToken(stateDir(demo), 'patient', appointment, patient)}`;

// Link → consent → device check → waiting room.
async function toWaitingRoom(page, link) {
  await page.goto(link);
  await screen(page, 'consent');
  await page.check('#consent-box');
  await page.click('[data-screen="consent"] button[type="submit"]');
  await screen(page, 'device-check', 30000);
  await page.click('#check-done');
  await screen(page, 'waiting', 30000);
}

// The time as the page shows it (the browser's time zone and language).
const shown = (page, unix) => page.evaluate((u) => new Date(u * 1000)
  .toLocaleTimeString('en', { hour: 'numeric', minute: '2-digit' }), unix);

test('a wait-listed patient in the waiting room takes an earlier slot freed by a no-show', { timeout: 120000 }, async () => {
  const { ctx, page } = await newPerson(browser);
  try {
    // pat_demo12 holds ap_later_12, weeks away, and is on Dr. Okafor's waiting list (demo.c).
    await toWaitingRoom(page, linkFor('ap_later_12', 'pat_demo12'));
    const before = page.url();
    const freed = upcoming(demo)[1];
    const r = await clinician.request('lobby.noshow', { appointment_id: freed.id });
    assert.equal(r.type, 'ok', JSON.stringify(r));
    await page.waitForSelector('#offer-take', { state: 'visible', timeout: 30000 });
    const time = await shown(page, freed.start);
    assert.match(await page.textContent('#offer-text'), new RegExp(`earlier time is available: ${time}`));
    await page.click('#offer-take');
    await page.waitForSelector('#wait-booked', { state: 'visible', timeout: 15000 });
    assert.equal(await page.textContent('#wait-booked'), `Done: your visit is now at ${time}.`);
    assert.ok(await page.isHidden('#offer-take'));
    // Booked in the store, in the freed slot; the page now holds a link for the new visit.
    const slot = openedSlot(freed);
    const booked = sql(demo, `select id from appointment where patient_id = 'pat_demo12' and slot_id = '${slot}' and status = 'booked'`);
    assert.ok(booked, 'the new appointment is booked');
    assert.notEqual(page.url(), before, 'the address bar carries the new link');
    // A reload opens the new appointment and keeps the patient in the waiting room.
    await page.reload();
    await screen(page, 'waiting', 30000);
    assert.deepEqual(page.consoleErrors, []);
  } finally {
    await ctx.close();
  }
});

test('a patient cancels from the waiting room', { timeout: 90000 }, async () => {
  const { ctx, page } = await newPerson(browser);
  try {
    const appt = upcoming(demo)[2];
    await toWaitingRoom(page, linkFor(appt.id, appt.patient));
    await page.click('[data-screen="waiting"] .actions button:has-text("Cancel visit")');
    await page.waitForSelector('#cancel-yes', { state: 'visible' });
    await page.click('#cancel-yes');
    await screen(page, 'cancelled');
    assert.match(await page.textContent('#app'), /Your visit is cancelled/);
    assert.equal(sql(demo, `select status from appointment where id = '${appt.id}'`), 'cancelled');
    assert.deepEqual(page.consoleErrors, []);
  } finally {
    await ctx.close();
  }
});

test('a patient moves their visit to another open time from the waiting room', { timeout: 90000 }, async () => {
  const { ctx, page } = await newPerson(browser);
  try {
    const [appt, other] = [upcoming(demo)[3], upcoming(demo)[4]];
    // An open time: the clinician marks a later appointment a no-show.
    assert.equal((await clinician.request('lobby.noshow', { appointment_id: other.id })).type, 'ok');
    const slot = openedSlot(other);
    await toWaitingRoom(page, linkFor(appt.id, appt.patient));
    await page.click('#reschedule-open');
    await page.waitForSelector(`#reschedule button[data-slot="${slot}"]`, { timeout: 15000 });
    await page.click(`#reschedule button[data-slot="${slot}"]`);
    await page.waitForSelector('#wait-booked', { state: 'visible', timeout: 15000 });
    const time = await shown(page, other.start);
    assert.equal(await page.textContent('#wait-booked'), `Done: your visit is now at ${time}.`);
    assert.ok(await page.isHidden('#reschedule'));
    assert.equal(sql(demo, `select status from appointment where id = '${appt.id}'`), 'cancelled');
    assert.ok(sql(demo, `select id from appointment where patient_id = '${appt.patient}' and slot_id = '${slot}' and status = 'booked'`));
    assert.deepEqual(page.consoleErrors, []);
  } finally {
    await ctx.close();
  }
});
