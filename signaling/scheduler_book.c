/* The transactions that move people between slots: confirming an offer (first confirmation
 * wins: BEGIN IMMEDIATE takes SQLite's write lock, the slot's state is checked and the booking,
 * the freed old appointment, the other offers and the audit event are written together), a
 * decline, a patient's own cancel or reschedule, published capacity and waiting-list entries.
 * Every one either commits whole or leaves nothing; the engine is told after the commit. */
#include "audit.h"
#include "scheduler_private.h"

#include <stdarg.h>
#include <string.h>

#define SEC_US G_USEC_PER_SEC

/* First row of sql with text arguments (NULL-terminated list), as ncols strings; NULL if none. */
static char **
row(ArScheduler *s, const char *sql, int ncols, ...)
{
  sqlite3_stmt *st = ar_store_prepare(s->store, sql, NULL);
  if (!st)
    return NULL;
  va_list ap;
  va_start(ap, ncols);
  for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++)
    sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
  va_end(ap);
  char **r = NULL;
  if (sqlite3_step(st) == SQLITE_ROW) {
    r = g_new0(char *, ncols + 1);
    for (int i = 0; i < ncols; i++) {
      const char *v = (const char *)sqlite3_column_text(st, i);
      r[i] = g_strdup(v ? v : "");
    }
  }
  sqlite3_reset(st);
  return r;
}

/* Runs a statement with text/int64 arguments: "t" text, "i" int64, "n" NULL. */
static gboolean
exec(ArScheduler *s, GError **error, const char *sql, const char *types, ...)
{
  sqlite3_stmt *st = ar_store_prepare(s->store, sql, error);
  if (!st)
    return FALSE;
  va_list ap;
  va_start(ap, types);
  for (int i = 0; types[i]; i++) {
    if (types[i] == 't')
      sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
    else if (types[i] == 'i')
      sqlite3_bind_int64(st, i + 1, va_arg(ap, gint64));
    else
      sqlite3_bind_null(st, i + 1);
  }
  va_end(ap);
  return ar_store_step_done(s->store, st, error);
}

static gboolean
audit(ArScheduler *s, gint64 now, const char *actor, const char *action, const char *type,
      const char *id, const char *outcome, const char *detail, GError **error)
{
  ArAuditEvent ev = {actor, action, type, id, outcome, detail};
  return ar_audit_append(s->store, now, &ev, error);
}

static gboolean
slot_has_live_appointment(ArScheduler *s, const char *slot_id)
{
  g_auto(GStrv) r =
      row(s, "SELECT id FROM appointment WHERE slot_id = ? AND status IN " AR_SCHED_LIVE_STATUSES,
          1, slot_id);
  return r != NULL;
}

/* A new booked appointment in slot_id for patient_id; translator and caregiver participants
 * of copy_from (the appointment being replaced) come along. */
static char *
book_slot(ArScheduler *s, const char *slot_id, const char *patient_id, const char *copy_from,
          gint64 now, GError **error)
{
  g_autofree char *id = ar_store_new_id("apt");
  if (!exec(s, error,
            "INSERT INTO appointment (id, patient_id, practitioner_id, slot_id, status,"
            " visit_type, modality, start_ts, end_ts, created_at, interpreter_language)"
            " SELECT ?, ?, sc.practitioner_id, sl.id, 'booked', sl.visit_type, sl.modality,"
            " sl.start_ts, sl.end_ts, ?, (SELECT interpreter_language FROM appointment"
            " WHERE id = ?) FROM slot sl JOIN schedule sc ON sc.id = sl.schedule_id"
            " WHERE sl.id = ?",
            "ttitt", id, patient_id, now, copy_from ? copy_from : "", slot_id) ||
      !exec(s, error,
            "INSERT INTO appointment_participant SELECT ?, 'patient', patient_id FROM appointment"
            " WHERE id = ?",
            "tt", id, id) ||
      !exec(s, error,
            "INSERT INTO appointment_participant SELECT ?, 'practitioner', practitioner_id"
            " FROM appointment WHERE id = ?",
            "tt", id, id) ||
      !exec(s, error,
            "INSERT INTO appointment_participant SELECT ?, kind, actor_id FROM"
            " appointment_participant WHERE appointment_id = ? AND kind IN"
            " ('translator','caregiver')",
            "tt", id, copy_from ? copy_from : "") ||
      !exec(s, error, "UPDATE slot SET status = 'busy' WHERE id = ?", "t", slot_id))
    return NULL;
  return g_steal_pointer(&id);
}

