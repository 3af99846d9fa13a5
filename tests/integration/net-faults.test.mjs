// Issue 12, network faults: one participant of a two-party visit reaches the server through a
// userspace UDP relay (lib/udp-relay.mjs; this kernel has no netem) that adds delay with jitter,
// reorders, drops 10 % and 20 %, replays captured SRTP packets (counted as replays, dropped,
// the visit unaffected), goes down for an outage, and changes its server-facing port (NAT
// rebinding). After each fault the visit must recover: video decodes again on both sides, with
// the client's help where a real client would give it (a rejoin after the outage failed the
// transport, an ICE restart after 3 s without media). Recovery times are printed as `# …`
// lines (tests/RESULTS-reliability.md). AR_OUTAGE_SECONDS sets the outage (default 30, as
// issue 12 asks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom, request } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';
import { UdpRelay, RelayedPeer } from './lib/udp-relay.mjs';
import { parsePrometheus } from './lib/prometheus.mjs';

const OUTAGE_S = Number(process.env.AR_OUTAGE_SECONDS || 30);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let server, relay, far, near, farWs, nearWs, farId;
const figures = [];
// What each of the other participant's m-lines shows (media.slot: mid -> participant id).
const nearSlots = {};

before(async () => {
  server = await Anteroom.startDemo();
  relay = new UdpRelay();
  await relay.start();
  farWs = new SignalingClient(server.wsUrl); await farWs.opened;
  const j = await farWs.request('join', { token: server.links.patient.token });
  assert.equal(j.type, 'joined');
  farId = j.participant_id;
  far = new RelayedPeer(relay, { slots: 1 });
  await far.connect(farWs, 'visit');
  nearWs = new SignalingClient(server.wsUrl); await nearWs.opened;
  nearWs.ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'media.slot') nearSlots[m.mid] = m.participant_id;
  });
  assert.equal((await nearWs.request('join', { token: server.links.interpreter.token })).type, 'joined');
  near = new WrtcPeer({ slots: 1 });
  await near.connect(nearWs, 'visit');
});

