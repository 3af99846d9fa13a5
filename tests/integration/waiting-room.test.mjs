// Issue 7, the waiting room over the protocol (SignalingClient only, no media): positions and
// ETAs for everyone after an admit, running late, rejoin within grace, bad input, roles, audit
// events, and the lobby surviving a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom, request } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { joined, readyPatient, queueUpdate, lobbyEntry, upcoming, sql } from './lib/waiting.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function lobby(server, who = 'prac_okafor') {
  const c = await joined(server, 'clinician', 'cl_demo', who);
  c.snapshot = await c.request('lobby.subscribe');
  assert.equal(c.snapshot.type, 'lobby.snapshot');
  return c;
}

test('admitting the first patient moves everyone up, in their view and in the lobby', async () => {
  const s = await Anteroom.startDemo();
  try {
    const ups = upcoming(s);
    const cl = await lobby(s);
    const [a, b, c] = [await readyPatient(s, ups[0]), await readyPatient(s, ups[1]), await readyPatient(s, ups[2])];
    const qa = await queueUpdate(a, (q) => q.state === 'ready');
    const qb = await queueUpdate(b, (q) => q.state === 'ready');
    const qc = await queueUpdate(c, (q) => q.state === 'ready');
    assert.ok(qa.position < qb.position && qb.position < qc.position, JSON.stringify([qa, qb, qc]));
    assert.ok(qb.eta >= ups[1].start && qb.eta_low <= qb.eta && qb.eta <= qb.eta_high);
    assert.equal((await lobbyEntry(cl, ups[1].id, (e) => e.state === 'ready')).position, qb.position);

    assert.equal((await cl.request('lobby.admit', { appointment_id: ups[0].id })).type, 'ok');
    const adm = await a.waitFor((m) => m.type === 'admitted');
    assert.equal(adm.visit_id, ups[0].id);
    assert.equal((await queueUpdate(a, (q) => q.state === 'in_visit')).position, undefined);
    const qb2 = await queueUpdate(b, (q) => q.position === qb.position - 1);
    const qc2 = await queueUpdate(c, (q) => q.position === qc.position - 1);
    assert.ok(qb2.eta >= ups[1].start && qc2.eta >= qb2.eta);
    assert.equal((await lobbyEntry(cl, ups[0].id)).state, 'in_visit');
    assert.equal((await lobbyEntry(cl, ups[2].id, (e) => e.position === qc2.position)).eta, qc2.eta);
    // The start was scored against the ETA A was shown.
    const metrics = (await request(`${s.url}/metrics`)).body;
    assert.match(metrics, /^anteroom_waiting_eta_starts 1$/m);
    assert.match(metrics, /^anteroom_waiting_eta_error_seconds\{stat="mae"\} \d+/m);
    assert.match(sql(s, `select (eta > 0) || '|' || (started_at > 0) from lobby_state where appointment_id='${ups[0].id}'`), /^1\|1$/);
  } finally {
    await s.stop();
  }
});

test('running late: the ETAs of everyone waiting move and say by how much', async () => {
  const s = await Anteroom.startDemo();
  try {
    const ups = upcoming(s);
    const cl = await lobby(s);
    const a = await readyPatient(s, ups[1]);
    const b = await readyPatient(s, ups[2]);
    const qa = await queueUpdate(a, (q) => q.state === 'ready');
    const qb = await queueUpdate(b, (q) => q.state === 'ready');
    assert.equal(qa.running_late_min, 0);
    assert.equal((await cl.request('lobby.late', { minutes: 25 })).type, 'ok');
    const qa2 = await queueUpdate(a, (q) => q.running_late_min === 25);
    const qb2 = await queueUpdate(b, (q) => q.running_late_min === 25);
    // Nobody starts before their booked time plus the lateness, and both ETAs moved later.
    assert.ok(qa2.eta >= ups[1].start + 25 * 60 && qa2.eta > qa.eta, JSON.stringify([qa, qa2]));
    assert.ok(qb2.eta >= ups[2].start + 25 * 60 && qb2.eta > qb.eta, JSON.stringify([qb, qb2]));
    assert.ok(qa2.eta_high >= qa2.eta && qa2.eta_low <= qa2.eta);
    assert.equal((await lobbyEntry(cl, ups[1].id, (e) => e.eta === qa2.eta)).eta, qa2.eta);
    assert.equal(qa2.position, qa.position);
    const bad = await cl.request('lobby.late', { minutes: -3 });
    assert.equal(bad.code, 'bad_message');
  } finally {
    await s.stop();
  }
});

