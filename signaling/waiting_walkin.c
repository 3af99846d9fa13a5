/* Walk-ins: a patient the front desk adds today without a booked slot. One transaction makes
 * the patient record, the appointment (appointmentType WALKIN, no slot, starting now) and its
 * participants, and the audit events; only then does the entry join its clinician's line, not
 * arrived, so memory never holds what a restart would not load. Its place once checked in is
 * the queue model's rule for walk-ins (queue_model.h): behind scheduled patients who are due. */
#include "audit.h"
#include "waiting_room_private.h"

/* The clinic's active clinicians, by id; empty when there are none or the store failed. */
static GPtrArray *
clinicians_of(ArWaitingRoom *wr, const char *clinic_id)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  sqlite3_stmt *st = ar_store_prepare(wr->store,
                                      "SELECT id FROM practitioner WHERE clinic_id = ?"
                                      " AND role = 'clinician' AND active = 1 ORDER BY id",
                                      NULL);
  if (!st)
    return out;
  sqlite3_bind_text(st, 1, clinic_id, -1, SQLITE_STATIC);
  while (sqlite3_step(st) == SQLITE_ROW)
    g_ptr_array_add(out, ar_wr_col_dup(st, 0));
  sqlite3_reset(st);
  return out;
}

/* How long a visit of this type is expected to take: its median so far, or the default. */
static gint64
expected_length(ArWaitingRoom *wr, const char *visit_type)
{
  for (guint i = 0; i < wr->type_names->len; i++)
    if (g_str_equal(g_ptr_array_index(wr->type_names, i), visit_type))
      return ar_queue_model_duration_quantiles(&g_array_index(wr->durations, ArDurationStats, i))
          .p50_s;
  return AR_QUEUE_DEFAULT_MEDIAN_S;
}

/* The expected start of a walk-in who checked in now at the end of this clinician's line. */
static gint64
walk_in_eta(ArWaitingRoom *wr, const char *practitioner_id, const char *visit_type, gint64 now)
{
  Line *l = ar_wr_line_for(wr, practitioner_id);
  guint n = l->entries->len;
  g_autofree ArQueueAppointment *apps = ar_wr_line_input(wr, l, 1);
  apps[n] = (ArQueueAppointment){
      .id = "walk-in",
      .scheduled_start = now,
      .visit_type = ar_wr_visit_type_index(wr, visit_type, expected_length(wr, visit_type)),
      .state = AR_QUEUE_STATE_READY,
      .arrived_at = now,
      .walk_in = TRUE,
  };
  ArQueueInput in = {apps, n + 1, (const ArDurationStats *)(void *)wr->durations->data,
                     wr->durations->len, l->announced_late_s};
  ArQueueResult res = {0};
  ar_queue_model_result_init(&res, n + 1);
  ar_queue_model_compute(&in, now, &res);
  gint64 eta = res.estimates[n].eta;
  ar_queue_model_result_clear(&res);
  return eta;
}

char *
ar_waiting_room_first_available(ArWaitingRoom *wr, const char *clinic_id, const char *visit_type,
                                gint64 now)
{
  ar_waiting_room_refresh(wr, now);
  g_autoptr(GPtrArray) ids = clinicians_of(wr, clinic_id);
  const char *best = NULL;
  gint64 best_eta = G_MAXINT64;
  for (guint i = 0; i < ids->len; i++) {
    /* Ties go to the first by id, so the choice does not depend on hash order. */
    gint64 eta = walk_in_eta(wr, g_ptr_array_index(ids, i), visit_type, now);
    if (eta < best_eta) {
      best_eta = eta;
      best = g_ptr_array_index(ids, i);
    }
  }
  return g_strdup(best);
}

static gboolean
clinician_in_clinic(ArWaitingRoom *wr, const char *practitioner_id, const char *clinic_id)
{
  g_autoptr(GPtrArray) ids = clinicians_of(wr, clinic_id);
  for (guint i = 0; i < ids->len; i++)
    if (g_str_equal(g_ptr_array_index(ids, i), practitioner_id))
      return TRUE;
  return FALSE;
}

/* Binds the arguments (text, or NULL) in order and steps a statement without results. */
static gboolean
run(ArStore *store, const char *sql, GError **error, guint n, const char *const *args)
{
  sqlite3_stmt *st = ar_store_prepare(store, sql, error);
  if (!st)
    return FALSE;
  for (guint i = 0; i < n; i++)
    sqlite3_bind_text(st, (int)i + 1, args[i], -1, SQLITE_STATIC);
  return ar_store_step_done(store, st, error);
}

