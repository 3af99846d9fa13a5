// Issue 8: a visit that ends early frees the rest of its booked time as an open slot for the
// waiting list, like a cancellation or a no-show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { joined, readyPatient, upcoming, sql } from './lib/waiting.mjs';

test('ending a visit early opens the rest of the slot for offers', async () => {
  const s = await Anteroom.startDemo();
  try {
    const ups = upcoming(s);
    const cl = await joined(s, 'clinician', 'cl_demo', 'prac_okafor');
    await cl.request('lobby.subscribe');
    const patient = await readyPatient(s, ups[0]);
    assert.equal((await cl.request('lobby.admit', { appointment_id: ups[0].id })).type, 'ok');
    await patient.waitFor((m) => m.type === 'admitted');
    // The clinician is in the visit (visit.join) and ends it well before its booked end.
    assert.equal((await cl.request('visit.join', { appointment_id: ups[0].id })).type !== 'error', true);
    const ended = await cl.request('visit.end');
    assert.notEqual(ended.type, 'error', JSON.stringify(ended));
    const deadline = Date.now() + 5000;
    let rows = '';
    while (Date.now() < deadline) {
      rows = sql(s, "select opened_reason from slot where opened_reason is not null");
      if (/early/.test(rows)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(rows, /early/, 'the freed time became an open slot with reason early finish');
    await patient.close(); await cl.close();
  } finally { await s.stop(); }
});
