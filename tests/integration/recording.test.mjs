// Issue 10: recording a visit with everyone's consent. anteroom-peer joins as patient and as
// clinician (--consent-recording answers the consent request); a node WebSocket is the
// clinician's control socket. The recorded file is checked with gst-discoverer-1.0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { Anteroom, request, insecureAgent } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { runPeer, hasGstElement } from './lib/peer.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';
import { demoPassword, login } from './lib/identity.mjs';

const TOKEN = 'test-recording-api-token-0123456789';
const servers = [];
after(async () => {
  for (const s of servers) await s.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

async function joined(server, token) {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  const j = await c.request('join', { token });
  assert.equal(j.type, 'joined', JSON.stringify(j));
  c.joinReply = j;
  return c;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits until `n` participants have media in the visit, asking for consent each time.
async function requestUntil(ctl, appointment, n) {
  const deadline = Date.now() + 25000;
  for (;;) {
    const r = await ctl.request('recording.request', { appointment_id: appointment });
    assert.equal(r.type, 'ok', JSON.stringify(r));
    if (r.participants >= n || Date.now() > deadline) return r;
    await sleep(300);
  }
}

async function startWhenConsented(ctl, appointment) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await ctl.request('recording.start', { appointment_id: appointment });
    if (r.type === 'ok' || Date.now() > deadline) return r;
    await sleep(200);
  }
}

function api(server, path, { method = 'GET', token = TOKEN } = {}) {
  return request(`${server.url}${path}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

function discover(path) {
  const r = spawnSync('gst-discoverer-1.0', [path], { encoding: 'utf8' });
  const m = r.stdout.match(/Duration: (\d+):(\d+):([\d.]+)/);
  return {
    text: r.stdout + r.stderr,
    duration: m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN,
    audio: (r.stdout.match(/audio #\d+: Opus/g) || []).length,
    vp8: (r.stdout.match(/video #\d+: VP8/g) || []).length,
    h264: (r.stdout.match(/video #\d+: H\.264/g) || []).length,
  };
}

// The file as bytes (lib/anteroom.mjs request() decodes bodies as text).
function getBinary(url) {
  return new Promise((res, rej) => {
    https.get(url, { agent: insecureAgent, headers: { Authorization: `Bearer ${TOKEN}` } }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) }));
    }).on('error', rej);
  });
}

async function download(server, id) {
  const r = await getBinary(`${server.url}/api/recordings/${id}`);
  assert.equal(r.status, 200, r.body?.toString());
  assert.match(r.headers['content-disposition'], /^attachment; filename="rec_/);
  const name = r.headers['content-disposition'].match(/filename="([^"]+)"/)[1];
  const dir = mkdtempSync(join(tmpdir(), 'rec-dl-'));
  const file = join(dir, name);
  writeFileSync(file, r.body);
  return { file, name, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('consented 10-second recording plays back with every track; refusal, restart, withdrawal, API', async () => {
  const server = await Anteroom.startDemo({ recording: { api_token: TOKEN, retention_days: 30 } });
  servers.push(server);
  const patientWs = await joined(server, server.links.patient.token);
  const appointment = patientWs.joinReply.appointment_id;
  await patientWs.close();
  const ctl = await joined(server, server.links.clinician.token);

  const common = ['--url', server.wsUrl, '--insecure', '--purpose', 'visit', '--slots', '1',
    '--consent-recording', '--report-interval', '500'];
  const patient = runPeer([...common, '--token', server.links.patient.token, '--duration', '40'], { timeoutMs: 60000 });
  const clinician = runPeer([...common, '--token', server.links.clinician.token,
    '--appointment', appointment, '--duration', '40'], { timeoutMs: 60000 });

  // Nobody has been asked: refused, with the reason.
  const early = await ctl.request('recording.start', { appointment_id: appointment });
  assert.equal(early.type, 'error');
  assert.equal(early.code, 'consent_missing', JSON.stringify(early));

  const req = await requestUntil(ctl, appointment, 2);
  assert.equal(req.participants, 2, 'both anteroom-peers have media in the visit');
  const started = await startWhenConsented(ctl, appointment);
  assert.equal(started.type, 'ok', JSON.stringify(started));
  const on = await ctl.waitFor((m) => m.type === 'recording.state' && m.recording, 5000);
  assert.equal(on.recording_id, started.recording_id);
  assert.equal(on.reason, null, 'every track recorded');
  await sleep(10000);
  const stop = await ctl.request('recording.stop', { appointment_id: appointment });
  assert.equal(stop.type, 'ok');
  const off = await ctl.waitFor((m) => m.type === 'recording.state' && !m.recording, 8000);
  assert.equal(off.reason, 'stopped');

  // A third participant (libwebrtc) joins; without its consent a new recording is refused.
  const cg = await joined(server, server.links.caregiver.token);
  const wrtc = new WrtcPeer({ slots: 2 });
  await wrtc.connect(cg, 'visit');
  await cg.waitFor((m) => m.type === 'recording.consent_requested', 5000);
  const refused = await ctl.request('recording.start', { appointment_id: appointment });
  assert.equal(refused.code, 'consent_missing');
  assert.match(refused.message, /1 of 3 participants/);

  // It consents: recording starts again; then it withdraws, which stops the recording.
  assert.equal((await cg.request('recording.consent', { value: true })).type, 'ok');
  const again = await ctl.request('recording.start', { appointment_id: appointment });
  assert.equal(again.type, 'ok', JSON.stringify(again));
  const on2 = await cg.waitFor((m) => m.type === 'recording.state' && m.recording, 5000);
  assert.equal(on2.recording_id, again.recording_id, 'the indicator reaches the new participant');
  await sleep(2000);
  assert.equal((await cg.request('recording.consent', { value: false })).type, 'ok');
  const withdrawn = await ctl.waitFor((m) => m.type === 'recording.state' && !m.recording, 8000);
  assert.equal(withdrawn.reason, 'consent_withdrawn');
  wrtc.close();
  await cg.close();

  const [p, c] = await Promise.all([patient, clinician]);
  for (const r of [p, c]) {
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.final.video_frames_received > 60, `each peer sees the other's video: ${r.final.video_frames_received}`);
    assert.ok(r.final.audio_buffers_received > 50, 'each peer hears the other');
    // The indicator, as each participant saw it: on, off (stopped), on, off (withdrawn).
    const states = r.reports.filter((l) => l.event === 'recording.state');
    assert.deepEqual(states.map((s) => s.recording), [true, false, true, false], JSON.stringify(states));
  }

  // The staff API: listing, downloading, deleting; and nothing without the token.
  assert.equal((await api(server, '/api/recordings', { token: null })).status, 401);
  assert.equal((await api(server, '/api/recordings', { token: 'wrong' })).status, 401);
  const list = JSON.parse((await api(server, '/api/recordings')).body);
  assert.equal(list.recordings.length, 2, JSON.stringify(list));
  const first = list.recordings.find((r) => r.id === started.recording_id);
  assert.equal(first.status, 'complete');
  assert.equal(first.appointment_id, appointment);
  assert.equal(first.tracks.length, 4, JSON.stringify(first.tracks));
  assert.ok(first.duration_s > 9 && first.duration_s < 13, `duration ${first.duration_s}`);
  assert.ok(first.size > 20000, `size ${first.size}`);
  const second = list.recordings.find((r) => r.id === again.recording_id);
  assert.equal(second.reason, 'consent_withdrawn');

  const dl = await download(server, first.id);
  const d = discover(dl.file);
  dl.cleanup();
  assert.ok(d.duration > 9 && d.duration < 12.5, `gst-discoverer duration ${d.duration}:\n${d.text}`);
  assert.equal(d.audio, 2, `two Opus tracks:\n${d.text}`);
  assert.equal(d.vp8, 2, `two VP8 tracks:\n${d.text}`);

  // A signed-in clinician of the clinic (cookie session) sees them too, without the token.
  const creds = demoPassword(server);
  const session = await login(server, creds.login, creds.password);
  assert.equal(session.status, 200, session.body);
  const viaCookie = await request(`${server.url}/api/recordings`, { headers: { cookie: session.cookie } });
  assert.equal(viaCookie.status, 200, viaCookie.body);
  assert.equal(JSON.parse(viaCookie.body).recordings.length, 2);

  assert.equal((await api(server, `/api/recordings/${second.id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await api(server, `/api/recordings/${second.id}`)).status, 404);
  const after = JSON.parse((await api(server, '/api/recordings')).body);
  assert.equal(after.recordings.length, 1);

  // Every request and answer is in the audit log, and stops are counted for monitoring.
  const metrics = (await request(`${server.url}/metrics`)).body.toString();
  assert.match(metrics, /anteroom_recordings_stopped_total\{reason="stopped"\} 1/);
  assert.match(metrics, /anteroom_recordings_stopped_total\{reason="consent_withdrawn"\} 1/);
  await ctl.close();
});

test('a codec the muxer cannot take: that track is skipped, the others are recorded, and the reason is said', async (t) => {
  if (!hasGstElement('x264enc')) { t.skip('x264enc (gstreamer1.0-plugins-ugly) not installed'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'rec-conf-'));
  const conf = join(dir, 'webm.conf');
  writeFileSync(conf, '[recorder]\nmuxer = webmmux\nextension = webm\n');
  const server = await Anteroom.startDemo({ recording: { api_token: TOKEN, pipelines: conf } });
  servers.push(server);
  const patientWs = await joined(server, server.links.patient.token);
  const appointment = patientWs.joinReply.appointment_id;
  await patientWs.close();
  const ctl = await joined(server, server.links.clinician.token);
  const common = ['--url', server.wsUrl, '--insecure', '--purpose', 'visit', '--slots', '1',
    '--consent-recording', '--duration', '24'];
  const patient = runPeer([...common, '--token', server.links.patient.token, '--video', 'h264'], { timeoutMs: 40000 });
  const clinician = runPeer([...common, '--token', server.links.clinician.token, '--appointment', appointment], { timeoutMs: 40000 });
  const req = await requestUntil(ctl, appointment, 2);
  if (req.participants !== 2) console.log(server.log.slice(-3000));
  assert.equal(req.participants, 2);
  const started = await startWhenConsented(ctl, appointment);
  assert.equal(started.type, 'ok', JSON.stringify(started));
  const on = await ctl.waitFor((m) => m.type === 'recording.state' && m.recording, 5000);
  assert.equal(on.reason, 'track_skipped');
  assert.match(on.skipped, /video H264: webmmux cannot take it/);
  await sleep(4000);
  await ctl.request('recording.stop', { appointment_id: appointment });
  const off = await ctl.waitFor((m) => m.type === 'recording.state' && !m.recording, 8000);
  assert.equal(off.reason, 'stopped', server.log.split('\n').filter((l) => /recording/.test(l)).join('\n'));
  const list = JSON.parse((await api(server, '/api/recordings')).body);
  const rec = list.recordings[0];
  assert.equal(rec.tracks.length, 3, JSON.stringify(rec));
  assert.match(rec.skipped, /H264/);
  const dl = await download(server, rec.id);
  assert.match(dl.name, /\.webm$/);
  const d = discover(dl.file);
  dl.cleanup();
  assert.equal(d.audio, 2, d.text);
  assert.equal(d.vp8, 1, d.text);
  assert.equal(d.h264, 0, d.text);
  await Promise.all([patient, clinician]);
  await ctl.close();
  rmSync(dir, { recursive: true, force: true });
});
