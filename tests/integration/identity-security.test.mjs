// Issue 6 security tests that must fail: forged, expired, revoked, unknown-key and other-visit
// tokens; a patient trying clinician-only and lobby messages; a guest reaching for another
// visit; a single-use invite replayed; oversized frames; per-address and per-token caps; abuse
// closing the connection. Each refusal leaves the connection usable unless stated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { IdClient, appointmentOf, auditEvents, joinedClient, serverSigner, signToken,
  stopKeepingState } from './lib/identity.mjs';

let server, sign, apA, apB;
before(async () => {
  server = await Anteroom.startDemo();
  sign = serverSigner(server);
  apA = appointmentOf(server.links.patient.token);
  // The same clinician's previous slot: another appointment of the same clinic.
  const t = Number(apA.split('_').pop());
  apB = `ap_okafor_${t - 1200}`;
});
after(async () => { await server?.stop(); });

async function expectJoinRefused(token, pattern) {
  const c = new IdClient(server.wsUrl);
  await c.opened;
  const r = await c.request('join', { token });
  assert.equal(r.type, 'error', JSON.stringify(r));
  assert.equal(r.code, 'invalid_token');
  if (pattern) assert.match(r.message, pattern);
  assert.equal((await c.request('ping')).type, 'pong', 'the connection stays');
  await c.close();
}

