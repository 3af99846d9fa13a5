// Helpers for the identity tests: sign link tokens with the server's own keyring (to make
// expired, other-visit and wrong-key tokens), read audit events after the server stopped, and
// sign in over HTTPS.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { request } from './anteroom.mjs';
import { SignalingClient } from './ws.mjs';

export const ROLES = { patient: 1, clinician: 2, interpreter: 3, caregiver: 4, staff: 5 };

export function readKeyring(server) {
  const text = readFileSync(join(server.dir, 'state', 'token-keys'), 'utf8');
  const active = Number(text.match(/^active=(\d+)$/m)[1]);
  const secret = Buffer.from(text.match(new RegExp(`^${active}=([0-9a-f]{64})$`, 'm'))[1], 'hex');
  return { active, secret };
}

const b64url = (b) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// The wire format of signaling/token.h, version 1.
export function signToken({ keyId, secret }, { role = 'patient', visit, subject = 'pat_x',
  issuedAt = Math.floor(Date.now() / 1000), ttl = 3600, flags = 0 }) {
  const v = Buffer.from(visit), s = Buffer.from(subject);
  const p = Buffer.alloc(1 + 4 + 12 + 1 + 1 + 8 + 8 + 1 + v.length + 1 + s.length);
  let o = 0;
  p.writeUInt8(1, o); o += 1;
  p.writeUInt32BE(keyId, o); o += 4;
  randomBytes(12).copy(p, o); o += 12;
  p.writeUInt8(ROLES[role], o); o += 1;
  p.writeUInt8(flags, o); o += 1;
  p.writeBigInt64BE(BigInt(issuedAt), o); o += 8;
  p.writeBigInt64BE(BigInt(issuedAt + ttl), o); o += 8;
  p.writeUInt8(v.length, o); o += 1; v.copy(p, o); o += v.length;
  p.writeUInt8(s.length, o); o += 1; s.copy(p, o);
  const mac = createHmac('sha256', secret).update(p).digest();
  return `${b64url(p)}.${b64url(mac)}`;
}

export function serverSigner(server) {
  const k = readKeyring(server);
  return (claims) => signToken({ keyId: k.active, secret: k.secret }, claims);
}

// Rows of audit_event as objects (run after server.stop() has flushed, or while running: WAL).
export function auditEvents(server, where = '1') {
  const db = join(server.dir, 'state', 'anteroom.db');
  const out = execFileSync('sqlite3', ['-json', db,
    `SELECT seq, actor, action, entity_type, entity_id, outcome, detail FROM audit_event WHERE ${where} ORDER BY seq`]).toString();
  return out.trim() ? JSON.parse(out) : [];
}

// Stops the server but keeps its state directory for auditEvents(); server.stop() removes it.
export async function stopKeepingState(server) {
  if (server.proc.exitCode === null && server.proc.signalCode === null) {
    server.proc.kill('SIGTERM');
    await server.exited;
  }
}

export function demoPassword(server) {
  const m = server.stdout.match(/sign in at \S+ as (\S+) \/ (\S+)/);
  return { login: m[1], password: m[2] };
}

export async function login(server, login, password) {
  const body = JSON.stringify({ login, password });
  const r = await request(`${server.url}/api/login`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const setCookie = r.headers['set-cookie']?.[0] || '';
  const cookie = setCookie.split(';')[0];
  return { ...r, setCookie, cookie, json: r.body ? JSON.parse(r.body) : null };
}

// The identity tests' client is lib/ws.mjs's, which takes request headers (a Cookie).
export const IdClient = SignalingClient;

// A signaling client that has joined with token (or, with token null, by its cookie).
export async function joinedClient(server, token, { headers } = {}) {
  const c = new IdClient(server.wsUrl, { headers });
  await c.opened;
  const j = await c.request('join', token ? { token } : {});
  return { c, j };
}

export function appointmentOf(token) {
  const payload = Buffer.from(token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  const n = payload[35];
  return payload.subarray(36, 36 + n).toString();
}
