// Helpers for the scheduling tests: a loopback webhook that plays the SMS gateway, staff API
// calls with the bearer token, kill -9 and restart on the same state directory, and a
// read-only look into the SQLite store with the sqlite3 command-line tool.
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Anteroom, BINARY, request } from './anteroom.mjs';

export const API_TOKEN = 'staff-test-token-0123456789';

export class Webhook {
  static async start() {
    const hook = new Webhook();
    hook.messages = [];
    hook.failNext = 0;
    hook.waiters = [];
    hook.attempts = []; // idempotency keys of every POST, refused ones too
    hook.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        hook.attempts.push(req.headers['idempotency-key']);
        if (hook.failNext > 0) {
          hook.failNext--;
          res.writeHead(503).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        hook.messages.push({ key: req.headers['idempotency-key'], body, raw: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(202).end();
        for (const w of [...hook.waiters]) if (w.check()) hook.waiters.splice(hook.waiters.indexOf(w), 1);
      });
    });
    await new Promise((r) => hook.server.listen(0, '127.0.0.1', r));
    hook.url = `http://127.0.0.1:${hook.server.address().port}/sms`;
    return hook;
  }

  // Resolves with the messages matching pred once there are at least n of them.
  waitFor(pred, n = 1, timeoutMs = 20000) {
    return new Promise((res, rej) => {
      const w = {
        check: () => {
          const found = this.messages.filter((m) => pred(m.body));
          if (found.length >= n) { clearTimeout(t); res(found); return true; }
          return false;
        },
      };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        rej(new Error(`webhook: ${this.messages.filter((m) => pred(m.body)).length} of ${n} messages`));
      }, timeoutMs);
      if (!w.check()) this.waiters.push(w);
    });
  }

  close() { return new Promise((r) => this.server.close(r)); }
}

export function tokenOf(link) {
  return new URL(link).hash.replace(/^#t=/, '');
}

export function schedulingConfig(hook, extra = {}) {
  return {
    scheduling: {
      api_token: API_TOKEN, webhook_url: hook.url, min_notice_seconds: 0,
      online_only_within_seconds: 0, min_answer_seconds: 1, ...extra,
    },
  };
}

export async function staff(server, path, { method = 'GET', body, contentType = 'application/json', token = API_TOKEN } = {}) {
  const headers = { 'Content-Type': contentType };
  if (token) headers.Authorization = `Bearer ${token}`;
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  // libwebsockets wants a Content-Length, not a chunked body.
  if (payload !== undefined) headers['Content-Length'] = Buffer.byteLength(payload);
  const r = await request(`${server.url}${path}`, { method, headers, body: payload });
  let json = null;
  try { json = JSON.parse(r.body); } catch { /* not JSON (calendar feeds) */ }
  return { ...r, json };
}

export async function confirmOffer(server, link, what = 'confirm') {
  const body = JSON.stringify({ token: tokenOf(link) });
  const r = await request(`${server.url}/api/offers/${what}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    body,
  });
  return { status: r.status, json: JSON.parse(r.body) };
}

// Future time on a whole minute, `minutes` from now, as ISO 8601 UTC.
export function minutesFromNow(minutes) {
  const t = Math.ceil((Date.now() + minutes * 60000) / 60000) * 60000;
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function addWaitlist(server, patientId, fields = {}) {
  const r = await staff(server, '/api/scheduling/waitlist', {
    method: 'POST',
    body: { patient_id: patientId, display_name: `Test Person ${patientId}`, phone: `+1555${patientId.slice(-6)}`,
      short_notice_ok: true, ...fields },
  });
  if (r.status !== 201) throw new Error(`waitlist ${patientId}: ${r.status} ${r.body}`);
  return r.json.waitlist_entry_id;
}

export async function publish(server, practitioner, slots) {
  return staff(server, '/api/scheduling/capacity', { method: 'POST', body: { practitioner_id: practitioner, slots } });
}

export function dbPath(server) { return join(server.dir, 'state', 'anteroom.db'); }

export function sql(server, query) {
  const out = execFileSync('sqlite3', ['-readonly', '-json', dbPath(server), query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

// kill -9, then the same binary on the same config and state directory.
export async function killAndRestart(server) {
  server.proc.kill('SIGKILL');
  await server.exited;
  const proc = spawn(BINARY, ['--config', server.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const again = new Anteroom(proc, server.port, server.dir, server.configPath);
  await again.waitHealthy();
  return again;
}