/* Cancels an appointment and frees its slot for offers; returns the slot id (or NULL if it
 * had none). */
static gboolean
free_appointment(ArScheduler *s, const char *appointment_id, const char *reason, char **slot_id,
                 GError **error)
{
  g_auto(GStrv) r =
      row(s, "SELECT COALESCE(slot_id, '') FROM appointment WHERE id = ?", 1, appointment_id);
  *slot_id = r && *r[0] ? g_strdup(r[0]) : NULL;
  if (!exec(s, error, "UPDATE appointment SET status = 'cancelled' WHERE id = ?", "t",
            appointment_id))
    return FALSE;
  if (*slot_id && !exec(s, error, "UPDATE slot SET status = 'free', opened_reason = ? WHERE id = ?",
                        "tt", reason, *slot_id))
    return FALSE;
  return TRUE;
}

static void
fill_alternatives(ArScheduler *s, ArSchedAnswer *out, const ArOfferConfirmResult *res)
{
  out->alternatives = g_array_new(FALSE, TRUE, sizeof(ArSchedSlotInfo));
  for (guint i = 0; res && i < res->n_alternatives; i++) {
    g_autofree char *id = ar_sched_text(s, "slot", res->alternatives[i]);
    ArSchedSlotInfo info;
    if (id && ar_sched_slot_info(s, id, &info))
      g_array_append_val(out->alternatives, info);
  }
  if (out->alternatives->len > 0)
    return;
  /* The engine did not know this patient (e.g. after a restart): any open slot will do. */
  GArray *open = ar_scheduler_open_slots(s, NULL, AR_OFFER_MAX_ALTERNATIVES);
  g_array_append_vals(out->alternatives, open->data, open->len);
  g_array_set_size(open, 0);
  g_array_unref(open);
}

static guint64
offer_num(ArScheduler *s, const char *offer_id)
{
  g_auto(GStrv) r = row(s, "SELECT COALESCE(engine_num, 0) FROM offer WHERE id = ?", 1, offer_id);
  return r ? g_ascii_strtoull(r[0], NULL, 10) : 0;
}

