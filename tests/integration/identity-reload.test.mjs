// Issue 6 resume after a page RELOAD: the patient's RTCPeerConnection is gone (new DTLS
// fingerprint, new ICE credentials, new SSRCs). It comes back on a new socket with `resume` and
// the same link token, and offers from a new peer connection; the server replaces its transport
// and keeps its place: still in the visit (although the reloaded page asks for its device check),
// on the same receive slot of the clinician, whose Chromium peer connection is never
// renegotiated and keeps receiving on the same SSRC. Reconnect → first decoded frame is printed
// for each run (figures in tests/RESULTS-reliability.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { setupPagePeer, negotiate } from './lib/page-peer.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';
import { IdClient, appointmentOf, joinedClient } from './lib/identity.mjs';

const RUNS = 3;
let server, browser;
before(async () => {
  server = await Anteroom.startDemo({ signaling: { grace_seconds: 20 } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

// Per receive m-line of the page: ssrc, frames decoded / packets received.
const pageInbound = (page) => page.evaluate(async () => {
  const out = {};
  (await window.__peer.pc.getStats()).forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    out[s.mid] = { kind: s.kind, ssrc: s.ssrc, frames: s.framesDecoded || 0, packets: s.packetsReceived || 0 };
  });
  return out;
});
const pageSignaling = (page) => page.evaluate(() => ({
  state: window.__peer.pc.signalingState, remote: window.__peer.pc.remoteDescription.sdp,
  local: window.__peer.pc.localDescription.sdp }));

async function until(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('a reloaded patient gets its transport replaced and its place kept; the clinician never renegotiates', async () => {
  const apA = appointmentOf(server.links.patient.token);
  const { c: clin } = await joinedClient(server, server.links.clinician.token);
  assert.equal((await clin.request('visit.join', { appointment_id: apA })).type, 'visit.joined');
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  await setupPagePeer(page, { slots: 1 });
  const pump = await negotiate(page, clin, 'visit');

  let { c: pat, j } = await joinedClient(server, server.links.patient.token);
  assert.equal(j.type, 'joined', JSON.stringify(j));
  const pid = j.participant_id;
  let peer = new WrtcPeer({ slots: 1 });
  await peer.connect(pat, 'visit');

  // Which of the clinician's m-lines shows the patient's video and audio.
  const slotV = await clin.waitFor((m) => m.type === 'media.slot' && m.participant_id === pid && m.kind === 'video', 10000);
  const slotA = await clin.waitFor((m) => m.type === 'media.slot' && m.participant_id === pid && m.kind === 'audio', 10000);
  let st = await until(async () => {
    const s = await pageInbound(page);
    return s[slotV.mid]?.frames > 20 && s[slotA.mid]?.packets > 20 && peer.frames > 20 ? s : null;
  }, 20000, 'both sides decode each other before the reload');
  const ssrcV = st[slotV.mid].ssrc, ssrcA = st[slotA.mid].ssrc;
  const sig0 = await pageSignaling(page);
  const offersBefore = clin.all.filter((m) => m.type === 'media.answer').length;

  const toPatient = [], toClinician = [];
  for (let run = 0; run < RUNS; run++) {
    // The reload: socket and peer connection gone at once, no goodbye.
    await pat.kill();
    peer.close();
    await clin.waitFor((m) => m.type === 'participant.away' && m.participant_id === pid, 5000);
    const framesBefore = (await pageInbound(page))[slotV.mid].frames;
    await new Promise((r) => setTimeout(r, 500));

    const t0 = Date.now();
    pat = new IdClient(server.wsUrl);
    await pat.opened;
    const r = await pat.request('resume', { token: server.links.patient.token, participant_id: pid });
    assert.equal(r.type, 'resumed', JSON.stringify(r));
    assert.equal(r.participant_id, pid);
    assert.equal(r.media, true);
    peer = new WrtcPeer({ slots: 1 });
    // A reloaded page starts on its device check; the server keeps it in the visit.
    await peer.connect(pat, 'device_check');
    const connected = await pat.waitFor((m) => m.type === 'media.state' && m.state === 'connected', 15000);
    assert.ok(connected.srtp_profile, JSON.stringify(connected));
    await until(() => peer.frames > 0, 15000, 'the reloaded patient decodes the clinician');
    toPatient.push(Date.now() - t0);
    await until(async () => (await pageInbound(page))[slotV.mid].frames > framesBefore, 15000,
      'the clinician decodes the reloaded patient');
    toClinician.push(Date.now() - t0);

    st = await until(async () => {
      const s = await pageInbound(page);
      return s[slotV.mid].frames > framesBefore + 20 && peer.frames > 20 ? s : null;
    }, 15000, 'media keeps flowing both ways after the reload');
    // Same slot, same SSRCs: nothing new for the clinician's browser to learn.
    assert.equal(st[slotV.mid].ssrc, ssrcV);
    assert.equal(st[slotA.mid].ssrc, ssrcA);
    assert.equal(Object.values(st).filter((s) => s.kind === 'video').length, 1,
      `one inbound video stream on the clinician's page: ${JSON.stringify(st)}`);
    const audioBefore = st[slotA.mid].packets;
    await until(async () => (await pageInbound(page))[slotA.mid].packets > audioBefore + 20, 10000,
      'the clinician receives the reloaded patient\'s audio');
  }
  assert.ok(peer.energy > 0, 'the reloaded patient hears the clinician');

  // The clinician's peer connection was never renegotiated, and no slot moved to another m-line.
  const sig1 = await pageSignaling(page);
  assert.equal(sig1.state, 'stable');
  assert.equal(sig1.remote, sig0.remote);
  assert.equal(sig1.local, sig0.local);
  assert.equal(clin.all.filter((m) => m.type === 'media.answer').length, offersBefore);
  for (const m of clin.all.filter((x) => x.type === 'media.slot' && x.participant_id === pid)) {
    assert.equal(m.mid, m.kind === 'video' ? slotV.mid : slotA.mid, JSON.stringify(m));
  }
  assert.ok(!clin.all.some((m) => m.type === 'participant.left'), 'the patient never left');

  console.log(`reload → first decoded frame: patient ${toPatient.join(', ')} ms (p50 ${median(toPatient)}), ` +
    `clinician ${toClinician.join(', ')} ms (p50 ${median(toClinician)})`);
  await pump.stop();
  peer.close();
  await page.close();
  await pat.close(); await clin.close();
});
