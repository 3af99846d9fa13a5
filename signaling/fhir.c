/* FHIR R4 REST under /fhir: read and search Slot, Appointment, Practitioner and Schedule;
 * create (POST) and update (PUT) Slot and Appointment; a transaction Bundle (POST /fhir) is
 * applied whole or not at all. Every error is an OperationOutcome naming the problem. Writes
 * run in one SQLite transaction; the offer engine hears about opened and booked slots after
 * the commit. Staff only (the scheduling bearer token). */
#include "audit.h"
#include "fhir_private.h"
#include "waiting_room.h"

#include <string.h>

#define SEC_US G_USEC_PER_SEC
#define FHIR_JSON "application/fhir+json"
#define MAX_RESULTS 500

gboolean
ar_fhir_fail(GError **error, ArFhirError code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, AR_FHIR_ERROR, code, msg);
  return FALSE;
}

void
ar_fhir_reply(ArHttpResponse *resp, int status, JsonNode *node)
{
  char *text = ar_fhir_to_string(node);
  ar_http_response_take(resp, status, FHIR_JSON, g_bytes_new_take(text, strlen(text)));
  ar_http_response_header(resp, "Cache-Control", "no-store");
}

void
ar_fhir_reply_error(ArHttpResponse *resp, const GError *error)
{
  ar_fhir_reply(resp, ar_fhir_http_status(error), ar_fhir_outcome(error, NULL));
}

void
ar_fhir_after_clear(gpointer p)
{
  g_free(((ArFhirAfter *)p)->slot_id);
}

static void
after(ArFhirTx *tx, ArFhirAfterKind kind, const char *slot_id, ArOfferReason reason)
{
  ArFhirAfter a = {kind, g_strdup(slot_id), reason};
  g_array_append_val(tx->after, a);
}

void
ar_fhir_run_after(ArFhirTx *tx)
{
  gint64 now_us = g_get_real_time();
  for (guint i = 0; i < tx->after->len; i++) {
    ArFhirAfter *a = &g_array_index(tx->after, ArFhirAfter, i);
    g_autoptr(GError) error = NULL;
    if (a->kind == AR_FHIR_AFTER_CLOSE) {
      ar_offer_engine_close_slot(tx->s->engine, ar_sched_num(tx->s, "slot", a->slot_id), now_us);
      ar_sched_drain(tx->s);
    } else if (a->kind == AR_FHIR_AFTER_OPEN) {
      ar_offer_engine_close_slot(tx->s->engine, ar_sched_num(tx->s, "slot", a->slot_id), now_us);
      ar_sched_open_in_engine(tx->s, a->slot_id, a->reason);
    } else if (!ar_scheduler_slot_opened(tx->s, a->slot_id, a->reason, &error)) {
      g_info("fhir: no-show slot %s not reoffered: %s", a->slot_id, error->message);
    }
  }
}

/* ---- loading ----------------------------------------------------------------------------- */

static sqlite3_stmt *
prep(ArScheduler *s, const char *sql, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(s->store, sql, NULL);
  if (!st)
    ar_fhir_fail(error, AR_FHIR_ERROR_PROCESSING, "the store failed: %s",
                 sqlite3_errmsg(ar_store_db(s->store)));
  return st;
}