static gboolean
audit(ArStore *store, gint64 now, const char *actor, const char *action, const char *type,
      const char *id, const char *detail, GError **error)
{
  ArAuditEvent ev = {actor, action, type, id, "success", detail};
  return ar_audit_append(store, now, &ev, error);
}

static gboolean
insert_walk_in(ArWaitingRoom *wr, const ArWalkIn *req, const char *practitioner_id,
               const char *patient_id, const char *appointment_id, gint64 now, GError **error)
{
  g_autofree char *now_s = g_strdup_printf("%" G_GINT64_FORMAT, now);
  g_autofree char *end_s =
      g_strdup_printf("%" G_GINT64_FORMAT, now + expected_length(wr, req->visit_type));
  const char *lang = req->language ? req->language : "en";
  const char *patient[] = {patient_id, req->label ? req->label : "", lang, now_s};
  const char *appointment[] = {
      appointment_id, patient_id, practitioner_id, req->visit_type,
      now_s,          end_s,      now_s,           req->needs_interpreter ? lang : NULL};
  const char *part_patient[] = {appointment_id, patient_id};
  const char *part_prac[] = {appointment_id, practitioner_id};
  g_autofree char *detail =
      g_strdup_printf("{\"patient\":\"%s\",\"practitioner\":\"%s\",\"first_available\":%s,"
                      "\"interpreter\":%s}",
                      patient_id, practitioner_id, req->practitioner_id ? "false" : "true",
                      req->needs_interpreter ? "true" : "false");
  g_autofree char *patient_detail = g_strdup_printf("{\"appointment\":\"%s\"}", appointment_id);
  return run(wr->store,
             "INSERT INTO patient (id, display_name, language, created_at) VALUES (?,?,?,?)", error,
             4, patient) &&
         run(wr->store,
             "INSERT INTO appointment (id, patient_id, practitioner_id, slot_id, status,"
             " visit_type, start_ts, end_ts, created_at, interpreter_language, appointment_type)"
             " VALUES (?,?,?,NULL,'booked',?,?,?,?,?,'" AR_WAITING_WALK_IN_TYPE "')",
             error, 8, appointment) &&
         run(wr->store, "INSERT INTO appointment_participant VALUES (?, 'patient', ?)", error, 2,
             part_patient) &&
         run(wr->store, "INSERT INTO appointment_participant VALUES (?, 'practitioner', ?)", error,
             2, part_prac) &&
         audit(wr->store, now, req->actor, "patient.create", "patient", patient_id, patient_detail,
               error) &&
         audit(wr->store, now, req->actor, "lobby.walkin", "appointment", appointment_id, detail,
               error);
}

const ArWaitingEntry *
ar_waiting_room_add_walk_in(ArWaitingRoom *wr, const ArWalkIn *req, gint64 now, GError **error)
{
  g_autofree char *practitioner = NULL;
  if (req->practitioner_id) {
    if (!clinician_in_clinic(wr, req->practitioner_id, req->clinic_id)) {
      /* Unknown and another clinic's clinician look the same: ids outside the clinic do not
       * exist for it. */
      g_set_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND,
                  "no active clinician %s in this clinic", req->practitioner_id);
      return NULL;
    }
    practitioner = g_strdup(req->practitioner_id);
  } else {
    practitioner = ar_waiting_room_first_available(wr, req->clinic_id, req->visit_type, now);
    if (!practitioner) {
      g_set_error_literal(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND,
                          "this clinic has no active clinician");
      return NULL;
    }
  }
  g_autofree char *patient = ar_store_new_id("pat");
  g_autofree char *appointment = ar_store_new_id("ap");
  g_autoptr(GError) local = NULL;
  if (!ar_store_begin(wr->store, &local) ||
      !insert_walk_in(wr, req, practitioner, patient, appointment, now, &local) ||
      !ar_store_commit(wr->store, &local)) {
    ar_store_rollback(wr->store);
    g_set_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_STORE, "%s", local->message);
    return NULL;
  }
  if (!ar_wr_load_entries(wr, now, appointment, error))
    return NULL;
  ArWaitingEntry *e = g_hash_table_lookup(wr->entries, appointment);
  if (!e) {
    g_set_error_literal(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_STORE,
                        "the walk-in was saved but could not be loaded");
    return NULL;
  }
  /* Every lobby that sees this line hears of it, not arrived and not yet in line. */
  ar_wr_recompute(wr, ar_wr_line_for(wr, e->practitioner_id), now, e, AR_WAITING_CHANGED_LOBBY,
                  FALSE);
  return e;
}
