/* Scheduling metrics from SQLite. Three cohorts, each counted by when it happened:
 * openings (slot_opening, written by triggers: migration 6) by opened_at, offers by sent_at,
 * bookings by the accepted AppointmentResponse's created_at. An opening's offers are those for
 * its slot sent between its opening and its closing. */
#include "scheduler_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE "('proposed','pending','booked','arrived','checked-in','fulfilled')"

static const char *const reason_names[AR_SCHED_OPENED_N] = {"cancelled", "noshow",  "early-finish",
                                                            "published", "cascade", "staff"};

const char *
ar_scheduler_stats_reason_name(ArSchedOpenedReason r)
{
  return (guint)r < AR_SCHED_OPENED_N ? reason_names[r] : "staff";
}

static ArSchedOpenedReason
reason_from(const char *name)
{
  for (guint i = 0; name && i < AR_SCHED_OPENED_N; i++)
    if (g_str_equal(name, reason_names[i]))
      return (ArSchedOpenedReason)i;
  return AR_SCHED_OPENED_STAFF;
}

const char *
ar_scheduler_stats_outcome_name(ArSchedOutcomeKind k)
{
  static const char *const names[] = {"booked", "declined", "expired"};
  return (guint)k < G_N_ELEMENTS(names) ? names[k] : "expired";
}

/* ?1 from, ?2 to, ?3 practitioner (NULL: all), ?4 now; a statement uses those it needs (binding
 * one it does not name is a harmless SQLITE_RANGE). */
static sqlite3_stmt *
prepare(ArStore *store, const char *sql, const ArSchedStatsQuery *q, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(store, sql, error);
  if (!st)
    return NULL;
  sqlite3_bind_int64(st, 1, q->from);
  sqlite3_bind_int64(st, 2, q->to);
  if (q->practitioner_id)
    sqlite3_bind_text(st, 3, q->practitioner_id, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, 3);
  sqlite3_bind_int64(st, 4, q->now);
  return st;
}

/* Steps to the end; FALSE with error when SQLite failed part-way. */
static gboolean
finished(ArStore *store, sqlite3_stmt *st, int rc, GError **error)
{
  sqlite3_reset(st);
  if (rc == SQLITE_DONE)
    return TRUE;
  g_set_error(error, AR_STORE_ERROR, AR_STORE_ERROR_SQL, "scheduling metrics: %s",
              sqlite3_errmsg(ar_store_db(store)));
  return FALSE;
}

static const char openings_sql[] =
    "SELECT o.reason, COALESCE(o.outcome, ''), o.closed_at IS NULL, sl.start_ts <= ?4,"
    " (SELECT COUNT(*) FROM offer f WHERE f.slot_id = o.slot_id AND f.sent_at >= o.opened_at"
    "  AND (o.closed_at IS NULL OR f.sent_at <= o.closed_at))"
    " FROM slot_opening o JOIN slot sl ON sl.id = o.slot_id"
    " WHERE o.opened_at >= ?1 AND o.opened_at < ?2 AND (?3 IS NULL OR o.practitioner_id = ?3)";

static gboolean
count_openings(ArStore *store, const ArSchedStatsQuery *q, ArSchedStats *m, GError **error)
{
  sqlite3_stmt *st = prepare(store, openings_sql, q, error);
  if (!st)
    return FALSE;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    m->slots_opened++;
    m->opened_by_reason[reason_from((const char *)sqlite3_column_text(st, 0))]++;
    const char *outcome = (const char *)sqlite3_column_text(st, 1);
    gboolean still_free = sqlite3_column_int(st, 2), started = sqlite3_column_int(st, 3);
    if (g_str_equal(outcome, "filled"))
      m->slots_filled++;
    else if (!still_free || started)
      m->slots_unfilled++; /* closed by staff, or it began with no one in it */
    else
      m->slots_still_open++;
    m->offers_for_opened += (guint)sqlite3_column_int64(st, 4);
  }
  return finished(store, st, rc, error);
}