static gboolean
load_slot(ArScheduler *s, const char *id, ArFhirSlot *out)
{
  memset(out, 0, sizeof *out);
  sqlite3_stmt *st = prep(s,
                          "SELECT schedule_id, status, start_ts, end_ts, modality, visit_type"
                          " FROM slot WHERE id = ?",
                          NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  gboolean found = sqlite3_step(st) == SQLITE_ROW;
  if (found) {
    out->id = g_strdup(id);
    out->schedule_id = g_strdup((const char *)sqlite3_column_text(st, 0));
    out->status = g_strdup((const char *)sqlite3_column_text(st, 1));
    out->start_us = sqlite3_column_int64(st, 2) * SEC_US;
    out->end_us = sqlite3_column_int64(st, 3) * SEC_US;
    out->modality = g_strdup((const char *)sqlite3_column_text(st, 4));
    out->visit_type = g_strdup((const char *)sqlite3_column_text(st, 5));
  }
  sqlite3_reset(st);
  return found;
}

static void
participant_clear(gpointer p)
{
  ArFhirParticipant *x = p;
  g_free(x->kind);
  g_free(x->actor_id);
  g_free(x->status);
}

static gboolean
load_appointment(ArScheduler *s, const char *id, ArFhirAppointment *out)
{
  memset(out, 0, sizeof *out);
  sqlite3_stmt *st = prep(s,
                          "SELECT status, start_ts, end_ts, created_at, slot_id, visit_type,"
                          " modality, appointment_type FROM appointment WHERE id = ?",
                          NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return FALSE;
  }
  out->id = g_strdup(id);
  out->status = g_strdup((const char *)sqlite3_column_text(st, 0));
  out->start_us = sqlite3_column_int64(st, 1) * SEC_US;
  out->end_us = sqlite3_column_int64(st, 2) * SEC_US;
  out->created_us = sqlite3_column_int64(st, 3) * SEC_US;
  out->slot_id = g_strdup((const char *)sqlite3_column_text(st, 4));
  out->visit_type = g_strdup((const char *)sqlite3_column_text(st, 5));
  out->modality = g_strdup((const char *)sqlite3_column_text(st, 6));
  out->walk_in = g_strcmp0((const char *)sqlite3_column_text(st, 7), AR_WAITING_WALK_IN_TYPE) == 0;
  sqlite3_reset(st);
  out->participants = g_array_new(FALSE, TRUE, sizeof(ArFhirParticipant));
  g_array_set_clear_func(out->participants, participant_clear);
  st = prep(s,
            "SELECT kind, actor_id FROM appointment_participant WHERE appointment_id = ?"
            " ORDER BY CASE kind WHEN 'patient' THEN 0 WHEN 'practitioner' THEN 1 ELSE 2 END,"
            " actor_id",
            NULL);
  if (!st)
    return TRUE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  while (sqlite3_step(st) == SQLITE_ROW) {
    ArFhirParticipant p = {g_strdup((const char *)sqlite3_column_text(st, 0)),
                           g_strdup((const char *)sqlite3_column_text(st, 1)),
                           g_strdup("accepted")};
    g_array_append_val(out->participants, p);
  }
  sqlite3_reset(st);
  return TRUE;
}

static JsonNode *
read_resource(ArScheduler *s, const char *type, const char *id, GError **error)
{
  if (g_str_equal(type, "Slot")) {
    g_auto(ArFhirSlot) slot = {0};
    if (load_slot(s, id, &slot))
      return ar_fhir_slot_to_json(&slot);
  } else if (g_str_equal(type, "Appointment")) {
    g_auto(ArFhirAppointment) a = {0};
    if (load_appointment(s, id, &a)) {
      /* An appointment is part of a patient's record: every read is audited. */
      ArAuditEvent ev = {"staff", "fhir.appointment.read", "appointment", id, "success", NULL};
      g_autoptr(GError) why = NULL;
      if (!ar_audit_append(s->store, g_get_real_time() / SEC_US, &ev, &why))
        g_warning("fhir: audit append failed: %s", why->message);
      return ar_fhir_appointment_to_json(&a);
    }
  } else if (g_str_equal(type, "Practitioner")) {
    sqlite3_stmt *st =
        prep(s, "SELECT display_name, active, role FROM practitioner WHERE id = ?", error);
    if (!st)
      return NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    JsonNode *n = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
      n = ar_fhir_practitioner_to_json(id, (const char *)sqlite3_column_text(st, 0),
                                       sqlite3_column_int(st, 1),
                                       (const char *)sqlite3_column_text(st, 2));
    sqlite3_reset(st);
    if (n)
      return n;
  } else if (g_str_equal(type, "Schedule")) {
    sqlite3_stmt *st = prep(s, "SELECT practitioner_id, active FROM schedule WHERE id = ?", error);
    if (!st)
      return NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    JsonNode *n = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
      n = ar_fhir_schedule_to_json(id, (const char *)sqlite3_column_text(st, 0),
                                   sqlite3_column_int(st, 1));
    sqlite3_reset(st);
    if (n)
      return n;
  } else {
    ar_fhir_fail(error, AR_FHIR_ERROR_NOT_SUPPORTED,
                 "resource type %s is not served here (Slot, Appointment, Practitioner, Schedule)",
                 type);
    return NULL;
  }
  g_autofree char *fid = ar_fhir_id_from_store(id);
  ar_fhir_fail(error, AR_FHIR_ERROR_NOT_FOUND, "%s/%s does not exist", type, fid);
  return NULL;
}

/* ---- search ------------------------------------------------------------------------------ */

typedef struct {
  GString *sql;
  GPtrArray *args; /* char*, bound as text in order; ints are compared via CAST */
} Query;

static void
where(Query *q, const char *clause, const char *arg)
{
  g_string_append_printf(q->sql, " AND %s", clause);
  if (arg)
    g_ptr_array_add(q->args, g_strdup(arg));
}

/* A date search value with an optional prefix: "ge2026-11-23", "lt2026-11-23T10:00:00Z". */
static gboolean
date_clause(Query *q, const char *column, const char *param, const char *value, GError **error)
{
  char prefix[3] = "eq";
  if (g_ascii_isalpha(value[0]) && g_ascii_isalpha(value[1])) {
    memcpy(prefix, value, 2);
    value += 2;
  }
  gint64 lo, hi;
  if (strlen(value) == 10) {
    g_autofree char *midnight = g_strconcat(value, "T00:00:00Z", NULL);
    if (!ar_fhir_parse_instant(midnight, &lo))
      return ar_fhir_fail(error, AR_FHIR_ERROR_VALUE, "%s: \"%s\" is not a date", param, value);
    hi = lo + (gint64)86400 * SEC_US;
  } else {
    if (!ar_fhir_parse_instant(value, &lo))
      return ar_fhir_fail(error, AR_FHIR_ERROR_VALUE,
                          "%s: \"%s\" is not a date or instant with a zone", param, value);
    hi = lo + SEC_US;
  }
  g_autofree char *l = g_strdup_printf("%" G_GINT64_FORMAT, lo / SEC_US);
  g_autofree char *h = g_strdup_printf("%" G_GINT64_FORMAT, hi / SEC_US);
  g_autofree char *ge = g_strdup_printf("%s >= CAST(? AS INTEGER)", column);
  g_autofree char *lt = g_strdup_printf("%s < CAST(? AS INTEGER)", column);
  if (g_str_equal(prefix, "eq")) {
    where(q, ge, l);
    where(q, lt, h);
  } else if (g_str_equal(prefix, "ge")) {
    where(q, ge, l);
  } else if (g_str_equal(prefix, "gt")) {
    where(q, ge, h);
  } else if (g_str_equal(prefix, "lt")) {
    where(q, lt, l);
  } else if (g_str_equal(prefix, "le")) {
    where(q, lt, h);
  } else {
    return ar_fhir_fail(error, AR_FHIR_ERROR_NOT_SUPPORTED,
                        "%s: prefix \"%s\" is not supported (eq, ge, gt, le, lt)", param, prefix);
  }
  return TRUE;
}

static gboolean
ref_clause(Query *q, const char *clause, const char *param, const char *value, const char *type,
           GError **error)
{
  g_autofree char *id = ar_fhir_reference_id(value, type);
  if (!id)
    return ar_fhir_fail(error, AR_FHIR_ERROR_VALUE, "%s: \"%s\" is not a %s reference", param,
                        value, type);
  where(q, clause, id);
  return TRUE;
}

static gboolean
search_param(Query *q, const char *type, const char *name, const char *value, GError **error)
{
  gboolean slot = g_str_equal(type, "Slot"), appt = g_str_equal(type, "Appointment");
  if (g_str_equal(name, "_count") || g_str_equal(name, "_format"))
    return TRUE;
  if (g_str_equal(name, "_id")) {
    g_autofree char *id = ar_fhir_id_to_store(value);
    where(q, "t.id = ?", id);
    return TRUE;
  }
  if ((slot || appt) && g_str_equal(name, "status")) {
    where(q, "t.status = ?", value);
    return TRUE;
  }
  if (slot && g_str_equal(name, "start"))
    return date_clause(q, "t.start_ts", name, value, error);
  if (appt && g_str_equal(name, "date"))
    return date_clause(q, "t.start_ts", name, value, error);
  if (slot && g_str_equal(name, "schedule"))
    return ref_clause(q, "t.schedule_id = ?", name, value, "Schedule", error);
  if (slot && (g_str_equal(name, "practitioner") || g_str_equal(name, "schedule.actor")))
    return ref_clause(q, "t.schedule_id IN (SELECT id FROM schedule WHERE practitioner_id = ?)",
                      name, value, "Practitioner", error);
  if (appt && (g_str_equal(name, "practitioner") || g_str_equal(name, "actor")))
    return ref_clause(q, "t.practitioner_id = ?", name, value, "Practitioner", error);
  if (appt && g_str_equal(name, "patient"))
    return ref_clause(q, "t.patient_id = ?", name, value, "Patient", error);
  if (appt && g_str_equal(name, "slot"))
    return ref_clause(q, "t.slot_id = ?", name, value, "Slot", error);
  if (g_str_equal(type, "Schedule") && g_str_equal(name, "actor"))
    return ref_clause(q, "t.practitioner_id = ?", name, value, "Practitioner", error);
  if (g_str_equal(type, "Practitioner") && g_str_equal(name, "active")) {
    where(q, "t.active = CAST(? AS INTEGER)", g_str_equal(value, "true") ? "1" : "0");
    return TRUE;
  }
  return ar_fhir_fail(error, AR_FHIR_ERROR_NOT_SUPPORTED,
                      "search parameter \"%s\" is not supported for %s (see docs/api.md)", name,
                      type);
}

static void
search(ArScheduler *s, const char *type, const ArHttpRequest *req, ArHttpResponse *resp)
{
  static const struct {
    const char *type, *table, *order;
  } tables[] = {{"Slot", "slot", "t.start_ts, t.id"},
                {"Appointment", "appointment", "t.start_ts, t.id"},
                {"Practitioner", "practitioner", "t.id"},
                {"Schedule", "schedule", "t.id"}};
  g_autoptr(GError) error = NULL;
  const char *table = NULL, *order = NULL;
  for (guint i = 0; i < G_N_ELEMENTS(tables); i++)
    if (g_str_equal(type, tables[i].type)) {
      table = tables[i].table;
      order = tables[i].order;
    }
  if (!table) {
    ar_fhir_fail(&error, AR_FHIR_ERROR_NOT_SUPPORTED, "resource type %s is not served here", type);
    ar_fhir_reply_error(resp, error);
    return;
  }
  Query q = {g_string_new(NULL), g_ptr_array_new_with_free_func(g_free)};
  g_string_printf(q.sql, "SELECT t.id FROM %s t WHERE 1", table);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, req->query);
  gboolean ok = TRUE;
  while (ok && g_hash_table_iter_next(&it, &k, &v))
    ok = search_param(&q, type, k, v, &error);
  const char *count = ar_http_query(req, "_count");
  gint64 limit = count ? g_ascii_strtoll(count, NULL, 10) : MAX_RESULTS;
  g_string_append_printf(q.sql, " ORDER BY %s LIMIT %" G_GINT64_FORMAT, order,
                         CLAMP(limit, 0, MAX_RESULTS));
  sqlite3_stmt *st = ok ? prep(s, q.sql->str, &error) : NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  if (st) {
    for (guint i = 0; i < q.args->len; i++)
      sqlite3_bind_text(st, (int)i + 1, q.args->pdata[i], -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW)
      g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 0)));
    sqlite3_reset(st);
  }
  g_string_free(q.sql, TRUE);
  g_ptr_array_unref(q.args);
  if (!st) {
    g_ptr_array_unref(ids);
    ar_fhir_reply_error(resp, error);
    return;
  }
  GPtrArray *found = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
  for (guint i = 0; i < ids->len; i++) {
    JsonNode *n = read_resource(s, type, ids->pdata[i], NULL);
    if (n)
      g_ptr_array_add(found, n);
  }
  g_ptr_array_unref(ids);
  ar_fhir_reply(resp, 200, ar_fhir_searchset(found, s->public_url));
  g_ptr_array_unref(found);
}

