// Helpers for the waiting-room tests: link tokens for any demo appointment (signed with the test
// server's own keyring, in the wire format of signaling/token.h), the demo database, and joined
// SignalingClients by role.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { SignalingClient } from './ws.mjs';

const ROLES = { patient: 1, clinician: 2, interpreter: 3, caregiver: 4, staff: 5 };

function keyring(stateDir) {
  const text = readFileSync(join(stateDir, 'token-keys'), 'utf8');
  let group = '';
  let active = null;
  const keys = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const g = line.match(/^\[(.+)\]$/);
    if (g) { group = g[1]; continue; }
    const [k, v] = line.split('=').map((s) => s.trim());
    if (group === 'keyring' && k === 'active') active = Number(v);
    if (group === 'keys') keys[Number(k)] = Buffer.from(v, 'hex');
  }
  return { id: active, secret: keys[active] };
}

// A link token for role on visit (appointment or clinic id) with subject (opaque person id).
export function mintToken(stateDir, role, visit, subject, ttlS = 3600) {
  const { id, secret } = keyring(stateDir);
  const now = Math.floor(Date.now() / 1000);
  const v = Buffer.from(visit), s = Buffer.from(subject);
  const p = Buffer.alloc(1 + 4 + 12 + 1 + 1 + 8 + 8 + 1 + v.length + 1 + s.length);
  let n = 0;
  p[n++] = 1;
  p.writeUInt32BE(id, n); n += 4;
  randomBytes(12).copy(p, n); n += 12;
  p[n++] = ROLES[role];
  p[n++] = 0;
  p.writeBigInt64BE(BigInt(now), n); n += 8;
  p.writeBigInt64BE(BigInt(now + ttlS), n); n += 8;
  p[n++] = v.length; v.copy(p, n); n += v.length;
  p[n++] = s.length; s.copy(p, n); n += s.length;
  const mac = createHmac('sha256', secret).update(p).digest();
  return `${p.toString('base64url')}.${mac.toString('base64url')}`;
}

export function stateDir(server) { return join(server.dir, 'state'); }
export function dbPath(server) { return join(stateDir(server), 'anteroom.db'); }

export function sql(server, query) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', dbPath(server), query]).toString().trim();
}

// Dr. Okafor's appointments still to come today, earliest first: [{id, patient, start}].
export function upcoming(server, practitioner = 'prac_okafor') {
  const now = Math.floor(Date.now() / 1000);
  return sql(server, `select id, patient_id, start_ts from appointment where practitioner_id='${practitioner}'
    and status='booked' and start_ts > ${now} and start_ts < ${now + 12 * 3600} order by start_ts`)
    .split('\n').filter(Boolean).map((l) => { const [id, patient, start] = l.split('|'); return { id, patient, start: Number(start) }; });
}

export async function joined(server, role, visit, subject) {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  c.token = mintToken(stateDir(server), role, visit, subject);
  const r = await c.request('join', { token: c.token });
  if (r.type !== 'joined') throw new Error(`join failed: ${JSON.stringify(r)}`);
  c.joined = r;
  return c;
}

// A patient through check-in and the device check: state ready.
export async function readyPatient(server, appt) {
  const c = await joined(server, 'patient', appt.id, appt.patient);
  const r1 = await c.request('checkin', { consent: true });
  if (r1.type !== 'checked_in') throw new Error(`checkin: ${JSON.stringify(r1)}`);
  const r2 = await c.request('device_check.result', { camera: true, microphone: true, speaker: true });
  if (r2.type !== 'ok') throw new Error(`device_check.result: ${JSON.stringify(r2)}`);
  return c;
}

// The latest queue.update this client has received (waits for one matching pred).
export async function queueUpdate(c, pred = () => true, timeoutMs = 5000) {
  const latest = () => [...c.events].reverse().find((m) => m.type === 'queue.update');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const q = latest();
    if (q && pred(q)) return q;
    if (Date.now() > deadline) throw new Error(`no matching queue.update; last ${JSON.stringify(q)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The latest lobby.update for an appointment on a subscribed lobby client.
export async function lobbyEntry(c, id, pred = () => true, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const u = [...c.events].reverse().find((m) => m.type === 'lobby.update' && m.entry.appointment_id === id);
    if (u && pred(u.entry, u)) return u.entry;
    if (Date.now() > deadline) throw new Error(`no matching lobby.update for ${id}; last ${JSON.stringify(u)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Offer/answer and trickle for a page peer (lib/page-peer.mjs), with extra media.offer fields.
export { negotiate as negotiateIn } from './page-peer.mjs';
