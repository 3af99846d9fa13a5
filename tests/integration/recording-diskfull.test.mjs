// Issue 10, bad input: the recordings disk fills up mid-visit. The server runs in its own mount
// namespace (unshare -m, as root) with [recording] dir on a 16 KiB tmpfs: the recording stops
// cleanly with reason disk_full, the visit's media goes on, and staff are told (the
// recording.state event, a log line and the anteroom_recordings_stopped_total metric).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync, mkdirSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'rec-full-'));
const recDir = join(work, 'recordings');
mkdirSync(recDir);
// lib/anteroom.mjs reads ANTEROOM_BIN when it is first imported: point it at a wrapper that
// mounts the small tmpfs over the recordings directory, visible to the server only.
const real = resolve(process.env.ANTEROOM_BIN || join(import.meta.dirname, '..', '..', 'build', 'anteroom'));
const wrapper = join(work, 'anteroom-small-disk');
writeFileSync(wrapper, `#!/bin/sh\nexec unshare -m sh -c 'mount -t tmpfs -o size=16k tmpfs "${recDir}" && exec "$0" "$@"' "${real}" "$@"\n`);
chmodSync(wrapper, 0o755);
process.env.ANTEROOM_BIN = wrapper;
process.env.ANTEROOM_PEER_BIN ||= join(real, '..', 'pipelines', 'anteroom-peer');
const { Anteroom, request } = await import('./lib/anteroom.mjs');
const { SignalingClient } = await import('./lib/ws.mjs');
const { runPeer } = await import('./lib/peer.mjs');

let server;
after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('disk full: the recording stops cleanly, the visit goes on, staff are told', async () => {
  server = await Anteroom.startDemo({ recording: { dir: recDir, api_token: 'x'.repeat(32) } });
  const p = new SignalingClient(server.wsUrl);
  await p.opened;
  const appointment = (await p.request('join', { token: server.links.patient.token })).appointment_id;
  await p.close();
  const ctl = new SignalingClient(server.wsUrl);
  await ctl.opened;
  assert.equal((await ctl.request('join', { token: server.links.clinician.token })).type, 'joined');
  const common = ['--url', server.wsUrl, '--insecure', '--purpose', 'visit', '--slots', '1',
    '--consent-recording', '--duration', '60', '--report-interval', '500'];
  const patient = runPeer([...common, '--token', server.links.patient.token], { timeoutMs: 90000 });
  const clinician = runPeer([...common, '--token', server.links.clinician.token, '--appointment', appointment], { timeoutMs: 90000 });

  const deadline = Date.now() + 25000;
  let started;
  for (;;) {
    const r = await ctl.request('recording.request', { appointment_id: appointment });
    if (r.participants === 2) {
      await sleep(300);
      started = await ctl.request('recording.start', { appointment_id: appointment });
      if (started.type === 'ok') break;
    }
    assert.ok(Date.now() < deadline, `could not start: ${JSON.stringify(started)}`);
    await sleep(300);
  }
  await ctl.waitFor((m) => m.type === 'recording.state' && m.recording, 5000);
  // The test pattern encodes to a few KB/s on a loaded machine; filesink writes in 64 KiB blocks.
  const off = await ctl.waitFor((m) => m.type === 'recording.state' && !m.recording, 45000)
    .catch((e) => { throw new Error(`${e.message}; files outside the namespace: ${readdirSync(recDir)}; pid ${server.proc.pid}; server log:\n${server.log.split('\n').filter((l) => /record|warn|error/i.test(l)).join('\n')}`); });
  assert.equal(off.reason, 'disk_full');
  assert.equal(off.recording_id, started.recording_id);
  const stoppedAt = Date.now();

  const [pr, cr] = await Promise.all([patient, clinician]);
  for (const r of [pr, cr]) {
    assert.equal(r.code, 0, r.stderr);
    // The visit went on after the recording stopped: reports after that still count frames.
    const states = r.reports.filter((l) => l.event === 'recording.state');
    assert.deepEqual(states.map((s) => [s.recording, s.reason]), [[true, null], [false, 'disk_full']]);
    const media = r.reports.filter((l) => !l.event);
    const last = media[media.length - 1];
    const atStop = media[Math.max(0, media.length - 1 - Math.ceil((Date.now() - stoppedAt) / 500))];
    assert.ok(last.video_frames_received > atStop.video_frames_received + 100,
      `video keeps flowing after the disk filled: ${atStop.video_frames_received} → ${last.video_frames_received}`);
  }
  assert.match(server.log, /recording rec_[0-9a-f]+ of \S+ stopped: disk_full/);
  const metrics = (await request(`${server.url}/metrics`)).body;
  assert.match(metrics, /anteroom_recordings_stopped_total\{reason="disk_full"\} 1/);
  const list = JSON.parse((await request(`${server.url}/api/recordings`, { headers: { Authorization: `Bearer ${'x'.repeat(32)}` } })).body);
  assert.equal(list.recordings[0].status, 'failed');
  assert.equal(list.recordings[0].reason, 'disk_full');
  await ctl.close();
});
