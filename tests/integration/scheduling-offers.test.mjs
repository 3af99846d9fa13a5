// The offer engine end to end: first confirmation wins under 200 simultaneous confirmations,
// a restart between offer and confirm loses nothing, a patient's own cancellation opens the
// slot and offers go out, live offers over the WebSocket, expired, foreign and reused offers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import {
  Webhook, schedulingConfig, staff, confirmOffer, minutesFromNow, addWaitlist, publish, sql,
  killAndRestart, tokenOf,
} from './lib/scheduling.mjs';

test('200 concurrent confirmations of one slot: exactly one booking, 199 taken with alternatives', { timeout: 180000 }, async (t) => {
  const hook = await Webhook.start();
  const server = await Anteroom.startDemo(schedulingConfig(hook, { wave_size: 300 }));
  try {
    const ids = Array.from({ length: 200 }, (_, i) => `pat_c${String(i).padStart(3, '0')}`);
    for (const id of ids) await addWaitlist(server, id);
    // Past the demo day's grid (it ends six hours ahead): one slot to fight over, one spare.
    const first = { start: minutesFromNow(7 * 60), end: minutesFromNow(7 * 60 + 20) };
    const spare = { start: minutesFromNow(8 * 60), end: minutesFromNow(8 * 60 + 20) };
    const pub = await publish(server, 'prac_okafor', [first, spare]);
    assert.equal(pub.status, 201, pub.body);
    const [slotId, spareId] = pub.json.slot_ids;
    const msgs = await hook.waitFor((b) => b.slot_start === first.start && b.to?.startsWith('+1555'), 200, 90000);
    const mine = msgs.filter((m) => ids.some((id) => m.body.to === `+1555${id.slice(-6)}`));
    assert.equal(mine.length, 200, 'one offer per waiting patient');
    // Gateway contract: a unique idempotency key per message and no name in the body.
    assert.equal(new Set(hook.messages.map((m) => m.key)).size, hook.messages.length);
    for (const m of mine) assert.ok(!m.raw.includes('Test Person'), 'no patient name leaves');

    const t0 = performance.now();
    const replies = await Promise.all(mine.map((m) => confirmOffer(server, m.body.link)));
    t.diagnostic(`200 simultaneous confirmations answered in ${Math.round(performance.now() - t0)} ms`);
    const won = replies.filter((r) => r.status === 200);
    const taken = replies.filter((r) => r.status === 409);
    assert.equal(won.length, 1, JSON.stringify(replies.filter((r) => r.status !== 409).slice(0, 3)));
    assert.equal(taken.length, 199);
    assert.equal(won[0].json.result, 'booked');
    for (const t of taken) {
      assert.equal(t.json.result, 'taken');
      assert.match(t.json.message, /someone else took this slot/);
      assert.ok(t.json.alternatives.some((a) => a.slot_id === spareId), 'the spare slot is offered as an alternative');
    }
    const live = sql(server, `SELECT id, patient_id FROM appointment WHERE slot_id = '${slotId}' AND status = 'booked'`);
    assert.equal(live.length, 1, 'exactly one booking in SQLite');
    assert.equal(live[0].id, won[0].json.appointment_id);
    const accepted = sql(server, `SELECT COUNT(*) AS n FROM offer WHERE slot_id = '${slotId}' AND status = 'accepted'`);
    assert.equal(accepted[0].n, 1);
    const audit = sql(server, `SELECT COUNT(*) AS n FROM audit_event WHERE action = 'offer.confirm' AND entity_id = '${live[0].id}'`);
    assert.equal(audit[0].n, 1, 'the booking left its audit event in the same transaction');
    const metrics = await staff(server, '/api/scheduling/metrics');
    assert.equal(metrics.json.accepted, 1);
    assert.ok(metrics.json.offers_sent >= 200);
  } finally {
    await server.stop();
    await hook.close();
  }
});