gboolean
ar_scheduler_confirm(ArScheduler *s, const char *offer_id, const char *patient_id, const char *via,
                     ArSchedAnswer *out, GError **error)
{
  memset(out, 0, sizeof *out);
  gint64 now_us = g_get_real_time(), now = now_us / SEC_US;
  g_autofree char *now_text = g_strdup_printf("%" G_GINT64_FORMAT, now);
  g_auto(GStrv) wl = NULL;
  g_autofree char *freed = NULL, *appointment = NULL, *detail = NULL;
  if (!ar_store_begin(s->store, error))
    return FALSE;
  g_auto(GStrv) o = row(s,
                        "SELECT slot_id, patient_id, status, expires_at, COALESCE(engine_num, 0)"
                        " FROM offer WHERE id = ?",
                        5, offer_id);
  if (!o || !g_str_equal(o[1], patient_id)) {
    ar_store_rollback(s->store);
    out->answer = o ? AR_OFFER_NOT_YOURS : AR_OFFER_UNKNOWN;
    return TRUE;
  }
  const char *slot_id = o[0];
  ar_sched_slot_info(s, slot_id, &out->slot);
  guint64 num = g_ascii_strtoull(o[4], NULL, 10);
  gboolean expired = g_ascii_strtoll(o[3], NULL, 10) <= now || out->slot.start_us <= now_us;
  g_auto(GStrv) slot = row(s, "SELECT status FROM slot WHERE id = ?", 1, slot_id);
  gboolean taken = !slot || !g_str_equal(slot[0], "free") || slot_has_live_appointment(s, slot_id);
  if (g_str_equal(o[2], "accepted")) {
    /* A second click on the same offer: the booking already stands. */
    g_auto(GStrv) a = row(s,
                          "SELECT id FROM appointment WHERE slot_id = ? AND patient_id = ?"
                          " AND status IN " AR_SCHED_LIVE_STATUSES,
                          1, slot_id, patient_id);
    ar_store_rollback(s->store);
    out->answer = a ? AR_OFFER_WON : AR_OFFER_EXPIRED;
    out->appointment_id = a ? g_strdup(a[0]) : NULL;
    return TRUE;
  }
  if (taken && (g_str_equal(o[2], "sent") || g_str_equal(o[2], "withdrawn"))) {
    if (g_str_equal(o[2], "sent") &&
        !exec(s, error, "UPDATE offer SET status = 'withdrawn', answered_at = ? WHERE id = ?", "it",
              now, offer_id))
      goto rollback;
    if (!ar_store_commit(s->store, error))
      goto rollback;
    out->answer = AR_OFFER_TAKEN;
    ArOfferConfirmResult res = {0};
    guint64 pnum = ar_sched_num(s, "patient", patient_id);
    if (num)
      ar_offer_engine_confirm(s->engine, num, pnum, now_us, &res);
    fill_alternatives(s, out, &res);
    ar_sched_drain(s);
    return TRUE;
  }
  if (!g_str_equal(o[2], "sent") || expired) {
    if (g_str_equal(o[2], "sent") &&
        (!exec(s, error, "UPDATE offer SET status = 'expired', answered_at = ? WHERE id = ?", "it",
               now, offer_id) ||
         !ar_sched_record_response(s, offer_id, patient_id, "needs-action", "lapsed", now, error)))
      goto rollback;
    if (!ar_store_commit(s->store, error))
      goto rollback;
    out->answer = AR_OFFER_EXPIRED;
    return TRUE;
  }
  /* The win. */
  wl =
      row(s,
          "SELECT COALESCE(w.appointment_id, '') FROM waitlist_entry w"
          " JOIN appointment a ON a.id = w.appointment_id WHERE w.patient_id = ?"
          " AND w.active = 1 AND a.status IN " AR_SCHED_LIVE_STATUSES " AND a.start_ts > ? LIMIT 1",
          1, patient_id, now_text);
  const char *old = wl && *wl[0] ? wl[0] : NULL;
  if (old && !free_appointment(s, old, "cascade", &freed, error))
    goto rollback;
  appointment = book_slot(s, slot_id, patient_id, old, now, error);
  if (!appointment ||
      !exec(s, error, "UPDATE offer SET status = 'accepted', answered_at = ? WHERE id = ?", "it",
            now, offer_id) ||
      !ar_sched_record_response(s, offer_id, patient_id, "accepted", NULL, now, error) ||
      !exec(s, error, "UPDATE appointment_response SET appointment_id = ? WHERE offer_id = ?", "tt",
            appointment, offer_id) ||
      !exec(s, error,
            "UPDATE offer SET status = 'withdrawn', answered_at = ? WHERE status = 'sent'"
            " AND (slot_id = ? OR patient_id = ?)",
            "itt", now, slot_id, patient_id) ||
      !exec(s, error, "UPDATE waitlist_entry SET active = 0 WHERE patient_id = ? AND active = 1",
            "t", patient_id))
    goto rollback;
  detail = g_strdup_printf(
      "{\"offer\":\"%s\",\"slot\":\"%s\",\"via\":\"%s\",\"freed_appointment\":\"%s\"}", offer_id,
      slot_id, via, old ? old : "");
  if (!audit(s, now, patient_id, "offer.confirm", "appointment", appointment, "success", detail,
             error) ||
      !ar_store_commit(s->store, error))
    goto rollback;
  out->answer = AR_OFFER_WON;
  out->appointment_id = g_steal_pointer(&appointment);
  g_info("scheduler: offer %s won slot %s%s%s", offer_id, slot_id, freed ? "; freed " : "",
         freed ? freed : "");
  /* The engine follows: withdraws the other offers (they are told at once) and offers the freed
   * slot on. If it lost track of this offer (restart), say the same thing explicitly. */
  guint64 pnum = ar_sched_num(s, "patient", patient_id);
  if (!num || ar_offer_engine_confirm(s->engine, num, pnum, now_us, NULL) != AR_OFFER_WON) {
    ar_offer_engine_close_slot(s->engine, ar_sched_num(s, "slot", slot_id), now_us);
    ar_offer_engine_remove_waitlist(s->engine, pnum, now_us);
    if (freed)
      ar_sched_open_in_engine(s, freed, AR_OFFER_REASON_CASCADE);
  }
  ar_sched_drain(s);
  return TRUE;
rollback:
  ar_store_rollback(s->store);
  ar_sched_answer_clear(out);
  return FALSE;
}

