// Issue 3 (and 12, privacy): `anteroom --demo` seeds a clinic, prints the four links, answers
// /healthz, and never writes a demo patient's name or phone number to its logs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BINARY, request } from './lib/anteroom.mjs';

// libwebrtc (wrtc) keeps handles open after close.
after(() => setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref());

test('--demo prints patient, clinician, interpreter and caregiver links and serves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anteroom-demo-'));
  const p = spawn(BINARY, ['--demo'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', log = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (log += d));
  const exited = new Promise((res) => p.on('exit', (code) => res(code)));
  try {
    const deadline = Date.now() + 15000;
    while (!out.includes('Stop with Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /Stop with Ctrl-C/, `demo did not start:\n${log}`);
    const links = {};
    for (const role of ['patient', 'clinician', 'interpreter', 'caregiver']) {
      const m = out.match(new RegExp(`^  ${role}\\s+(https://127\\.0\\.0\\.1:8443/\\S+#t=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)$`, 'm'));
      assert.ok(m, `no ${role} link in:\n${out}`);
      links[role] = m[1];
    }
    assert.match(links.patient, /\/patient\.html#t=/);
    assert.match(links.clinician, /\/clinician\.html#t=/);
    assert.match(links.interpreter, /\/guest\.html#t=/);
    assert.match(out, /sign in at .* as dr\.okafor \/ \S{12}/);
    const h = await request('https://127.0.0.1:8443/healthz');
    assert.equal(h.body, 'ok\n');

    // The demo clinic is real data in SQLite: a day of appointments and a waiting list.
    const db = join(dir, 'state', 'demo', 'anteroom.db');
    const q = (sql) => execFileSync('sqlite3', [db, sql]).toString().trim();
    assert.equal(q("select count(*) from practitioner where role='clinician'"), '2');
    assert.ok(Number(q("select count(*) from appointment where status='booked'")) > 10);
    assert.ok(Number(q('select count(*) from waitlist_entry')) >= 5);

    // Privacy: no name or phone number of any demo person reaches the log.
    const people = q("select display_name || char(10) || coalesce(phone,'') from patient union all select display_name from practitioner")
      .split('\n').filter((s) => s.length > 3);
    assert.ok(people.length > 20);
    for (const pii of people) assert.ok(!log.includes(pii), `log contains "${pii}"`);
  } finally {
    p.kill('SIGTERM');
    assert.equal(await exited, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

// Issue 10: `make demo` (anteroom --demo, no config) starts a synthetic patient (anteroom-peer)
// that checks in, passes the device check and waits ready; a clinician admits it and receives
// its video and audio; stopping the server stops the peer.
test('--demo starts a waiting demo patient a clinician can admit, and stops it on exit', { timeout: 120000 }, async () => {
  const { SignalingClient } = await import('./lib/ws.mjs');
  const { WrtcPeer } = await import('./lib/wrtc-peer.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'anteroom-demo-'));
  const p = spawn(BINARY, ['--demo'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', log = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (log += d));
  const exited = new Promise((res) => p.on('exit', (code) => res(code)));
  let cl, wrtc, peerPid;
  try {
    const deadline = Date.now() + 15000;
    while (!out.includes('Stop with Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const m = out.match(/A demo patient \(anteroom-peer, appointment (ap_okafor_\d+)\)/);
    assert.ok(m, `no demo patient announced:\n${out}\n${log}`);
    const appointment = m[1];
    const token = out.match(/^  clinician\s+\S+#t=(\S+)$/m)[1];
    peerPid = Number((log.match(/demo peer ap_okafor_\d+ started \(pid (\d+)\)/) || [])[1]);
    assert.ok(peerPid > 0, `no pid of the demo peer in the log:\n${log}`);

    // The clinician, over the protocol: the demo patient becomes ready in the lobby.
    cl = new SignalingClient('wss://127.0.0.1:8443/ws');
    await cl.opened;
    assert.equal((await cl.request('join', { token })).type, 'joined');
    let entry;
    for (const until = Date.now() + 60000; ;) {
      const snap = await cl.request('lobby.subscribe');
      assert.equal(snap.type, 'lobby.snapshot', JSON.stringify(snap));
      entry = snap.entries.find((e) => e.appointment_id === appointment);
      if ((entry?.state === 'ready' && entry.connected) || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(entry?.state, 'ready', `demo patient not ready: ${JSON.stringify(entry)}\n${log.slice(-3000)}`);
    assert.equal(entry.position, 1, JSON.stringify(entry));
    assert.deepEqual(entry.devices, { camera: true, microphone: true, speaker: true });

    // Media in the visit's room, then admit: the patient's kept transport switches in.
    wrtc = new WrtcPeer({ slots: 1 });
    await wrtc.connect(cl, 'visit', (s) => s, { appointment_id: appointment });
    const admit = await cl.request('lobby.admit', { appointment_id: appointment });
    assert.equal(admit.type, 'ok', JSON.stringify(admit));
    assert.equal(admit.media, true);
    const got = await wrtc.waitMedia(30, 30000);
    assert.ok(got.frames > 30, `clinician decoded ${got.frames} frames of the demo patient`);
    assert.ok(got.energy > 0, 'clinician hears the demo patient');
    // Opaque ids only: the peer's lines are logged under the appointment id.
    assert.match(log, /demo peer ap_okafor_\d+: \{"event":"admitted"\}/);
  } finally {
    wrtc?.close();
    await cl?.close();
    p.kill('SIGTERM');
    assert.equal(await exited, 0);
    rmSync(dir, { recursive: true, force: true });
  }
  // The peer is gone with the server.
  assert.throws(() => process.kill(peerPid, 0), { code: 'ESRCH' }, `demo peer ${peerPid} still running`);
  assert.match(log, /demo peer ap_okafor_\d+ stopped/);
});

test('--no-demo-peer: nobody waits', { timeout: 30000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anteroom-demo-'));
  const p = spawn(BINARY, ['--demo', '--no-demo-peer'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', log = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (log += d));
  const exited = new Promise((res) => p.on('exit', (code) => res(code)));
  try {
    const deadline = Date.now() + 15000;
    while (!out.includes('Stop with Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /Stop with Ctrl-C/);
    assert.doesNotMatch(out, /A demo patient/);
    assert.doesNotMatch(log, /demo peer/);
  } finally {
    p.kill('SIGTERM');
    assert.equal(await exited, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
