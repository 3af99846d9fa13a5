// Issue 10: anteroom-peer, a GStreamer webrtcbin participant, runs a device check against a
// real anteroom through the real signaling protocol: join with the demo patient's link token,
// offer, trickle ICE both ways, DTLS-SRTP, and the server echoes our own audio and video back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Anteroom } from './lib/anteroom.mjs';
import { runPeer, hasGstElement, SRTP_PROFILES } from './lib/peer.mjs';

let server;
before(async () => { server = await Anteroom.startDemo(); });
after(async () => { await server?.stop(); });

function deviceCheck(extra = []) {
  return runPeer(['--url', server.wsUrl, '--token', server.links.patient.token, '--insecure',
    '--purpose', 'device_check', '--duration', '6', '--report-interval', '1000', ...extra]);
}

function assertEcho(r) {
  const why = `peer exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nserver log:\n${server.log.slice(-4000)}`;
  assert.equal(r.code, 0, why);
  const f = r.final;
  assert.ok(f, why);
  assert.equal(f.result, 'ok', why);
  assert.equal(f.state, 'connected', why);
  // ~6 s of 30 fps video and 20 ms Opus frames, all decoded after the server's echo.
  // Compared with what the peer managed to encode: a CPU-starved machine sends fewer frames,
  // and timing goals belong in benchmarks. Most of what was sent must come back decoded.
  assert.ok(f.video_frames_received >= 10 && f.video_frames_received >= 0.6 * f.video_frames_sent,
    `video frames ${f.video_frames_received} of ${f.video_frames_sent} sent\n${why}`);
  assert.ok(f.audio_buffers_received >= 20 && f.audio_buffers_received >= 0.6 * f.audio_buffers_sent,
    `audio buffers ${f.audio_buffers_received} of ${f.audio_buffers_sent} sent\n${why}`);
  // The 0.3 sine we send comes back with energy (a silent or garbled echo would be ~0).
  assert.ok(f.audio_rms_max > 0.05, `audio rms ${f.audio_rms_max}\n${why}`);
  assert.ok(SRTP_PROFILES.includes(f.srtp_profile), `srtp profile ${f.srtp_profile}\n${why}`);
  // GStreamer 1.22's DTLS offers only AES-CM: this is the run that exercises the second profile
  // (Chromium exercises AES-GCM in echo-chromium).
  assert.equal(f.srtp_profile, 'SRTP_AES128_CM_SHA1_80');
  // The server measured the echo path and said so in media.stats.
  assert.ok(f.stats && f.stats.packets > 0, `server stats ${JSON.stringify(f.stats)}\n${why}`);
  // One report per interval, in time order, and counters never go back.
  assert.ok(r.reports.length >= 4, why);
  for (let i = 1; i < r.reports.length; i++) {
    assert.ok(r.reports[i].t_ms > r.reports[i - 1].t_ms);
    assert.ok(r.reports[i].video_frames_received >= r.reports[i - 1].video_frames_received);
  }
  return f;
}

test('webrtcbin device check with VP8 + Opus: our media comes back decoded', { timeout: 40000 }, async () => {
  const f = assertEcho(await deviceCheck(['--video', 'vp8']));
  console.log(`# vp8 echo: ${f.video_frames_received} frames, ${f.audio_buffers_received} audio buffers, rms ${f.audio_rms_max.toFixed(3)}, ${f.srtp_profile}, server ${JSON.stringify(f.stats)}`);
});

test('webrtcbin device check with H.264 (packetization-mode 1) + Opus', { timeout: 40000 }, async (t) => {
  if (!hasGstElement('x264enc')) {
    t.skip('x264enc is not installed (Debian package gstreamer1.0-plugins-ugly)');
    return;
  }
  const f = assertEcho(await deviceCheck(['--video', 'h264']));
  console.log(`# h264 echo: ${f.video_frames_received} frames, ${f.srtp_profile}`);
});

test('--file sends a media file: its louder tone is what comes back', { timeout: 60000 }, async () => {
  // 8 s of VP8 + Opus in WebM; the tone is at audiotestsrc's default volume 0.8 (RMS ~0.57),
  // far above the test source's 0.3 (RMS ~0.21), so the echo's energy shows which was sent.
  const dir = mkdtempSync(join(tmpdir(), 'anteroom-peer-'));
  try {
    const clip = join(dir, 'clip.webm');
    const made = spawnSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=240', '!',
      'video/x-raw,width=320,height=240,framerate=30/1', '!', 'vp8enc', 'deadline=1', '!',
      'webmmux', 'name=m', '!', 'filesink', `location=${clip}`,
      'audiotestsrc', 'num-buffers=400', 'samplesperbuffer=960', 'freq=300', '!',
      'audio/x-raw,rate=48000,channels=2', '!', 'opusenc', '!', 'm.'], { timeout: 60000 });
    assert.equal(made.status, 0, `gst-launch-1.0: ${made.stderr}`);
    const f = assertEcho(await deviceCheck(['--file', clip]));
    assert.ok(f.audio_rms_max > 0.4, `audio rms ${f.audio_rms_max}: not the file's tone`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a forged link token is refused: exit 2 and invalid_token', { timeout: 20000 }, async () => {
  // The patient's real token with one character of its signature changed.
  const tok = server.links.patient.token;
  const forged = tok.slice(0, -3) + (tok.at(-3) === 'A' ? 'B' : 'A') + tok.slice(-2);
  const r = await runPeer(['--url', server.wsUrl, '--token', forged, '--insecure', '--duration', '5']);
  assert.equal(r.code, 2, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, /join refused: invalid_token: /);
  assert.equal(r.final.result, 'fail');
  assert.match(r.final.reason, /invalid_token/);
  assert.equal(r.final.video_frames_received, 0);
});

test('without --insecure the self-signed certificate is not accepted', { timeout: 20000 }, async () => {
  const r = await runPeer(['--url', server.wsUrl, '--token', server.links.patient.token, '--duration', '5']);
  assert.equal(r.code, 1, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.final.reason, /^signaling: /);
  assert.equal(r.final.state, 'new');
});
