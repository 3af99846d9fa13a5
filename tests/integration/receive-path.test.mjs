// The media receive path: by default a selected UDP pair is read in batches beside libnice
// (recvmmsg, server/media/udp_fast.c), and [media] batched_receive = false leaves every datagram
// to libnice. Both carry a libwebrtc device-check echo; /metrics says which path read the media.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom, request } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';
import { parsePrometheus } from './lib/prometheus.mjs';

// libwebrtc's native threads keep node alive after every peer is closed: leave explicitly.
after(() => setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref());

async function batched(server) {
  const m = parsePrometheus((await request(`${server.url}/metrics`)).body);
  const get = (what) => m.find((s) => s.name === 'anteroom_media_batched_receive_total' && s.labels.what === what).value;
  return { datagrams: get('datagrams'), calls: get('calls') };
}

async function echo(server) {
  const ws = new SignalingClient(server.wsUrl);
  await ws.opened;
  assert.equal((await ws.request('join', { token: server.links.patient.token })).type, 'joined');
  const peer = new WrtcPeer();
  try {
    await peer.connect(ws, 'device_check');
    const deadline = Date.now() + 20000;
    const frames = () => [...peer.framesByTrack.values()].reduce((a, b) => a + b, 0);
    while (frames() < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return frames();
  } finally {
    peer.close();
    await ws.close();
  }
}

for (const on of [true, false]) {
  test(`[media] batched_receive = ${on}: the echo comes back, read ${on ? 'in batches' : 'by libnice'}`, async () => {
    const server = await Anteroom.startDemo({ media: { batched_receive: on } });
    try {
      const frames = await echo(server);
      assert.ok(frames >= 30, `echoed frames decoded: ${frames}`);
      const b = await batched(server);
      if (on) {
        assert.ok(b.datagrams > 100, `media read by recvmmsg: ${JSON.stringify(b)}`);
        assert.ok(b.calls > 0 && b.calls <= b.datagrams, JSON.stringify(b));
      } else {
        assert.deepEqual(b, { datagrams: 0, calls: 0 });
      }
    } finally {
      await server.stop();
    }
  });
}
