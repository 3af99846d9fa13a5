// Issue 4: the device-check echo with libwebrtc in node (@roamhq/wrtc): synthetic video frames
// and a 440 Hz tone go to the server and come back decoded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import wrtc from '@roamhq/wrtc';
import { Anteroom } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';

const { RTCPeerConnection, nonstandard } = wrtc;
const { RTCVideoSource, RTCAudioSource, RTCVideoSink, RTCAudioSink } = nonstandard;

let server;
before(async () => { server = await Anteroom.startDemo(); });
after(async () => {
  await server?.stop();
  // libwebrtc's native threads keep node alive after every peer is closed: leave explicitly.
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

function syntheticMedia() {
  const video = new RTCVideoSource();
  const audio = new RTCAudioSource();
  const width = 320, height = 240;
  const frame = { width, height, data: new Uint8ClampedArray(width * height * 1.5) };
  let n = 0;
  const vt = setInterval(() => {
    frame.data.fill((n++ * 7) % 255, 0, width * height); // changing luma: a real encoder load
    video.onFrame(frame);
  }, 33);
  const samples = new Int16Array(480);
  let phase = 0;
  const at = setInterval(() => {
    for (let i = 0; i < 480; i++) samples[i] = Math.round(8000 * Math.sin((phase++ * 2 * Math.PI * 440) / 48000));
    audio.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
  }, 10);
  return { video: video.createTrack(), audio: audio.createTrack(), stop: () => { clearInterval(vt); clearInterval(at); } };
}

test('libwebrtc (wrtc) gets its own video and audio back through the server', async () => {
  const ws = new SignalingClient(server.wsUrl);
  await ws.opened;
  const joined = await ws.request('join', { token: server.links.patient.token });
  assert.equal(joined.type, 'joined');
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const media = syntheticMedia();
  pc.addTransceiver(media.audio, { direction: 'sendrecv' });
  pc.addTransceiver(media.video, { direction: 'sendrecv' });
  let frames = 0, energy = 0;
  const sinks = [];
  pc.ontrack = ({ track }) => {
    if (track.kind === 'video') {
      const s = new RTCVideoSink(track);
      s.onframe = () => frames++;
      sinks.push(s);
    } else {
      const s = new RTCAudioSink(track);
      s.ondata = ({ samples }) => { for (const v of samples) energy += Math.abs(v); };
      sinks.push(s);
    }
  };
  pc.onicecandidate = ({ candidate }) => {
    ws.request('media.candidate', candidate ? { candidate: candidate.candidate, mid: candidate.sdpMid } : { candidate: '' }).catch(() => {});
  };
  ws.ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'media.candidate' && m.candidate) pc.addIceCandidate({ candidate: m.candidate, sdpMid: m.mid }).catch(() => {});
  });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const answer = await ws.request('media.offer', { purpose: 'device_check', sdp: offer.sdp }, 10000);
  assert.equal(answer.type, 'media.answer', JSON.stringify(answer));
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  const state = await ws.waitFor((m) => m.type === 'media.state' && m.state === 'connected', 10000);
  const deadline = Date.now() + 6000;
  while ((frames <= 30 || energy === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  media.stop();
  for (const s of sinks) s.stop();
  pc.close();
  await ws.close();
  assert.ok(frames > 30, `decoded ${frames} echoed frames`);
  assert.ok(energy > 0, 'echoed audio carries energy');
  assert.match(state.srtp_profile, /^SRTP_/);
});
