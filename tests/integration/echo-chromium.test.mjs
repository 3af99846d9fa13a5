// Issue 4: a patient's camera and microphone go through the server and come back (device
// check echo) in real Chromium: ICE, DTLS, SRTP both ways, decoded video and audible audio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom, request } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { setupPagePeer, negotiate, inboundStats } from './lib/page-peer.mjs';
import { parsePrometheus } from './lib/prometheus.mjs';

let server, browser;
before(async () => {
  server = await Anteroom.startDemo();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function waitFor(fn, pred, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let v;
  while (Date.now() < deadline) {
    v = await fn();
    if (pred(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return v;
}

test('Chromium gets its own video and audio back through the server', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  await setupPagePeer(page);
  const ws = new SignalingClient(server.wsUrl);
  await ws.opened;
  const joined = await ws.request('join', { token: server.links.patient.token });
  assert.equal(joined.type, 'joined', JSON.stringify(joined));
  const t0 = Date.now();
  const pump = await negotiate(page, ws, 'device_check');
  const state = await ws.waitFor((m) => m.type === 'media.state' && m.state === 'connected', 10000);
  // Chromium offers AES-GCM and the server prefers it (webrtcbin exercises AES-CM: peer-echo).
  assert.equal(state.srtp_profile, 'SRTP_AEAD_AES_128_GCM');
  const stats = await waitFor(() => inboundStats(page), (s) => s.framesDecoded > 30 && (s.audioEnergy > 0 || s.audioPeak > 0.01), 5000);
  assert.ok(stats.framesDecoded > 30, `frames decoded ${stats.framesDecoded} after ${Date.now() - t0} ms`);
  assert.ok(stats.audioEnergy > 0 || stats.audioPeak > 0.01, `echoed audio carries energy: ${JSON.stringify(stats)}`);
  // The server's transport-wide-cc feedback drives Chromium's send-side estimate up from its
  // 300 kbps start; without feedback it would not grow.
  const bitrate = await waitFor(() => page.evaluate(async () => {
    let v = 0;
    (await window.__peer.pc.getStats()).forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) v = s.availableOutgoingBitrate;
    });
    return v;
  }), (v) => v > 600000, 8000);
  console.log(`# chromium availableOutgoingBitrate ${bitrate}`);
  assert.ok(bitrate > 600000, `send-side estimate grows with our feedback: ${bitrate}`);
  const report = await ws.waitFor((m) => m.type === 'media.stats', 5000);
  assert.ok(report.packets > 0);
  assert.match(report.verdict, /^(good|fair|poor)$/);
  await pump.stop();
  const metrics = parsePrometheus((await request(`${server.url}/metrics`)).body);
  const out = metrics.find((s) => s.name === 'anteroom_media_packets_total' && s.labels.direction === 'out');
  assert.ok(out.value > 100, 'the server sent media');
  await ws.close();
  await page.close();
});

test('malformed SDP gets bad_sdp naming the problem and the session stays usable', async () => {
  const ws = new SignalingClient(server.wsUrl);
  await ws.opened;
  await ws.request('join', { token: server.links.patient.token });
  const bad = await ws.request('media.offer', { purpose: 'device_check', sdp: 'v=0\r\nthis is not sdp\r\n' });
  assert.equal(bad.type, 'error');
  assert.equal(bad.code, 'bad_sdp');
  const noBundle = await ws.request('media.offer', { purpose: 'device_check',
    sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 ' + Array(32).fill('AB').join(':') + '\r\na=setup:actpass\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n' });
  assert.equal(noBundle.code, 'bad_sdp');
  assert.match(noBundle.message, /BUNDLE/i);
  assert.equal((await ws.request('ping')).type, 'pong');
  await ws.close();
});

test('media before join is refused', async () => {
  const ws = new SignalingClient(server.wsUrl);
  await ws.opened;
  const r = await ws.request('media.offer', { purpose: 'device_check', sdp: 'v=0' });
  assert.equal(r.code, 'unauthenticated');
  await ws.close();
});