/* ---- writes ------------------------------------------------------------------------------ */

static gboolean
exec_text(ArScheduler *s, GError **error, const char *sql, const char *a, const char *b)
{
  sqlite3_stmt *st = prep(s, sql, error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
  if (b)
    sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
  if (!ar_store_step_done(s->store, st, NULL))
    return ar_fhir_fail(error, AR_FHIR_ERROR_PROCESSING, "the store failed: %s",
                        sqlite3_errmsg(ar_store_db(s->store)));
  return TRUE;
}

static char *
first_text(ArScheduler *s, const char *sql, const char *a, const char *b)
{
  sqlite3_stmt *st = prep(s, sql, NULL);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
  if (b)
    sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
  char *v = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)
                ? g_strdup((const char *)sqlite3_column_text(st, 0))
                : NULL;
  sqlite3_reset(st);
  return v;
}

static gboolean
is_live(const char *status)
{
  static const char *const live[] = {"proposed",   "pending",   "booked", "arrived",
                                     "checked-in", "fulfilled", NULL};
  return g_strv_contains(live, status);
}

/* Creates (id NULL or unknown) or updates a Slot; *created tells which. */
static char *
write_slot(ArFhirTx *tx, ArFhirSlot *in, const char *id, gboolean *created, GError **error)
{
  ArScheduler *s = tx->s;
  g_autofree char *sched =
      first_text(s, "SELECT id FROM schedule WHERE id = ?", in->schedule_id, NULL);
  if (!sched) {
    ar_fhir_fail(error, AR_FHIR_ERROR_NOT_FOUND, "Slot.schedule: Schedule/%s does not exist",
                 in->schedule_id);
    return NULL;
  }
  g_auto(ArFhirSlot) old = {0};
  *created = !id || !load_slot(s, id, &old);
  g_autofree char *new_id = id ? g_strdup(id) : ar_store_new_id("slot");
  g_autofree char *holder = first_text(
      s, "SELECT id FROM appointment WHERE slot_id = ? AND status IN " AR_SCHED_LIVE_STATUSES,
      new_id, NULL);
  if (holder && (g_str_equal(in->status, "free") || in->start_us != old.start_us ||
                 in->end_us != old.end_us)) {
    ar_fhir_fail(error, AR_FHIR_ERROR_CONFLICT,
                 "Slot/%s is held by Appointment/%s: cancel the appointment first", new_id, holder);
    return NULL;
  }
  if (!g_str_equal(in->status, "entered-in-error")) {
    sqlite3_stmt *st =
        prep(s,
             "SELECT id, start_ts, end_ts FROM slot WHERE schedule_id = ? AND id != ?"
             " AND status != 'entered-in-error' AND start_ts < ? AND end_ts > ?"
             " LIMIT 1",
             error);
    if (!st)
      return NULL;
    sqlite3_bind_text(st, 1, in->schedule_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, new_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, in->end_us / SEC_US);
    sqlite3_bind_int64(st, 4, in->start_us / SEC_US);
    if (sqlite3_step(st) == SQLITE_ROW) {
      g_autofree char *other = ar_fhir_id_from_store((const char *)sqlite3_column_text(st, 0));
      g_autofree char *a = ar_fhir_format_instant(sqlite3_column_int64(st, 1) * SEC_US);
      g_autofree char *b = ar_fhir_format_instant(sqlite3_column_int64(st, 2) * SEC_US);
      sqlite3_reset(st);
      ar_fhir_fail(error, AR_FHIR_ERROR_CONFLICT,
                   "Slot: overlaps Slot/%s (%s to %s) in its Schedule", other, a, b);
      return NULL;
    }
    sqlite3_reset(st);
  }
  sqlite3_stmt *st = prep(s,
                          *created ? "INSERT INTO slot (schedule_id, status, start_ts, end_ts,"
                                     " modality, visit_type, source, opened_reason, id)"
                                     " VALUES (?, ?, ?, ?, ?, ?, 'fhir', 'published', ?)"
                                   : "UPDATE slot SET schedule_id = ?, status = ?, start_ts = ?,"
                                     " end_ts = ?, modality = ?, visit_type = ? WHERE id = ?",
                          error);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, in->schedule_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, in->status, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, in->start_us / SEC_US);
  sqlite3_bind_int64(st, 4, in->end_us / SEC_US);
  sqlite3_bind_text(st, 5, in->modality, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, in->visit_type, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, new_id, -1, SQLITE_STATIC);
  if (!ar_store_step_done(s->store, st, NULL)) {
    ar_fhir_fail(error, AR_FHIR_ERROR_PROCESSING, "the store refused the Slot: %s",
                 sqlite3_errmsg(ar_store_db(s->store)));
    return NULL;
  }
  if (g_str_equal(in->status, "free") && in->start_us > tx->now * SEC_US)
    after(tx, AR_FHIR_AFTER_OPEN, new_id, AR_OFFER_REASON_PUBLISHED);
  else if (!*created)
    after(tx, AR_FHIR_AFTER_CLOSE, new_id, 0);
  return g_steal_pointer(&new_id);
}

