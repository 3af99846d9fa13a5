// Issue 6 resume: a client whose socket is killed comes back with the same token within the
// grace period and gets its participant id, its place in the visit and its media back (an ICE
// restart over the surviving transport); after the grace period it is gone. The time from
// reconnect to media flowing again is measured with libwebrtc (wrtc) and printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import wrtc from '@roamhq/wrtc';
import { Anteroom } from './lib/anteroom.mjs';
import { IdClient, appointmentOf, auditEvents, joinedClient, stopKeepingState } from './lib/identity.mjs';

const { RTCPeerConnection, nonstandard } = wrtc;
const { RTCVideoSource, RTCVideoSink } = nonstandard;

let server, apA;
before(async () => {
  server = await Anteroom.startDemo({ signaling: { grace_seconds: 3 } });
  apA = appointmentOf(server.links.patient.token);
});
after(async () => {
  await server?.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

test('resume within the grace period keeps the participant id and the place in the visit', async () => {
  const { c: clin } = await joinedClient(server, server.links.clinician.token);
  await clin.request('visit.join', { appointment_id: apA });
  const { c: pat, j } = await joinedClient(server, server.links.patient.token);
  await clin.waitFor((m) => m.type === 'participant.joined');
  await pat.kill(); // no close frame: as if the network went away
  const away = await clin.waitFor((m) => m.type === 'participant.away');
  assert.equal(away.participant_id, j.participant_id);
  // Another link cannot take the place.
  const thief = new IdClient(server.wsUrl); await thief.opened;
  const t = await thief.request('resume', { token: server.links.caregiver.token, participant_id: j.participant_id });
  assert.equal(t.code, 'invalid_token');
  await thief.close();
  const back = new IdClient(server.wsUrl); await back.opened;
  const r = await back.request('resume', { token: server.links.patient.token, participant_id: j.participant_id });
  assert.equal(r.type, 'resumed', JSON.stringify(r));
  assert.equal(r.participant_id, j.participant_id);
  assert.equal(r.appointment_id, apA);
  assert.equal(r.media, false);
  const b = await clin.waitFor((m) => m.type === 'participant.back');
  assert.equal(b.participant_id, j.participant_id);
  // Still in the roster: chat reaches it, and no participant.left was sent.
  await clin.request('chat.send', { text: 'welcome back' });
  assert.equal((await back.waitFor((m) => m.type === 'chat.message')).text, 'welcome back');
  assert.ok(!clin.all.some((m) => m.type === 'participant.left'));
  await back.close(); await clin.close();
});

test('after the grace period the participant is gone: resume is refused, others see it leave', async () => {
  const { c: clin } = await joinedClient(server, server.links.clinician.token);
  await clin.request('visit.join', { appointment_id: apA });
  const { c: pat, j } = await joinedClient(server, server.links.interpreter.token);
  await pat.kill();
  const left = await clin.waitFor((m) => m.type === 'participant.left' && m.participant_id === j.participant_id, 6000);
  assert.equal(left.role, 'interpreter');
  const late = new IdClient(server.wsUrl); await late.opened;
  const r = await late.request('resume', { token: server.links.interpreter.token, participant_id: j.participant_id });
  assert.equal(r.code, 'not_found');
  // A fresh join still works and gets a new participant id.
  const again = await late.request('join', { token: server.links.interpreter.token });
  assert.notEqual(again.participant_id, j.participant_id);
  await late.close(); await clin.close();
});

test('leave gives the place up at once: no grace, no resume', async () => {
  const { c: clin } = await joinedClient(server, server.links.clinician.token);
  await clin.request('visit.join', { appointment_id: apA });
  const { c: pat, j } = await joinedClient(server, server.links.patient.token);
  assert.equal((await pat.request('leave')).type, 'ok');
  const left = await clin.waitFor((m) => m.type === 'participant.left' && m.participant_id === j.participant_id, 1000);
  assert.equal(left.role, 'patient');
  await pat.close();
  const again = new IdClient(server.wsUrl); await again.opened;
  const r = await again.request('resume', { token: server.links.patient.token, participant_id: j.participant_id });
  assert.equal(r.code, 'not_found');
  await again.close(); await clin.close();
});

test('a live socket can be taken over by resume (network change before the server noticed)', async () => {
  const { c: old, j } = await joinedClient(server, server.links.caregiver.token);
  const neu = new IdClient(server.wsUrl); await neu.opened;
  const r = await neu.request('resume', { token: server.links.caregiver.token, participant_id: j.participant_id });
  assert.equal(r.type, 'resumed');
  assert.equal((await old.closed).code, 4002);
  assert.equal((await neu.request('whoami')).participant_id, j.participant_id);
  await neu.close();
});

function videoSource() {
  const source = new RTCVideoSource();
  const width = 320, height = 240;
  const frame = { width, height, data: new Uint8ClampedArray(width * height * 1.5) };
  let n = 0;
  const timer = setInterval(() => { frame.data.fill((n++ * 7) % 255, 0, width * height); source.onFrame(frame); }, 33);
  return { track: source.createTrack(), stop: () => clearInterval(timer) };
}

function wireSignaling(ws, pc) {
  ws.ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'media.candidate' && m.candidate) pc.addIceCandidate({ candidate: m.candidate, sdpMid: m.mid }).catch(() => {});
  });
}

