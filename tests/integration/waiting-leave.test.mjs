// Issue 12 (the soak's SIGSEGV in ar_ws_conn_send): a patient whose participant ends before its
// connection closes (`leave`, then the socket goes; or `visit.remove`) must not stay in the
// waiting room's table of patient connections. It used to: the close hook skipped sessions that
// were no longer joined, the session was freed, and the next change of that appointment's
// waiting-room entry (a rejoin, a clinic message) wrote to the freed session's connection.
// Protocol only (SignalingClient, no media).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { joined, readyPatient, queueUpdate, lobbyEntry, upcoming } from './lib/waiting.mjs';

async function lobby(server) {
  const c = await joined(server, 'clinician', 'cl_demo', 'prac_okafor');
  assert.equal((await c.request('lobby.subscribe')).type, 'lobby.snapshot');
  return c;
}

const died = (server, e) => new Error(`anteroom died (${JSON.stringify(e)}):\n${server.log.split('\n').slice(-100).join('\n')}`);

async function alive(server) {
  let exited = null;
  server.exited.then((e) => (exited = e));
  await new Promise((r) => setTimeout(r, 200));
  if (exited) throw died(server, exited);
}

// A request whose failure says so when the server died meanwhile (with its last log lines).
function ask(server, c, type, fields) {
  return Promise.race([c.request(type, fields), server.exited.then((e) => { throw died(server, e); })]);
}

test('a patient who sends leave and closes is no longer connected; rejoining works', async () => {
  const s = await Anteroom.startDemo();
  try {
    const [ap] = upcoming(s);
    const cl = await lobby(s);
    const a = await readyPatient(s, ap);
    await lobbyEntry(cl, ap.id, (e) => e.connected && e.state === 'ready');
    assert.equal((await a.request('leave')).type, 'ok');
    await a.close();
    // A clinic message for the appointment goes to the patient's connection, if it has one.
    assert.equal((await ask(s, cl, 'lobby.message', { appointment_id: ap.id, text: 'Back soon' })).type, 'ok');
    await alive(s);
    // The lobby hears that the patient's connection is gone.
    assert.equal((await lobbyEntry(cl, ap.id, (e) => !e.connected)).connected, false);
    // Coming back with the same link (its queue.update is sent while joining).
    const a2 = await joined(s, 'patient', ap.id, ap.patient);
    assert.ok(['ready', 'away'].includes(a2.joined.state), JSON.stringify(a2.joined));
    await queueUpdate(a2);
    assert.equal((await lobbyEntry(cl, ap.id, (e) => e.connected)).connected, true);
    await alive(s);
  } finally {
    await s.stop();
  }
});

test('a patient removed from the visit leaves the waiting room table with its connection', async () => {
  const s = await Anteroom.startDemo();
  try {
    const [ap] = upcoming(s);
    const cl = await lobby(s);
    const a = await readyPatient(s, ap);
    await lobbyEntry(cl, ap.id, (e) => e.connected);
    assert.equal((await cl.request('visit.join', { appointment_id: ap.id })).type, 'visit.joined');
    const removed = await cl.request('visit.remove', { participant_id: a.joined.participant_id });
    assert.equal(removed.type, 'ok', JSON.stringify(removed));
    await a.waitFor((m) => m.type === 'removed');
    await a.closed;
    assert.equal((await ask(s, cl, 'lobby.message', { appointment_id: ap.id, text: 'Sorry' })).type, 'ok');
    await alive(s);
    assert.equal((await lobbyEntry(cl, ap.id, (e) => !e.connected)).connected, false);
  } finally {
    await s.stop();
  }
});
