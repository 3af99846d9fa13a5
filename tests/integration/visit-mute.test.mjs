// Issue 6 server-enforced mute: when the clinician mutes the patient, the router stops
// forwarding the patient's audio although the patient's libwebrtc peer keeps sending it (the
// clinician's Chromium sees packetsReceived stop growing on that slot while video goes on); the
// clinician cannot unmute it; the patient's own unmute resumes the audio on the same SSRC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { setupPagePeer, negotiate } from './lib/page-peer.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';
import { appointmentOf, joinedClient } from './lib/identity.mjs';

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

const pageInbound = (page) => page.evaluate(async () => {
  const out = {};
  (await window.__peer.pc.getStats()).forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    out[s.mid] = { kind: s.kind, ssrc: s.ssrc, frames: s.framesDecoded || 0, packets: s.packetsReceived || 0 };
  });
  return out;
});

async function until(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a muted participant\'s audio is not forwarded until it unmutes itself', async () => {
  const apA = appointmentOf(server.links.patient.token);
  const { c: clin, j: cj } = await joinedClient(server, server.links.clinician.token);
  assert.equal((await clin.request('visit.join', { appointment_id: apA })).type, 'visit.joined');
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  await setupPagePeer(page, { slots: 1 });
  const pump = await negotiate(page, clin, 'visit');

  const { c: pat, j } = await joinedClient(server, server.links.patient.token);
  const pid = j.participant_id;
  const peer = new WrtcPeer({ slots: 1 });
  await peer.connect(pat, 'visit');
  const slotA = await clin.waitFor((m) => m.type === 'media.slot' && m.participant_id === pid && m.kind === 'audio', 10000);
  const slotV = await clin.waitFor((m) => m.type === 'media.slot' && m.participant_id === pid && m.kind === 'video', 10000);
  let st = await until(async () => {
    const s = await pageInbound(page);
    return s[slotA.mid]?.packets > 50 && s[slotV.mid]?.frames > 10 ? s : null;
  }, 20000, 'the clinician receives the patient');
  const ssrcA = st[slotA.mid].ssrc;

  const ok = await clin.request('visit.mute', { participant_id: pid, kind: 'audio' });
  assert.equal(ok.type, 'ok', JSON.stringify(ok));
  const ev = await pat.waitFor((m) => m.type === 'participant.muted' && m.participant_id === pid);
  assert.equal(ev.muted, true);
  assert.equal(ev.by, cj.participant_id);
  // The patient's client ignores the event and keeps sending its tone.
  await sleep(1000); // packets already in flight arrive
  const s1 = await pageInbound(page);
  await sleep(2500);
  const s2 = await pageInbound(page);
  assert.equal(s2[slotA.mid].packets, s1[slotA.mid].packets,
    `no audio packets from the muted patient: ${s1[slotA.mid].packets} → ${s2[slotA.mid].packets}`);
  assert.ok(s2[slotV.mid].frames > s1[slotV.mid].frames + 10, 'video still flows while muted');

  // Only the participant may turn its microphone back on.
  const refused = await clin.request('visit.mute', { participant_id: pid, kind: 'audio', muted: false });
  assert.equal(refused.code, 'forbidden');
  await sleep(1000);
  assert.equal((await pageInbound(page))[slotA.mid].packets, s2[slotA.mid].packets, 'still muted');

  assert.equal((await pat.request('visit.mute', { kind: 'audio', muted: false })).type, 'ok');
  const s3 = await until(async () => {
    const s = await pageInbound(page);
    return s[slotA.mid].packets > s2[slotA.mid].packets + 50 ? s : null;
  }, 10000, 'audio resumes after the patient unmutes');
  assert.equal(s3[slotA.mid].ssrc, ssrcA, 'same SSRC after the unmute');

  await pump.stop();
  peer.close();
  await page.close();
  await pat.close(); await clin.close();
});