gboolean
ar_scheduler_decline(ArScheduler *s, const char *offer_id, const char *patient_id, const char *via,
                     ArSchedAnswer *out, GError **error)
{
  memset(out, 0, sizeof *out);
  gint64 now_us = g_get_real_time(), now = now_us / SEC_US;
  g_auto(GStrv) o =
      row(s, "SELECT patient_id, status, expires_at FROM offer WHERE id = ?", 3, offer_id);
  if (!o || !g_str_equal(o[0], patient_id)) {
    out->answer = o ? AR_OFFER_NOT_YOURS : AR_OFFER_UNKNOWN;
    return TRUE;
  }
  if (!g_str_equal(o[1], "sent") || g_ascii_strtoll(o[2], NULL, 10) <= now) {
    out->answer = g_str_equal(o[1], "withdrawn") ? AR_OFFER_TAKEN : AR_OFFER_EXPIRED;
    return TRUE;
  }
  g_autofree char *detail = g_strdup_printf("{\"offer\":\"%s\",\"via\":\"%s\"}", offer_id, via);
  if (!ar_store_begin(s->store, error))
    return FALSE;
  if (!exec(s, error, "UPDATE offer SET status = 'declined', answered_at = ? WHERE id = ?", "it",
            now, offer_id) ||
      !ar_sched_record_response(s, offer_id, patient_id, "declined", NULL, now, error) ||
      !audit(s, now, patient_id, "offer.decline", "offer", offer_id, "success", detail, error) ||
      !ar_store_commit(s->store, error)) {
    ar_store_rollback(s->store);
    return FALSE;
  }
  out->answer = AR_OFFER_RECORDED;
  guint64 num = offer_num(s, offer_id);
  if (num)
    ar_offer_engine_decline(s->engine, num, ar_sched_num(s, "patient", patient_id), now_us);
  ar_sched_drain(s);
  return TRUE;
}

/* The patient's own live appointment that has not started; NULL with error otherwise. */
static char **
own_appointment(ArScheduler *s, const char *appointment_id, const char *patient_id, gint64 now,
                GError **error)
{
  char **a = row(s,
                 "SELECT patient_id, status, start_ts, COALESCE(slot_id, '') FROM appointment"
                 " WHERE id = ?",
                 4, appointment_id);
  if (!a) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_NOT_FOUND, "appointment %s does not exist",
                  appointment_id);
  } else if (!g_str_equal(a[0], patient_id)) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_FORBIDDEN, "appointment %s is not yours",
                  appointment_id);
  } else if (!g_str_equal(a[1], "booked") && !g_str_equal(a[1], "pending") &&
             !g_str_equal(a[1], "proposed")) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_CONFLICT, "appointment %s is %s, not booked",
                  appointment_id, a[1]);
  } else if (g_ascii_strtoll(a[2], NULL, 10) <= now) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_CONFLICT, "appointment %s has already started",
                  appointment_id);
  } else {
    return a;
  }
  g_strfreev(a);
  return NULL;
}