/* Delivered: over the WebSocket, through the gateway, or answered (which proves it arrived). */
static const char offers_sql[] =
    "SELECT f.status, f.channel = 'live' OR f.status IN ('accepted','declined')"
    "  OR EXISTS (SELECT 1 FROM notification_outbox n WHERE n.offer_id = f.id"
    "  AND n.delivered_at IS NOT NULL),"
    " COALESCE((SELECT r.participant_status FROM appointment_response r WHERE r.offer_id = f.id"
    "  ORDER BY r.created_at DESC, r.id LIMIT 1), '')"
    " FROM offer f JOIN slot sl ON sl.id = f.slot_id JOIN schedule sc ON sc.id = sl.schedule_id"
    " WHERE f.sent_at >= ?1 AND f.sent_at < ?2 AND (?3 IS NULL OR sc.practitioner_id = ?3)";

static gboolean
count_offers(ArStore *store, const ArSchedStatsQuery *q, ArSchedStats *m, GError **error)
{
  sqlite3_stmt *st = prepare(store, offers_sql, q, error);
  if (!st)
    return FALSE;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *status = (const char *)sqlite3_column_text(st, 0);
    const char *answer = (const char *)sqlite3_column_text(st, 2);
    m->offers_sent++;
    m->offers_delivered += sqlite3_column_int(st, 1) != 0;
    if (g_str_equal(answer, "accepted"))
      m->accepted++;
    else if (g_str_equal(answer, "declined"))
      m->declined++;
    else if (g_str_equal(answer, "needs-action"))
      m->expired++;
    else if (g_str_equal(status, "withdrawn"))
      m->withdrawn++;
    else if (g_str_equal(status, "sent"))
      m->pending++;
  }
  return finished(store, st, rc, error);
}

/* The old appointment is the one the waiting-list entry held when the offer was made. */
#define BOOKINGS_FROM                                                                              \
  " FROM appointment_response r JOIN offer f ON f.id = r.offer_id"                                 \
  " JOIN appointment na ON na.id = r.appointment_id"                                               \
  " LEFT JOIN waitlist_entry w ON w.id = f.waitlist_entry_id"                                      \
  " LEFT JOIN appointment oa ON oa.id = w.appointment_id AND oa.id != na.id"

static const char bookings_sql[] =
    "SELECT oa.start_ts - na.start_ts" BOOKINGS_FROM
    " WHERE r.participant_status = 'accepted' AND r.created_at >= ?1 AND r.created_at < ?2"
    " AND (?3 IS NULL OR na.practitioner_id = ?3)";

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
median(GArray *v)
{
  if (v->len == 0)
    return NAN;
  qsort(v->data, v->len, sizeof(double), cmp_double);
  const double *d = (const double *)v->data;
  return v->len % 2 ? d[v->len / 2] : (d[v->len / 2 - 1] + d[v->len / 2]) / 2;
}

static gboolean
count_bookings(ArStore *store, const ArSchedStatsQuery *q, ArSchedStats *m, GError **error)
{
  sqlite3_stmt *st = prepare(store, bookings_sql, q, error);
  if (!st)
    return FALSE;
  g_autoptr(GArray) days = g_array_new(FALSE, FALSE, sizeof(double));
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    m->bookings++;
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
      continue;
    double d = (double)sqlite3_column_int64(st, 0) / 86400.0;
    g_array_append_val(days, d);
  }
  if (!finished(store, st, rc, error))
    return FALSE;
  m->days_sooner_samples = days->len;
  m->median_days_sooner = median(days);
  return TRUE;
}

static gboolean
count_now(ArStore *store, const ArSchedStatsQuery *q, ArSchedStats *m, GError **error)
{
  sqlite3_stmt *st = prepare(
      store,
      "SELECT (SELECT COUNT(*) FROM slot sl JOIN schedule sc ON sc.id = sl.schedule_id"
      "  WHERE sl.status = 'free' AND sl.start_ts > ?4 AND (?3 IS NULL OR sc.practitioner_id = ?3)"
      "  AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = sl.id AND a.status IN " LIVE
      ")),"
      " (SELECT COUNT(*) FROM offer f JOIN slot sl ON sl.id = f.slot_id JOIN schedule sc"
      "  ON sc.id = sl.schedule_id WHERE f.status = 'sent' AND f.expires_at > ?4"
      "  AND (?3 IS NULL OR sc.practitioner_id = ?3))",
      q, error);
  if (!st)
    return FALSE;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    m->open_slots = (guint)sqlite3_column_int64(st, 0);
    m->offers_in_flight = (guint)sqlite3_column_int64(st, 1);
    rc = sqlite3_step(st);
  }
  return finished(store, st, rc, error);
}