test('media resumes after a killed socket: ICE restart over the kept transport; time measured', async () => {
  let ws = new IdClient(server.wsUrl);
  await ws.opened;
  const j = await ws.request('join', { token: server.links.patient.token });
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const media = videoSource();
  pc.addTransceiver(media.track, { direction: 'sendrecv' });
  const frameTimes = [];
  let sink;
  pc.ontrack = ({ track }) => { sink = new RTCVideoSink(track); sink.onframe = () => frameTimes.push(Date.now()); };
  let current = ws;
  pc.onicecandidate = ({ candidate }) => {
    current.request('media.candidate', candidate ? { candidate: candidate.candidate, mid: candidate.sdpMid } : { candidate: '' }).catch(() => {});
  };
  wireSignaling(ws, pc);
  await pc.setLocalDescription(await pc.createOffer());
  const answer = await ws.request('media.offer', { purpose: 'device_check', sdp: pc.localDescription.sdp }, 10000);
  assert.equal(answer.type, 'media.answer', JSON.stringify(answer));
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  await ws.waitFor((m) => m.type === 'media.state' && m.state === 'connected', 10000);
  let deadline = Date.now() + 6000;
  while (frameTimes.length < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(frameTimes.length >= 30, `echo running before the drop (${frameTimes.length} frames)`);

  await ws.kill();
  const droppedAt = Date.now();
  await new Promise((r) => setTimeout(r, 1000)); // a second without signaling
  const duringDrop = frameTimes.filter((t) => t > droppedAt).length;

  const t0 = Date.now();
  ws = new IdClient(server.wsUrl);
  current = ws;
  await ws.opened;
  const r = await ws.request('resume', { token: server.links.patient.token, participant_id: j.participant_id });
  assert.equal(r.type, 'resumed', JSON.stringify(r));
  assert.equal(r.media, true);
  assert.equal(r.ice_restart, true);
  const tResumed = Date.now();
  wireSignaling(ws, pc);
  const offer = await pc.createOffer({ iceRestart: true });
  await pc.setLocalDescription(offer);
  const a2 = await ws.request('media.offer', { purpose: 'device_check', sdp: offer.sdp }, 10000);
  assert.equal(a2.type, 'media.answer', JSON.stringify(a2));
  const restartStart = Date.now();
  await pc.setRemoteDescription({ type: 'answer', sdp: a2.sdp });
  const before = frameTimes.length;
  deadline = Date.now() + 8000;
  while (frameTimes.length < before + 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const flowing = frameTimes[before + 9];
  assert.ok(flowing, `frames after the ICE restart (${frameTimes.length - before}); during drop ${duringDrop}; ice ${pc.iceConnectionState}; events ${JSON.stringify(ws.all.filter((m) => m.type !== 'media.stats').slice(-8))}`);
  const firstAfter = frameTimes[before];
  console.log(`resume: ${duringDrop} echoed frames arrived during the 1 s without signaling; ` +
    `reconnect→resumed ${tResumed - t0} ms; reconnect→first frame after ICE restart ${firstAfter - t0} ms; ` +
    `reconnect→10 frames after restart ${flowing - t0} ms (answer applied at ${restartStart - t0} ms); ` +
    `connection state ${pc.iceConnectionState}`);
  assert.ok(flowing - t0 < 5000, 'media flows within 5 s of reconnecting');
  media.stop(); sink?.stop(); pc.close();
  await ws.close();
});

test('audit: resume and leave after the grace period are recorded', async () => {
  await stopKeepingState(server);
  const ev = auditEvents(server);
  assert.ok(ev.some((e) => e.action === 'visit.resume' && e.outcome === 'success'));
  assert.ok(ev.some((e) => e.action === 'visit.resume' && e.outcome === 'invalid_token'));
  assert.ok(ev.some((e) => e.action === 'visit.leave' && JSON.parse(e.detail).reason === 'timeout'));
});
