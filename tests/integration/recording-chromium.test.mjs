// Issue 10: a Chromium participant's visit is recorded with its audio. Chrome sends audio as RED
// (RFC 2198, "red/48000/2" wrapping Opus) when RED comes first in what was negotiated; the
// recorder unwraps the primary Opus block (server/media/red.c). A Chromium patient with fake
// media and an anteroom-peer clinician are recorded for ~10 s; every track of the file is
// decoded. Run twice: with Chromium's default codec order (Opus first: it sends plain Opus) and
// with RED put first by setCodecPreferences, so it sends RED (issue 5): then the clinician, whose
// webrtcbin did not negotiate RED, hears Chromium only because the router sends it the primary
// Opus block of each RED packet, and the recording has Chromium's audio only because the
// recorder unwraps RED.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Anteroom, request, insecureAgent } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { runPeer } from './lib/peer.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { setupPagePeer, negotiate, inboundStats } from './lib/page-peer.mjs';

const TOKEN = 'test-recording-api-token-0123456789';
let server, browser;
after(async () => {
  await browser?.close();
  await server?.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function joined(token) {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  const j = await c.request('join', { token });
  assert.equal(j.type, 'joined', JSON.stringify(j));
  c.joinReply = j;
  return c;
}

// The recording file, downloaded through the staff API.
function download(id, file) {
  return new Promise((res, rej) => {
    https.get(`${server.url}/api/recordings/${id}`, { agent: insecureAgent, headers: { Authorization: `Bearer ${TOKEN}` } }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        assert.equal(r.statusCode, 200);
        writeFileSync(file, Buffer.concat(chunks));
        res(file);
      });
    }).on('error', rej);
  });
}

// Every other track of the file goes to a fakesink, so the demuxer never stops on not-linked.
function others(kind, track) {
  const out = [];
  for (const [k, n] of [['audio', 2], ['video', 2]])
    for (let i = 0; i < n; i++) if (k !== kind || i !== track) out.push(`d.${k}_${i}`, '!', 'queue', '!', 'fakesink');
  return out;
}

function decode(file, kind, track, chain) {
  const r = spawnSync('gst-launch-1.0', ['-q', 'filesrc', `location=${file}`, '!', 'matroskademux', 'name=d',
    `d.${kind}_${track}`, '!', 'queue', '!', ...chain, ...others(kind, track)], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `decoding ${kind}_${track}: ${r.stderr}`);
}

// One audio track of the file, decoded to 48 kHz stereo S16 WAV: `seconds` spanned (audiorate
// fills what packets are missing with silence) and `decoded_s` actually carried by packets.
function audioSeconds(file, track, dir) {
  const wav = join(dir, `audio_${track}.wav`), raw = join(dir, `audio_${track}.raw`);
  const caps = 'audio/x-raw,format=S16LE,rate=48000,channels=2';
  decode(file, 'audio', track, ['opusdec', '!', 'audioconvert', '!', 'audioresample', '!', caps, '!', 'audiorate', '!', 'wavenc', '!', 'filesink', `location=${wav}`]);
  decode(file, 'audio', track, ['opusdec', '!', 'audioconvert', '!', 'audioresample', '!', caps, '!', 'filesink', `location=${raw}`]);
  return { seconds: (statSync(wav).size - 44) / (48000 * 4), decoded_s: statSync(raw).size / (48000 * 4) };
}

// Video frames decoded from one track of the file (scaled to 64x48 I420: 4608 bytes a frame).
function videoFrames(file, track, dir) {
  const raw = join(dir, `video_${track}.raw`);
  decode(file, 'video', track, ['decodebin', '!', 'videoconvert', '!', 'videoscale', '!',
    'video/x-raw,format=I420,width=64,height=48', '!', 'filesink', `location=${raw}`]);
  return statSync(raw).size / 4608;
}

// Chromium's sending audio transceiver negotiates RED before Opus (and the rest).
const putRedFirst = (page) => page.evaluate(() => {
  const tr = window.__peer.pc.getTransceivers().find((t) => t.sender.track?.kind === 'audio');
  const codecs = RTCRtpReceiver.getCapabilities('audio').codecs;
  const isRed = (c) => c.mimeType.toLowerCase() === 'audio/red';
  tr.setCodecPreferences([...codecs.filter(isRed), ...codecs.filter((c) => !isRed(c))]);
});