static gboolean
check_actors(ArScheduler *s, const ArFhirAppointment *in, char **practitioner, GError **error)
{
  for (guint i = 0; i < in->participants->len; i++) {
    const ArFhirParticipant *p = &g_array_index(in->participants, ArFhirParticipant, i);
    gboolean patient = g_str_equal(p->kind, "patient");
    if (g_str_equal(p->kind, "caregiver"))
      continue; /* RelatedPerson: an invitee, not a record here */
    g_autofree char *found = first_text(s,
                                        patient ? "SELECT id FROM patient WHERE id = ?"
                                                : "SELECT id FROM practitioner WHERE id = ?",
                                        p->actor_id, NULL);
    if (!found)
      return ar_fhir_fail(error, AR_FHIR_ERROR_NOT_FOUND,
                          "Appointment.participant[%u].actor: %s/%s does not exist", i,
                          patient ? "Patient" : "Practitioner", p->actor_id);
    if (g_str_equal(p->kind, "practitioner") && !*practitioner)
      *practitioner = g_strdup(p->actor_id);
  }
  return TRUE;
}

static const char *
patient_of(const ArFhirAppointment *in)
{
  for (guint i = 0; i < in->participants->len; i++) {
    const ArFhirParticipant *p = &g_array_index(in->participants, ArFhirParticipant, i);
    if (g_str_equal(p->kind, "patient"))
      return p->actor_id;
  }
  return NULL;
}