test('a patient who drops and comes back within the grace period keeps their place', async () => {
  const s = await Anteroom.startDemo({ signaling: { grace_seconds: 2 } });
  try {
    const ups = upcoming(s);
    const cl = await lobby(s);
    const a = await readyPatient(s, ups[0]);
    const b = await readyPatient(s, ups[1]);
    const before = await queueUpdate(b, (q) => q.state === 'ready');
    const beforeAt = Date.now();
    await b.close();
    assert.equal((await lobbyEntry(cl, ups[1].id, (e) => e.state === 'away')).connected, false);
    // Admitting someone who left is refused and changes nothing.
    const refused = await cl.request('lobby.admit', { appointment_id: ups[1].id });
    assert.equal(refused.code, 'bad_state');
    const b2 = await joined(s, 'patient', ups[1].id, ups[1].patient);
    assert.equal(b2.joined.state, 'ready');
    const after = await queueUpdate(b2, (q) => q.state === 'ready');
    assert.equal(after.position, before.position);
    // The estimate is the same one, only as much later as the clock moved (an idle clinician's
    // next patient is estimated from "now", so it can tick by a second meanwhile).
    const elapsed = Math.ceil((Date.now() - beforeAt) / 1000) + 1;
    assert.ok(after.eta >= before.eta && after.eta - before.eta <= elapsed, JSON.stringify([before, after]));
    assert.equal((await lobbyEntry(cl, ups[1].id, (e) => e.connected)).state, 'ready');

    // `resume` (the same participant, same link) gives the place back the same way.
    await b2.close();
    await lobbyEntry(cl, ups[1].id, (e) => e.state === 'away');
    const b3 = new SignalingClient(s.wsUrl);
    await b3.opened;
    const res = await b3.request('resume', { participant_id: b2.joined.participant_id, token: b2.token });
    assert.equal(res.type, 'resumed', JSON.stringify(res));
    assert.equal((await lobbyEntry(cl, ups[1].id, (e) => e.connected)).state, 'ready');
    assert.equal((await queueUpdate(b3, (q) => q.state === 'ready')).position, before.position);

    // Past the grace period the place lapses: expected again, not waiting.
    await a.close();
    assert.equal((await lobbyEntry(cl, ups[0].id, (e) => e.state === 'away')).state, 'away');
    await lobbyEntry(cl, ups[0].id, (e) => e.state === 'not_arrived', 6000);
    const a2 = await joined(s, 'patient', ups[0].id, ups[0].patient);
    assert.equal(a2.joined.state, 'checking_devices');
  } finally {
    await s.stop();
  }
});