static double
ratio(guint a, guint b)
{
  return b ? (double)a / b : NAN;
}

gboolean
ar_scheduler_stats_compute(ArStore *store, const ArSchedStatsQuery *q, ArSchedStats *out,
                           GError **error)
{
  memset(out, 0, sizeof *out);
  if (!count_openings(store, q, out, error) || !count_offers(store, q, out, error) ||
      !count_bookings(store, q, out, error) || !count_now(store, q, out, error))
    return FALSE;
  out->fill_rate = ratio(out->slots_filled, out->slots_opened);
  out->offers_per_fill = ratio(out->offers_for_opened, out->slots_filled);
  out->acceptance = ratio(out->accepted, out->offers_delivered);
  return TRUE;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
  const char *v = (const char *)sqlite3_column_text(st, i);
  return g_strdup(v ? v : "");
}

void
ar_sched_open_slot_clear(ArSchedOpenSlot *o)
{
  g_clear_pointer(&o->slot_id, g_free);
  g_clear_pointer(&o->practitioner_id, g_free);
  g_clear_pointer(&o->practitioner_name, g_free);
  g_clear_pointer(&o->modality, g_free);
  g_clear_pointer(&o->reason, g_free);
}

/* The latest opening of each free slot names its reason; offers counted are this opening's. */
static const char open_slots_sql[] =
    "SELECT sl.id, sc.practitioner_id, p.display_name, sl.modality, sl.start_ts, sl.end_ts,"
    " COALESCE(o.reason, sl.opened_reason, 'published'), COALESCE(o.opened_at, 0),"
    " (SELECT COUNT(*) FROM offer f WHERE f.slot_id = sl.id AND f.status = 'sent'"
    "  AND f.expires_at > ?4),"
    " (SELECT COUNT(*) FROM offer f WHERE f.slot_id = sl.id"
    "  AND f.sent_at >= COALESCE(o.opened_at, 0)),"
    " (SELECT COALESCE(MIN(f.expires_at), 0) FROM offer f WHERE f.slot_id = sl.id"
    "  AND f.status = 'sent' AND f.expires_at > ?4)"
    " FROM slot sl JOIN schedule sc ON sc.id = sl.schedule_id"
    " JOIN practitioner p ON p.id = sc.practitioner_id"
    " LEFT JOIN slot_opening o ON o.id = (SELECT MAX(id) FROM slot_opening"
    "  WHERE slot_id = sl.id AND closed_at IS NULL)"
    " WHERE sl.status = 'free' AND sl.start_ts > ?4 AND (?3 IS NULL OR sc.practitioner_id = ?3)"
    " AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = sl.id AND a.status IN " LIVE ")"
    " ORDER BY sl.start_ts, sl.id LIMIT ?5";

GArray *
ar_scheduler_stats_open_slots(ArStore *store, const ArSchedStatsQuery *q, guint limit,
                              GError **error)
{
  sqlite3_stmt *st = prepare(store, open_slots_sql, q, error);
  if (!st)
    return NULL;
  sqlite3_bind_int64(st, 5, limit);
  GArray *out = g_array_new(FALSE, TRUE, sizeof(ArSchedOpenSlot));
  g_array_set_clear_func(out, (GDestroyNotify)ar_sched_open_slot_clear);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ArSchedOpenSlot o = {
        .slot_id = col_dup(st, 0),
        .practitioner_id = col_dup(st, 1),
        .practitioner_name = col_dup(st, 2),
        .modality = col_dup(st, 3),
        .start = sqlite3_column_int64(st, 4),
        .end = sqlite3_column_int64(st, 5),
        .reason = g_strdup(
            ar_scheduler_stats_reason_name(reason_from((const char *)sqlite3_column_text(st, 6)))),
        .opened_at = sqlite3_column_int64(st, 7),
        .offers_in_flight = (guint)sqlite3_column_int64(st, 8),
        .offers_made = (guint)sqlite3_column_int64(st, 9),
        .next_expiry = sqlite3_column_int64(st, 10),
    };
    g_array_append_val(out, o);
  }
  if (!finished(store, st, rc, error)) {
    g_array_unref(out);
    return NULL;
  }
  return out;
}

