/* FHIR R4 JSON: builders and validating parsers. The official JSON schema checks shapes; the
 * StructureDefinitions' cardinalities and invariants that it cannot (status 1..1, participant
 * 1..*, participant.status 1..1, app-2 start/end together, app-3 only proposed/cancelled/
 * waitlist without times, slot start < end) are checked here. */
#include "fhir_json.h"

#include <string.h>

G_DEFINE_QUARK(ar - fhir - error - quark, ar_fhir_error)

#define SEC_US G_USEC_PER_SEC
#define MODALITY_SYSTEM "urn:anteroom:modality"
#define VISIT_TYPE_SYSTEM "urn:anteroom:visit-type"
#define PARTICIPATION_SYSTEM "http://terminology.hl7.org/CodeSystem/participant-type"
#define APPOINTMENT_REASON_SYSTEM "http://terminology.hl7.org/CodeSystem/v2-0276"

static const char *const slot_statuses[] = {
    "free", "busy", "busy-unavailable", "busy-tentative", "entered-in-error", NULL};
static const char *const appointment_statuses[] = {
    "proposed", "pending",          "booked",     "arrived",  "fulfilled", "cancelled",
    "noshow",   "entered-in-error", "checked-in", "waitlist", NULL};
static const char *const participant_statuses[] = {"accepted", "declined", "tentative",
                                                   "needs-action", NULL};

void
ar_fhir_slot_clear(ArFhirSlot *s)
{
  g_clear_pointer(&s->id, g_free);
  g_clear_pointer(&s->schedule_id, g_free);
  g_clear_pointer(&s->status, g_free);
  g_clear_pointer(&s->modality, g_free);
  g_clear_pointer(&s->visit_type, g_free);
}

static void
participant_clear(gpointer p)
{
  ArFhirParticipant *x = p;
  g_free(x->kind);
  g_free(x->actor_id);
  g_free(x->status);
}

void
ar_fhir_appointment_clear(ArFhirAppointment *a)
{
  g_clear_pointer(&a->id, g_free);
  g_clear_pointer(&a->status, g_free);
  g_clear_pointer(&a->slot_id, g_free);
  g_clear_pointer(&a->visit_type, g_free);
  g_clear_pointer(&a->modality, g_free);
  g_clear_pointer(&a->participants, g_array_unref);
}

static gboolean fail(GError **error, ArFhirError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean
fail(GError **error, ArFhirError code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, AR_FHIR_ERROR, code, msg);
  return FALSE;
}

gboolean
ar_fhir_parse_instant(const char *text, gint64 *us)
{
  /* FHIR instant: full date and time with seconds and a zone. */
  if (!text || strlen(text) < 20 || text[10] != 'T')
    return FALSE;
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(text, NULL);
  if (!dt)
    return FALSE;
  /* Calendar times before 1970 have no place in a schedule, and a year must print back as
   * four digits (fuzzing found "0587-12-01T10:00:00Z" coming back as "587-..."). */
  gint64 unix = g_date_time_to_unix(dt);
  if (unix < 0 || g_date_time_get_year(dt) > 9999)
    return FALSE;
  *us = unix * SEC_US;
  return TRUE;
}

char *
ar_fhir_format_instant(gint64 us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / SEC_US);
  return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("1970-01-01T00:00:00Z");
}

char *
ar_fhir_id_from_store(const char *store_id)
{
  return g_strdelimit(g_strdup(store_id), "_", '-');
}

char *
ar_fhir_id_to_store(const char *fhir_id)
{
  return g_strdelimit(g_strdup(fhir_id), "-", '_');
}

char *
ar_fhir_reference_id(const char *reference, const char *type)
{
  if (!reference || !*reference)
    return NULL;
  const char *slash = strrchr(reference, '/');
  if (slash) {
    gsize tlen = strlen(type);
    if ((gsize)(slash - reference) < tlen || strncmp(slash - tlen, type, tlen) != 0 ||
        (slash - tlen > reference && slash[-(gssize)tlen - 1] != '/'))
      return NULL;
    reference = slash + 1;
  }
  for (const char *p = reference; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.' && *p != '_')
      return NULL;
  return *reference && strlen(reference) <= 64 ? ar_fhir_id_to_store(reference) : NULL;
}

/* ---- parsing ----------------------------------------------------------------------------- */

static JsonObject *
resource(JsonNode *node, const char *type, GError **error)
{
  if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
    fail(error, AR_FHIR_ERROR_STRUCTURE, "%s: the body must be a JSON object", type);
    return NULL;
  }
  JsonObject *o = json_node_get_object(node);
  JsonNode *rt = json_object_get_member(o, "resourceType");
  const char *given =
      rt && JSON_NODE_HOLDS_VALUE(rt) && json_node_get_value_type(rt) == G_TYPE_STRING
          ? json_node_get_string(rt)
          : NULL;
  if (!given) {
    fail(error, AR_FHIR_ERROR_REQUIRED, "resourceType: required, expected \"%s\"", type);
    return NULL;
  }
  if (!g_str_equal(given, type)) {
    fail(error, AR_FHIR_ERROR_STRUCTURE, "resourceType: \"%s\" where \"%s\" was expected", given,
         type);
    return NULL;
  }
  return o;
}

