// Issue 5: a three-party visit of three different WebRTC stacks — Chromium (patient),
// libwebrtc in node (interpreter) and GStreamer webrtcbin (caregiver) — where every party decodes
// every other party's audio and video through the SFU, on receive slots negotiated in advance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { setupPagePeer, negotiate, inboundStats } from './lib/page-peer.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';
import { runPeer } from './lib/peer.mjs';

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

async function joined(token) {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  const j = await c.request('join', { token });
  assert.equal(j.type, 'joined', JSON.stringify(j));
  return c;
}

test('Chromium, libwebrtc and webrtcbin each decode both others', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  await setupPagePeer(page, { slots: 2 });
  const patient = await joined(server.links.patient.token);
  const pump = await negotiate(page, patient, 'visit');

  const interp = await joined(server.links.interpreter.token);
  const wrtcPeer = new WrtcPeer({ slots: 2 });
  await wrtcPeer.connect(interp, 'visit');

  const caregiver = runPeer(['--url', server.wsUrl, '--token', server.links.caregiver.token,
    '--insecure', '--purpose', 'visit', '--slots', '2', '--duration', '9']);

  const deadline = Date.now() + 12000;
  let st;
  for (;;) {
    st = await inboundStats(page);
    const chromeOk = st.videoStreams.filter((v) => v.frames > 20).length >= 2 &&
      st.audioStreams.filter((a) => a.packets > 20).length >= 2;
    const wrtcOk = [...wrtcPeer.framesByTrack.values()].filter((n) => n > 20).length >= 2;
    if ((chromeOk && wrtcOk) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(st.videoStreams.filter((v) => v.frames > 20).length >= 2,
    `Chromium decodes two remote videos: ${JSON.stringify(st.videoStreams)}`);
  assert.ok(st.audioStreams.filter((a) => a.packets > 20).length >= 2,
    `Chromium receives two remote audio streams: ${JSON.stringify(st.audioStreams)}`);
  assert.ok(wrtcPeer.energy > 0, 'libwebrtc hears the others');
  assert.ok([...wrtcPeer.framesByTrack.values()].filter((n) => n > 20).length >= 2,
    `libwebrtc decodes two remote videos: ${JSON.stringify([...wrtcPeer.framesByTrack])}`);

  const r = await caregiver;
  const f = r.final;
  assert.equal(r.code, 0, r.stderr);
  // Two senders for several seconds, none of it the caregiver's own (it sends no echo in a
  // visit). Frame counts depend on the machine's load, so only require a steady flow.
  assert.ok(f.video_frames_received >= 20, `webrtcbin decoded ${f.video_frames_received} frames`);
  assert.ok(f.audio_buffers_received >= 20 && f.audio_rms_max > 0.01, 'webrtcbin hears the others');

  // The router's view reaches the clients: slots labelled with who shows on them, who speaks,
  // and everyone's link quality.
  const slot = await patient.waitFor((m) => m.type === 'media.slot' && m.participant_id, 2000);
  assert.match(slot.participant_id, /^par_/);
  const speaker = await patient.waitFor((m) => m.type === 'speaker.active', 5000);
  assert.match(speaker.participant_id, /^par_/);
  const quality = await patient.waitFor((m) => m.type === 'media.quality', 5000);
  assert.ok(quality.score >= 0 && quality.score <= 5, JSON.stringify(quality));

  await pump.stop();
  wrtcPeer.close();
  await page.close();
  await patient.close(); await interp.close();
});
