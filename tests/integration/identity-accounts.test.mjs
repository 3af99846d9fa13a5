// Issue 6: clinician accounts. Login with scrypt off the main loop, the session cookie's flags,
// the WebSocket authenticated by that cookie, logout, idle auto-logoff, login rate per address,
// and the audit trail of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom, request } from './lib/anteroom.mjs';
import { IdClient, auditEvents, demoPassword, login, stopKeepingState } from './lib/identity.mjs';

let server, creds;
before(async () => {
  server = await Anteroom.startDemo({ signaling: { idle_logoff_seconds: 3, logins_per_minute: 30 } });
  creds = demoPassword(server);
});
after(async () => { await server?.stop(); });

test('login with the right password sets a HttpOnly Secure SameSite=Strict session cookie', async () => {
  const r = await login(server, creds.login, creds.password);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.practitioner_id, 'prac_okafor');
  assert.equal(r.json.role, 'clinician');
  assert.equal(r.json.clinic_id, 'cl_demo');
  assert.match(r.setCookie, /^ar_session=[A-Za-z0-9_-]{40,}; /);
  for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/'])
    assert.ok(r.setCookie.split('; ').includes(flag), `${flag} in ${r.setCookie}`);
  const who = await request(`${server.url}/api/whoami`, { headers: { cookie: r.cookie } });
  assert.equal(who.status, 200);
  assert.equal(JSON.parse(who.body).practitioner_id, 'prac_okafor');
});

test('a wrong password and an unknown login both get 401 and no cookie', async () => {
  for (const [l, p] of [[creds.login, creds.password + 'x'], ['nobody', 'whatever']]) {
    const r = await login(server, l, p);
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'bad_credentials');
    assert.equal(r.headers['set-cookie'], undefined);
  }
  const bad = await request(`${server.url}/api/login`, { method: 'POST', body: '{"login":1}', headers: { 'content-length': 11 } });
  assert.equal(bad.status, 400);
  const none = await request(`${server.url}/api/whoami`, { headers: { cookie: 'ar_session=forged' } });
  assert.equal(none.status, 401);
});

test('scrypt does not block the main loop: pings are answered during a login', async () => {
  const c = new IdClient(server.wsUrl);
  await c.opened;
  const pending = login(server, creds.login, creds.password);
  const t0 = Date.now();
  const pong = await c.request('ping', {});
  const pingMs = Date.now() - t0;
  const r = await pending;
  const loginMs = Date.now() - t0;
  assert.equal(pong.type, 'pong');
  assert.equal(r.status, 200);
  console.log(`login took ${loginMs} ms; a ping sent during it took ${pingMs} ms`);
  assert.ok(pingMs < loginMs, `ping ${pingMs} ms answered before the login (${loginMs} ms)`);
  await c.close();
});

test('the WebSocket joins by cookie: join without token, then whoami', async () => {
  const r = await login(server, creds.login, creds.password);
  const c = new IdClient(server.wsUrl, { headers: { cookie: r.cookie } });
  await c.opened;
  const j = await c.request('join', {});
  assert.equal(j.type, 'joined', JSON.stringify(j));
  assert.equal(j.role, 'clinician');
  assert.equal(j.clinic_id, 'cl_demo');
  const who = await c.request('whoami');
  assert.equal(who.auth, 'cookie');
  assert.equal(who.subject_id, 'prac_okafor');
  assert.equal(who.participant_id, j.participant_id);
  await c.close();
  // Without a cookie the same join is refused and the connection stays.
  const anon = new IdClient(server.wsUrl);
  await anon.opened;
  const e = await anon.request('join', {});
  assert.equal(e.code, 'unauthenticated');
  assert.equal((await anon.request('ping')).type, 'pong');
  await anon.close();
});

test('a cookie session resumes with its cookie, not without it', async () => {
  const r = await login(server, creds.login, creds.password);
  const c = new IdClient(server.wsUrl, { headers: { cookie: r.cookie } });
  await c.opened;
  const j = await c.request('join', {});
  await c.kill();
  const stranger = new IdClient(server.wsUrl);
  await stranger.opened;
  assert.equal((await stranger.request('resume', { participant_id: j.participant_id })).code, 'invalid_token');
  const back = new IdClient(server.wsUrl, { headers: { cookie: r.cookie } });
  await back.opened;
  const res = await back.request('resume', { participant_id: j.participant_id });
  assert.equal(res.type, 'resumed', JSON.stringify(res));
  assert.equal(res.participant_id, j.participant_id);
  assert.equal((await back.request('whoami')).auth, 'cookie');
  assert.equal((await back.request('leave')).type, 'ok');
  await back.close(); await stranger.close();
});

test('logout ends the session: the cookie no longer works, its WebSocket is closed', async () => {
  const r = await login(server, creds.login, creds.password);
  const c = new IdClient(server.wsUrl, { headers: { cookie: r.cookie } });
  await c.opened;
  assert.equal((await c.request('join', {})).type, 'joined');
  const out = await request(`${server.url}/api/logout`, { method: 'POST', headers: { cookie: r.cookie, 'content-length': 0 }, body: '' });
  assert.equal(out.status, 204);
  assert.match(out.headers['set-cookie'][0], /^ar_session=; .*Max-Age=0/);
  const ev = await c.waitFor((m) => m.type === 'session.expired', 4000);
  assert.ok(ev);
  assert.equal((await c.closed).code, 4001);
  const who = await request(`${server.url}/api/whoami`, { headers: { cookie: r.cookie } });
  assert.equal(who.status, 401);
});

test('idle auto-logoff: activity keeps the session, 3 s of silence ends it', async () => {
  const r = await login(server, creds.login, creds.password);
  const c = new IdClient(server.wsUrl, { headers: { cookie: r.cookie } });
  await c.opened;
  assert.equal((await c.request('join', {})).type, 'joined');
  for (let i = 0; i < 4; i++) { // 4 s of activity, each gap under the idle time
    await new Promise((res) => setTimeout(res, 1000));
    assert.equal((await c.request('whoami')).type, 'whoami');
    // The page's own heartbeat is not activity: it never keeps a session alive.
    assert.equal((await c.request('ping')).type, 'pong');
  }
  const t0 = Date.now();
  await c.waitFor((m) => m.type === 'session.expired', 6000);
  const closed = await c.closed;
  assert.equal(closed.code, 4001);
  console.log(`idle logoff after ${Date.now() - t0} ms of silence (idle_logoff_seconds = 3)`);
  const who = await request(`${server.url}/api/whoami`, { headers: { cookie: r.cookie } });
  assert.equal(who.status, 401);
});

test('logins per address are rate limited (429)', async () => {
  const s2 = await Anteroom.startDemo({ signaling: { logins_per_minute: 2 } });
  try {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await login(s2, 'nobody', 'x')).status);
    assert.deepEqual(codes, [401, 401, 429, 429]);
  } finally { await s2.stop(); }
});

test('audit: login success and failure, logout and idle logoff are recorded', async () => {
  await stopKeepingState(server);
  const ev = auditEvents(server, "action LIKE 'account.%'");
  const has = (action, outcome) => ev.some((e) => e.action === action && e.outcome === outcome);
  assert.ok(has('account.login', 'success'));
  assert.ok(has('account.login', 'bad_credentials'));
  assert.ok(has('account.logout', 'success'));
  assert.ok(has('account.idle_logoff', 'success'));
  assert.ok(ev.every((e) => !JSON.stringify(e).includes(creds.password)), 'no password in the audit log');
});