/* A string member: absent -> *out NULL and TRUE; present but not a string -> error. */
static gboolean
opt_string(JsonObject *o, const char *path, const char *name, const char **out, GError **error)
{
  *out = NULL;
  JsonNode *n = json_object_get_member(o, name);
  if (!n)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING ||
      !*json_node_get_string(n))
    return fail(error, AR_FHIR_ERROR_STRUCTURE, "%s.%s: must be a non-empty string", path, name);
  *out = json_node_get_string(n);
  return TRUE;
}

static gboolean
req_code(JsonObject *o, const char *path, const char *name, const char *const *allowed,
         const char **out, GError **error)
{
  if (!opt_string(o, path, name, out, error))
    return FALSE;
  if (!*out)
    return fail(error, AR_FHIR_ERROR_REQUIRED, "%s.%s: required (1..1)", path, name);
  if (!g_strv_contains(allowed, *out)) {
    g_autofree char *list = g_strjoinv(", ", (char **)allowed);
    return fail(error, AR_FHIR_ERROR_VALUE, "%s.%s: \"%s\" is not one of %s", path, name, *out,
                list);
  }
  return TRUE;
}

static gboolean
opt_instant(JsonObject *o, const char *path, const char *name, gint64 *us, GError **error)
{
  const char *text;
  *us = 0;
  if (!opt_string(o, path, name, &text, error))
    return FALSE;
  if (text && !ar_fhir_parse_instant(text, us))
    return fail(error, AR_FHIR_ERROR_VALUE,
                "%s.%s: \"%s\" is not an instant (e.g. 2026-11-23T10:00:00Z, zone required)", path,
                name, text);
  return TRUE;
}

static gboolean
opt_id(JsonObject *o, const char *path, char **out, GError **error)
{
  const char *id;
  if (!opt_string(o, path, "id", &id, error))
    return FALSE;
  if (id) {
    *out = ar_fhir_reference_id(id, path);
    if (!*out || strchr(id, '/'))
      return fail(error, AR_FHIR_ERROR_VALUE, "%s.id: \"%s\" is not a valid id", path, id);
  }
  return TRUE;
}

/* The code of the first coding with system in a CodeableConcept (or array of them). */
static const char *
concept_code(JsonNode *n, const char *system)
{
  if (!n)
    return NULL;
  if (JSON_NODE_HOLDS_ARRAY(n)) {
    JsonArray *a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
      const char *c = concept_code(json_array_get_element(a, i), system);
      if (c)
        return c;
    }
    return NULL;
  }
  if (!JSON_NODE_HOLDS_OBJECT(n))
    return NULL;
  JsonNode *codings = json_object_get_member(json_node_get_object(n), "coding");
  if (!codings || !JSON_NODE_HOLDS_ARRAY(codings))
    return NULL;
  JsonArray *a = json_node_get_array(codings);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *c = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_OBJECT(c))
      continue;
    JsonObject *co = json_node_get_object(c);
    if (g_strcmp0(json_object_get_string_member_with_default(co, "system", ""), system) == 0)
      return json_object_get_string_member_with_default(co, "code", NULL);
  }
  return NULL;
}

static gboolean
modality_ok(const char *m, const char *path, GError **error)
{
  if (m && !g_str_equal(m, "video") && !g_str_equal(m, "in-person"))
    return fail(error, AR_FHIR_ERROR_VALUE,
                "%s.serviceType: modality \"%s\" is neither video"
                " nor in-person",
                path, m);
  return TRUE;
}