void
ar_sched_outcome_clear(ArSchedOutcome *o)
{
  g_clear_pointer(&o->slot_id, g_free);
  g_clear_pointer(&o->practitioner_id, g_free);
  g_clear_pointer(&o->practitioner_name, g_free);
  g_clear_pointer(&o->modality, g_free);
}

static const char outcomes_sql[] =
    "SELECT r.participant_status, r.created_at, sl.id, sc.practitioner_id, p.display_name,"
    " sl.modality, sl.start_ts,"
    " (SELECT oa.start_ts - na.start_ts FROM appointment na"
    "  JOIN waitlist_entry w ON w.id = f.waitlist_entry_id"
    "  JOIN appointment oa ON oa.id = w.appointment_id AND oa.id != na.id"
    "  WHERE na.id = r.appointment_id)"
    " FROM appointment_response r JOIN offer f ON f.id = r.offer_id"
    " JOIN slot sl ON sl.id = f.slot_id JOIN schedule sc ON sc.id = sl.schedule_id"
    " JOIN practitioner p ON p.id = sc.practitioner_id"
    " WHERE r.participant_status IN ('accepted','declined','needs-action')"
    " AND r.created_at >= ?1 AND r.created_at < ?2 AND (?3 IS NULL OR sc.practitioner_id = ?3)"
    " ORDER BY r.created_at DESC, r.id DESC LIMIT ?5";

GArray *
ar_scheduler_stats_outcomes(ArStore *store, const ArSchedStatsQuery *q, guint limit, GError **error)
{
  sqlite3_stmt *st = prepare(store, outcomes_sql, q, error);
  if (!st)
    return NULL;
  sqlite3_bind_int64(st, 5, limit);
  GArray *out = g_array_new(FALSE, TRUE, sizeof(ArSchedOutcome));
  g_array_set_clear_func(out, (GDestroyNotify)ar_sched_outcome_clear);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *status = (const char *)sqlite3_column_text(st, 0);
    ArSchedOutcome o = {
        .kind = g_str_equal(status, "accepted")   ? AR_SCHED_OUTCOME_BOOKED
                : g_str_equal(status, "declined") ? AR_SCHED_OUTCOME_DECLINED
                                                  : AR_SCHED_OUTCOME_EXPIRED,
        .at = sqlite3_column_int64(st, 1),
        .slot_id = col_dup(st, 2),
        .practitioner_id = col_dup(st, 3),
        .practitioner_name = col_dup(st, 4),
        .modality = col_dup(st, 5),
        .slot_start = sqlite3_column_int64(st, 6),
        .days_sooner = sqlite3_column_type(st, 7) == SQLITE_NULL
                           ? NAN
                           : (double)sqlite3_column_int64(st, 7) / 86400.0,
    };
    g_array_append_val(out, o);
  }
  if (!finished(store, st, rc, error)) {
    g_array_unref(out);
    return NULL;
  }
  return out;
}

gboolean
ar_scheduler_stats_parse_day(const char *text, gint64 *unix_s)
{
  unsigned y, m, d;
  char tail;
  if (!text || strlen(text) != 10 || sscanf(text, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
      text[4] != '-' || text[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit(text[i]))
      return FALSE;
  if (y < 1970 || y > 9999 || !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
    return FALSE;
  g_autoptr(GDateTime) dt = g_date_time_new_utc((int)y, (int)m, (int)d, 0, 0, 0);
  if (!dt)
    return FALSE;
  *unix_s = g_date_time_to_unix(dt);
  return TRUE;
}

GPtrArray *
ar_scheduler_stats_clinicians(ArStore *store, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(store,
                                      "SELECT id, display_name FROM practitioner WHERE role ="
                                      " 'clinician' AND active = 1 ORDER BY display_name, id",
                                      error);
  if (!st)
    return NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    g_ptr_array_add(out, col_dup(st, 0));
    g_ptr_array_add(out, col_dup(st, 1));
  }
  if (!finished(store, st, rc, error)) {
    g_ptr_array_unref(out);
    return NULL;
  }
  return out;
}
