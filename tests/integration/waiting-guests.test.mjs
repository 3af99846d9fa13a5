// Issue 7, guests: the clinician chooses per appointment whether a caregiver goes straight into
// the visit (default) or waits in the waiting room (their media held in a device check, self
// view) until let in. A libwebrtc caregiver shows which: held media gets the device check's
// media.stats; let in, it is switched into the visit without a new offer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { WrtcPeer } from './lib/wrtc-peer.mjs';
import { joined, upcoming, lobbyEntry, sql } from './lib/waiting.mjs';

after(() => setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref());

test('a caregiver waits in the waiting room when the clinician says so, and is let in', async () => {
  const s = await Anteroom.startDemo();
  const peers = [];
  try {
    const [A, B] = upcoming(s);
    const cl = await joined(s, 'clinician', 'cl_demo', 'prac_okafor');
    await cl.request('lobby.subscribe');
    assert.equal((await cl.request('lobby.guests', { appointment_id: A.id, wait: true })).type, 'ok');
    assert.equal((await lobbyEntry(cl, A.id, (e) => e.guests === 'waiting')).guests_waiting.length, 0);

    const carer = await joined(s, 'caregiver', A.id, 'guest_carer_a');
    const held = new WrtcPeer({ slots: 2 });
    peers.push(held);
    await held.connect(carer, 'visit');
    const entry = await lobbyEntry(cl, A.id, (e) => e.guests_waiting.length === 1);
    assert.deepEqual(entry.guests_waiting, [carer.joined.participant_id]);
    await carer.waitFor((m) => m.type === 'media.stats', 8000); // held: a device check

    // Only a clinician lets guests in, only their own, only guests who wait.
    assert.equal((await carer.request('lobby.admit_guest', { participant_id: carer.joined.participant_id })).code, 'forbidden');
    const berg = await joined(s, 'clinician', 'cl_demo', 'prac_berg');
    assert.equal((await berg.request('lobby.admit_guest', { participant_id: carer.joined.participant_id })).code, 'not_found');
    assert.equal((await cl.request('lobby.admit_guest', { participant_id: 'par_nobody' })).code, 'not_found');

    const answers = carer.events.filter((m) => m.type === 'media.answer').length;
    const ok = await cl.request('lobby.admit_guest', { participant_id: carer.joined.participant_id });
    assert.deepEqual([ok.type, ok.media], ['ok', true]);
    assert.equal((await carer.waitFor((m) => m.type === 'admitted')).visit_id, A.id);
    assert.equal((await lobbyEntry(cl, A.id, (e) => e.guests_waiting.length === 0)).guests, 'waiting');
    assert.equal(carer.events.filter((m) => m.type === 'media.answer').length, answers);
    assert.equal((await cl.request('lobby.admit_guest', { participant_id: carer.joined.participant_id })).code, 'not_found');

    // B's guests go straight in (the default): no device check, nothing waiting.
    const other = await joined(s, 'caregiver', B.id, 'guest_carer_b');
    const direct = new WrtcPeer({ slots: 2 });
    peers.push(direct);
    await direct.connect(other, 'visit');
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(!other.events.some((m) => m.type === 'media.stats'), 'a direct guest was held in a device check');
    assert.deepEqual((await lobbyEntry(cl, B.id, () => true).catch(() => ({ guests_waiting: [] }))).guests_waiting, []);
    assert.equal(sql(s, `select guests from lobby_state where appointment_id='${A.id}'`), 'waiting');
    assert.match(sql(s, "select count(*) from audit_event where action='lobby.admit_guest' and outcome='success'"), /^1$/);
  } finally {
    for (const p of peers) p.close();
    await s.stop();
  }
});