static char *
write_appointment(ArFhirTx *tx, ArFhirAppointment *in, const char *id, gboolean *created,
                  GError **error)
{
  ArScheduler *s = tx->s;
  g_autofree char *practitioner = NULL;
  if (!check_actors(s, in, &practitioner, error))
    return NULL;
  g_auto(ArFhirAppointment) old = {0};
  *created = !id || !load_appointment(s, id, &old);
  g_autofree char *new_id = id ? g_strdup(id) : ar_store_new_id("apt");
  if (in->slot_id) {
    g_auto(ArFhirSlot) slot = {0};
    if (!load_slot(s, in->slot_id, &slot)) {
      ar_fhir_fail(error, AR_FHIR_ERROR_NOT_FOUND, "Appointment.slot: Slot/%s does not exist",
                   in->slot_id);
      return NULL;
    }
    g_autofree char *sp =
        first_text(s, "SELECT practitioner_id FROM schedule WHERE id = ?", slot.schedule_id, NULL);
    if (!practitioner)
      practitioner = g_strdup(sp);
    if (!in->start_us) {
      in->start_us = slot.start_us;
      in->end_us = slot.end_us;
    }
    if (in->start_us != slot.start_us || in->end_us != slot.end_us) {
      ar_fhir_fail(error, AR_FHIR_ERROR_INVARIANT,
                   "Appointment.start/end: must match Slot/%s (the booked slot's times)",
                   in->slot_id);
      return NULL;
    }
    g_autofree char *holder = first_text(s,
                                         "SELECT id FROM appointment WHERE slot_id = ? AND id != ? "
                                         "AND status IN " AR_SCHED_LIVE_STATUSES,
                                         in->slot_id, new_id);
    gboolean mine = old.slot_id && g_str_equal(old.slot_id, in->slot_id);
    g_autofree char *fslot = ar_fhir_id_from_store(in->slot_id);
    g_autofree char *fholder = holder ? ar_fhir_id_from_store(holder) : NULL;
    if (is_live(in->status) && (holder || (!mine && !g_str_equal(slot.status, "free")))) {
      ar_fhir_fail(error, AR_FHIR_ERROR_CONFLICT, "Appointment.slot: Slot/%s is already %s%s%s",
                   fslot, fholder ? "booked by Appointment/" : slot.status, fholder ? fholder : "",
                   "");
      return NULL;
    }
  }
  if (!practitioner) {
    ar_fhir_fail(error, AR_FHIR_ERROR_REQUIRED,
                 "Appointment.participant: a Practitioner participant (or a slot) is required");
    return NULL;
  }
  if (!in->start_us) {
    ar_fhir_fail(error, AR_FHIR_ERROR_NOT_SUPPORTED,
                 "Appointment.start/end: required by this server (no open-ended requests)");
    return NULL;
  }
  sqlite3_stmt *st = prep(
      s,
      *created
          ? "INSERT INTO appointment (patient_id, practitioner_id, slot_id, status, visit_type,"
            " modality, start_ts, end_ts, created_at, appointment_type, id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)"
          : "UPDATE appointment SET patient_id = ?, practitioner_id = ?, slot_id = ?,"
            " status = ?, visit_type = ?, modality = ?, start_ts = ?, end_ts = ?,"
            " created_at = COALESCE(created_at, ?), appointment_type = ? WHERE id = ?",
      error);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, patient_of(in), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, practitioner, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, in->slot_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, in->status, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, in->visit_type, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, in->modality, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 7, in->start_us / SEC_US);
  sqlite3_bind_int64(st, 8, in->end_us / SEC_US);
  sqlite3_bind_int64(st, 9, in->created_us ? in->created_us / SEC_US : tx->now);
  if (in->walk_in)
    sqlite3_bind_text(st, 10, AR_WAITING_WALK_IN_TYPE, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 10);
  sqlite3_bind_text(st, 11, new_id, -1, SQLITE_STATIC);
  if (!ar_store_step_done(s->store, st, NULL)) {
    /* The unique index on live appointments per slot is the last word on double booking. */
    ar_fhir_fail(error, AR_FHIR_ERROR_CONFLICT, "the store refused the Appointment: %s",
                 sqlite3_errmsg(ar_store_db(s->store)));
    return NULL;
  }
  if (!exec_text(s, error, "DELETE FROM appointment_participant WHERE appointment_id = ?", new_id,
                 NULL))
    return NULL;
  for (guint i = 0; i < in->participants->len; i++) {
    const ArFhirParticipant *p = &g_array_index(in->participants, ArFhirParticipant, i);
    st = prep(s, "INSERT OR IGNORE INTO appointment_participant VALUES (?, ?, ?)", error);
    if (!st)
      return NULL;
    sqlite3_bind_text(st, 1, new_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->actor_id, -1, SQLITE_STATIC);
    if (!ar_store_step_done(s->store, st, NULL))
      return ar_fhir_fail(error, AR_FHIR_ERROR_PROCESSING, "participant not stored"), NULL;
  }
  /* The slot follows the appointment: booked holds it, an ended appointment frees it. */
  if (old.slot_id &&
      (!in->slot_id || !g_str_equal(old.slot_id, in->slot_id) || !is_live(in->status))) {
    gboolean noshow = g_str_equal(in->status, "noshow");
    if (!noshow && !exec_text(s, error,
                              "UPDATE slot SET status = 'free', opened_reason = 'cancelled'"
                              " WHERE id = ?",
                              old.slot_id, NULL))
      return NULL;
    if (is_live(old.status))
      after(tx, noshow ? AR_FHIR_AFTER_NOSHOW : AR_FHIR_AFTER_OPEN, old.slot_id,
            noshow ? AR_OFFER_REASON_NOSHOW : AR_OFFER_REASON_CANCELLED);
  }
  if (in->slot_id && is_live(in->status)) {
    if (!exec_text(s, error, "UPDATE slot SET status = 'busy' WHERE id = ?", in->slot_id, NULL))
      return NULL;
    after(tx, AR_FHIR_AFTER_CLOSE, in->slot_id, 0);
  }
  return g_steal_pointer(&new_id);
}

