// Run by visit-loss.test.mjs inside its own network namespace where nftables drops a share of
// all UDP: two libwebrtc participants in one visit; prints one JSON line with what each decoded
// from the other over the measuring window, and the longest gap between decoded frames.
import { Anteroom } from '../lib/anteroom.mjs';
import { SignalingClient } from '../lib/ws.mjs';
import { WrtcPeer } from '../lib/wrtc-peer.mjs';

const seconds = Number(process.argv[2] || 10);
const server = await Anteroom.startDemo();
const peers = [];
for (const who of ['patient', 'interpreter']) {
  const ws = new SignalingClient(server.wsUrl);
  await ws.opened;
  await ws.request('join', { token: server.links[who].token });
  const peer = new WrtcPeer({ slots: 1 });
  await peer.connect(ws, 'visit');
  peers.push({ who, ws, peer });
}
await new Promise((r) => setTimeout(r, 3000)); // ICE, DTLS, first keyframe
for (const p of peers) { p.start = p.peer.frames; p.peer.measuring = true; p.peer.maxGapMs = 0; }
await new Promise((r) => setTimeout(r, seconds * 1000));
const result = peers.map((p) => ({ who: p.who, frames: p.peer.frames - p.start, maxGapMs: p.peer.maxGapMs,
  freezes: p.peer.freezes || 0, energy: p.peer.energy }));
for (const p of peers) { p.peer.close(); p.ws.ws.terminate(); }
await server.stop();
console.log(JSON.stringify({ seconds, result }));
process.exit(0);