test('restart between offer and confirm (kill -9) loses nothing', { timeout: 60000 }, async () => {
  const hook = await Webhook.start();
  let server = await Anteroom.startDemo(schedulingConfig(hook, { wave_size: 1 }));
  try {
    await addWaitlist(server, 'pat_r001');
    const slot = { start: minutesFromNow(7 * 60), end: minutesFromNow(7 * 60 + 20) };
    const pub = await publish(server, 'prac_berg', [slot]);
    assert.equal(pub.status, 201, pub.body);
    const [offer] = await hook.waitFor((b) => b.slot_start === slot.start);
    const before = sql(server, `SELECT id, status FROM offer WHERE id = '${offer.body.offer_id}'`);
    assert.deepEqual(before, [{ id: offer.body.offer_id, status: 'sent' }]);

    server = await killAndRestart(server);
    const offers = await staff(server, '/api/scheduling/offers');
    assert.ok(offers.json.offers.some((o) => o.offer_id === offer.body.offer_id), 'the offer is still in flight');
    const open = await staff(server, '/api/scheduling/open-slots');
    assert.ok(open.json.slots.some((s) => s.slot_id === pub.json.slot_ids[0]));

    const r = await confirmOffer(server, offer.body.link);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.result, 'booked');
    const appt = sql(server, `SELECT patient_id, status FROM appointment WHERE slot_id = '${pub.json.slot_ids[0]}'`);
    assert.deepEqual(appt, [{ patient_id: 'pat_r001', status: 'booked' }]);
    // The same offer was not sent a second time after the restart.
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(hook.messages.filter((m) => m.body.slot_start === slot.start).length, 1);
    // Single use: the link cannot be replayed.
    const again = await confirmOffer(server, offer.body.link);
    assert.equal(again.status, 409);
    assert.match(again.json.message, /already been used/);
  } finally {
    await server.stop();
    await hook.close();
  }
});