gboolean
ar_scheduler_cancel_appointment(ArScheduler *s, const char *appointment_id, const char *patient_id,
                                GError **error)
{
  gint64 now_us = g_get_real_time(), now = now_us / SEC_US;
  if (!ar_store_begin(s->store, error))
    return FALSE;
  g_auto(GStrv) a = own_appointment(s, appointment_id, patient_id, now, error);
  g_autofree char *slot = NULL;
  if (!a || !free_appointment(s, appointment_id, "cancelled", &slot, error) ||
      !exec(s, error, "UPDATE waitlist_entry SET active = 0 WHERE appointment_id = ?", "t",
            appointment_id) ||
      !audit(s, now, patient_id, "appointment.cancel", "appointment", appointment_id, "success",
             NULL, error) ||
      !ar_store_commit(s->store, error)) {
    ar_store_rollback(s->store);
    return FALSE;
  }
  ar_offer_engine_remove_waitlist(s->engine, ar_sched_num(s, "patient", patient_id), now_us);
  if (slot)
    ar_sched_open_in_engine(s, slot, AR_OFFER_REASON_CANCELLED);
  return TRUE;
}

char *
ar_scheduler_reschedule(ArScheduler *s, const char *appointment_id, const char *patient_id,
                        const char *slot_id, GError **error)
{
  gint64 now_us = g_get_real_time(), now = now_us / SEC_US;
  if (!ar_store_begin(s->store, error))
    return NULL;
  g_auto(GStrv) a = own_appointment(s, appointment_id, patient_id, now, error);
  g_auto(GStrv) sl =
      a ? row(s, "SELECT status, start_ts FROM slot WHERE id = ?", 2, slot_id) : NULL;
  g_autofree char *freed = NULL, *appointment = NULL, *detail = NULL;
  if (!a)
    goto rollback;
  if (!sl) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_NOT_FOUND, "slot %s does not exist", slot_id);
    goto rollback;
  }
  if (!g_str_equal(sl[0], "free") || slot_has_live_appointment(s, slot_id) ||
      g_ascii_strtoll(sl[1], NULL, 10) <= now) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_CONFLICT, "slot %s is no longer free", slot_id);
    goto rollback;
  }
  if (!free_appointment(s, appointment_id, "cancelled", &freed, error))
    goto rollback;
  appointment = book_slot(s, slot_id, patient_id, appointment_id, now, error);
  detail = g_strdup_printf("{\"from\":\"%s\",\"slot\":\"%s\"}", appointment_id, slot_id);
  if (!appointment ||
      !exec(s, error, "UPDATE waitlist_entry SET appointment_id = ? WHERE appointment_id = ?", "tt",
            appointment, appointment_id) ||
      !exec(s, error,
            "UPDATE offer SET status = 'withdrawn', answered_at = ? WHERE status = 'sent'"
            " AND slot_id = ?",
            "it", now, slot_id) ||
      !audit(s, now, patient_id, "appointment.reschedule", "appointment", appointment, "success",
             detail, error) ||
      !ar_store_commit(s->store, error))
    goto rollback;
  ar_offer_engine_close_slot(s->engine, ar_sched_num(s, "slot", slot_id), now_us);
  if (freed)
    ar_sched_open_in_engine(s, freed, AR_OFFER_REASON_CANCELLED);
  else
    ar_sched_drain(s);
  return g_steal_pointer(&appointment);
rollback:
  ar_store_rollback(s->store);
  return NULL;
}

GArray *
ar_scheduler_open_slots(ArScheduler *s, const char *practitioner_id, guint limit)
{
  GArray *out = g_array_new(FALSE, TRUE, sizeof(ArSchedSlotInfo));
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "SELECT sl.id FROM slot sl JOIN schedule sc ON sc.id = sl.schedule_id WHERE sl.status = "
      "'free'"
      " AND sl.start_ts > ? AND (?2 IS NULL OR sc.practitioner_id = ?2) AND NOT EXISTS (SELECT 1"
      " FROM appointment a WHERE a.slot_id = sl.id AND a.status IN " AR_SCHED_LIVE_STATUSES ")"
      " ORDER BY sl.start_ts, sl.id LIMIT ?3",
      NULL);
  if (!st)
    return out;
  sqlite3_bind_int64(st, 1, g_get_real_time() / SEC_US);
  if (practitioner_id)
    sqlite3_bind_text(st, 2, practitioner_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, limit ? limit : 1000);
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  while (sqlite3_step(st) == SQLITE_ROW)
    g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 0)));
  sqlite3_reset(st);
  for (guint i = 0; i < ids->len; i++) {
    ArSchedSlotInfo info;
    if (ar_sched_slot_info(s, ids->pdata[i], &info))
      g_array_append_val(out, info);
  }
  g_ptr_array_unref(ids);
  return out;
}