/* Parses and writes one resource; fills the Location. */
char *
ar_fhir_write_resource(ArFhirTx *tx, const char *type, JsonNode *body, const char *id,
                       gboolean *created, GError **error)
{
  char *new_id = NULL;
  if (g_str_equal(type, "Slot")) {
    g_auto(ArFhirSlot) slot = {0};
    if (!ar_fhir_parse_slot(body, &slot, error))
      return NULL;
    if (id && slot.id && !g_str_equal(id, slot.id)) {
      ar_fhir_fail(error, AR_FHIR_ERROR_VALUE, "Slot.id: \"%s\" does not match the URL's %s",
                   slot.id, id);
      return NULL;
    }
    new_id = write_slot(tx, &slot, id, created, error);
  } else if (g_str_equal(type, "Appointment")) {
    g_auto(ArFhirAppointment) a = {0};
    if (!ar_fhir_parse_appointment(body, &a, error))
      return NULL;
    if (id && a.id && !g_str_equal(id, a.id)) {
      ar_fhir_fail(error, AR_FHIR_ERROR_VALUE, "Appointment.id: \"%s\" does not match the URL's %s",
                   a.id, id);
      return NULL;
    }
    new_id = write_appointment(tx, &a, id, created, error);
  } else {
    ar_fhir_fail(error, AR_FHIR_ERROR_NOT_SUPPORTED,
                 "%s cannot be created or updated here (Slot and Appointment can)", type);
    return NULL;
  }
  if (new_id) {
    g_autofree char *detail = g_strdup_printf("{\"created\":%s}", *created ? "true" : "false");
    g_autofree char *action = g_strdup_printf("fhir.%s.write", type);
    ArAuditEvent ev = {"staff", action, type, new_id, "success", detail};
    if (!ar_audit_append(tx->s->store, tx->now, &ev, error))
      g_clear_pointer(&new_id, g_free);
  }
  return new_id;
}