test('a patient cancelling from their own link opens the slot and offers go out', { timeout: 60000 }, async () => {
  const hook = await Webhook.start();
  const server = await Anteroom.startDemo(schedulingConfig(hook));
  try {
    await addWaitlist(server, 'pat_x001', { min_notice_s: 0 });
    const c = new SignalingClient(server.wsUrl);
    await c.opened;
    const joined = await c.request('join', { token: server.links.patient.token });
    assert.equal(joined.type, 'joined', JSON.stringify(joined));
    const appointment = joined.appointment_id;
    const [row] = sql(server, `SELECT slot_id, start_ts FROM appointment WHERE id = '${appointment}'`);

    const wrong = await c.request('appointment.cancel', { appointment_id: 'ap_someone_else' });
    assert.equal(wrong.code, 'forbidden');
    const ok = await c.request('appointment.cancel', {});
    assert.equal(ok.type, 'ok', JSON.stringify(ok));
    const start = new Date(row.start_ts * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const [offer] = await hook.waitFor((b) => b.slot_start === start);
    assert.ok(offer.body.link.includes('/offer.html#t='));
    const state = sql(server, `SELECT a.status AS appointment, s.status AS slot FROM appointment a JOIN slot s ON s.id = a.slot_id WHERE a.id = '${appointment}'`);
    assert.deepEqual(state, [{ appointment: 'cancelled', slot: 'free' }]);
    const again = await c.request('appointment.cancel', {});
    assert.equal(again.code, 'conflict');
    assert.match(again.message, /cancelled, not booked/);
    c.close();
    const r = await confirmOffer(server, offer.body.link);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  } finally {
    await server.stop();
    await hook.close();
  }
});

test('live offer over the WebSocket; a foreign offer is refused; decline is recorded', { timeout: 60000 }, async () => {
  const hook = await Webhook.start();
  const server = await Anteroom.startDemo(schedulingConfig(hook, { wave_size: 5 }));
  try {
    await addWaitlist(server, 'pat_demo00', { min_notice_s: 0 });
    await addWaitlist(server, 'pat_w002');
    await addWaitlist(server, 'pat_w003');
    const c = new SignalingClient(server.wsUrl);
    await c.opened;
    assert.equal((await c.request('join', { token: server.links.patient.token })).type, 'joined');
    const slot = { start: minutesFromNow(7 * 60), end: minutesFromNow(7 * 60 + 20) };
    const pub = await publish(server, 'prac_okafor', [slot]);
    assert.equal(pub.status, 201, pub.body);
    const live = await c.waitFor((m) => m.type === 'offer', 10000);
    assert.equal(live.slot.slot_id, pub.json.slot_ids[0]);
    assert.equal(live.slot.start, slot.start);
    const others = await hook.waitFor((b) => b.slot_start === slot.start, 2);
    const foreign = await c.request('offer.confirm', { offer_id: others[0].body.offer_id });
    assert.equal(foreign.type, 'error');
    assert.equal(foreign.code, 'forbidden');
    assert.match(foreign.message, /someone else/);
    const unknown = await c.request('offer.confirm', { offer_id: 'off_nonexistent' });
    assert.equal(unknown.code, 'not_found');

    const declined = await confirmOffer(server, others[1].body.link, 'decline');
    assert.equal(declined.status, 200);
    assert.equal(declined.json.result, 'declined');
    const resp = sql(server, `SELECT participant_status FROM appointment_response WHERE offer_id = '${others[1].body.offer_id}'`);
    assert.deepEqual(resp, [{ participant_status: 'declined' }], 'AppointmentResponse for the decline');

    const booked = await c.request('offer.confirm', { offer_id: live.offer_id });
    assert.equal(booked.type, 'offer.booked', JSON.stringify(booked));
    assert.equal(booked.slot.slot_id, pub.json.slot_ids[0]);
    // The other patient hears "taken" from the engine's state, with the reason.
    const late = await confirmOffer(server, others[0].body.link);
    assert.equal(late.status, 409);
    assert.equal(late.json.result, 'taken');
    c.close();
  } finally {
    await server.stop();
    await hook.close();
  }
});

test('an expired offer gets a clear error and a lapsed AppointmentResponse; the staff API needs the token', { timeout: 60000 }, async () => {
  const hook = await Webhook.start();
  const server = await Anteroom.startDemo(schedulingConfig(hook, { offer_expiry_same_day_seconds: 2 }));
  try {
    const anon = await staff(server, '/api/scheduling/metrics', { token: null });
    assert.equal(anon.status, 401);
    const wrong = await staff(server, '/api/scheduling/metrics', { token: 'staff-test-token-012345678X' });
    assert.equal(wrong.status, 401);
    await addWaitlist(server, 'pat_e001');
    const slot = { start: minutesFromNow(7 * 60 + 40), end: minutesFromNow(8 * 60) };
    assert.equal((await publish(server, 'prac_okafor', [slot])).status, 201);
    const [offer] = await hook.waitFor((b) => b.slot_start === slot.start);
    await new Promise((res) => setTimeout(res, 3000));
    const r = await confirmOffer(server, offer.body.link);
    assert.equal(r.status, 410, JSON.stringify(r.json));
    assert.equal(r.json.error, 'offer_expired');
    assert.match(r.json.message, /expired/);
    const resp = sql(server, `SELECT participant_status, comment FROM appointment_response WHERE offer_id = '${offer.body.offer_id}'`);
    assert.deepEqual(resp, [{ participant_status: 'needs-action', comment: 'lapsed' }]);
    assert.equal(sql(server, `SELECT COUNT(*) AS n FROM appointment WHERE patient_id = 'pat_e001'`)[0].n, 0);
    const bogus = await confirmOffer(server, `${server.url}/offer.html#t=${tokenOf(offer.body.link)}x`);
    assert.equal(bogus.status, 401);
  } finally {
    await server.stop();
    await hook.close();
  }
});

test('the webhook is retried with backoff and the same Idempotency-Key; a no-show reopens the rest of the slot', { timeout: 60000 }, async () => {
  const hook = await Webhook.start();
  const server = await Anteroom.startDemo(schedulingConfig(hook));
  try {
    hook.failNext = 2;
    await addWaitlist(server, 'pat_h001', { min_notice_s: 0 });
    // A visit running now: the patient did not check in, staff mark the slot open (no-show).
    const [running] = sql(server, `SELECT slot_id, end_ts FROM appointment WHERE practitioner_id = 'prac_okafor' AND start_ts <= strftime('%s','now') AND end_ts > strftime('%s','now') + 300`);
    if (running) {
      const r = await staff(server, '/api/scheduling/slot-opened', { method: 'POST', body: { slot_id: running.slot_id, reason: 'noshow' } });
      assert.equal(r.status, 202, r.body);
      const reopened = sql(server, `SELECT start_ts, end_ts, opened_reason FROM slot WHERE source = 'reopened'`);
      assert.equal(reopened.length, 1);
      assert.equal(reopened[0].end_ts, running.end_ts);
      assert.equal(reopened[0].opened_reason, 'noshow');
      assert.ok(reopened[0].start_ts * 1000 > Date.now(), 'the rest of the slot, from a minute from now');
    } else {
      const slot = { start: minutesFromNow(7 * 60), end: minutesFromNow(7 * 60 + 20) };
      assert.equal((await publish(server, 'prac_okafor', [slot])).status, 201);
    }
    // The gateway refused the first two POSTs; every message still arrives exactly once, the
    // refused ones on a later try with the same Idempotency-Key.
    await hook.waitFor(() => true, 1, 30000);
    const refused = hook.attempts.slice(0, 2);
    const deadline = Date.now() + 30000;
    while (!refused.every((k) => hook.messages.some((m) => m.key === k)) && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
    }
    for (const k of new Set(hook.attempts)) {
      assert.equal(hook.messages.filter((m) => m.key === k).length, 1, `${k} delivered once`);
    }
    assert.equal(hook.attempts.length, hook.messages.length + 2);
    const msg = hook.messages.find((m) => m.key === refused[0]);
    const tries = hook.attempts.filter((k) => k === msg.key).length;
    assert.ok(tries >= 2, 'retried under the same key');
    const [row] = sql(server, `SELECT attempts, delivered_at IS NOT NULL AS delivered, idempotency_key FROM notification_outbox WHERE id = '${msg.key}'`);
    assert.deepEqual(row, { attempts: tries, delivered: 1, idempotency_key: msg.key });
  } finally {
    await server.stop();
    await hook.close();
  }
});

test('a patient reschedules from their own link: the new slot is theirs, the old one is offered on', { timeout: 60000 }, async () => {
  const hook = await Webhook.start();
  const server = await Anteroom.startDemo(schedulingConfig(hook));
  try {
    const slot = { start: minutesFromNow(9 * 60), end: minutesFromNow(9 * 60 + 20) };
    const pub = await publish(server, 'prac_okafor', [slot]);
    assert.equal(pub.status, 201, pub.body);
    await addWaitlist(server, 'pat_m001', { min_notice_s: 0 });
    const c = new SignalingClient(server.wsUrl);
    await c.opened;
    const joined = await c.request('join', { token: server.links.patient.token });
    const [old] = sql(server, `SELECT slot_id, start_ts FROM appointment WHERE id = '${joined.appointment_id}'`);
    const list = await c.request('appointment.slots', {});
    assert.equal(list.type, 'appointment.slots');
    assert.ok(list.slots.some((x) => x.slot_id === pub.json.slot_ids[0]));
    assert.equal((await c.request('appointment.reschedule', {})).code, 'bad_message');
    assert.equal((await c.request('appointment.reschedule', { slot_id: 'slot_nope' })).code, 'not_found');
    const moved = await c.request('appointment.reschedule', { slot_id: pub.json.slot_ids[0] });
    assert.equal(moved.type, 'appointment.rescheduled', JSON.stringify(moved));
    assert.equal(moved.slot.start, slot.start);
    assert.ok(moved.token.length > 20, 'a fresh link token for the new appointment');
    const rows = sql(server, `SELECT id, status FROM appointment WHERE patient_id = 'pat_demo00' AND id IN ('${joined.appointment_id}', '${moved.appointment_id}') ORDER BY start_ts`);
    assert.deepEqual(rows.map((r) => r.status).sort(), ['booked', 'cancelled']);
    const start = new Date(old.start_ts * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await hook.waitFor((b) => b.slot_start === start);
    const taken = await c.request('appointment.reschedule', { slot_id: pub.json.slot_ids[0] });
    assert.equal(taken.code, 'conflict');
    const c2 = new SignalingClient(server.wsUrl);
    await c2.opened;
    assert.equal((await c2.request('join', { token: moved.token })).type, 'joined', 'the new link works');
    c.close();
    c2.close();
  } finally {
    await server.stop();
    await hook.close();
  }
});