// Payload bytes per audio packet Chromium sent (getStats names RED "opus" all the same, so the
// size is what shows the redundant copy), and the first payload type of the answer's m=audio.
const audioBytesPerPacket = (page) => page.evaluate(async () => {
  let r = null;
  (await window.__peer.pc.getStats()).forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'audio' && s.packetsSent) r = s.bytesSent / s.packetsSent;
  });
  return r;
});
const leadingPt = (sdp) => sdp.split('m=audio')[1].match(/^ \d+ \S+ (\d+)/)[1];
const redPt = (sdp) => sdp.split('m=audio')[1].match(/a=rtpmap:(\d+) red\/48000\/2/)?.[1];
let opusBytesPerPacket = null; // from the Opus-first case, when it ran first

async function recordChromiumVisit({ redFirst }) {
  server = await Anteroom.startDemo({ recording: { api_token: TOKEN } });
  browser ??= await launchChromium();
  const patient = await joined(server.links.patient.token);
  const appointment = patient.joinReply.appointment_id;
  const ctl = await joined(server.links.clinician.token);

  // The patient: Chromium with a fake camera and microphone, in the visit.
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  await setupPagePeer(page, { slots: 1 });
  if (redFirst) await putRedFirst(page);
  const pump = await negotiate(page, patient, 'visit');
  const offerSdp = await page.evaluate(() => window.__peer.pc.localDescription.sdp);
  assert.match(offerSdp, /a=rtpmap:\d+ red\/48000\/2/, 'this Chromium offers RED audio');
  const answer = await page.evaluate(() => window.__peer.pc.remoteDescription.sdp);
  assert.match(answer, /a=rtpmap:\d+ red\/48000\/2/, 'the server accepted RED, so Chrome sends it');
  // What Chrome actually sends on its audio: RED.
  let sent;
  for (const until = Date.now() + 15000; ;) {
    sent = await page.evaluate(async () => {
      const stats = await window.__peer.pc.getStats();
      let codec = null;
      stats.forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'audio' && s.codecId) {
          const c = stats.get(s.codecId);
          codec = c && { mimeType: c.mimeType, payloadType: c.payloadType, sdpFmtpLine: c.sdpFmtpLine };
        }
      });
      return codec;
    });
    if (sent || Date.now() > until) break;
    await sleep(300);
  }
  // With Opus first in its offer (Chromium's default) Chromium sends plain Opus; with RED first,
  // RED (tests/unit/test_recorder.c /recorder/red-opus covers the unwrap with rtpredenc too).
  // JSEP: Chromium sends the first codec of the answer; the answer keeps the offer's order.
  assert.equal(leadingPt(answer) === redPt(answer), redFirst, `answer m=audio${answer.split('m=audio')[1].split('\n')[0]}`);
  console.log(`# Chromium's audio codec in getStats: ${JSON.stringify(sent)}`);

  // The clinician: anteroom-peer consents when asked.
  const clinician = runPeer(['--url', server.wsUrl, '--insecure', '--purpose', 'visit', '--slots', '1',
    '--consent-recording', '--token', server.links.clinician.token, '--appointment', appointment,
    '--duration', '35'], { timeoutMs: 60000 });

  // Both have media in the visit; ask for consent until they do, the patient says yes.
  const deadline = Date.now() + 30000;
  let req;
  for (;;) {
    req = await ctl.request('recording.request', { appointment_id: appointment });
    assert.equal(req.type, 'ok', JSON.stringify(req));
    if (req.participants >= 2 || Date.now() > deadline) break;
    await sleep(300);
  }
  assert.equal(req.participants, 2, server.log.slice(-3000));
  await patient.waitFor((m) => m.type === 'recording.consent_requested', 5000);
  assert.equal((await patient.request('recording.consent', { value: true })).type, 'ok');
  let started;
  for (const until = Date.now() + 8000; ;) {
    started = await ctl.request('recording.start', { appointment_id: appointment });
    if (started.type === 'ok' || Date.now() > until) break;
    await sleep(200);
  }
  assert.equal(started.type, 'ok', JSON.stringify(started));
  await sleep(10000);
  assert.equal((await ctl.request('recording.stop', { appointment_id: appointment })).type, 'ok');
  const off = await ctl.waitFor((m) => m.type === 'recording.state' && !m.recording, 10000);
  assert.equal(off.reason, 'stopped');

  // With RED each packet carries the previous frame again: about twice Opus alone.
  const perPacket = await audioBytesPerPacket(page);
  console.log(`# Chromium's audio: ${perPacket?.toFixed(1)} payload bytes per packet`);
  if (!redFirst) opusBytesPerPacket = perPacket;
  else if (opusBytesPerPacket) assert.ok(perPacket > 1.5 * opusBytesPerPacket, `RED ${perPacket} vs Opus ${opusBytesPerPacket} bytes per packet`);
  // The patient's page received the clinician's media meanwhile (the visit itself worked).
  const st = await inboundStats(page);
  assert.ok(st.framesDecoded > 30, JSON.stringify(st));
  await pump.stop();
  const c = await clinician;
  // 35 s of Chromium's audio at 50 packets a second, less the connection set-up.
  assert.ok(c.final.audio_buffers_received > 100, `the clinician hears Chromium: ${JSON.stringify(c.final)}`);
  console.log(`# the clinician (no RED) received ${c.final.audio_buffers_received} audio buffers`);

  const list = JSON.parse((await request(`${server.url}/api/recordings`, { headers: { Authorization: `Bearer ${TOKEN}` } })).body);
  const rec = list.recordings.find((r) => r.id === started.recording_id);
  assert.equal(rec.status, 'complete', JSON.stringify(rec));
  const chromiumId = patient.joinReply.participant_id;
  const audioTracks = rec.tracks.filter((t) => t.kind === 'audio');
  const videoTracks = rec.tracks.filter((t) => t.kind === 'video');
  assert.equal(audioTracks.length, 2, JSON.stringify(rec.tracks));
  assert.ok(audioTracks.some((t) => t.participant_id === chromiumId), JSON.stringify(rec.tracks));

  const dir = mkdtempSync(join(tmpdir(), 'rec-chromium-'));
  try {
    const path = await download(rec.id, join(dir, 'visit.mkv'));
    if (process.env.KEEP_RECORDING) spawnSync('cp', [path, process.env.KEEP_RECORDING]);
    console.log(`# chromium participant ${chromiumId}; tracks ${JSON.stringify(rec.tracks)}`);
    const disc = spawnSync('gst-discoverer-1.0', [path], { encoding: 'utf8' });
    const text = disc.stdout + disc.stderr;
    const m = text.match(/Duration: (\d+):(\d+):([\d.]+)/);
    const duration = m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN;
    assert.ok(duration > 9 && duration < 13, `gst-discoverer duration ${duration}:\n${text}`);
    // Both participants' Opus: without the RED unwrap Chromium's audio track is missing.
    assert.equal((text.match(/audio #\d+: Opus/g) || []).length, 2, text);
    assert.equal((text.match(/video #\d+: (VP8|H\.264)/g) || []).length, 2, text);
    // Each audio track, Chromium's included (tracks are in the file in the order listed),
    // decodes to about the recording's length.
    const audio = [0, 1].map((i) => audioSeconds(path, i, dir));
    for (const [i, a] of audio.entries()) {
      assert.ok(a.seconds > 8 && a.seconds < 13, `audio track ${i} (${audioTracks[i].participant_id}) spans ${a.seconds} s:\n${text}`);
      // Packets carry nearly all of it: a muxer stalled on one track (waiting for a keyframe)
      // used to leave a fraction of a second here.
      assert.ok(a.decoded_s > 0.8 * a.seconds, `audio track ${i} (${audioTracks[i].participant_id}) decodes to ${a.decoded_s} of ${a.seconds} s`);
    }
    // Chromium's video track decodes to frames too.
    const vi = videoTracks.findIndex((t) => t.participant_id === chromiumId);
    assert.ok(vi >= 0, JSON.stringify(rec.tracks));
    const frames = videoFrames(path, vi, dir);
    // Chromium's fake camera sends 20-30 frames a second; 10 s of it, allowing for a slow start.
    assert.ok(frames >= 50, `Chromium's video: ${frames} frames decoded from the file`);
    console.log(`# chromium recording: ${duration.toFixed(2)} s, ${frames} video frames, audio ${JSON.stringify(audio)}, size ${rec.size}, codecs ${JSON.stringify(rec.tracks.map((t) => t.codec))}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await ctl.close();
  await patient.close();
  await page.close();
  await server.stop();
  server = null;
}

test('a Chromium participant is recorded: Opus audio spanning the recording, and its video', { timeout: 180000 }, () =>
  recordChromiumVisit({ redFirst: false }));

test('Chromium sending RED (RED first): a subscriber without RED hears it, and it is recorded', { timeout: 180000 }, () =>
  recordChromiumVisit({ redFirst: true }));