after(async () => {
  for (const f of figures) console.log(`# ${f}`);
  far?.close(); near?.close(); relay?.close();
  await server?.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

// Both directions of the relayed participant: what it decodes, and what the other decodes of it.
function counts() { return [far.frames, near.frames]; }

// Resolves with ms until both sides decoded `n` new frames (null after timeoutMs).
// `sides` keeps each side's own time (ms, or null) of the last call, for the figures.
let sides = [null, null];
async function flowing(n = 10, timeoutMs = 20000) {
  const t0 = Date.now();
  const base = counts();
  sides = [null, null];
  while (Date.now() - t0 < timeoutMs) {
    const c = counts();
    for (const i of [0, 1]) if (sides[i] === null && c[i] >= base[i] + n) sides[i] = Date.now() - t0;
    if (sides[0] !== null && sides[1] !== null) return Math.max(...sides);
    await sleep(20);
  }
  return null;
}

// Runs traffic under a fault for `ms`; returns frames per second decoded each way meanwhile.
async function under(fault, ms) {
  Object.assign(relay.fault, fault);
  const base = counts();
  await sleep(ms);
  const c = counts();
  Object.assign(relay.fault, { lossPct: 0, delayMs: 0, jitterMs: 0, reorderPct: 0, down: false });
  return [(c[0] - base[0]) / (ms / 1000), (c[1] - base[1]) / (ms / 1000)];
}

// What the web client does when its transport fails: a new WebSocket joined with the same link
// and a new peer connection.
async function rejoin() {
  far.close(); farWs.ws.terminate();
  farWs = new SignalingClient(server.wsUrl); await farWs.opened;
  const j = await farWs.request('join', { token: server.links.patient.token });
  assert.equal(j.type, 'joined');
  farId = j.participant_id;
  far = new RelayedPeer(relay, { slots: 1 });
  await far.connect(farWs, 'visit');
}

async function metric(name, labels) {
  const samples = parsePrometheus((await request(`${server.url}/metrics`)).body);
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : 0;
}

test('media flows through the relay', async () => {
  const ms = await flowing(30, 15000);
  assert.ok(ms !== null, `no media through the relay: frames ${counts()}`);
  assert.ok(relay.forwarded > 100);
});

// What the web client does when the transport it uses has failed (the client's own ICE; the
// server fails one only after 15 s of silence, server/media/ice.c, longer than any fault here):
// a rejoin with its link. Returns a note for the figures, or '' when nothing had failed.
async function rejoinIfFailed() {
  const state = far.pc.iceConnectionState;
  if (state !== 'failed' && state !== 'closed') return '';
  await rejoin();
  return `; the client's transport had failed (ICE ${state}) and it rejoined with its link`;
}

for (const [name, fault, minFps] of [
  ['200 ms delay with 50 ms jitter', { delayMs: 200, jitterMs: 50 }, 10],
  ['10 % reordering', { reorderPct: 10 }, 15],
  ['10 % loss', { lossPct: 10 }, 10],
  ['20 % loss', { lossPct: 20 }, 5],
]) {
  test(`${name}: video keeps decoding, and recovers after`, async () => {
    const fps = await under(fault, 5000);
    const note = await rejoinIfFailed();
    const rec = await flowing(10);
    figures.push(`${name}: ${fps.map((x) => x.toFixed(1)).join(' / ')} fps decoded (relayed side / other side) during 5 s; ` +
      `${rec} ms to 10 fresh frames each way after (relayed side ${sides[0]} ms, other side ${sides[1]} ms)${note}`);
    assert.ok(fps[0] >= minFps && fps[1] >= minFps, `${name}: ${fps} fps`);
    // Within 10 s: the server's bandwidth allocation may have paused this subscriber's video
    // during a lossy fault (audio-only) and leaves that only after its hysteresis (at least 4 s
    // in audio-only, then an estimate that fits for 2 s); the figure above is the measured time.
    assert.ok(rec !== null && rec < 10000, `${name}: no recovery within 10 s (frames decoded: relayed side ${far.frames}, other side ${near.frames})`);
  });
}

test('replayed SRTP packets are counted and dropped; the visit is unaffected', async () => {
  relay.capture = true;
  await sleep(1000);
  relay.capture = false;
  const packets = relay.captured.splice(0);
  assert.ok(packets.length > 30, `captured ${packets.length} SRTP packets`);
  const before = await metric('anteroom_media_errors_total', { kind: 'srtp_replay' });
  const authBefore = await metric('anteroom_media_errors_total', { kind: 'srtp_auth' });
  relay.replay(packets);
  await sleep(500);
  const after = await metric('anteroom_media_errors_total', { kind: 'srtp_replay' });
  const authAfter = await metric('anteroom_media_errors_total', { kind: 'srtp_auth' });
  figures.push(`SRTP replay: ${packets.length} captured packets sent again, srtp_replay ${before} -> ${after}`);
  assert.equal(after - before, packets.length, 'every replayed packet counted as a replay');
  assert.equal(authAfter, authBefore, 'and none as an authentication failure');
  // The previous fault's audio-only hysteresis may still hold video for a few seconds.
  assert.ok((await flowing(10, 10000)) !== null, 'media still flows');
});

// Resolves with ms until side i (0: the relayed participant, 1: the other) decoded n new frames.
async function flowingOn(i, n = 10, timeoutMs = 15000) {
  const t0 = Date.now();
  const base = counts()[i];
  while (Date.now() - t0 < timeoutMs) {
    if (counts()[i] >= base + n) return Date.now() - t0;
    await sleep(20);
  }
  return null;
}

let otherSeesRejoined = null; // ms after the network returned, or null
let oldFarId = null, slotsAfter = null; // the participant before the rejoin; near's slots after
test(`a ${OUTAGE_S} s outage: the visit recovers`, { timeout: (OUTAGE_S + 60) * 1000 }, async () => {
  const states = [];
  const onState = (d) => { const m = JSON.parse(d.toString()); if (m.type === 'media.state') states.push(m.state); };
  farWs.ws.on('message', onState);
  relay.fault.down = true;
  await sleep(OUTAGE_S * 1000);
  const iceAtEnd = far.pc.iceConnectionState;
  relay.fault.down = false;
  const t0 = Date.now();
  let how, rec;
  if (iceAtEnd !== 'failed') {
    // Both ends kept the pair: consent checks resume and media flows again by itself.
    rec = await flowing(10, 15000);
    otherSeesRejoined = rec;
    how = 'consent checks resumed on the same ICE session';
  } else {
    // Consent expired (RFC 7675: 30 s without an answer) and both ends failed the transport,
    // which anteroom treats as final: the client does what the web client does on "failed",
    // a new connection joined with the same link.
    farWs.ws.off('message', onState);
    oldFarId = farId;
    await rejoin();
    const r = await flowingOn(0);
    rec = r === null ? null : Date.now() - t0;
    const o = await flowingOn(1, 10, 15000);
    otherSeesRejoined = o === null ? null : Date.now() - t0;
    slotsAfter = { ...nearSlots };
    how = 'the client rejoined with its link on "failed" (new WebSocket, new peer connection)';
  }
  farWs.ws.off('message', onState);
  figures.push(`${OUTAGE_S} s outage: client ICE state at the end "${iceAtEnd}", server media.state events ${JSON.stringify(states)}; ` +
    `the relayed participant decoded again ${rec} ms after the network returned, the other participant saw it again after ${otherSeesRejoined} ms (${how})`);
  assert.ok(rec !== null, `no recovery after the outage (${how})`);
});

// After the rejoin the other participant must see the newcomer: its only receive slot showed
// the old participant, parked for the grace period with a failed transport. A failed transport
// now gives up its slots at once (server/media/room_router.c), so the newcomer takes the slot
// with a keyframe request. Before that fix it got the slot only if the old one had not held it
// (3 of 6 runs failed, tests/RESULTS-reliability.md).
// Decoding alone does not prove it: the other participant also receives on its own sendrecv
// m-line, so it has two video slots and the newcomer could take the second while the first
// still waits for the old participant. What its m-lines show says whether the slot was freed.
test('after the outage the other participant sees the rejoined one again', () => {
  assert.ok(otherSeesRejoined !== null, 'the other participant decoded nothing from the rejoined one within 15 s');
  if (oldFarId === null) return; // no rejoin: the same participant recovered (short outage)
  const shown = Object.values(slotsAfter);
  figures.push(`after the rejoin the other participant's m-lines show ${JSON.stringify(slotsAfter)} (old ${oldFarId}, new ${farId})`);
  assert.ok(!shown.includes(oldFarId), `a slot still shows the participant whose transport failed: ${JSON.stringify(slotsAfter)}`);
  assert.ok(shown.includes(farId), `no slot shows the rejoined participant: ${JSON.stringify(slotsAfter)}`);
});

// The server follows a client whose NAT changed its port (server/media/ice.c, NAT rebinding):
// the client's next ICE check (libwebrtc sends one on the selected pair every 2.5 s or so)
// arrives from the new port, and the server moves its selected pair there. So the client does
// nothing for up to 8 s; only then what a client would do: an ICE restart on the same connection
// and, if that does not help within 10 s, a rejoin. The figure says which it took.
test('NAT rebinding (new client port mid-call): the visit recovers', async () => {
  assert.ok((await flowing(10)) !== null);
  const t0 = Date.now();
  const base = counts();
  const stage = () => counts().map((c, i) => c - base[i]).join(' / ');
  const stages = [];
  await relay.rebind();
  let how = 'same ICE session, no client action: the server followed the new port';
  let ok = false;
  const broken = () => ['disconnected', 'failed'].includes(far.pc.iceConnectionState);
  while (!ok && !broken() && Date.now() - t0 < 8000) {
    await sleep(20);
    ok = counts().every((c, i) => c >= base[i] + 10);
  }
  stages.push(`same session: ${stage()} (client ICE "${far.pc.iceConnectionState}" after ${Date.now() - t0} ms)`);
  if (!ok) {
    how = `ICE restart by the client after 8 s without recovery (its ICE state "${far.pc.iceConnectionState}")`;
    await far.connect(farWs, 'visit', { iceRestart: true });
    ok = (await flowing(10, 10000)) !== null;
    stages.push(`ICE restart: ${stage()}`);
  }
  if (!ok) {
    how = 'rejoin with the link after an ICE restart did not help within 10 s';
    await rejoin();
    ok = (await flowing(10, 10000)) !== null;
    stages.push(`rejoin: ${stage()}`);
  }
  const rec = Date.now() - t0;
  figures.push(`NAT rebinding: media flowed again both ways ${ok ? rec : 'never'} ms after the port changed (${how}); frames decoded since the change, relayed / other, after each stage: ${stages.join('; ')}`);
  assert.ok(ok, 'no recovery after rebinding');
});

