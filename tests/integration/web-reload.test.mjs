// Issue 6 in the real pages: a patient who reloads the page comes back as the same participant
// (`resume` with the participant id the tab kept in sessionStorage) instead of joining anew.
// A waiting patient keeps the place in line; a patient in a visit is back in it, the clinician's
// page sees participant.away/back (never participant.left) and both decode each other again.
// After the grace period the page falls back to `join` and still gets back to the waiting room.
// A duplicated tab (same sessionStorage) does not take the first tab's participant. Reload →
// first decoded frame on both sides is printed per run (tests/RESULTS-reliability.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchChromium, newPerson, screen, PHONE, DESKTOP } from './lib/web.mjs';
import { auditEvents } from './lib/identity.mjs';

const GRACE_S = 15;
const RUNS = 3;
let demo, browser, patient, clinician;
before(async () => {
  demo = await startDemo({ signaling: { grace_seconds: GRACE_S } });
  browser = await launchChromium();
  patient = await newPerson(browser, { viewport: PHONE });
  clinician = await newPerson(browser, { viewport: DESKTOP });
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

const whoami = (page) => page.evaluate(() => window.__anteroom.sig.request('whoami'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Video frames decoded on the page's remote tiles (the <video> elements people look at).
const tileFrames = (page) => page.evaluate(() => [...document.querySelectorAll('.tile.remote video')]
  .reduce((n, v) => n + (v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0), 0))
  .catch(() => 0);

async function until(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

async function checkInAndWait(page) {
  await page.goto(demo.links.patient);
  await screen(page, 'consent');
  await page.check('#consent-box');
  await page.click('[data-screen="consent"] button[type="submit"]');
  await screen(page, 'device-check');
  await page.waitForFunction(() => document.querySelector('video.echo').videoWidth > 0, null, { timeout: 30000 });
  await page.click('#check-done');
  await screen(page, 'waiting');
  await page.waitForFunction(() => /\d/.test(document.getElementById('wait-position').textContent), null, { timeout: 15000 });
}

const position = (page) => page.textContent('#wait-position');
const joinsOf = (pid) => auditEvents(demo, `action = 'visit.join' AND detail LIKE '%${pid}%'`).length;

test('after the grace period a reload falls back to join and the patient is back in the waiting room', async () => {
  const { page } = patient;
  await checkInAndWait(page);
  const before = (await whoami(page)).participant_id;
  // Away for longer than the grace period, in the same tab (sessionStorage kept).
  await page.goto('about:blank');
  await sleep((GRACE_S + 2) * 1000);
  await page.goto(demo.links.patient);
  await screen(page, 'waiting', 30000);
  const after = (await whoami(page)).participant_id;
  assert.notEqual(after, before, 'the old participant is gone: a new one joined');
  assert.equal(auditEvents(demo, `action = 'visit.leave' AND detail LIKE '%${before}%' AND detail LIKE '%timeout%'`).length, 1);
  // Still a ready patient with a place in line (the device check carried over).
  await page.waitForFunction(() => /\d/.test(document.getElementById('wait-position').textContent), null, { timeout: 15000 });
  await page.reload(); // and resumable again under its new id
  await screen(page, 'waiting', 30000);
  assert.equal((await whoami(page)).participant_id, after);
  assert.deepEqual(page.consoleErrors, []);
});

test('a waiting patient who reloads keeps the participant and the place in line', async () => {
  const { page } = patient;
  await screen(page, 'waiting');
  const pid = (await whoami(page)).participant_id;
  const place = await position(page);
  const joins = joinsOf(pid);
  await page.reload();
  await screen(page, 'waiting', 30000);
  await page.waitForFunction(() => /\d/.test(document.getElementById('wait-position').textContent), null, { timeout: 15000 });
  assert.equal(await position(page), place);
  assert.equal((await whoami(page)).participant_id, pid);
  assert.equal(joinsOf(pid), joins, 'no new join');
  assert.ok(auditEvents(demo, `action = 'visit.resume' AND outcome = 'success' AND detail LIKE '%${pid}%'`).length >= 1);
});

test('a duplicated tab joins as a new participant and leaves the first tab its own', async () => {
  const { page } = patient;
  const pid = (await whoami(page)).participant_id;
  // A duplicate copies sessionStorage: the same stored participant id.
  const stored = await page.evaluate(() => Object.entries(sessionStorage));
  const dup = await patient.ctx.newPage();
  await dup.goto(`${demo.url}/favicon.svg`);
  await dup.evaluate((kv) => { for (const [k, v] of kv) sessionStorage.setItem(k, v); }, stored);
  await dup.goto(demo.links.patient);
  await screen(dup, 'waiting', 30000);
  assert.notEqual((await whoami(dup)).participant_id, pid);
  await sleep(500);
  assert.equal(await page.getAttribute('#app', 'data-screen'), 'waiting', 'the first tab was not taken over');
  assert.equal((await whoami(page)).participant_id, pid);
  await dup.close();
  // The first tab reconnects as the newest connection of this patient (its place stands).
  await page.reload();
  await screen(page, 'waiting', 30000);
  assert.equal((await whoami(page)).participant_id, pid);
});

test('a patient in a visit reloads: same participant, back in the visit, both decode each other again', async () => {
  const { page } = patient;
  const cpage = clinician.page;
  await cpage.goto(demo.links.clinician);
  await screen(cpage, 'lobby');
  const row = `tr[data-appointment]:has-text("ready"), tr.state-ready`;
  await cpage.waitForSelector(row, { timeout: 15000 });
  await cpage.click(`${row} >> text=Admit`);
  await screen(cpage, 'visit');
  await screen(page, 'visit', 15000);
  await until(async () => (await tileFrames(page)) > 0 && (await tileFrames(cpage)) > 0, 30000, 'media both ways');
  const pid = (await whoami(page)).participant_id;
  const joins = joinsOf(pid);
  await cpage.evaluate(() => {
    window.__events = [];
    window.__anteroom.sig.on('*', (m) => window.__events.push({ type: m.type, pid: m.participant_id, at: Date.now() }));
    // The clinician's decoded frames over time, sampled in the page.
    window.__frames = [];
    setInterval(() => {
      const n = [...document.querySelectorAll('.tile.remote video')]
        .reduce((s, v) => s + v.getVideoPlaybackQuality().totalVideoFrames, 0);
      window.__frames.push([Date.now(), n]);
    }, 40);
  });

  const toPatient = [];
  const toClinician = [];
  const toResume = [];
  let resumeSent = 0;
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    if (!resumeSent && /"type":"resume"/.test(f.payload)) resumeSent = Date.now();
  }));
  for (let run = 0; run < RUNS; run++) {
    const t0 = await cpage.evaluate(() => Date.now()); // same clock as the samples
    resumeSent = 0;
    const reloaded = page.reload();
    await until(async () => (await tileFrames(page)) > 0, 60000, 'the reloaded patient decodes the clinician');
    toPatient.push((await cpage.evaluate(() => Date.now())) - t0);
    toResume.push(`${resumeSent - t0} (lock ${await page.evaluate(() => window.__anteroom.lockWaitMs)})`);
    await reloaded;
    await screen(page, 'visit');
    // The clinician: the first frame after the gap the reload made.
    const first = await until(() => cpage.evaluate((start) => {
      const s = window.__frames.filter(([t]) => t >= start);
      for (let i = 1; i < s.length; i++) {
        if (s[i][1] <= s[i - 1][1]) continue;
        let j = i - 1;
        while (j > 0 && s[j - 1][1] === s[i - 1][1]) j--;
        if (s[i][0] - s[j][0] >= 300) return s[i][0];
      }
      return null;
    }, t0), 60000, 'the clinician decodes the reloaded patient');
    toClinician.push(first - t0);
    assert.equal((await whoami(page)).participant_id, pid, `run ${run}: same participant`);
    await sleep(1000);
  }
  console.log(`reload → first decoded frame (ms): patient ${toPatient.join(', ')} (median ${median(toPatient)}); ` +
    `clinician ${toClinician.join(', ')} (median ${median(toClinician)}); resume sent (lock wait) ${toResume.join(', ')}`);

  const events = await cpage.evaluate(() => window.__events);
  const about = events.filter((e) => e.pid === pid).map((e) => e.type);
  assert.equal(about.filter((x) => x === 'participant.away').length, RUNS, about.join());
  assert.equal(about.filter((x) => x === 'participant.back').length, RUNS, about.join());
  assert.ok(!about.includes('participant.left') && !about.includes('participant.joined'), about.join());
  assert.equal(joinsOf(pid), joins, 'no new join');
  assert.equal(auditEvents(demo, `action = 'visit.leave' AND detail LIKE '%${pid}%'`).length, 0);
  // The visit screen knows who the clinician is (the roster came with `resumed`).
  assert.equal(await page.getAttribute('#app', 'data-screen'), 'visit');
  await page.waitForFunction(() => [...document.querySelectorAll('.tile.remote:not([hidden]) figcaption')]
    .some((c) => c.textContent.trim().length > 0), null, { timeout: 15000 });
  assert.deepEqual([...page.consoleErrors, ...cpage.consoleErrors].filter((e) => !/Failed to load resource/.test(e)), []);
});
