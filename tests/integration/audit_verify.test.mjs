// Issue 12: `anteroom --verify-audit DB` walks the audit log's hash chain. The events here are
// written with the sqlite3 shell and hashed in JavaScript from the formula in docs/security.md,
// so the test also pins that formula: a second implementation must agree with the server's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Anteroom, runAnteroom } from './lib/anteroom.mjs';

const GENESIS = '0'.repeat(64);
let server, db;

function sql(file, text) {
  return execFileSync('sqlite3', ['-bail', file, text], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

// hash = SHA-256(prev ␟ ts ␟ actor ␟ action ␟ entity_type ␟ entity_id ␟ outcome ␟ detail), hex.
function chainHash(prev, ev) {
  return createHash('sha256')
    .update([prev, String(ev.ts), ev.actor, ev.action, ev.entity_type, ev.entity_id, ev.outcome, ev.detail].join('\x1f'))
    .digest('hex');
}

function appendEvents(file, events) {
  const last = sql(file, 'SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1').trim();
  let prev = last || GENESIS;
  const stmts = ['BEGIN;'];
  for (const ev of events) {
    const hash = chainHash(prev, ev);
    stmts.push('INSERT INTO audit_event (ts, actor, action, entity_type, entity_id, outcome, detail, prev_hash, hash) VALUES (' +
      [ev.ts, quote(ev.actor), quote(ev.action), quote(ev.entity_type), quote(ev.entity_id), quote(ev.outcome),
        quote(ev.detail), quote(prev), quote(hash)].join(', ') + ');');
    prev = hash;
  }
  stmts.push('COMMIT;');
  sql(file, stmts.join('\n'));
}

const verify = (file) => runAnteroom(['--verify-audit', file]);

const sampleEvents = Array.from({ length: 6 }, (_, i) => ({
  ts: 1767225600 + i * 60, actor: i % 2 ? 'prac_00000000000000a1' : 'pat_00000000000000b2',
  action: ['visit.join', 'lobby.admit', 'appointment.read'][i % 3], entity_type: 'visit',
  entity_id: `vis_${String(i).padStart(16, '0')}`, outcome: 'success', detail: `{"n":${i}}`,
}));

before(async () => {
  server = await Anteroom.start();
  db = join(server.dir, 'state', 'anteroom.db');
});
after(async () => { await server?.stop(); });

test('a running server\'s fresh database verifies with zero events', async () => {
  const r = await verify(db);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'audit log ok: 0 events\n');
});

test('after a clean stop, a chain of appended events verifies', async () => {
  server.proc.kill('SIGTERM');
  assert.deepEqual(await server.exited, { code: 0, signal: null });
  appendEvents(db, sampleEvents);
  const r = await verify(db);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'audit log ok: 6 events\n');
});

test('the append-only triggers refuse an edit while they stand', () => {
  assert.throws(() => sql(db, "UPDATE audit_event SET actor = 'prac_x' WHERE seq = 3"), /append-only/);
  assert.throws(() => sql(db, 'DELETE FROM audit_event WHERE seq = 6'), /append-only/);
});

test('an edited row breaks the chain at that event', async () => {
  const copy = join(server.dir, 'edited.db');
  sql(db, `VACUUM INTO ${quote(copy)}`);
  sql(copy, "DROP TRIGGER audit_event_no_update; UPDATE audit_event SET entity_id = 'vis_ffffffffffffffff' WHERE seq = 4");
  const r = await verify(copy);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(r.stdout, 'audit log broken at event 4\n');
  // Re-hashing the edited row is not enough: the next event still names the old hash.
  const row = sql(copy, "SELECT ts, actor, action, entity_type, entity_id, outcome, detail, prev_hash FROM audit_event WHERE seq = 4")
    .trim().split('|');
  const [ts, actor, action, entity_type, entity_id, outcome, detail, prev] = row;
  const rehash = chainHash(prev, { ts, actor, action, entity_type, entity_id, outcome, detail });
  sql(copy, `UPDATE audit_event SET hash = ${quote(rehash)} WHERE seq = 4`);
  const again = await verify(copy);
  assert.equal(again.code, 1);
  assert.equal(again.stdout, 'audit log broken at event 5\n');
});

test('a removed row breaks the chain at the event after it; removed newest rows are noticed', async () => {
  const middle = join(server.dir, 'middle.db');
  sql(db, `VACUUM INTO ${quote(middle)}`);
  sql(middle, 'DROP TRIGGER audit_event_no_delete; DELETE FROM audit_event WHERE seq = 2');
  const r = await verify(middle);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'audit log broken at event 3\n');

  const tail = join(server.dir, 'tail.db');
  sql(db, `VACUUM INTO ${quote(tail)}`);
  sql(tail, 'DROP TRIGGER audit_event_no_delete; DELETE FROM audit_event WHERE seq >= 5');
  const t = await verify(tail);
  assert.equal(t.code, 1);
  assert.equal(t.stdout, 'audit log broken at event 5 (events 5..6 are missing from the end)\n');
});

test('the untouched original still verifies, and verifying wrote nothing to it', async () => {
  const before = sql(db, 'SELECT count(*), max(hash) FROM audit_event');
  const r = await verify(db);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'audit log ok: 6 events\n');
  assert.equal(sql(db, 'SELECT count(*), max(hash) FROM audit_event'), before);
});

test('a missing file or a file that is not a database exits 2 with one clear line', async () => {
  const missing = join(server.dir, 'no-such.db');
  const m = await verify(missing);
  assert.equal(m.code, 2);
  assert.equal(m.stdout, '');
  assert.match(m.stderr, /^anteroom: cannot read audit log: .*no-such\.db: no such database file\n$/);
  assert.equal(existsSync(missing), false, 'verify must not create a database');

  const junk = join(server.dir, 'junk.db');
  writeFileSync(junk, 'this is not sqlite\n'.repeat(100));
  const j = await verify(junk);
  assert.equal(j.code, 2);
  assert.match(j.stderr, /^anteroom: cannot read audit log: .*junk\.db: file is not a database\n$/);

  const other = join(server.dir, 'other.db');
  sql(other, 'CREATE TABLE t (x)');
  const o = await verify(other);
  assert.equal(o.code, 2);
  assert.match(o.stderr, /not an anteroom database \(no audit_event table\)\n$/);
});