gboolean
ar_fhir_parse_slot(JsonNode *node, ArFhirSlot *out, GError **error)
{
  memset(out, 0, sizeof *out);
  JsonObject *o = resource(node, "Slot", error);
  const char *status;
  if (!o || !opt_id(o, "Slot", &out->id, error) ||
      !req_code(o, "Slot", "status", slot_statuses, &status, error))
    goto bad;
  out->status = g_strdup(status);
  JsonNode *sched = json_object_get_member(o, "schedule");
  if (!sched) {
    fail(error, AR_FHIR_ERROR_REQUIRED, "Slot.schedule: required (1..1)");
    goto bad;
  }
  const char *ref = NULL;
  if (!JSON_NODE_HOLDS_OBJECT(sched) ||
      !opt_string(json_node_get_object(sched), "Slot.schedule", "reference", &ref, error) || !ref ||
      !(out->schedule_id = ar_fhir_reference_id(ref, "Schedule"))) {
    g_clear_error(error);
    fail(error, AR_FHIR_ERROR_VALUE, "Slot.schedule.reference: must be \"Schedule/<id>\"");
    goto bad;
  }
  if (!opt_instant(o, "Slot", "start", &out->start_us, error) ||
      !opt_instant(o, "Slot", "end", &out->end_us, error))
    goto bad;
  if (!json_object_has_member(o, "start") || !json_object_has_member(o, "end")) {
    fail(error, AR_FHIR_ERROR_REQUIRED, "Slot.%s: required (1..1)",
         json_object_has_member(o, "start") ? "end" : "start");
    goto bad;
  }
  if (out->end_us <= out->start_us) {
    fail(error, AR_FHIR_ERROR_INVARIANT, "Slot.end: must be after Slot.start");
    goto bad;
  }
  const char *m = concept_code(json_object_get_member(o, "serviceType"), MODALITY_SYSTEM);
  if (!modality_ok(m, "Slot", error))
    goto bad;
  out->modality = g_strdup(m ? m : "video");
  const char *vt = concept_code(json_object_get_member(o, "appointmentType"), VISIT_TYPE_SYSTEM);
  out->visit_type = g_strdup(vt ? vt : "general");
  return TRUE;
bad:
  ar_fhir_slot_clear(out);
  return FALSE;
}

static const char *
participant_kind(JsonObject *p, const char *actor_ref, char **actor_id)
{
  JsonNode *type = json_object_get_member(p, "type");
  const char *code = concept_code(type, PARTICIPATION_SYSTEM);
  if ((*actor_id = ar_fhir_reference_id(actor_ref, "Patient")))
    return "patient";
  if ((*actor_id = ar_fhir_reference_id(actor_ref, "RelatedPerson")))
    return "caregiver";
  if ((*actor_id = ar_fhir_reference_id(actor_ref, "Practitioner")))
    return code && g_str_equal(code, "translator") ? "translator" : "practitioner";
  return NULL;
}

static gboolean
parse_participants(JsonObject *o, ArFhirAppointment *out, GError **error)
{
  JsonNode *list = json_object_get_member(o, "participant");
  if (!list || !JSON_NODE_HOLDS_ARRAY(list) ||
      json_array_get_length(json_node_get_array(list)) == 0)
    return fail(error, AR_FHIR_ERROR_REQUIRED, "Appointment.participant: required (1..*)");
  out->participants = g_array_new(FALSE, TRUE, sizeof(ArFhirParticipant));
  g_array_set_clear_func(out->participants, participant_clear);
  JsonArray *a = json_node_get_array(list);
  gboolean has_patient = FALSE;
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *n = json_array_get_element(a, i);
    g_autofree char *path = g_strdup_printf("Appointment.participant[%u]", i);
    if (!JSON_NODE_HOLDS_OBJECT(n))
      return fail(error, AR_FHIR_ERROR_STRUCTURE, "%s: must be an object", path);
    JsonObject *p = json_node_get_object(n);
    const char *status, *ref = NULL;
    if (!req_code(p, path, "status", participant_statuses, &status, error))
      return FALSE;
    JsonNode *actor = json_object_get_member(p, "actor");
    if (actor && JSON_NODE_HOLDS_OBJECT(actor) &&
        !opt_string(json_node_get_object(actor), path, "actor.reference", &ref, error))
      return FALSE;
    if (actor && JSON_NODE_HOLDS_OBJECT(actor))
      ref = json_object_get_string_member_with_default(json_node_get_object(actor), "reference",
                                                       NULL);
    /* app-1: either the type or the actor is given; anteroom needs to know who it is. */
    ArFhirParticipant x = {0};
    const char *kind = participant_kind(p, ref, &x.actor_id);
    if (!kind)
      return fail(error, AR_FHIR_ERROR_VALUE,
                  "%s.actor.reference: must be Patient/<id>, Practitioner/<id> or "
                  "RelatedPerson/<id>",
                  path);
    x.kind = g_strdup(kind);
    x.status = g_strdup(status);
    has_patient |= g_str_equal(kind, "patient");
    g_array_append_val(out->participants, x);
  }
  if (!has_patient)
    return fail(error, AR_FHIR_ERROR_REQUIRED,
                "Appointment.participant: one participant must be the Patient");
  return TRUE;
}

