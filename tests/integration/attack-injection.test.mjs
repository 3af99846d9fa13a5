// Issue 12, attacks that must fail: SQL injection in every parameter that reaches SQL, and
// subscribing to another visit's streams. Every client-supplied field of every message and API
// gets the payloads: join/resume tokens and participant ids, appointment ids (media.offer,
// visit.join, invite.create), token ids (token.revoke), participant ids (visit.mute,
// visit.remove), roles, the login form (POST /api/login), and the HTTP paths. Each must get a
// clear error, and afterwards every table must hold exactly the rows it held before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Anteroom, request } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';

const PAYLOADS = ["' OR 1=1 --", '"; DROP TABLE appointment; --', "x'); DELETE FROM audit_event; --",
  "ap_x' UNION SELECT id FROM clinic --", "1; UPDATE appointment SET status='cancelled'", '%27%20OR%201%3D1--',
  "\\'; PRAGMA writable_schema=1; --", "' OR ''='"];
let server, db;
// Many sessions per link from one address: the caps (identity-security.test.mjs) are lifted.
before(async () => {
  server = await Anteroom.startDemo({ signaling: { max_connections_per_token: 0, ip_messages_per_second: 0,
    logins_per_minute: 0 } });
  db = join(server.dir, 'state', 'anteroom.db');
});
after(async () => {
  await server?.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

function sql(q) { return execFileSync('sqlite3', [db, q]).toString().trim(); }

// Row count of every table: the fingerprint that must not change.
function snapshot() {
  const tables = sql("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").split('\n');
  return Object.fromEntries(tables.map((t) => [t, Number(sql(`SELECT count(*) FROM "${t}"`))]));
}

async function joined(role) {
  const c = new SignalingClient(server.wsUrl); await c.opened;
  const r = await c.request('join', { token: server.links[role].token });
  assert.equal(r.type, 'joined');
  return { c, r };
}

// Sends media.offer with appointment_id through a WrtcPeer.
async function connectTo(peer, client, appointment) {
  const orig = client.request.bind(client);
  client.request = (type, fields, t) => orig(type, type === 'media.offer' ? { ...fields, appointment_id: appointment } : fields, t);
  return peer.connect(client, 'visit');
}

test('SQL injection in every WebSocket field and HTTP path: clear errors, tables intact', async () => {
  const snap = snapshot();
  const auditBefore = snap.audit_event;
  const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
  let refusals = 0;
  for (const p of PAYLOADS) {
    // Fresh sessions per payload: a connection is closed after 20 errors (max_errors).
    const clinician = (await joined('clinician')).c;
    const patient = (await joined('patient')).c;
    const fresh = new SignalingClient(server.wsUrl); await fresh.opened;
    const j = await fresh.request('join', { token: p });
    assert.equal(j.type, 'error'); assert.equal(j.code, 'invalid_token'); refusals++;
    const j2 = await fresh.request('join', { token: server.links.patient.token.split('.')[0] + '.' + p });
    assert.equal(j2.type, 'error'); assert.equal(j2.code, 'invalid_token'); refusals++;
    fresh.ws.terminate();

    const o = await clinician.request('media.offer', { purpose: 'visit', sdp, appointment_id: p });
    assert.equal(o.type, 'error'); assert.equal(o.code, 'not_found', JSON.stringify(o));
    const o2 = await patient.request('media.offer', { purpose: p, sdp });
    assert.equal(o2.type, 'error'); assert.equal(o2.code, 'bad_message');
    const o3 = await patient.request('media.offer', { purpose: 'device_check', sdp: p });
    assert.equal(o3.type, 'error'); assert.equal(o3.code, 'bad_sdp');
    const c = await patient.request('media.candidate', { candidate: p, mid: p });
    assert.equal(c.type, 'error'); assert.equal(c.code, 'bad_state');
    const t = await patient.request(p);
    assert.equal(t.type, 'error'); assert.equal(t.code, 'unknown_type');
    // Messages added with accounts, invites and visit controls: each must be refused.
    for (const [type, fields] of [['visit.join', { appointment_id: p }], ['invite.create', { role: p, appointment_id: p }],
      ['invite.create', { role: 'interpreter', appointment_id: p }], ['token.revoke', { token_id: p }],
      ['visit.mute', { participant_id: p, kind: p }], ['visit.remove', { participant_id: p }]]) {
      const r = await clinician.request(type, fields);
      assert.equal(r.type, 'error', `${type} ${JSON.stringify(fields)}: ${JSON.stringify(r)}`);
    }
    const fresh2 = new SignalingClient(server.wsUrl); await fresh2.opened;
    const rs = await fresh2.request('resume', { token: server.links.patient.token, participant_id: p });
    assert.equal(rs.type, 'error', JSON.stringify(rs));
    fresh2.ws.terminate();
    const form = JSON.stringify({ login: p, password: p });
    const login = await request(`${server.url}/api/login`, { method: 'POST', body: form,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(form) } });
    assert.equal(login.status, 401, `login: ${login.status} ${login.body}`);
    assert.ok(!login.headers['set-cookie'], 'no session for an injected login');
    for (const path of [`/${encodeURIComponent(p)}`, `/healthz?id=${encodeURIComponent(p)}`, `/metrics?x=${encodeURIComponent(p)}`]) {
      const r = await request(`${server.url}${path}`);
      assert.ok([200, 404].includes(r.status), `${path}: ${r.status}`);
    }
    clinician.ws.terminate(); patient.ws.terminate();
  }
  const after = snapshot();
  // Only the audit log grows (refused joins, logins and forbidden actions are audited).
  assert.ok(after.audit_event >= auditBefore + refusals + 2 * PAYLOADS.length);
  delete after.audit_event; delete snap.audit_event;
  delete after.token_use; delete snap.token_use; // single-use links burnt by our own joins, if any
  // The scheduler interns the text ids it works with (engine_id; it added the demo patient's id
  // here): a new row must be a plain id or a payload verbatim (bound as data, not executed).
  if (after.engine_id !== snap.engine_id) {
    const fresh = sql(`SELECT text_id FROM engine_id ORDER BY rowid DESC LIMIT ${after.engine_id - snap.engine_id}`).split('\n');
    for (const t of fresh) assert.ok(PAYLOADS.includes(t) || /^[a-z]+_[A-Za-z0-9_]+$/.test(t), `engine_id gained ${JSON.stringify(t)}`);
  }
  delete after.engine_id; delete snap.engine_id;
  assert.deepEqual(after, snap);
  assert.equal(sql("SELECT count(*) FROM audit_event WHERE action='visit.join' AND outcome='invalid_token'"), String(refusals));
  assert.equal((await request(`${server.url}/healthz`)).status, 200);
  console.log(`# injection: ${PAYLOADS.length} payloads x 20 places; ${Object.keys(snap).length + 2} tables unchanged`);
});

test("a patient's link cannot reach another visit's room, nor a clinician another clinic's", { timeout: 60000 }, async () => {
  // Appointment B: one of Dr. Berg's, not the patient's.
  const mine = (await joined('patient')).r.appointment_id;
  const other = sql(`SELECT id FROM appointment WHERE id <> '${mine}' AND status='booked' ORDER BY start_ts LIMIT 1`);
  assert.ok(other && other !== mine);

  // The clinician listens in B; the interpreter, a guest of the patient's own visit, in A.
  const clin = (await joined('clinician')).c;
  const listener = new WrtcPeer({ slots: 1 });
  const ans = await connectTo(listener, clin, other);
  assert.equal(ans.type, 'media.answer');
  const guest = (await joined('interpreter')).c;
  const friend = new WrtcPeer({ slots: 1 });
  await friend.connect(guest, 'visit');

  // The patient names appointment B in its offer: the field is ignored for link holders.
  const pat = (await joined('patient')).c;
  const intruder = new WrtcPeer({ slots: 1 });
  const a = await connectTo(intruder, pat, other);
  assert.equal(a.type, 'media.answer');
  await new Promise((r) => setTimeout(r, 5000));
  assert.ok(friend.frames > 20, `the patient's own visit sees it: ${friend.frames} frames`);
  assert.equal(listener.frames, 0, 'appointment B received nothing from the patient');
  assert.equal(intruder.frames > 20, true, `the patient sees its own visit's guest: ${intruder.frames}`);
  for (const p of [listener, friend, intruder]) p.close();

  // A clinician naming an appointment of another clinic (made here) gets not_found.
  const cols = (t) => sql(`SELECT group_concat(name, ',') FROM pragma_table_info('${t}')`).split(',');
  const copy = (t, key, value, extra) => {
    const c = cols(t);
    const sel = c.map((n) => (n === 'id' ? `'${value}'` : extra[n] !== undefined ? extra[n] : `"${n}"`)).join(',');
    sql(`INSERT INTO ${t} (${c.map((n) => `"${n}"`).join(',')}) SELECT ${sel} FROM ${t} WHERE id='${key}'`);
  };
  const prac = sql(`SELECT practitioner_id FROM appointment WHERE id='${other}'`);
  const clinic = sql(`SELECT clinic_id FROM practitioner WHERE id='${prac}'`);
  copy('clinic', clinic, 'cl_elsewhere', {});
  copy('practitioner', prac, 'prac_elsewhere', { clinic_id: "'cl_elsewhere'" });
  copy('appointment', other, 'ap_elsewhere', { practitioner_id: "'prac_elsewhere'", slot_id: 'NULL' });
  const clin2 = (await joined('clinician')).c; // clin's request() carries appointment B
  const r = await clin2.request('media.offer', { purpose: 'visit', sdp: 'v=0\r\n', appointment_id: 'ap_elsewhere' });
  assert.equal(r.type, 'error'); assert.equal(r.code, 'not_found', JSON.stringify(r));
  for (const c of [clin, clin2, guest, pat]) c.ws.terminate();
});
