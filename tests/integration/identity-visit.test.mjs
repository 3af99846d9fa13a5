// Issue 6 in-visit messages: a clinician enters the visit, invites an interpreter, the patient
// invites a caregiver (proxy access), chat, mute (self; others by the clinician), remove and
// end; the roster's participant.joined/left events; audit events for each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { appointmentOf, auditEvents, joinedClient, stopKeepingState } from './lib/identity.mjs';

let server, apA, clin, pat, interp, care, careToken, ids = {};
before(async () => {
  server = await Anteroom.startDemo();
  apA = appointmentOf(server.links.patient.token);
});
after(async () => {
  for (const c of [clin, pat, interp, care]) c?.ws.terminate();
  await server?.stop();
});

test('a clinician signs in with its link and enters the visit; the patient is listed', async () => {
  const p = await joinedClient(server, server.links.patient.token);
  pat = p.c; ids.patient = p.j.participant_id;
  assert.equal(p.j.appointment_id, apA);
  assert.equal(p.j.grace_seconds, 60);
  const c = await joinedClient(server, server.links.clinician.token);
  clin = c.c; ids.clinician = c.j.participant_id;
  const media = await clin.request('media.offer', { purpose: 'visit', sdp: 'v=0' });
  assert.equal(media.code, 'bad_message', 'no visit media before visit.join without appointment_id');
  const v = await clin.request('visit.join', { appointment_id: apA });
  assert.equal(v.type, 'visit.joined');
  assert.deepEqual(v.participants.map((x) => x.role).sort(), ['clinician', 'patient']);
  const ev = await pat.waitFor((m) => m.type === 'participant.joined');
  assert.equal(ev.participant_id, ids.clinician);
  assert.equal(ev.role, 'clinician');
});