gboolean
ar_fhir_parse_appointment(JsonNode *node, ArFhirAppointment *out, GError **error)
{
  memset(out, 0, sizeof *out);
  JsonObject *o = resource(node, "Appointment", error);
  const char *status;
  if (!o || !opt_id(o, "Appointment", &out->id, error) ||
      !req_code(o, "Appointment", "status", appointment_statuses, &status, error))
    goto bad;
  out->status = g_strdup(status);
  if (!opt_instant(o, "Appointment", "start", &out->start_us, error) ||
      !opt_instant(o, "Appointment", "end", &out->end_us, error) ||
      !opt_instant(o, "Appointment", "created", &out->created_us, error))
    goto bad;
  gboolean has_start = json_object_has_member(o, "start"),
           has_end = json_object_has_member(o, "end");
  if (has_start != has_end) {
    fail(error, AR_FHIR_ERROR_INVARIANT,
         "Appointment: app-2: either start and end are specified,"
         " or neither");
    goto bad;
  }
  if (!has_start && !g_str_equal(status, "proposed") && !g_str_equal(status, "cancelled") &&
      !g_str_equal(status, "waitlist")) {
    fail(error, AR_FHIR_ERROR_INVARIANT,
         "Appointment: app-3: only proposed, cancelled or waitlist appointments can be missing"
         " start/end (status is %s)",
         status);
    goto bad;
  }
  if (has_start && out->end_us <= out->start_us) {
    fail(error, AR_FHIR_ERROR_INVARIANT, "Appointment.end: must be after Appointment.start");
    goto bad;
  }
  JsonNode *slots = json_object_get_member(o, "slot");
  if (slots) {
    JsonArray *a = JSON_NODE_HOLDS_ARRAY(slots) ? json_node_get_array(slots) : NULL;
    JsonNode *first = a && json_array_get_length(a) == 1 ? json_array_get_element(a, 0) : NULL;
    const char *ref = first && JSON_NODE_HOLDS_OBJECT(first)
                          ? json_object_get_string_member_with_default(json_node_get_object(first),
                                                                       "reference", NULL)
                          : NULL;
    if (!ref || !(out->slot_id = ar_fhir_reference_id(ref, "Slot"))) {
      fail(error, AR_FHIR_ERROR_VALUE,
           "Appointment.slot: must be one reference \"Slot/<id>\" (anteroom books one slot)");
      goto bad;
    }
  }
  const char *m = concept_code(json_object_get_member(o, "serviceType"), MODALITY_SYSTEM);
  if (!modality_ok(m, "Appointment", error))
    goto bad;
  out->modality = g_strdup(m ? m : "video");
  JsonNode *type = json_object_get_member(o, "appointmentType");
  const char *vt = concept_code(type, VISIT_TYPE_SYSTEM);
  out->visit_type = g_strdup(vt ? vt : "general");
  out->walk_in = g_strcmp0(concept_code(type, APPOINTMENT_REASON_SYSTEM), "WALKIN") == 0;
  if (!parse_participants(o, out, error))
    goto bad;
  return TRUE;
bad:
  ar_fhir_appointment_clear(out);
  return FALSE;
}

/* ---- building ---------------------------------------------------------------------------- */

static void
member_str(JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, value);
}

static void
member_instant(JsonBuilder *b, const char *name, gint64 us)
{
  g_autofree char *t = ar_fhir_format_instant(us);
  member_str(b, name, t);
}

static void
reference(JsonBuilder *b, const char *name, const char *type, const char *id)
{
  g_autofree char *fid = ar_fhir_id_from_store(id);
  g_autofree char *ref = g_strdup_printf("%s/%s", type, fid);
  json_builder_set_member_name(b, name);
  json_builder_begin_object(b);
  member_str(b, "reference", ref);
  json_builder_end_object(b);
}