static char *
schedule_for(ArScheduler *s, const char *practitioner_id, GError **error)
{
  g_auto(GStrv) p = row(s, "SELECT role FROM practitioner WHERE id = ?", 1, practitioner_id);
  if (!p) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_NOT_FOUND, "practitioner %s does not exist",
                  practitioner_id);
    return NULL;
  }
  g_auto(GStrv) sc = row(s,
                         "SELECT id FROM schedule WHERE practitioner_id = ? AND active = 1"
                         " ORDER BY id LIMIT 1",
                         1, practitioner_id);
  if (sc)
    return g_strdup(sc[0]);
  g_autofree char *id = ar_store_new_id("sch");
  if (!exec(s, error, "INSERT INTO schedule (id, practitioner_id) VALUES (?, ?)", "tt", id,
            practitioner_id))
    return NULL;
  return g_steal_pointer(&id);
}

char *
ar_sched_schedule_for(ArScheduler *s, const char *practitioner_id, GError **error)
{
  return schedule_for(s, practitioner_id, error);
}

static char *
hhmm(gint64 us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / SEC_US);
  return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("?");
}

GPtrArray *
ar_scheduler_publish_capacity(ArScheduler *s, const char *practitioner_id,
                              const ArSchedCapacity *slots, guint n, GError **error)
{
  return ar_scheduler_publish_capacity_by(s, "staff", practitioner_id, slots, n, error);
}

GPtrArray *
ar_scheduler_publish_capacity_by(ArScheduler *s, const char *actor, const char *practitioner_id,
                                 const ArSchedCapacity *slots, guint n, GError **error)
{
  gint64 now_us = g_get_real_time(), now = now_us / SEC_US;
  if (n == 0) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_INVALID, "no slots given");
    return NULL;
  }
  for (guint i = 0; i < n; i++) {
    const ArSchedCapacity *c = &slots[i];
    g_autofree char *a = hhmm(c->start_us), *b = hhmm(c->end_us);
    if (c->end_us <= c->start_us) {
      ar_sched_fail(error, AR_SCHEDULER_ERROR_INVALID, "slot %u: end %s is not after start %s",
                    i + 1, b, a);
      return NULL;
    }
    if (c->start_us <= now_us) {
      ar_sched_fail(error, AR_SCHEDULER_ERROR_INVALID, "slot %u: start %s is in the past", i + 1,
                    a);
      return NULL;
    }
    if (c->modality && !g_str_equal(c->modality, "video") &&
        !g_str_equal(c->modality, "in-person")) {
      ar_sched_fail(error, AR_SCHEDULER_ERROR_INVALID,
                    "slot %u: modality \"%s\" is neither video nor in-person", i + 1, c->modality);
      return NULL;
    }
    for (guint j = 0; j < i; j++) {
      if (slots[j].start_us < c->end_us && c->start_us < slots[j].end_us) {
        ar_sched_fail(error, AR_SCHEDULER_ERROR_CONFLICT,
                      "slot %u (%s to %s) overlaps slot %u of the same request", i + 1, a, b,
                      j + 1);
        return NULL;
      }
    }
  }
  if (!ar_store_begin(s->store, error))
    return NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *detail =
      g_strdup_printf("{\"slots\":%u,\"practitioner\":\"%s\"}", n, practitioner_id);
  g_autofree char *sched = schedule_for(s, practitioner_id, error);
  if (!sched)
    goto rollback;
  for (guint i = 0; i < n; i++) {
    const ArSchedCapacity *c = &slots[i];
    g_autofree char *st = g_strdup_printf("%" G_GINT64_FORMAT, c->start_us / SEC_US);
    g_autofree char *en = g_strdup_printf("%" G_GINT64_FORMAT, c->end_us / SEC_US);
    g_auto(GStrv) clash = row(s,
                              "SELECT id FROM slot WHERE schedule_id = ? AND start_ts < ? AND"
                              " end_ts > ? AND status != 'entered-in-error' LIMIT 1",
                              1, sched, en, st);
    if (clash) {
      g_autofree char *a = hhmm(c->start_us), *b = hhmm(c->end_us);
      ar_sched_fail(error, AR_SCHEDULER_ERROR_CONFLICT,
                    "slot %u (%s to %s) overlaps existing slot %s of %s", i + 1, a, b, clash[0],
                    practitioner_id);
      goto rollback;
    }
    char *id = ar_store_new_id("slot");
    g_ptr_array_add(ids, id);
    if (!exec(s, error,
              "INSERT INTO slot (id, schedule_id, start_ts, end_ts, status, modality, visit_type,"
              " source, opened_reason) VALUES (?, ?, ?, ?, 'free', ?, ?, 'published', 'published')",
              "ttiitt", id, sched, c->start_us / SEC_US, c->end_us / SEC_US,
              c->modality ? c->modality : "video", c->visit_type ? c->visit_type : "general"))
      goto rollback;
  }
  if (!audit(s, now, actor, "capacity.publish", "schedule", sched, "success", detail, error) ||
      !ar_store_commit(s->store, error))
    goto rollback;
  for (guint i = 0; i < ids->len; i++)
    ar_sched_open_in_engine(s, ids->pdata[i], AR_OFFER_REASON_PUBLISHED);
  return g_steal_pointer(&ids);