test('a forged token (signature changed) is refused', async () => {
  const t = server.links.patient.token;
  const [p, mac] = t.split('.');
  const forged = `${p}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
  await expectJoinRefused(forged, /not issued by this clinic/);
  // Payload changed (other appointment) with the old signature.
  const other = sign({ visit: apB, subject: 'pat_demo00' }).split('.')[0];
  await expectJoinRefused(`${other}.${mac}`, /not issued by this clinic/);
});

test('a token signed with an unknown key or garbage is refused', async () => {
  await expectJoinRefused(signToken({ keyId: 999, secret: Buffer.alloc(32, 7) }, { visit: apA }),
    /not issued by this clinic/);
  await expectJoinRefused('not-a-token', /not a valid link/);
});

test('an expired token is refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  await expectJoinRefused(sign({ visit: apA, subject: 'pat_demo00', issuedAt: now - 7200, ttl: 3600 }),
    /expired/);
});

test('a token for an appointment that does not exist is refused', async () => {
  await expectJoinRefused(sign({ visit: 'ap_nope_1', subject: 'pat_x' }), /no longer exists/);
});

test('a patient may not read the lobby, admit, record, mute others, remove, end, invite an interpreter or revoke', async () => {
  const { c: pat, j } = await joinedClient(server, server.links.patient.token);
  assert.equal(j.type, 'joined');
  const { c: interp, j: ji } = await joinedClient(server, server.links.interpreter.token);
  assert.equal(ji.type, 'joined');
  const tries = [
    ['lobby.subscribe', {}],
    ['lobby.admit', { appointment_id: apA }],
    ['admit', { appointment_id: apA }],
    ['recording.start', {}],
    ['visit.remove', { participant_id: ji.participant_id }],
    ['visit.end', {}],
    ['token.revoke', { token: server.links.interpreter.token }],
  ];
  for (const [type, fields] of tries) {
    const r = await pat.request(type, fields);
    assert.equal(r.code, 'forbidden', `${type}: ${JSON.stringify(r)}`);
  }
  const mute = await pat.request('visit.mute', { participant_id: ji.participant_id });
  assert.equal(mute.code, 'forbidden');
  const inv = await pat.request('invite.create', { role: 'interpreter' });
  assert.equal(inv.code, 'forbidden');
  assert.equal((await pat.request('ping')).type, 'pong');
  await pat.close(); await interp.close();
});

test('a guest sees only its own visit: no visit.join, no lobby, no participants of another visit', async () => {
  const { c: other } = await joinedClient(server, sign({ role: 'caregiver', visit: apB, subject: 'inv_b' }));
  const { c: guest, j } = await joinedClient(server, server.links.caregiver.token);
  assert.equal(j.appointment_id, apA);
  assert.equal((await guest.request('visit.join', { appointment_id: apB })).code, 'forbidden');
  assert.equal((await guest.request('lobby.subscribe')).code, 'forbidden');
  const whoOther = await other.request('whoami');
  // Acting on a participant of another visit: as if it did not exist.
  const m = await guest.request('visit.mute', { participant_id: whoOther.participant_id });
  assert.equal(m.code, 'not_found');
  // Chat in A does not reach B.
  assert.equal((await guest.request('chat.send', { text: 'hello A' })).type, 'ok');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!other.all.some((x) => x.type === 'chat.message'), 'visit B saw no chat of A');
  // Media of a visit goes to the token's own appointment only; a field naming another is ignored.
  await guest.close(); await other.close();
});

test('a clinician cannot enter an appointment outside the clinic', async () => {
  const { c } = await joinedClient(server, server.links.clinician.token);
  assert.equal((await c.request('visit.join', { appointment_id: 'ap_elsewhere_1' })).code, 'not_found');
  assert.equal((await c.request('visit.join', { appointment_id: apA })).type, 'visit.joined');
  await c.close();
});

test('a single-use invite works once; the replay is refused', async () => {
  const { c: clin } = await joinedClient(server, server.links.clinician.token);
  const inv = await clin.request('invite.create', { appointment_id: apA, role: 'interpreter' });
  assert.equal(inv.type, 'invite.created', JSON.stringify(inv));
  assert.equal(inv.single_use, true);
  const { c: first, j } = await joinedClient(server, inv.token);
  assert.equal(j.type, 'joined');
  assert.equal(j.role, 'interpreter');
  await expectJoinRefused(inv.token, /already been used/);
  await first.close(); await clin.close();
});

test('a revoked link is refused and its live session is ended', async () => {
  const { c: clin } = await joinedClient(server, server.links.clinician.token);
  const inv = await clin.request('invite.create', { appointment_id: apA, role: 'caregiver', single_use: false });
  const { c: guest, j } = await joinedClient(server, inv.token);
  assert.equal(j.type, 'joined');
  const r = await clin.request('token.revoke', { token_id: inv.token_id });
  assert.equal(r.type, 'ok', JSON.stringify(r));
  const removed = await guest.waitFor((m) => m.type === 'removed');
  assert.equal(removed.reason, 'revoked');
  assert.equal((await guest.closed).code, 4003);
  await expectJoinRefused(inv.token, /withdrawn/);
  // Revoking by the whole token works too, and the demo patient link is then dead.
  const t2 = sign({ visit: apA, subject: 'pat_demo00' });
  assert.equal((await clin.request('token.revoke', { token: t2 })).type, 'ok');
  await expectJoinRefused(t2, /withdrawn/);
  assert.equal((await clin.request('token.revoke', { token_id: 'ff'.repeat(12) })).code, 'not_found');
  await clin.close();
});

test('malformed and unknown messages get error replies; the connection stays until 20', async () => {
  const c = new IdClient(server.wsUrl);
  await c.opened;
  c.sendRaw('{not json');
  c.sendRaw('[1,2]');
  c.sendRaw('{"type":"no.such.thing","id":5}');
  const codes = [];
  while (codes.length < 3) codes.push((await c.waitFor((m) => m.type === 'error')).code);
  assert.deepEqual(codes, ['bad_json', 'bad_message', 'unknown_type']);
  assert.equal((await c.request('ping')).type, 'pong');
  for (let i = 0; i < 20; i++) c.sendRaw('{');
  assert.equal((await c.closed).code, 1008);
});

test('an oversized frame closes the connection with 1009', async () => {
  const { c } = await joinedClient(server, server.links.caregiver.token);
  c.sendRaw(JSON.stringify({ type: 'chat.send', id: 9, text: 'x'.repeat(70 * 1024) }));
  assert.equal((await c.closed).code, 1009);
  // A chat message over 2000 characters but within the frame limit: an error, not a close.
  const { c: d } = await joinedClient(server, server.links.caregiver.token);
  assert.equal((await d.request('chat.send', { text: 'y'.repeat(2001) })).code, 'bad_message');
  await d.close();
});

test('connections per address and per token are capped', async () => {
  const s = await Anteroom.startDemo({ signaling: { max_connections_per_ip: 3, max_connections_per_token: 2 } });
  try {
    const open = [];
    for (let i = 0; i < 3; i++) { const c = new IdClient(s.wsUrl); await c.opened; open.push(c); }
    const fourth = new IdClient(s.wsUrl);
    await fourth.opened;
    const closed = await fourth.closed;
    assert.equal(closed.code, 1008);
    assert.ok(fourth.all.some((m) => m.code === 'rate_limited'));
    // Per token: two joins with the patient's link are fine, the third is refused.
    assert.equal((await open[0].request('join', { token: s.links.patient.token })).type, 'joined');
    assert.equal((await open[1].request('join', { token: s.links.patient.token })).type, 'joined');
    const third = await open[2].request('join', { token: s.links.patient.token });
    assert.equal(third.code, 'invalid_token');
    assert.match(third.message, /too many/);
    await open[0].close();
    await new Promise((r) => setTimeout(r, 200));
    const c5 = new IdClient(s.wsUrl); await c5.opened; // a slot is free again
    assert.equal((await c5.request('ping')).type, 'pong');
    for (const c of [...open.slice(1), c5]) await c.close();
  } finally { await s.stop(); }
});

test('messages per address are rate limited across connections', async () => {
  const s = await Anteroom.startDemo({ signaling: { ip_messages_per_second: 5 } });
  try {
    const a = new IdClient(s.wsUrl), b = new IdClient(s.wsUrl);
    await a.opened; await b.opened;
    for (let i = 0; i < 16; i++) (i % 2 ? a : b).sendRaw(JSON.stringify({ type: 'ping', id: 100 + i }));
    await new Promise((r) => setTimeout(r, 500));
    const all = [...a.all, ...b.all];
    const limited = all.filter((m) => m.code === 'rate_limited').length;
    const pongs = all.filter((m) => m.type === 'pong').length;
    assert.equal(limited + pongs, 16);
    assert.ok(limited >= 4 && pongs >= 8, `${pongs} answered, ${limited} refused (5/s, burst 10, two connections)`);
    await a.close(); await b.close();
  } finally { await s.stop(); }
});

test('audit: refusals are recorded (invalid, expired, revoked, replayed, forbidden)', async () => {
  await stopKeepingState(server);
  const ev = auditEvents(server);
  const outcomes = new Set(ev.filter((e) => e.action === 'visit.join').map((e) => e.outcome));
  for (const o of ['success', 'invalid_token', 'revoked', 'replayed', 'not_found'])
    assert.ok(outcomes.has(o), `visit.join ${o} audited (${[...outcomes]})`);
  assert.ok(ev.some((e) => e.action === 'signaling.forbidden' && e.outcome === 'forbidden'));
  assert.ok(ev.some((e) => e.action === 'token.revoke' && e.outcome === 'success'));
  assert.ok(ev.some((e) => e.action === 'invite.create' && e.outcome === 'success'));
});