static void
coding(JsonBuilder *b, const char *system, const char *code)
{
  json_builder_begin_object(b);
  member_str(b, "system", system);
  member_str(b, "code", code);
  json_builder_end_object(b);
}

static void concept(JsonBuilder *b, const char *name, gboolean array, const char *system,
                    const char *code)
{
  json_builder_set_member_name(b, name);
  if (array)
    json_builder_begin_array(b);
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "coding");
  json_builder_begin_array(b);
  coding(b, system, code);
  json_builder_end_array(b);
  json_builder_end_object(b);
  if (array)
    json_builder_end_array(b);
}

/* The visit type in anteroom's own system; a walk-in also says so in HL7's appointment-reason
 * codes, which is where other FHIR clients look for it. */
static void
appointment_type(JsonBuilder *b, const char *visit_type, gboolean walk_in)
{
  json_builder_set_member_name(b, "appointmentType");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "coding");
  json_builder_begin_array(b);
  coding(b, VISIT_TYPE_SYSTEM, visit_type);
  if (walk_in)
    coding(b, APPOINTMENT_REASON_SYSTEM, "WALKIN");
  json_builder_end_array(b);
  json_builder_end_object(b);
}

static JsonNode *
finish(JsonBuilder *b)
{
  json_builder_end_object(b);
  JsonNode *n = json_builder_get_root(b);
  g_object_unref(b);
  return n;
}

static JsonBuilder *
begin(const char *type, const char *id)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  member_str(b, "resourceType", type);
  if (id) {
    g_autofree char *fid = ar_fhir_id_from_store(id);
    member_str(b, "id", fid);
  }
  return b;
}

JsonNode *
ar_fhir_slot_to_json(const ArFhirSlot *s)
{
  JsonBuilder *b = begin("Slot", s->id);
  concept(b, "serviceType", TRUE, MODALITY_SYSTEM, s->modality ? s->modality : "video");
  concept(b, "appointmentType", FALSE, VISIT_TYPE_SYSTEM,
          s->visit_type ? s->visit_type : "general");
  reference(b, "schedule", "Schedule", s->schedule_id);
  member_str(b, "status", s->status);
  member_instant(b, "start", s->start_us);
  member_instant(b, "end", s->end_us);
  return finish(b);
}

