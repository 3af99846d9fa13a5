// Issue 9: the clinician console in Chromium against the demo clinic. Sign-in goes through the
// login form (POST /api/login, an HttpOnly session cookie, then the WebSocket joins by it); an
// idle session is signed out by the server and the page says so and offers sign-in again; the
// "open slots and offers" panel shows the server's slots and the offers out for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchChromium, newPerson, screen, DESKTOP } from './lib/web.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { mintToken, stateDir, sql, upcoming } from './lib/waiting.mjs';

// A no-show keeps the old appointment's slot as history and opens the time as a new slot.
const openedSlot = (appt) => sql(demo, `select id from slot where opened_reason = 'noshow' and start_ts = ${appt.start}
  and schedule_id = (select schedule_id from slot where id = (select slot_id from appointment where id = '${appt.id}'))`);

let demo, browser;
before(async () => {
  // Offers for a slot within the hour go to patients not online too (through the outbox).
  demo = await startDemo({ scheduling: { min_notice_seconds: 0, min_answer_seconds: 1, online_only_within_seconds: 0 } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function signIn(page, server, password) {
  await page.goto(`${server.url}/clinician.html`);
  await screen(page, 'login');
  await page.fill('#login-user', server.login);
  await page.fill('#login-pass', password);
  await page.click('[data-screen="login"] button[type="submit"]');
}

async function wsAs(role, visit, subject) {
  const c = new SignalingClient(demo.wsUrl);
  await c.opened;
  const j = await c.request('join', { token: mintToken(stateDir(demo), role, visit, subject) });
  assert.equal(j.type, 'joined', JSON.stringify(j));
  return c;
}

test('sign in through the form: a wrong password is refused, the right one opens the lobby', { timeout: 60000 }, async () => {
  const { ctx, page } = await newPerson(browser, { viewport: DESKTOP });
  try {
    await signIn(page, demo, 'not-the-password');
    await page.waitForFunction(() => document.getElementById('login-err').textContent.length > 0, null, { timeout: 15000 });
    assert.equal(await page.textContent('#login-err'), 'User name or password is wrong.');
    await page.fill('#login-pass', demo.password);
    await page.click('[data-screen="login"] button[type="submit"]');
    await screen(page, 'lobby', 20000);
    await page.waitForSelector('#lobby-rows tr[data-appointment]', { timeout: 15000 });
    // Dr. Okafor's line, joined by the session cookie: the cookie is HttpOnly (the page's
    // script cannot read it) and the WebSocket says it authenticated by it.
    const cookies = await ctx.cookies(demo.url);
    const session = cookies.find((c) => c.name === 'ar_session');
    assert.ok(session && session.httpOnly && session.secure, JSON.stringify(cookies));
    assert.equal(await page.evaluate(() => document.cookie.includes('ar_session')), false);
    const who = await page.evaluate(() => window.__anteroom.sig.request('whoami', {}));
    assert.equal(who.auth, 'cookie');
    assert.equal(who.subject_id, 'prac_okafor');
    assert.equal(await page.textContent('#conn'), 'Connected');
    // A reload stays signed in; Sign out ends the session and shows the form.
    await page.reload();
    await screen(page, 'lobby', 20000);
    await page.click('#logout');
    await screen(page, 'login');
    assert.equal((await ctx.cookies(demo.url)).some((c) => c.name === 'ar_session' && c.value), false);
    // Only the browser's own note of /api/whoami's 401 ("not signed in yet") is expected.
    assert.deepEqual(page.consoleErrors.filter((e) => !/401/.test(e)), []);
  } finally {
    await ctx.close();
  }
});

test('an idle console is signed out by the server: the page says why and signs in again', { timeout: 90000 }, async () => {
  // The page's own heartbeat and slot refreshes run all along: they must not count as activity.
  const idle = await startDemo({ signaling: { idle_logoff_seconds: 4 } });
  const { ctx, page } = await newPerson(browser, { viewport: DESKTOP });
  try {
    await signIn(page, idle, idle.password);
    await screen(page, 'lobby', 20000);
    const t0 = Date.now();
    await screen(page, 'signed-out', 40000);
    assert.equal(await page.textContent('h1'), 'You were signed out');
    assert.match(await page.textContent('#signed-out-why'), /Sign in again/);
    assert.ok(await page.isHidden('#conn'));
    // No reconnect loop behind the screen: the connection stays closed.
    assert.equal(await page.evaluate(() => window.__anteroom.sig.state), 'closed');
    await page.fill('#login-user', idle.login);
    await page.fill('#login-pass', idle.password);
    await page.click('[data-screen="signed-out"] button[type="submit"]');
    await screen(page, 'lobby', 20000);
    console.log(`signed out ${Date.now() - t0} ms after the lobby opened (idle_logoff_seconds = 4)`);
  } finally {
    await ctx.close();
    await idle.stop();
  }
});

test('the open slots and offers panel shows the freed slot, its offers, and when it is filled', { timeout: 90000 }, async () => {
  const { ctx, page } = await newPerson(browser, { viewport: DESKTOP });
  const cl = await wsAs('clinician', 'cl_demo', 'prac_okafor');
  try {
    await signIn(page, demo, demo.password);
    await screen(page, 'lobby', 20000);
    assert.equal(await page.textContent('#slots li'), 'No open slots right now.');
    // A patient on Dr. Okafor's waiting list (demo.c) has the waiting room open.
    const p = await wsAs('patient', 'ap_later_12', 'pat_demo12');
    const freed = upcoming(demo)[1];
    assert.equal((await cl.request('lobby.noshow', { appointment_id: freed.id })).type, 'ok');
    const offer = await p.waitFor((m) => m.type === 'offer', 20000);
    const slot = openedSlot(freed);
    assert.equal(offer.slot.slot_id, slot);
    const out = Number(sql(demo, `select count(*) from offer where slot_id = '${slot}' and status = 'sent'`));
    assert.ok(out > 0, 'offers went out');
    await page.click('#slots-refresh');
    const li = `#slots li[data-slot="${slot}"]`;
    await page.waitForSelector(li, { timeout: 15000 });
    const text = await page.textContent(li);
    assert.match(text, /no-show/);
    assert.match(text, new RegExp(`Offered to ${out} patients`));
    // The patient takes it: the panel shows it filled.
    const booked = await p.request('offer.confirm', { offer_id: offer.offer_id });
    assert.equal(booked.type, 'offer.booked', JSON.stringify(booked));
    assert.ok(booked.token, 'a link for the new appointment');
    p.close();
    await page.click('#slots-refresh');
    await page.waitForSelector(`${li}.filled`, { timeout: 15000 });
    assert.match(await page.textContent(li), /Filled from the waiting list/);
    assert.deepEqual(page.consoleErrors.filter((e) => !/401/.test(e)), []);
  } finally {
    cl.close();
    await ctx.close();
  }
});
