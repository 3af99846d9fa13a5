// Issue 7, the interpreter pool: a request goes to every online interpreter with the language,
// N simultaneous accepts give exactly one winner, the others are told, and the database and
// audit log agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom } from './lib/anteroom.mjs';
import { joined, upcoming, sql, lobbyEntry } from './lib/waiting.mjs';

const N = 6;

test(`interpreter race: ${N} accepts at once, exactly one winner`, async () => {
  const s = await Anteroom.startDemo();
  try {
    const ups = upcoming(s);
    const values = [];
    for (let i = 0; i < N; i++) values.push(`('prac_int${i}','cl_demo','Interpreter ${i}','interpreter','en,es')`);
    values.push("('prac_intfr','cl_demo','Interpreter fr','interpreter','fr')");
    sql(s, `insert into practitioner (id, clinic_id, display_name, role, languages) values ${values.join(',')}`);

    const cl = await joined(s, 'clinician', 'cl_demo', 'prac_okafor');
    await cl.request('lobby.subscribe');
    const interp = [];
    for (let i = 0; i < N - 1; i++) interp.push(await joined(s, 'interpreter', ups[0].id, `prac_int${i}`));
    const french = await joined(s, 'interpreter', ups[0].id, 'prac_intfr');

    // Guests and patients may not ask; a bad language is refused.
    const patient = await joined(s, 'patient', ups[1].id, ups[1].patient);
    assert.equal((await patient.request('interpreter.request', { appointment_id: ups[1].id, language: 'es' })).code, 'forbidden');
    assert.equal((await cl.request('interpreter.request', { appointment_id: ups[1].id, language: 'e s' })).code, 'bad_message');
    assert.equal((await cl.request('interpreter.request', { appointment_id: 'ap_nope', language: 'es' })).code, 'not_found');

    const req = await cl.request('interpreter.request', { appointment_id: ups[1].id, language: 'es' });
    assert.equal(req.type, 'ok');
    assert.equal(req.offered, N - 1);
    assert.equal((await lobbyEntry(cl, ups[1].id, (e) => e.needs_interpreter)).interpreter, 'es');
    // One more comes online after the request: the open request is offered to them too.
    interp.push(await joined(s, 'interpreter', ups[0].id, `prac_int${N - 1}`));
    const offers = await Promise.all(interp.map((c) => c.waitFor((m) => m.type === 'interpreter.offer')));
    for (const o of offers) assert.deepEqual([o.request_id, o.appointment_id, o.language], [req.request_id, ups[1].id, 'es']);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!french.events.some((m) => m.type === 'interpreter.offer'), 'a French interpreter got a Spanish offer');
    assert.equal((await french.request('interpreter.accept', { request_id: req.request_id })).code, 'forbidden');

    const answers = await Promise.all(interp.map((c) => c.request('interpreter.accept', { request_id: req.request_id })));
    const winners = answers.filter((a) => a.type === 'interpreter.assigned');
    const losers = answers.filter((a) => a.type === 'error');
    assert.equal(winners.length, 1, JSON.stringify(answers));
    assert.equal(losers.length, N - 1);
    for (const l of losers) assert.equal(l.code, 'bad_state');
    assert.equal(winners[0].visit_id, ups[1].id);
    const w = answers.indexOf(winners[0]);
    const told = await Promise.all(interp.filter((_, i) => i !== w).map((c) => c.waitFor((m) => m.type === 'interpreter.taken')));
    assert.equal(told.length, N - 1);
    const assigned = await cl.waitFor((m) => m.type === 'interpreter.assigned');
    assert.equal(assigned.participant_id, interp[w].joined.participant_id);
    assert.equal((await lobbyEntry(cl, ups[1].id, (e) => !e.needs_interpreter)).interpreter, 'es');

    assert.equal(sql(s, `select status || '|' || interpreter_id from interpreter_request where id='${req.request_id}'`),
      `assigned|prac_int${w}`);
    assert.equal(sql(s, `select interpreter_id from lobby_state where appointment_id='${ups[1].id}'`), `prac_int${w}`);
    const audit = sql(s, `select outcome, count(*) from audit_event where action='interpreter.accept' and entity_id='${req.request_id}' group by outcome order by outcome`);
    assert.equal(audit, `success|1\ntaken|${N - 1}`);
    assert.equal(sql(s, "select count(*) from audit_event where action='interpreter.request' and outcome='success'"), '1');
  } finally {
    await s.stop();
  }
});
