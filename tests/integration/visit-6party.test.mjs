// Issue 5: a six-party visit (the most a clinic call grows to: clinician, patient, interpreter,
// caregivers) where every participant decodes the video of all five others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';

let server;
before(async () => { server = await Anteroom.startDemo(); });
after(async () => {
  await server?.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

test('six participants each decode all five others', async () => {
  const who = ['clinician', 'patient', 'interpreter', 'caregiver', 'interpreter', 'caregiver'];
  const parties = [];
  for (const role of who) {
    const ws = new SignalingClient(server.wsUrl);
    await ws.opened;
    const j = await ws.request('join', { token: server.links[role].token });
    assert.equal(j.type, 'joined', JSON.stringify(j));
    const peer = new WrtcPeer({ slots: 5, width: 160, height: 120 });
    // The others' links carry the appointment; the clinician names it (below).
    parties.push({ role, ws, peer, appointment: j.appointment_id });
    if (role !== 'clinician') await peer.connect(ws, 'visit');
  }
  const clinician = parties[0];
  const offerFor = parties[1].appointment;
  await connectClinician(clinician, offerFor);

  const deadline = Date.now() + 20000;
  const seen = () => parties.map((p) => [...p.peer.framesByTrack.values()].filter((n) => n > 10).length);
  while (seen().some((n) => n < 5) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const counts = seen();
  for (let i = 0; i < parties.length; i++) {
    assert.ok(counts[i] >= 5, `${parties[i].role} #${i} decodes ${counts[i]} of 5 remote videos: ` +
      JSON.stringify([...parties[i].peer.framesByTrack]));
  }
  for (const p of parties) { p.peer.close(); p.ws.ws.terminate(); }
});

async function connectClinician(party, appointmentId) {
  const { peer, ws } = party;
  peer.pc.onicecandidate = ({ candidate }) => {
    ws.request('media.candidate', candidate ? { candidate: candidate.candidate, mid: candidate.sdpMid } : { candidate: '' }).catch(() => {});
  };
  ws.ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'media.candidate' && m.candidate) peer.pc.addIceCandidate({ candidate: m.candidate, sdpMid: m.mid }).catch(() => {});
  });
  const offer = await peer.pc.createOffer();
  await peer.pc.setLocalDescription(offer);
  const answer = await ws.request('media.offer', { purpose: 'visit', appointment_id: appointmentId, sdp: offer.sdp }, 10000);
  assert.equal(answer.type, 'media.answer', JSON.stringify(answer));
  await peer.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
}