JsonNode *
ar_fhir_parse_body(const ArHttpRequest *req, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data(req->body, &len);
  g_autoptr(JsonParser) p = json_parser_new();
  g_autoptr(GError) why = NULL;
  if (!data || !len || !json_parser_load_from_data(p, data, (gssize)len, &why)) {
    ar_fhir_fail(error, AR_FHIR_ERROR_STRUCTURE, "the body is not JSON%s%s", why ? ": " : "",
                 why ? why->message : "");
    return NULL;
  }
  return json_node_copy(json_parser_get_root(p));
}

static void
create_or_update(ArScheduler *s, const char *type, const char *id, const ArHttpRequest *req,
                 ArHttpResponse *resp)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = ar_fhir_parse_body(req, &error);
  ArFhirTx tx = {s, g_array_new(FALSE, TRUE, sizeof(ArFhirAfter)), g_get_real_time() / SEC_US};
  g_array_set_clear_func(tx.after, ar_fhir_after_clear);
  gboolean created = FALSE;
  g_autofree char *new_id = NULL;
  if (body && ar_store_begin(s->store, NULL)) {
    new_id = ar_fhir_write_resource(&tx, type, body, id, &created, &error);
    if (!new_id || !ar_store_commit(s->store, new_id ? &error : NULL)) {
      ar_store_rollback(s->store);
      g_clear_pointer(&new_id, g_free);
    }
  } else if (body) {
    ar_fhir_fail(&error, AR_FHIR_ERROR_PROCESSING, "the store is busy; try again");
  }
  if (!new_id) {
    g_array_unref(tx.after);
    if (error && error->domain != AR_FHIR_ERROR) {
      g_autoptr(GError) e = NULL;
      ar_fhir_fail(&e, AR_FHIR_ERROR_PROCESSING, "the store failed: %s", error->message);
      ar_fhir_reply_error(resp, e);
    } else {
      ar_fhir_reply_error(resp, error);
    }
    return;
  }
  ar_fhir_run_after(&tx);
  g_array_unref(tx.after);
  g_autofree char *fid = ar_fhir_id_from_store(new_id);
  g_autofree char *location = g_strdup_printf("%s/fhir/%s/%s", s->public_url, type, fid);
  ar_http_response_header(resp, "Location", location);
  ar_fhir_reply(resp, created ? 201 : 200, read_resource(s, type, new_id, NULL));
}