rollback:
  ar_store_rollback(s->store);
  return NULL;
}

char *
ar_scheduler_add_waitlist(ArScheduler *s, const ArSchedWaitlistRequest *r, GError **error)
{
  gint64 now_us = g_get_real_time(), now = now_us / SEC_US;
  if (!r->patient_id || !*r->patient_id) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_INVALID, "patient_id is required");
    return NULL;
  }
  if (!ar_store_begin(s->store, error))
    return NULL;
  g_autofree char *id = ar_store_new_id("wl");
  g_auto(GStrv) p = row(s, "SELECT id FROM patient WHERE id = ?", 1, r->patient_id);
  if (!p && !r->display_name) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_NOT_FOUND,
                  "patient %s does not exist (give display_name to create it)", r->patient_id);
    goto rollback;
  }
  if (!p && !exec(s, error,
                  "INSERT INTO patient (id, display_name, phone, language, created_at)"
                  " VALUES (?, ?, ?, ?, ?)",
                  r->phone ? "tttti" : "ttnti", r->patient_id, r->display_name,
                  r->phone ? r->phone : NULL, r->language ? r->language : "en", now))
    goto rollback;
  if (r->appointment_id) {
    g_autoptr(GError) why = NULL;
    g_auto(GStrv) a = own_appointment(s, r->appointment_id, r->patient_id, now, &why);
    if (!a) {
      g_propagate_error(error, g_steal_pointer(&why));
      goto rollback;
    }
  }
  if (r->practitioner_id) {
    g_auto(GStrv) pr = row(s, "SELECT id FROM practitioner WHERE id = ?", 1, r->practitioner_id);
    if (!pr) {
      ar_sched_fail(error, AR_SCHEDULER_ERROR_NOT_FOUND, "practitioner %s does not exist",
                    r->practitioner_id);
      goto rollback;
    }
  }
  if (!exec(s, error, "UPDATE waitlist_entry SET active = 0 WHERE patient_id = ? AND active = 1",
            "t", r->patient_id))
    goto rollback;
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "INSERT INTO waitlist_entry (id, patient_id, appointment_id, practitioner_id, visit_type,"
      " earliest_ts, latest_ts, min_notice_s, short_notice_ok, in_person_ok, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      error);
  if (!st)
    goto rollback;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, r->patient_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, r->appointment_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, r->practitioner_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, r->visit_type ? r->visit_type : "general", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, r->earliest_unix);
  sqlite3_bind_int64(st, 7, r->latest_unix);
  sqlite3_bind_int64(st, 8, r->min_notice_s);
  sqlite3_bind_int(st, 9, r->short_notice_ok);
  sqlite3_bind_int(st, 10, r->in_person_ok);
  sqlite3_bind_int64(st, 11, now);
  if (!ar_store_step_done(s->store, st, error) ||
      !audit(s, now, "staff", "waitlist.add", "patient", r->patient_id, "success", NULL, error) ||
      !ar_store_commit(s->store, error))
    goto rollback;
  ArOfferWaitlistEntry en = {0};
  en.patient_id = ar_sched_num(s, "patient", r->patient_id);
  en.any_practitioner = r->practitioner_id == NULL;
  en.visit_type = (guint32)ar_sched_num(s, "visit_type", r->visit_type ? r->visit_type : "general");
  en.video_ok = TRUE;
  en.in_person_ok = r->in_person_ok;
  en.window_start_us = r->earliest_unix * SEC_US;
  en.window_end_us = r->latest_unix * SEC_US;
  en.min_notice_us = r->min_notice_s * SEC_US;
  en.short_notice_ok = r->short_notice_ok;
  if (r->appointment_id) {
    g_auto(GStrv) a = row(s, "SELECT slot_id FROM appointment WHERE id = ?", 1, r->appointment_id);
    if (a && *a[0])
      ar_sched_engine_slot(s, a[0], AR_OFFER_REASON_CASCADE, &en.current);
  }
  if (!en.current.slot_id && r->practitioner_id)
    en.current.practitioner_id = ar_sched_num(s, "practitioner", r->practitioner_id);
  GError *why = NULL;
  if (!ar_offer_engine_add_waitlist(s->engine, &en, now_us, &why)) {
    g_warning("scheduler: waitlist entry not taken by the engine: %s", why->message);
    g_error_free(why);
  }
  ar_sched_drain(s);
  return g_steal_pointer(&id);