test('bad input gets a clear error and leaves the state as it was', async () => {
  const s = await Anteroom.startDemo();
  try {
    const ups = upcoming(s);
    const cl = await lobby(s);
    const a = await readyPatient(s, ups[0]);
    const b = await readyPatient(s, ups[1]);
    const early = await a.request('waiting.early', { value: true });
    assert.equal(early.type, 'ok');
    assert.equal((await lobbyEntry(cl, ups[0].id, (e) => e.early)).early, true);

    assert.equal((await cl.request('lobby.admit', { appointment_id: ups[0].id })).type, 'ok');
    const twice = await cl.request('lobby.admit', { appointment_id: ups[0].id });
    assert.equal(twice.code, 'bad_state');
    assert.match(twice.message, /already been admitted/);
    assert.equal((await cl.request('lobby.done', { appointment_id: ups[0].id })).type, 'ok');
    const closed = await cl.request('lobby.message', { appointment_id: ups[0].id, text: 'hello' });
    assert.equal(closed.code, 'bad_state');
    const unknown = await cl.request('lobby.transfer', { appointment_id: ups[1].id, practitioner_id: 'prac_nobody' });
    assert.equal(unknown.code, 'not_found');
    const nope = await cl.request('lobby.admit', { appointment_id: 'ap_does_not_exist' });
    assert.equal(nope.code, 'not_found');
    const notCheckedIn = await cl.request('lobby.admit', { appointment_id: ups[3].id });
    assert.equal(notCheckedIn.code, 'bad_state');
    assert.equal((await cl.request('lobby.message', { appointment_id: ups[1].id, text: 'x'.repeat(501) })).code, 'bad_message');
    assert.equal((await a.request('checkin', { consent: false })).code, 'bad_message');

    // Nothing moved: b is still ready and still in Dr. Okafor's line, a is done.
    const snap = await cl.request('lobby.subscribe');
    const byId = Object.fromEntries(snap.entries.map((e) => [e.appointment_id, e]));
    assert.equal(byId[ups[0].id].state, 'done');
    assert.equal(byId[ups[1].id].state, 'ready');
    assert.equal(byId[ups[3].id].state, 'not_arrived');
    assert.equal(sql(s, `select practitioner_id from appointment where id='${ups[1].id}'`), 'prac_okafor');

    // Roles: a patient cannot see a lobby, staff cannot admit, another clinician cannot reach
    // Dr. Okafor's patients.
    assert.equal((await b.request('lobby.subscribe')).code, 'forbidden');
    assert.equal((await b.request('lobby.admit', { appointment_id: ups[1].id })).code, 'forbidden');
    const staff = await joined(s, 'staff', 'cl_demo', 'prac_sched');
    const staffSnap = await staff.request('lobby.subscribe');
    assert.ok(staffSnap.entries.some((e) => e.practitioner_id === 'prac_berg'));
    assert.ok(staffSnap.entries.some((e) => e.practitioner_id === 'prac_okafor'));
    assert.equal((await staff.request('lobby.admit', { appointment_id: ups[1].id })).code, 'forbidden');
    const berg = await lobby(s, 'prac_berg');
    assert.ok(berg.snapshot.entries.every((e) => e.practitioner_id === 'prac_berg'));
    assert.equal((await berg.request('lobby.admit', { appointment_id: ups[1].id })).code, 'not_found');
  } finally {
    await s.stop();
  }
});

test('messages reach one patient or everyone waiting, and are replayed after a reload', async () => {
  const s = await Anteroom.startDemo();
  try {
    const ups = upcoming(s);
    const cl = await lobby(s);
    const a = await readyPatient(s, ups[0]);
    const b = await readyPatient(s, ups[1]);
    const one = await cl.request('lobby.message', { appointment_id: ups[0].id, text: 'Two minutes, sorry' });
    assert.deepEqual([one.type, one.sent], ['ok', 1]);
    assert.equal((await a.waitFor((m) => m.type === 'clinic.message')).text, 'Two minutes, sorry');
    const all = await cl.request('lobby.message', { all: true, text: 'Running about 10 minutes late' });
    assert.equal(all.sent, 2);
    assert.equal((await b.waitFor((m) => m.type === 'clinic.message')).text, 'Running about 10 minutes late');
    await b.close();
    const b2 = await joined(s, 'patient', ups[1].id, ups[1].patient);
    assert.equal((await b2.waitFor((m) => m.type === 'clinic.message')).text, 'Running about 10 minutes late');
  } finally {
    await s.stop();
  }
});

test('transfer moves the patient to the other clinician\'s line and lobby', async () => {
  const s = await Anteroom.startDemo();
  try {
    const ups = upcoming(s);
    const okafor = await lobby(s);
    const berg = await lobby(s, 'prac_berg');
    const a = await readyPatient(s, ups[0]);
    assert.equal((await okafor.request('lobby.transfer', { appointment_id: ups[0].id, practitioner_id: 'prac_berg' })).type, 'ok');
    const gone = [...okafor.events].reverse().find((m) => m.type === 'lobby.update' && m.entry.appointment_id === ups[0].id);
    assert.equal(gone.removed, true);
    assert.equal((await lobbyEntry(berg, ups[0].id)).practitioner_id, 'prac_berg');
    assert.equal(sql(s, `select practitioner_id from appointment where id='${ups[0].id}'`), 'prac_berg');
    assert.equal((await okafor.request('lobby.admit', { appointment_id: ups[0].id })).code, 'not_found');
    assert.equal((await berg.request('lobby.admit', { appointment_id: ups[0].id })).type, 'ok');
    await a.waitFor((m) => m.type === 'admitted');
  } finally {
    await s.stop();
  }
});