static void
handle_fhir(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ArScheduler *s = user_data;
  g_autoptr(GError) error = NULL;
  if (!ar_scheduler_staff_authorized(s, req)) {
    ar_fhir_fail(&error, AR_FHIR_ERROR_FORBIDDEN,
                 "authentication required: Authorization: Bearer <[scheduling] api_token>");
    ar_http_response_header(resp, "WWW-Authenticate", "Bearer realm=\"anteroom\"");
    ar_fhir_reply_error(resp, error);
    return;
  }
  const char *rest = req->path + strlen("/fhir");
  while (*rest == '/')
    rest++;
  g_auto(GStrv) parts = g_strsplit(rest, "/", -1);
  guint n = *rest ? g_strv_length(parts) : 0;
  const char *m = req->method;
  if (n == 0 && g_str_equal(m, "POST")) {
    ar_fhir_post_bundle(s, req, resp);
  } else if (n == 1 && g_str_equal(m, "GET")) {
    search(s, parts[0], req, resp);
  } else if (n == 1 && g_str_equal(m, "POST")) {
    create_or_update(s, parts[0], NULL, req, resp);
  } else if (n == 2 && g_str_equal(m, "GET")) {
    g_autofree char *id = ar_fhir_id_to_store(parts[1]);
    JsonNode *r = read_resource(s, parts[0], id, &error);
    if (r)
      ar_fhir_reply(resp, 200, r);
    else
      ar_fhir_reply_error(resp, error);
  } else if (n == 2 && g_str_equal(m, "PUT")) {
    g_autofree char *id = ar_fhir_id_to_store(parts[1]);
    create_or_update(s, parts[0], id, req, resp);
  } else {
    ar_fhir_fail(&error, AR_FHIR_ERROR_NOT_SUPPORTED, "%s %s is not a supported interaction", m,
                 req->path);
    ar_fhir_reply_error(resp, error);
  }
}

void
ar_fhir_register_routes(ArScheduler *s, ArHttpServer *http)
{
  ar_http_server_route(http, "/fhir", FALSE, handle_fhir, s);
  ar_http_server_route(http, "/fhir/", TRUE, handle_fhir, s);
}