test('invite.create: the clinician invites an interpreter who joins the same visit', async () => {
  const inv = await clin.request('invite.create', { appointment_id: apA, role: 'interpreter', ttl: 600 });
  assert.equal(inv.type, 'invite.created', JSON.stringify(inv));
  assert.match(inv.link, /\/guest\.html#t=/);
  assert.ok(inv.link.endsWith(inv.token));
  assert.ok(inv.expires_at - Date.now() / 1000 <= 601);
  const bad = await clin.request('invite.create', { appointment_id: apA, role: 'clinician' });
  assert.equal(bad.code, 'bad_message');
  assert.equal((await clin.request('invite.create', { appointment_id: apA, role: 'caregiver', ttl: 5 })).code, 'bad_message');
  const i = await joinedClient(server, inv.token);
  interp = i.c; ids.interpreter = i.j.participant_id;
  assert.equal(i.j.role, 'interpreter');
  assert.equal(i.j.appointment_id, apA);
  const seen = await clin.waitFor((m) => m.type === 'participant.joined' && m.role === 'interpreter');
  assert.equal(seen.participant_id, ids.interpreter);
});

test('proxy access: the patient invites a caregiver (and only a caregiver)', async () => {
  const inv = await pat.request('invite.create', { role: 'caregiver' });
  assert.equal(inv.type, 'invite.created', JSON.stringify(inv));
  const other = await pat.request('invite.create', { role: 'caregiver', appointment_id: 'ap_okafor_1' });
  assert.equal(other.code, 'not_found');
  careToken = inv.token;
  const c = await joinedClient(server, inv.token);
  care = c.c; ids.caregiver = c.j.participant_id;
  assert.equal(c.j.role, 'caregiver');
});

test('chat.send reaches every other participant of the visit', async () => {
  const r = await pat.request('chat.send', { text: 'Can you hear me?' });
  assert.equal(r.type, 'ok');
  for (const c of [clin, interp, care]) {
    const m = await c.waitFor((x) => x.type === 'chat.message');
    assert.equal(m.from, ids.patient);
    assert.equal(m.role, 'patient');
    assert.equal(m.text, 'Can you hear me?');
    assert.ok(Math.abs(m.at - Date.now() / 1000) < 5);
  }
  assert.ok(!pat.all.some((x) => x.type === 'chat.message'), 'not echoed to the sender');
  assert.equal((await pat.request('chat.send', { text: '' })).code, 'bad_message');
});

test('visit.mute: self mute and unmute; the clinician mutes others but cannot unmute them', async () => {
  assert.equal((await pat.request('visit.mute', { kind: 'video' })).type, 'ok');
  let e = await clin.waitFor((m) => m.type === 'participant.muted');
  assert.deepEqual([e.participant_id, e.kind, e.muted, e.by], [ids.patient, 'video', true, ids.patient]);
  assert.equal((await pat.request('visit.mute', { kind: 'video', muted: false })).type, 'ok');
  e = await clin.waitFor((m) => m.type === 'participant.muted');
  assert.equal(e.muted, false);
  assert.equal((await clin.request('visit.mute', { participant_id: ids.interpreter })).type, 'ok');
  e = await interp.waitFor((m) => m.type === 'participant.muted' && m.by === ids.clinician);
  assert.deepEqual([e.participant_id, e.kind, e.muted], [ids.interpreter, 'audio', true]);
  assert.equal((await clin.request('visit.mute', { participant_id: ids.interpreter, muted: false })).code, 'forbidden');
  assert.equal((await interp.request('visit.mute', { participant_id: ids.patient })).code, 'forbidden');
  assert.equal((await clin.request('visit.mute', { participant_id: 'par_0000000000000000' })).code, 'not_found');
  assert.equal((await clin.request('visit.mute', { kind: 'screen' })).code, 'bad_message');
});

test('visit.remove: the caregiver is told, disconnected, and its link no longer works', async () => {
  const r = await clin.request('visit.remove', { participant_id: ids.caregiver });
  assert.equal(r.type, 'ok');
  const removed = await care.waitFor((m) => m.type === 'removed');
  assert.equal(removed.reason, 'removed');
  assert.equal((await care.closed).code, 4003);
  const left = await pat.waitFor((m) => m.type === 'participant.left' && m.participant_id === ids.caregiver);
  assert.equal(left.role, 'caregiver');
  const again = await joinedClient(server, careToken);
  assert.equal(again.j.code, 'invalid_token');
  assert.match(again.j.message, /withdrawn/, 'revoked, not merely used');
  again.c.ws.terminate();
  assert.equal((await clin.request('visit.remove', { participant_id: ids.clinician })).code, 'bad_state');
});

test('visit.end: everyone gets visit.ended and the visit is over', async () => {
  const r = await clin.request('visit.end');
  assert.equal(r.type, 'ok');
  for (const c of [pat, interp]) {
    const e = await c.waitFor((m) => m.type === 'visit.ended');
    assert.equal(e.appointment_id, apA);
  }
  assert.equal((await pat.request('chat.send', { text: 'still there?' })).code, 'bad_state');
  assert.equal((await pat.request('whoami')).appointment_id, null);
});

test('audit: joins, leaves, invites, proxy invite and access, mute of others, removal, end', async () => {
  for (const c of [pat, interp]) await c.close();
  await stopKeepingState(server);
  const ev = auditEvents(server);
  const has = (action, pred = () => true) => ev.some((e) => e.action === action && e.outcome === 'success' && pred(e));
  assert.ok(has('visit.join', (e) => e.entity_id === apA && e.actor === 'prac_okafor'));
  assert.ok(has('visit.join', (e) => e.actor === 'pat_demo00'));
  assert.ok(has('invite.create', (e) => JSON.parse(e.detail).role === 'interpreter'));
  assert.ok(has('proxy.invite', (e) => e.actor === 'pat_demo00' && e.entity_id === apA));
  assert.ok(has('proxy.access', (e) => e.entity_id === apA && JSON.parse(e.detail).participant === ids.caregiver));
  assert.ok(has('visit.mute', (e) => JSON.parse(e.detail).participant === ids.interpreter));
  assert.ok(has('visit.remove', (e) => JSON.parse(e.detail).participant === ids.caregiver));
  assert.ok(has('visit.end', (e) => e.entity_id === apA));
  assert.ok(has('visit.leave', (e) => JSON.parse(e.detail).participant === ids.caregiver));
  assert.ok(ev.every((e) => !JSON.stringify(e).includes('Can you hear me')), 'chat text never audited');
});
