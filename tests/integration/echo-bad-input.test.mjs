// Issue 4, bad input: garbage UDP at the media port and a DTLS certificate that does not match
// the SDP fingerprint are dropped and counted, fail only their own transport, and leave another
// participant's media untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Anteroom, request } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';
import { StunPeer } from './lib/stun-peer.mjs';
import { SOURCE_DIR } from './lib/anteroom.mjs';
import { parsePrometheus } from './lib/prometheus.mjs';

let server;
before(async () => { server = await Anteroom.startDemo(); });
after(async () => {
  await server?.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

async function metric(name, labels) {
  const samples = parsePrometheus((await request(`${server.url}/metrics`)).body);
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : 0;
}

async function joinedClient(token) {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  const j = await c.request('join', { token });
  assert.equal(j.type, 'joined');
  return c;
}

test('garbage UDP on a validated ICE path is dropped and counted; others keep their media', async () => {
  // A healthy participant on another appointment keeps its media throughout.
  const other = await joinedClient(server.links.caregiver.token);
  const good = new WrtcPeer();
  await good.connect(other);
  await other.waitFor((m) => m.type === 'media.state' && m.state === 'connected', 10000);

  // The attacker completes ICE with real credentials, so libnice delivers what it sends.
  const ws = await joinedClient(server.links.patient.token);
  const stun = new StunPeer();
  await stun.bind();
  const fixture = readFileSync(join(SOURCE_DIR, 'tests/data/sdp/chromium-audio-video.sdp'), 'utf8').replace(/\r?\n/g, '\r\n');
  const answer = await ws.request('media.offer', { purpose: 'device_check', sdp: stun.offerFrom(fixture) });
  assert.equal(answer.type, 'media.answer', JSON.stringify(answer));
  await ws.request('media.candidate', { candidate: stun.candidate(), mid: '0' });
  const cand = await ws.waitFor((m) => m.type === 'media.candidate' && / udp /i.test(m.candidate), 5000);
  const port = Number(cand.candidate.split(' ')[5]);
  const ufrag = answer.sdp.match(/a=ice-ufrag:(\S+)/)[1], pwd = answer.sdp.match(/a=ice-pwd:(\S+)/)[1];
  for (let i = 0; i < 20 && stun.responses === 0; i++) {
    stun.check(ufrag, pwd, port);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(stun.responses > 0, 'ICE check answered');
  await new Promise((r) => setTimeout(r, 300));

  const garbageBefore = await metric('anteroom_media_errors_total', { kind: 'garbage' });
  const junk = [Buffer.from('hello'), Buffer.alloc(1200, 0xff), Buffer.from([0x80, 0x60, 0, 1]),
    Buffer.concat([Buffer.from([0x80, 0x6f, 0, 1]), crypto.randomBytes(300)]), Buffer.from([0x16, 0xfe])];
  for (let i = 0; i < 200; i++) await stun.send(junk[i % junk.length], port);
  await new Promise((r) => setTimeout(r, 500));
  const garbageAfter = await metric('anteroom_media_errors_total', { kind: 'garbage' });
  assert.ok(garbageAfter >= garbageBefore + 100, `garbage counted: ${garbageBefore} -> ${garbageAfter}`);

  const mid = good.frames;
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(good.frames > mid + 10, 'the other participant was not disturbed');
  assert.equal((await request(`${server.url}/healthz`)).status, 200);
  stun.close(); good.close();
  await ws.close(); await other.close();
});

test('a DTLS certificate that does not match the offered fingerprint fails only that transport', async () => {
  // A healthy participant on another appointment keeps its media throughout.
  const other = await joinedClient(server.links.caregiver.token);
  const good = new WrtcPeer();
  await good.connect(other);
  await other.waitFor((m) => m.type === 'media.state' && m.state === 'connected', 10000);

  const ws = await joinedClient(server.links.patient.token);
  const liar = new WrtcPeer();
  const fake = Array.from({ length: 32 }, (_, i) => ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join(':');
  await liar.connect(ws, 'device_check', (sdp) => sdp.replace(/a=fingerprint:sha-256 [0-9A-F:]+/gi, `a=fingerprint:sha-256 ${fake}`));
  const failed = await ws.waitFor((m) => m.type === 'media.state' && m.state === 'failed', 15000);
  assert.equal(failed.reason, 'fingerprint_mismatch');
  assert.ok(await metric('anteroom_media_errors_total', { kind: 'dtls' }) >= 1);
  const mid = good.frames;
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(good.frames > mid + 10, 'the other participant was not disturbed');
  liar.close(); good.close();
  await ws.close(); await other.close();

  // The mismatch is in the audit log, by opaque id.
  await server.stop({ keepFiles: true });
  const db = join(server.dir, 'state', 'anteroom.db');
  const rows = execFileSync('sqlite3', [db, "select outcome from audit_event where action='media.dtls'"]).toString();
  assert.match(rows, /fingerprint_mismatch/);
  server.cleanup();
});
