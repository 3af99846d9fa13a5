// Issue 7, walk-ins over the protocol (SignalingClient only, no media): the front desk adds a
// walk-in, every subscribed lobby sees it, the walk-in joins by the returned link, checks in
// behind the appointments that are due, is admitted, and each step leaves an audit event;
// refusals; and a walk-in survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Anteroom, BINARY } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { joined, queueUpdate, lobbyEntry, sql } from './lib/waiting.mjs';

async function lobby(server, role, subject) {
  const c = await joined(server, role, 'cl_demo', subject);
  c.snapshot = await c.request('lobby.subscribe');
  assert.equal(c.snapshot.type, 'lobby.snapshot');
  return c;
}

async function joinByLink(server, link) {
  const token = link.split('#t=')[1];
  assert.ok(token, link);
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  c.joined = await c.request('join', { token });
  return c;
}

// Dr. Okafor's appointment whose booked time runs now: due, its patient expected.
function current(server) {
  const now = Math.floor(Date.now() / 1000);
  const [id, patient] = sql(server, `select id, patient_id from appointment where practitioner_id='prac_okafor'
    and status='booked' and start_ts <= ${now} and end_ts > ${now}`).split('|');
  return { id, patient };
}

test('a walk-in: both lobbies see it, the patient joins by the link, waits behind the due appointments, is admitted; each step audited', async () => {
  const s = await Anteroom.startDemo();
  let rows, log, created;
  try {
    const desk = await lobby(s, 'staff', 'prac_sched');
    const okafor = await lobby(s, 'clinician', 'prac_okafor');
    const cur = current(s);
    const due = await joined(s, 'patient', cur.id, cur.patient);
    assert.equal((await due.request('checkin', { consent: true })).type, 'checked_in');
    assert.equal((await due.request('device_check.result', { camera: true, microphone: true, speaker: true })).type, 'ok');

    created = await desk.request('lobby.walkin', { practitioner_id: 'prac_okafor', visit_type: 'general',
      language: 'es', needs_interpreter: true, label: 'Maria Lopez' });
    assert.equal(created.type, 'lobby.walkin_created', JSON.stringify(created));
    assert.match(created.appointment_id, /^ap_[0-9a-f]{16}$/);
    assert.match(created.patient_id, /^pat_[0-9a-f]{16}$/);
    assert.equal(created.practitioner_id, 'prac_okafor');
    assert.equal(created.state, 'not_arrived');
    assert.match(created.link, /\/patient\.html#t=[\w-]+\.[\w-]+$/);
    assert.ok(created.expires_at > Date.now() / 1000 + 3600);
    const id = created.appointment_id;

    // Both subscribed lobbies (the desk's clinic view and the clinician's line) see it.
    for (const l of [desk, okafor]) {
      const e = await lobbyEntry(l, id);
      assert.equal(e.state, 'not_arrived');
      assert.equal(e.walk_in, true);
      assert.equal(e.patient_label, 'Maria L.');
      assert.equal(e.interpreter, 'es');
      assert.equal(e.needs_interpreter, true);
      assert.equal(e.position, undefined); // not in line until checked in
    }

    const w = await joinByLink(s, created.link);
    assert.equal(w.joined.type, 'joined', JSON.stringify(w.joined));
    assert.equal(w.joined.role, 'patient');
    assert.equal(w.joined.appointment_id, id);
    assert.equal(w.joined.state, 'not_arrived');
    assert.equal((await w.request('checkin', { consent: true })).type, 'checked_in');
    assert.equal((await w.request('device_check.result', { camera: true, microphone: true, speaker: true })).type, 'ok');
    const q = await queueUpdate(w, (u) => u.state === 'ready' && u.position > 0);
    const qd = await queueUpdate(due, (u) => u.state === 'ready' && u.position > 0);
    // The due patient goes first; so does every booked appointment due before the walk-in's turn.
    assert.ok(qd.position < q.position && qd.eta <= q.eta, JSON.stringify([qd, q]));
    const snap = (await okafor.request('lobby.subscribe')).entries;
    const mine = snap.find((e) => e.appointment_id === id);
    assert.equal(mine.position, q.position);
    const ahead = snap.filter((e) => !e.walk_in && e.position && e.scheduled <= q.eta);
    assert.ok(ahead.length >= 1);
    for (const e of ahead) assert.ok(e.position < q.position, JSON.stringify([e, q]));
    assert.equal((await lobbyEntry(desk, id, (e) => e.state === 'ready')).position, q.position);

    const adm = await okafor.request('lobby.admit', { appointment_id: id });
    assert.equal(adm.type, 'ok', JSON.stringify(adm));
    assert.equal((await w.waitFor((m) => m.type === 'admitted')).visit_id, id);
    assert.equal((await lobbyEntry(desk, id, (e) => e.state === 'in_visit')).state, 'in_visit');
  } finally {
    await s.proc.kill('SIGTERM');
    await s.exited;
    rows = sql(s, 'select actor, action, entity_id, outcome, detail from audit_event order by seq');
    log = s.log;
    await s.stop();
  }
  const { appointment_id: id, patient_id: pat } = created;
  const lines = rows.split('\n');
  const has = (re) => assert.ok(lines.some((l) => re.test(l)), `no ${re} in\n${rows}`);
  has(new RegExp(`^prac_sched\\|patient\\.create\\|${pat}\\|success`));
  has(new RegExp(`^prac_sched\\|lobby\\.walkin\\|${id}\\|success\\|.*"practitioner":"prac_okafor"`));
  has(new RegExp(`^prac_sched\\|lobby\\.walkin_link\\|${id}\\|success\\|\\{"token_id":"[0-9a-f]{24}"`));
  has(new RegExp(`^${pat}\\|visit\\.join\\|${id}\\|success`));
  has(new RegExp(`^${pat}\\|lobby\\.checkin\\|${id}\\|success`));
  has(new RegExp(`^${pat}\\|lobby\\.device_check\\|${id}\\|success`));
  has(new RegExp(`^prac_okafor\\|lobby\\.admit\\|${id}\\|success`));
  // The label the desk typed stays in the patient record: not in the audit log, not in logs.
  assert.ok(!rows.includes('Maria'), 'the label reached the audit log');
  assert.ok(log.includes(id), 'the server log mentions the walk-in by id');
  assert.ok(!log.includes('Maria'), 'the label reached the server log');
});

test('walk-in refusals: patients and interpreters, unknown or other clinic clinicians, missing fields', async () => {
  const s = await Anteroom.startDemo();
  try {
    sql(s, `insert into clinic values ('cl_other', 'Other', 'UTC');
      insert into practitioner (id, clinic_id, display_name, role) values ('prac_far', 'cl_other', 'F', 'clinician')`);
    const desk = await lobby(s, 'staff', 'prac_sched');
    const patient = new SignalingClient(s.wsUrl);
    await patient.opened;
    assert.equal((await patient.request('join', { token: s.links.patient.token })).type, 'joined');
    const interp = new SignalingClient(s.wsUrl);
    await interp.opened;
    assert.equal((await interp.request('join', { token: s.links.interpreter.token })).type, 'joined');
    const ok = { practitioner_id: 'prac_okafor', visit_type: 'general' };
    assert.equal((await patient.request('lobby.walkin', ok)).code, 'forbidden');
    assert.equal((await interp.request('lobby.walkin', ok)).code, 'forbidden');
    const cases = [
      [{ ...ok, practitioner_id: 'prac_nobody' }, 'not_found'],
      [{ ...ok, practitioner_id: 'prac_far' }, 'not_found'],
      [{ ...ok, practitioner_id: 'prac_sched' }, 'not_found'], // staff, not a clinician
      [{ practitioner_id: 'prac_okafor' }, 'bad_message'],
      [{ visit_type: 'general' }, 'bad_message'],
      [{ ...ok, first_available: true }, 'bad_message'],
      [{ ...ok, visit_type: 'a visit with spaces' }, 'bad_message'],
      [{ ...ok, needs_interpreter: true }, 'bad_message'],
      [{ ...ok, language: 'not a code' }, 'bad_message'],
      [{ ...ok, label: 'x'.repeat(65) }, 'bad_message'],
      [{ ...ok, label: 7 }, 'bad_message'],
    ];
    for (const [fields, code] of cases) {
      const r = await desk.request('lobby.walkin', fields);
      assert.equal(r.type, 'error', JSON.stringify([fields, r]));
      assert.equal(r.code, code, JSON.stringify([fields, r]));
      assert.ok(r.message.length > 0);
    }
    assert.equal(sql(s, "select count(*) from appointment where appointment_type = 'WALKIN'"), '0');
    assert.match(sql(s, "select count(*) from audit_event where action = 'signaling.forbidden'"), /^[1-9]/);
    assert.match(sql(s, "select count(*) from audit_event where action = 'lobby.walkin' and outcome = 'refused'"), /^[1-9]/);

    // First available picks one of the clinic's clinicians; a clinician may add one too.
    const any = await desk.request('lobby.walkin', { first_available: true, visit_type: 'general' });
    assert.equal(any.type, 'lobby.walkin_created', JSON.stringify(any));
    assert.ok(['prac_okafor', 'prac_berg'].includes(any.practitioner_id));
    const okafor = await lobby(s, 'clinician', 'prac_okafor');
    const forBerg = await okafor.request('lobby.walkin', { practitioner_id: 'prac_berg', visit_type: 'general' });
    assert.equal(forBerg.type, 'lobby.walkin_created', JSON.stringify(forBerg));
    assert.equal((await lobbyEntry(desk, forBerg.appointment_id)).practitioner_id, 'prac_berg');
    assert.equal(sql(s, "select count(*) from appointment where appointment_type = 'WALKIN' and slot_id is null"), '2');
  } finally {
    await s.stop();
  }
});

test('a walk-in survives a restart: in the lobby, not arrived, and its link still works', async () => {
  const s = await Anteroom.startDemo();
  let s2;
  try {
    const desk = await lobby(s, 'staff', 'prac_sched');
    const created = await desk.request('lobby.walkin', { practitioner_id: 'prac_berg', visit_type: 'general' });
    assert.equal(created.type, 'lobby.walkin_created');
    const before = (await desk.request('lobby.subscribe')).entries.find((e) => e.appointment_id === created.appointment_id);
    assert.equal(before.walk_in, true);

    // Same state directory and port, no --demo (that would reseed).
    s.proc.kill('SIGTERM');
    await s.exited;
    s2 = new Anteroom(spawn(BINARY, ['--config', s.configPath], { stdio: ['ignore', 'pipe', 'pipe'] }),
      s.port, s.dir, s.configPath);
    await s2.waitHealthy();
    const desk2 = await lobby(s2, 'staff', 'prac_sched');
    const after = desk2.snapshot.entries.find((e) => e.appointment_id === created.appointment_id);
    assert.ok(after, 'the walk-in is gone after a restart');
    assert.equal(after.walk_in, true);
    assert.equal(after.state, 'not_arrived');
    assert.equal(after.practitioner_id, 'prac_berg');
    assert.equal(after.scheduled, before.scheduled);
    const w = await joinByLink(s2, created.link);
    assert.equal(w.joined.type, 'joined', JSON.stringify(w.joined));
    assert.equal(w.joined.state, 'not_arrived');
    assert.equal((await w.request('checkin', { consent: true })).type, 'checked_in');
    assert.equal((await lobbyEntry(desk2, created.appointment_id, (e) => e.state === 'checking_devices')).walk_in, true);
  } finally {
    if (s2) await s2.stop(); else await s.stop();
  }
});