test('audit events are written for check-in, device check, lobby access and actions', async () => {
  const s = await Anteroom.startDemo();
  const ups = upcoming(s);
  let rows;
  try {
    const cl = await lobby(s);
    await readyPatient(s, ups[0]);
    await cl.request('lobby.admit', { appointment_id: ups[0].id });
    await cl.request('lobby.admit', { appointment_id: ups[0].id });
    await cl.request('lobby.message', { all: true, text: 'a private note about Maria' });
    assert.equal((await cl.request('lobby.noshow', { appointment_id: ups[1].id })).type, 'ok');
    // The no-show's time is reopened for the waiting list (the scheduler makes a new free slot).
    assert.equal(sql(s, `select count(*) from slot where opened_reason='noshow' and status='free'
      and end_ts = (select end_ts from appointment where id='${ups[1].id}')`), '1');
  } finally {
    await s.proc.kill('SIGTERM');
    await s.exited;
    rows = sql(s, "select actor, action, entity_id, outcome, detail from audit_event where action like 'lobby.%' order by seq");
    await s.stop();
  }
  const lines = rows.split('\n');
  const has = (re) => assert.ok(lines.some((l) => re.test(l)), `no ${re} in\n${rows}`);
  has(new RegExp(`^${ups[0].patient}\\|lobby\\.checkin\\|${ups[0].id}\\|success`));
  has(new RegExp(`^${ups[0].patient}\\|lobby\\.device_check\\|${ups[0].id}\\|success\\|\\{"devices":7\\}`));
  has(/^prac_okafor\|lobby\.subscribe\|prac_okafor\|success/);
  has(new RegExp(`^prac_okafor\\|lobby\\.admit\\|${ups[0].id}\\|success`));
  has(new RegExp(`^prac_okafor\\|lobby\\.admit\\|${ups[0].id}\\|refused`));
  has(new RegExp(`^prac_okafor\\|lobby\\.noshow\\|${ups[1].id}\\|success`));
  has(/^prac_okafor\|lobby\.message\|prac_okafor\|success\|\{"recipients":0\}/);
  assert.ok(!rows.includes('private note'), 'message text reached the audit log');
});

test('the lobby survives a restart: same entries, waiting patients away until they rejoin', async () => {
  const s = await Anteroom.startDemo();
  const ups = upcoming(s);
  let s2;
  try {
    const cl = await lobby(s);
    const a = await readyPatient(s, ups[0]);
    const b = await readyPatient(s, ups[1]);
    await b.request('waiting.early', { value: true });
    await cl.request('lobby.admit', { appointment_id: ups[0].id });
    await a.waitFor((m) => m.type === 'admitted');
    await cl.request('lobby.noshow', { appointment_id: ups[2].id });
    const pos = (await queueUpdate(b, (q) => q.state === 'ready')).position;
    const before = (await cl.request('lobby.subscribe')).entries;

    // Same state directory and port, no --demo (that would reseed).
    s.proc.kill('SIGTERM');
    await s.exited;
    s2 = new (s.constructor)((await import('node:child_process')).spawn(process.env.ANTEROOM_BIN || (await import('./lib/anteroom.mjs')).BINARY,
      ['--config', s.configPath], { stdio: ['ignore', 'pipe', 'pipe'] }), s.port, s.dir, s.configPath);
    await s2.waitHealthy();
    const cl2 = await lobby(s2);
    const after = cl2.snapshot.entries;
    assert.deepEqual(after.map((e) => e.appointment_id), before.map((e) => e.appointment_id));
    const norm = (e) => ({ ...e, state: e.state === 'ready' ? 'away' : e.state, connected: false, waited_s: 0,
      position: undefined, eta: undefined, eta_low: undefined, eta_high: undefined });
    assert.deepEqual(after.map(norm), before.map(norm));
    const byId = Object.fromEntries(after.map((e) => [e.appointment_id, e]));
    assert.equal(byId[ups[0].id].state, 'in_visit');
    assert.equal(byId[ups[1].id].state, 'away');
    assert.equal(byId[ups[1].id].early, true);
    assert.equal(byId[ups[2].id].state, 'no_show');
    const b2 = await joined(s2, 'patient', ups[1].id, ups[1].patient);
    assert.equal(b2.joined.state, 'ready');
    assert.equal((await queueUpdate(b2, (q) => q.state === 'ready')).position, pos);
  } finally {
    if (s2) await s2.stop(); else await s.stop();
  }
});
