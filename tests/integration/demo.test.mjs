// Issue 3 (and 12, privacy): `anteroom --demo` seeds a clinic, prints the four links, answers
// /healthz, and never writes a demo patient's name or phone number to its logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BINARY, request } from './lib/anteroom.mjs';

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
