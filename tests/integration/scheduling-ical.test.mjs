// iCalendar through the staff API: clinicians' calendars (Outlook, Google, Apple, FREEBUSY,
// daylight-saving weeks) import as busy slots; broken files, unknown zones and overlapping
// capacity are refused with the problem named and nothing written; each clinician's visits
// export as an .ics feed that imports back to the same times.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Anteroom, SOURCE_DIR } from './lib/anteroom.mjs';
import { Webhook, schedulingConfig, staff, minutesFromNow, publish, sql, API_TOKEN } from './lib/scheduling.mjs';

const fixture = (name) => readFileSync(join(SOURCE_DIR, 'tests', 'data', 'ics', name), 'utf8');

let hook, server;
before(async () => {
  hook = await Webhook.start();
  server = await Anteroom.startDemo(schedulingConfig(hook));
});
after(async () => { await server.stop(); await hook.close(); });

const importIcs = (prac, text) => staff(server, `/api/scheduling/ical-import?practitioner=${prac}`,
  { method: 'POST', body: text, contentType: 'text/calendar' });
const slotsOf = async (prac) => (await staff(server, `/fhir/Slot?practitioner=Practitioner/${prac}&_count=500`)).json;

test('calendars import as busy slots; a re-import replaces the previous one', async () => {
  for (const name of ['outlook.ics', 'google.ics', 'apple.ics', 'freebusy.ics', 'dst-us.ics', 'dst-eu.ics']) {
    const r = await importIcs('prac_interp', fixture(name));
    assert.equal(r.status, 201, `${name}: ${r.body}`);
    assert.ok(r.json.imported > 0, name);
    const slots = await slotsOf('prac-interp');
    assert.equal(slots.total, r.json.imported, `${name}: exactly this calendar's intervals are stored`);
    for (const e of slots.entry) assert.match(e.resource.status, /^busy/);
  }
  // DST: the US daily 09:00 New York series is 13:00Z before 2026-11-01 and 14:00Z after.
  await importIcs('prac_interp', fixture('dst-us.ics'));
  const starts = (await slotsOf('prac-interp')).entry.map((e) => e.resource.start);
  assert.ok(starts.includes('2026-10-30T13:00:00Z'), starts.join(' '));
  assert.ok(starts.includes('2026-11-02T14:00:00Z'), starts.join(' '));
  const fb = await importIcs('prac_interp', fixture('freebusy.ics'));
  const statuses = new Set((await slotsOf('prac-interp')).entry.map((e) => e.resource.status));
  assert.deepEqual([...statuses].sort(), ['busy', 'busy-tentative', 'busy-unavailable']);
  assert.ok(fb.json.skipped >= 1, 'FREE periods block nothing');
});

test('broken calendars and unknown zones: a clear error and nothing written', async () => {
  await importIcs('prac_interp', fixture('google.ics'));
  const before = (await slotsOf('prac-interp')).total;
  const cases = [
    ['broken-truncated.ics', /./],
    ['broken-no-end.ics', /END:VCALENDAR|unbalanced|VCALENDAR/i],
    ['broken-unknown-tzid.ics', /Clinic Local Time/],
    ['broken-bad-date.ics', /20261345T250000Z|date/i],
  ];
  for (const [name, pattern] of cases) {
    const r = await importIcs('prac_interp', fixture(name));
    assert.equal(r.status, 422, `${name}: ${r.body}`);
    assert.equal(r.json.error, 'bad_calendar');
    assert.match(r.json.message, pattern, name);
    assert.equal((await slotsOf('prac-interp')).total, before, `${name}: nothing written`);
  }
  const nobody = await importIcs('prac_nobody', fixture('google.ics'));
  assert.equal(nobody.status, 404);
  assert.match(nobody.json.message, /prac_nobody does not exist/);
});

test('overlapping capacity is refused whole, from .ics or JSON', async () => {
  const countSlots = () => sql(server, "SELECT COUNT(*) AS n FROM slot WHERE source = 'published'")[0].n;
  const n0 = countSlots();
  const ics = await staff(server, '/api/scheduling/capacity?practitioner=prac_berg',
    { method: 'POST', body: fixture('capacity-overlap.ics'), contentType: 'text/calendar' });
  assert.equal(ics.status, 422, ics.body);
  assert.match(ics.json.message, /overlap/i);
  const a = { start: minutesFromNow(60 * 24 * 20), end: minutesFromNow(60 * 24 * 20 + 20) };
  const b = { start: minutesFromNow(60 * 24 * 20 + 10), end: minutesFromNow(60 * 24 * 20 + 30) };
  const json = await publish(server, 'prac_berg', [a, b]);
  assert.equal(json.status, 409, json.body);
  assert.match(json.json.message, /slot 2 .* overlaps slot 1/);
  // Against what is already there: the demo day is fully booked for Dr. Okafor.
  const busy = await publish(server, 'prac_okafor', [{ start: minutesFromNow(60), end: minutesFromNow(80) }]);
  assert.equal(busy.status, 409, busy.body);
  assert.match(busy.json.message, /overlaps existing slot/);
  const past = await publish(server, 'prac_berg', [{ start: '2020-01-01T10:00:00Z', end: '2020-01-01T10:20:00Z' }]);
  assert.equal(past.status, 400);
  assert.match(past.json.message, /in the past/);
  assert.equal(countSlots(), n0, 'nothing written');
  const ok = await publish(server, 'prac_berg', [a]);
  assert.equal(ok.status, 201, ok.body);
  assert.equal(countSlots(), n0 + 1);
});

test("a clinician's visits.ics exports and imports back to the same times", async () => {
  const feed = await staff(server, '/api/practitioners/prac_okafor/visits.ics');
  assert.equal(feed.status, 200, feed.body);
  assert.match(feed.headers['content-type'], /^text\/calendar/);
  assert.match(feed.body, /^BEGIN:VCALENDAR\r\n/);
  assert.ok(!/pat_demo|Maria|Lopez/.test(feed.body), 'no patient id or name in the feed');
  const appts = sql(server, "SELECT start_ts, end_ts, status FROM appointment WHERE practitioner_id = 'prac_okafor'");
  assert.equal((feed.body.match(/BEGIN:VEVENT/g) || []).length, appts.length);
  const anon = await staff(server, '/api/practitioners/prac_okafor/visits.ics', { token: null });
  assert.equal(anon.status, 401);
  const subscribed = await staff(server, `/api/practitioners/prac_okafor/visits.ics?token=${API_TOKEN}`, { token: null });
  assert.equal(subscribed.status, 200, 'a calendar app can subscribe with ?token=');
  const notHere = await staff(server, `/api/scheduling/metrics?token=${API_TOKEN}`, { token: null });
  assert.equal(notHere.status, 401, 'the query token works for feeds only');

  const back = await importIcs('prac_berg', feed.body);
  assert.equal(back.status, 201, back.body);
  const live = appts.filter((a) => a.status !== 'cancelled');
  assert.equal(back.json.imported, live.length);
  const imported = sql(server, "SELECT s.start_ts, s.end_ts FROM slot s JOIN schedule sc ON sc.id = s.schedule_id WHERE sc.practitioner_id = 'prac_berg' AND s.source = 'ical' ORDER BY 1");
  const expected = live.map(({ start_ts, end_ts }) => ({ start_ts, end_ts })).sort((x, y) => x.start_ts - y.start_ts);
  assert.deepEqual(imported, expected);
});
