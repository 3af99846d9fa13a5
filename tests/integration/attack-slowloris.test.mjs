// Issue 12, attacks that must fail: slow clients holding connections (slowloris) on HTTPS.
// 200 connections complete TLS and then send their request headers one byte every 2 s, never
// finishing; meanwhile a normal client must keep getting /healthz within 1 s, and the server
// must close the stalled connections by itself (libwebsockets' header timeout).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { Anteroom, request } from './lib/anteroom.mjs';

const SLOW = 200;
let server;
before(async () => { server = await Anteroom.start(); });
after(async () => { await server?.stop(); });

function slowClient(port) {
  const c = { closedAt: 0, sent: 0 };
  const header = Buffer.from('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(4000));
  c.done = new Promise((res) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    c.socket = s;
    s.on('error', () => {});
    s.once('secureConnect', () => {
      c.openedAt = Date.now();
      c.timer = setInterval(() => { if (c.sent < header.length) s.write(header.subarray(c.sent, ++c.sent)); }, 2000);
    });
    s.once('close', () => { clearInterval(c.timer); c.closedAt = Date.now(); res(); });
  });
  return c;
}

test('200 slow clients do not starve a normal one and are timed out', async () => {
  const started = Date.now();
  const slow = [];
  for (let i = 0; i < SLOW; i++) slow.push(slowClient(server.port));
  // TLS handshakes on a loaded two-core machine take a while; wait for them (at most 15 s).
  for (let i = 0; i < 150 && slow.some((c) => !c.openedAt && !c.closedAt); i++) await new Promise((r) => setTimeout(r, 100));
  const open = slow.filter((c) => c.openedAt && !c.closedAt).length;
  assert.ok(open >= SLOW * 0.9, `only ${open} slow clients got through TLS`);

  // A normal client, sampled every 500 ms while the slow ones hold their connections.
  let worst = 0;
  const latencies = [];
  while (slow.some((c) => !c.closedAt) && Date.now() - started < 60000) {
    const t0 = Date.now();
    const r = await request(`${server.url}/healthz`);
    const ms = Date.now() - t0;
    latencies.push(ms);
    worst = Math.max(worst, ms);
    assert.equal(r.status, 200);
    assert.ok(ms < 1000, `/healthz took ${ms} ms with ${slow.filter((c) => !c.closedAt).length} slow clients open`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const held = slow.filter((c) => c.closedAt).map((c) => (c.closedAt - c.openedAt) / 1000);
  assert.equal(held.length, SLOW, `${SLOW - held.length} slow clients still open after 60 s`);
  const maxHeld = Math.max(...held);
  console.log(`# slowloris: ${SLOW} slow clients; /healthz worst ${worst} ms over ${latencies.length} requests; ` +
    `server closed every slow client after at most ${maxHeld.toFixed(1)} s`);
  assert.ok(maxHeld < 60, 'idle connections are closed by the server');
});