rollback:
  ar_store_rollback(s->store);
  return NULL;
}

gboolean
ar_scheduler_slot_opened(ArScheduler *s, const char *slot_id, ArOfferReason reason, GError **error)
{
  gint64 now_us = g_get_real_time(), now = now_us / SEC_US;
  g_auto(GStrv) sl = row(s,
                         "SELECT schedule_id, start_ts, end_ts, modality, visit_type FROM slot"
                         " WHERE id = ?",
                         5, slot_id);
  if (!sl) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_NOT_FOUND, "slot %s does not exist", slot_id);
    return FALSE;
  }
  gint64 end = g_ascii_strtoll(sl[2], NULL, 10);
  /* The clinician can begin a minute from now at the earliest. */
  gint64 start = MAX(g_ascii_strtoll(sl[1], NULL, 10), now + 60);
  if (start >= end) {
    ar_sched_fail(error, AR_SCHEDULER_ERROR_CONFLICT, "slot %s has no time left to offer", slot_id);
    return FALSE;
  }
  g_autofree char *open_id = NULL;
  g_autofree char *detail =
      g_strdup_printf("{\"from\":\"%s\",\"reason\":\"%s\"}", slot_id, ar_sched_reason_name(reason));
  if (!ar_store_begin(s->store, error))
    return FALSE;
  if (reason == AR_OFFER_REASON_NOSHOW || reason == AR_OFFER_REASON_EARLY_FINISH ||
      slot_has_live_appointment(s, slot_id)) {
    /* The old appointment keeps its slot (its history); the remaining time is a new one. */
    open_id = ar_store_new_id("slot");
    if (!exec(s, error,
              "INSERT INTO slot (id, schedule_id, start_ts, end_ts, status, modality, visit_type,"
              " source, opened_reason) VALUES (?, ?, ?, ?, 'free', ?, ?, 'reopened', ?)",
              "ttiittt", open_id, sl[0], start, end, sl[3], sl[4], ar_sched_reason_name(reason)))
      goto rollback;
  } else {
    open_id = g_strdup(slot_id);
    if (!exec(s, error, "UPDATE slot SET status = 'free', opened_reason = ? WHERE id = ?", "tt",
              ar_sched_reason_name(reason), slot_id))
      goto rollback;
  }
  if (!audit(s, now, "system", "slot.open", "slot", open_id, "success", detail, error) ||
      !ar_store_commit(s->store, error))
    goto rollback;
  ar_sched_open_in_engine(s, open_id, reason);
  return TRUE;
rollback:
  ar_store_rollback(s->store);
  return FALSE;
}