JsonNode *
ar_fhir_appointment_to_json(const ArFhirAppointment *a)
{
  JsonBuilder *b = begin("Appointment", a->id);
  member_str(b, "status", a->status);
  concept(b, "serviceType", TRUE, MODALITY_SYSTEM, a->modality ? a->modality : "video");
  appointment_type(b, a->visit_type ? a->visit_type : "general", a->walk_in);
  if (a->start_us) {
    member_instant(b, "start", a->start_us);
    member_instant(b, "end", a->end_us);
  }
  if (a->slot_id) {
    json_builder_set_member_name(b, "slot");
    json_builder_begin_array(b);
    g_autofree char *fid = ar_fhir_id_from_store(a->slot_id);
    g_autofree char *ref = g_strdup_printf("Slot/%s", fid);
    json_builder_begin_object(b);
    member_str(b, "reference", ref);
    json_builder_end_object(b);
    json_builder_end_array(b);
  }
  if (a->created_us)
    member_instant(b, "created", a->created_us);
  json_builder_set_member_name(b, "participant");
  json_builder_begin_array(b);
  for (guint i = 0; a->participants && i < a->participants->len; i++) {
    const ArFhirParticipant *p = &g_array_index(a->participants, ArFhirParticipant, i);
    json_builder_begin_object(b);
    if (g_str_equal(p->kind, "translator"))
    concept(b, "type", TRUE, PARTICIPATION_SYSTEM, "translator");
    const char *type = g_str_equal(p->kind, "patient")     ? "Patient"
                       : g_str_equal(p->kind, "caregiver") ? "RelatedPerson"
                                                           : "Practitioner";
    reference(b, "actor", type, p->actor_id);
    member_str(b, "status", p->status ? p->status : "accepted");
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  return finish(b);
}

JsonNode *
ar_fhir_practitioner_to_json(const char *id, const char *name, gboolean active, const char *role)
{
  JsonBuilder *b = begin("Practitioner", id);
  json_builder_set_member_name(b, "active");
  json_builder_add_boolean_value(b, active);
  json_builder_set_member_name(b, "name");
  json_builder_begin_array(b);
  json_builder_begin_object(b);
  member_str(b, "text", name);
  json_builder_end_object(b);
  json_builder_end_array(b);
  (void)role;
  return finish(b);
}

JsonNode *
ar_fhir_schedule_to_json(const char *id, const char *practitioner_id, gboolean active)
{
  JsonBuilder *b = begin("Schedule", id);
  json_builder_set_member_name(b, "active");
  json_builder_add_boolean_value(b, active);
  json_builder_set_member_name(b, "actor");
  json_builder_begin_array(b);
  g_autofree char *fid = ar_fhir_id_from_store(practitioner_id);
  g_autofree char *ref = g_strdup_printf("Practitioner/%s", fid);
  json_builder_begin_object(b);
  member_str(b, "reference", ref);
  json_builder_end_object(b);
  json_builder_end_array(b);
  return finish(b);
}

JsonNode *
ar_fhir_searchset(GPtrArray *resources, const char *base_url)
{
  JsonBuilder *b = begin("Bundle", NULL);
  member_str(b, "type", "searchset");
  json_builder_set_member_name(b, "total");
  json_builder_add_int_value(b, resources->len);
  json_builder_set_member_name(b, "entry");
  json_builder_begin_array(b);
  for (guint i = 0; i < resources->len; i++) {
    JsonNode *r = resources->pdata[i];
    JsonObject *o = json_node_get_object(r);
    g_autofree char *full =
        g_strdup_printf("%s/fhir/%s/%s", base_url, json_object_get_string_member(o, "resourceType"),
                        json_object_get_string_member(o, "id"));
    json_builder_begin_object(b);
    member_str(b, "fullUrl", full);
    json_builder_set_member_name(b, "resource");
    json_builder_add_value(b, r);
    json_builder_set_member_name(b, "search");
    json_builder_begin_object(b);
    member_str(b, "mode", "match");
    json_builder_end_object(b);
    json_builder_end_object(b);
  }
  g_ptr_array_set_free_func(resources, NULL);
  g_ptr_array_set_size(resources, 0);
  json_builder_end_array(b);
  return finish(b);
}

static const char *
issue_code(const GError *e)
{
  static const char *const codes[] = {
      [AR_FHIR_ERROR_STRUCTURE] = "structure",
      [AR_FHIR_ERROR_REQUIRED] = "required",
      [AR_FHIR_ERROR_VALUE] = "value",
      [AR_FHIR_ERROR_INVARIANT] = "invariant",
      [AR_FHIR_ERROR_NOT_FOUND] = "not-found",
      [AR_FHIR_ERROR_CONFLICT] = "conflict",
      [AR_FHIR_ERROR_NOT_SUPPORTED] = "not-supported",
      [AR_FHIR_ERROR_FORBIDDEN] = "security",
      [AR_FHIR_ERROR_PROCESSING] = "processing",
  };
  if (e->domain == AR_FHIR_ERROR && (guint)e->code < G_N_ELEMENTS(codes))
    return codes[e->code];
  return "processing";
}

int
ar_fhir_http_status(const GError *e)
{
  if (e->domain != AR_FHIR_ERROR)
    return 500;
  switch (e->code) {
  case AR_FHIR_ERROR_NOT_FOUND:
    return 404;
  case AR_FHIR_ERROR_CONFLICT:
    return 409;
  case AR_FHIR_ERROR_FORBIDDEN:
    return 401;
  case AR_FHIR_ERROR_NOT_SUPPORTED:
    return 400;
  case AR_FHIR_ERROR_PROCESSING:
    return 500;
  case AR_FHIR_ERROR_STRUCTURE:
    return 400;
  default:
    return 422; /* well-formed, but breaks a rule of the resource */
  }
}

JsonNode *
ar_fhir_outcome(const GError *error, const char *expression)
{
  JsonBuilder *b = begin("OperationOutcome", NULL);
  json_builder_set_member_name(b, "issue");
  json_builder_begin_array(b);
  json_builder_begin_object(b);
  member_str(b, "severity", "error");
  member_str(b, "code", issue_code(error));
  member_str(b, "diagnostics", error->message);
  if (expression) {
    json_builder_set_member_name(b, "expression");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, expression);
    json_builder_end_array(b);
  }
  json_builder_end_object(b);
  json_builder_end_array(b);
  return finish(b);
}

char *
ar_fhir_to_string(JsonNode *node)
{
  char *s = json_to_string(node, FALSE);
  json_node_unref(node);
  return s;
}
