// Issue 6 link-key rotation by the operator while the server runs: `anteroom --config X
// --rotate-link-key` then SIGHUP: a link signed before keeps working and new links carry the new
// key id; `--retire-link-key OLD` then SIGHUP: the old link is `invalid_token`, the new one still
// works. Both commands are audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom, runAnteroom } from './lib/anteroom.mjs';
import { auditEvents, joinedClient } from './lib/identity.mjs';

let server;
before(async () => { server = await Anteroom.startDemo(); });
after(async () => {
  await server?.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
});

const keyIdOf = (token) =>
  Buffer.from(token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/'), 'base64').readUInt32BE(1);

async function reload(expect) {
  const from = server.log.length;
  server.proc.kill('SIGHUP');
  const deadline = Date.now() + 10000;
  while (!server.log.slice(from).includes(expect)) {
    if (Date.now() > deadline) throw new Error(`no "${expect}" after SIGHUP:\n${server.log.slice(from)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function joinWith(token) {
  const { c, j } = await joinedClient(server, token);
  await c.close();
  return j;
}

test('rotate keeps links in flight, new links use the new key, retire kills the old key\'s links', async () => {
  const oldLink = server.links.patient.token;
  assert.equal(keyIdOf(oldLink), 1);

  const rot = await runAnteroom(['--config', server.configPath, '--rotate-link-key']);
  assert.equal(rot.code, 0, rot.stderr);
  assert.match(rot.stdout, /rotated: key 2 signs new links; key 1 still verifies/);
  assert.match(rot.stdout, /keys that verify links: 1, 2/);
  await reload('link-token keyring: active key 2, 2 keys');

  assert.equal((await joinWith(oldLink)).type, 'joined', 'a link sent before the rotation still works');
  const { c: pat } = await joinedClient(server, oldLink);
  const inv = await pat.request('invite.create', { role: 'caregiver', single_use: false });
  assert.equal(inv.type, 'invite.created', JSON.stringify(inv));
  await pat.close();
  assert.equal(keyIdOf(inv.token), 2, 'new links are signed with the new key');
  assert.equal((await joinWith(inv.token)).type, 'joined');

  // The active key cannot be retired.
  const bad = await runAnteroom(['--config', server.configPath, '--retire-link-key', '2']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /active/);

  const ret = await runAnteroom(['--config', server.configPath, '--retire-link-key', '1']);
  assert.equal(ret.code, 0, ret.stderr);
  assert.match(ret.stdout, /retired: key 1 removed/);
  await reload('link-token keyring: active key 2, 1 keys');
  const dead = await joinWith(oldLink);
  assert.equal(dead.type, 'error');
  assert.equal(dead.code, 'invalid_token', JSON.stringify(dead));
  assert.equal((await joinWith(inv.token)).type, 'joined', 'links of the active key still work');

  const events = auditEvents(server, "action LIKE 'token.key_%'");
  assert.deepEqual(events.map((e) => [e.action, e.entity_type, e.entity_id, e.actor, e.outcome]), [
    ['token.key_rotate', 'token_key', '2', 'operator', 'success'],
    ['token.key_retire', 'token_key', '1', 'operator', 'success'],
  ]);
  assert.deepEqual(JSON.parse(events[1].detail), { active: 2, keys: [2] });
});
