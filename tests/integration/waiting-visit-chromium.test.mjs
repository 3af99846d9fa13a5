// Issue 7 end to end with media: a Chromium patient does the device check (the server's echo,
// and the lobby shows its network verdict), a Chromium clinician waits in the visit's room, a
// libwebrtc interpreter wins the interpreter request and joins; admit reuses the patient's
// device-check transport (no new offer), after which each side decodes the others' video and the
// next patient in line moves up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { setupColorPeer, seenColors } from './lib/color-peer.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';
import { joined, readyPatient, queueUpdate, lobbyEntry, upcoming, negotiateIn } from './lib/waiting.mjs';

let server, browser;
before(async () => {
  server = await Anteroom.startDemo();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

async function until(what, fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('admit switches the kept transport into the visit; interpreter joins; the line moves up', async () => {
  const ups = upcoming(server);
  const [A, B] = ups;
  const cl = await joined(server, 'clinician', 'cl_demo', 'prac_okafor');
  await cl.request('lobby.subscribe');

  // Patient A in Chromium: consent, device check through the server's echo, ready.
  const pp = await browser.newPage();
  await pp.goto(`${server.url}/`);
  await setupColorPeer(pp, { color: '#ff0000', slots: 2 });
  const patient = await joined(server, 'patient', A.id, A.patient);
  assert.equal((await patient.request('checkin', { consent: true })).state, 'checking_devices');
  const pPump = await negotiateIn(pp, patient, 'device_check');
  await until('patient sees its echo', async () => (await seenColors(pp)).red);
  await patient.waitFor((m) => m.type === 'media.stats', 8000);
  assert.equal((await patient.request('device_check.result', { camera: true, microphone: true, speaker: true })).type, 'ok');
  const entry = await lobbyEntry(cl, A.id, (e) => e.state === 'ready' && e.network !== 'unknown');
  assert.match(entry.network, /^(good|fair|poor)$/);

  // Patient B (signaling only) waits behind A.
  const b = await readyPatient(server, B);
  const qb = await queueUpdate(b, (q) => q.state === 'ready');

  // The clinician's browser connects to A's room before admitting.
  const cp = await browser.newPage();
  await cp.goto(`${server.url}/`);
  await setupColorPeer(cp, { color: '#0000ff', slots: 2 });
  const cPump = await negotiateIn(cp, cl, 'visit', { appointment_id: A.id });

  // Interpreter (libwebrtc): offered the request, wins it, joins A's visit.
  const interp = await joined(server, 'interpreter', B.id, 'prac_interp');
  const req = await cl.request('interpreter.request', { appointment_id: A.id, language: 'es' });
  assert.equal(req.offered, 1);
  await interp.waitFor((m) => m.type === 'interpreter.offer');
  const won = await interp.request('interpreter.accept', { request_id: req.request_id });
  assert.equal(won.type, 'interpreter.assigned');
  assert.equal(won.visit_id, A.id);
  const wrtcPeer = new WrtcPeer({ slots: 2 });
  await wrtcPeer.connect(interp, 'visit');

  const offersBefore = patient.events.filter((m) => m.type === 'media.answer').length;
  const t0 = Date.now();
  const ok = await cl.request('lobby.admit', { appointment_id: A.id });
  assert.equal(ok.type, 'ok');
  assert.equal(ok.media, true);
  const adm = await patient.waitFor((m) => m.type === 'admitted');
  assert.equal(adm.media, true);

  // Each side recognises the other by colour: red patient, blue clinician.
  const pAt = (await until('patient decodes the clinician', async () => (await seenColors(pp)).blue)) - t0;
  const cAt = (await until('clinician decodes the patient', async () => (await seenColors(cp)).red)) - t0;
  console.log(`admit -> first remote frame: patient ${pAt} ms, clinician ${cAt} ms`);
  // The patient's transport was reused: no new offer/answer.
  assert.equal(patient.events.filter((m) => m.type === 'media.answer').length, offersBefore);
  // The interpreter decodes both; both browsers decode the interpreter (libwebrtc's synthetic
  // frames, luma only, decode green).
  await until('interpreter decodes patient and clinician',
    () => [...wrtcPeer.framesByTrack.values()].filter((n) => n > 10).length >= 2, 12000);
  await until('patient decodes the interpreter', async () => (await seenColors(pp)).green);
  await until('clinician decodes the interpreter', async () => (await seenColors(cp)).green);
  assert.ok(!(await seenColors(cp)).blue, 'the clinician saw their own video');

  // The line moved up for B, in their view and in the lobby.
  const qb2 = await queueUpdate(b, (q) => q.position === qb.position - 1);
  assert.equal((await lobbyEntry(cl, B.id, (e) => e.position === qb2.position)).state, 'ready');
  assert.equal((await lobbyEntry(cl, A.id)).state, 'in_visit');

  wrtcPeer.close();
  await pPump.stop();
  await cPump.stop();
  await pp.close();
  await cp.close();
});
