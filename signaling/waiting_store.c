/* The waiting room's store side: an entry's lobby_state row, and loading the day (today's
 * appointments with their saved states, and the visit history that teaches visit lengths and
 * scores past ETAs). A restart brings present patients back AWAY with a fresh grace period. */
#include "waiting_room_private.h"

gboolean
ar_wr_persist(ArWaitingRoom *wr, const ArWaitingEntry *e, gint64 now, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(
      wr->store,
      "INSERT INTO lobby_state (appointment_id, state, arrived_at, ready_at, early, network,"
      " devices, started_at, ended_at, interpreter_language, interpreter_id, eta, eta_low,"
      " eta_high, updated_at, guests) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
      " ON CONFLICT(appointment_id) DO UPDATE SET state = excluded.state,"
      " arrived_at = excluded.arrived_at, ready_at = excluded.ready_at, early = excluded.early,"
      " network = excluded.network, devices = excluded.devices, started_at = excluded.started_at,"
      " ended_at = excluded.ended_at, interpreter_language = excluded.interpreter_language,"
      " interpreter_id = excluded.interpreter_id, eta = excluded.eta, eta_low = excluded.eta_low,"
      " eta_high = excluded.eta_high, updated_at = excluded.updated_at, guests = excluded.guests",
      error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, e->appointment_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, ar_waiting_room_state_name(e->state), -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, e->arrived_at);
  sqlite3_bind_int64(st, 4, e->ready_at);
  sqlite3_bind_int(st, 5, e->early);
  sqlite3_bind_text(st, 6, e->network, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 7, (int)e->devices);
  sqlite3_bind_int64(st, 8, e->started_at);
  sqlite3_bind_int64(st, 9, e->ended_at);
  sqlite3_bind_text(st, 10, e->interpreter_language, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 11, e->interpreter_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 12, e->shown.eta);
  sqlite3_bind_int64(st, 13, e->shown.eta_low);
  sqlite3_bind_int64(st, 14, e->shown.eta_high);
  sqlite3_bind_int64(st, 15, now);
  sqlite3_bind_text(st, 16, e->guests_wait ? "waiting" : "direct", -1, SQLITE_STATIC);
  return ar_store_step_done(wr->store, st, error);
}

#define ENTRY_SQL                                                                                  \
  "SELECT a.id, a.practitioner_id, p.clinic_id, a.patient_id, a.visit_type, a.start_ts,"           \
  " a.end_ts, a.status, a.interpreter_language, l.state, l.arrived_at, l.ready_at, l.early,"       \
  " l.network, l.devices, l.started_at, l.ended_at, l.interpreter_language, l.interpreter_id,"     \
  " l.eta, l.eta_low, l.eta_high, l.guests, a.appointment_type"                                    \
  " FROM appointment a JOIN practitioner p ON p.id = a.practitioner_id"                            \
  " LEFT JOIN lobby_state l ON l.appointment_id = a.id"                                            \
  " WHERE a.start_ts >= ? AND a.start_ts < ?"                                                      \
  " AND a.status NOT IN ('cancelled','entered-in-error','waitlist','proposed')"

char *
ar_wr_col_dup(sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text(st, i);
  return t ? g_strdup((const char *)t) : NULL;
}

static ArWaitingEntry *
entry_from_row(sqlite3_stmt *st, gint64 now)
{
  ArWaitingEntry *e = g_new0(ArWaitingEntry, 1);
  e->appointment_id = ar_wr_col_dup(st, 0);
  e->practitioner_id = ar_wr_col_dup(st, 1);
  e->clinic_id = ar_wr_col_dup(st, 2);
  e->patient_id = ar_wr_col_dup(st, 3);
  e->visit_type = ar_wr_col_dup(st, 4);
  e->scheduled_start = sqlite3_column_int64(st, 5);
  e->scheduled_end = sqlite3_column_int64(st, 6);
  const char *status = (const char *)sqlite3_column_text(st, 7);
  g_strlcpy(e->network, "unknown", sizeof e->network);
  e->walk_in = g_strcmp0((const char *)sqlite3_column_text(st, 23), AR_WAITING_WALK_IN_TYPE) == 0;
  if (sqlite3_column_type(st, 9) == SQLITE_NULL) {
    /* Never seen by the waiting room: the calendar says what happened. */
    e->state = g_strcmp0(status, "fulfilled") == 0 ? AR_QUEUE_STATE_DONE
               : g_strcmp0(status, "noshow") == 0  ? AR_QUEUE_STATE_NO_SHOW
                                                   : AR_QUEUE_STATE_NOT_ARRIVED;
    e->interpreter_language = ar_wr_col_dup(st, 8);
    return e;
  }
  e->state = ar_wr_state_from_name((const char *)sqlite3_column_text(st, 9));
  e->arrived_at = sqlite3_column_int64(st, 10);
  e->ready_at = sqlite3_column_int64(st, 11);
  e->early = sqlite3_column_int(st, 12) != 0;
  if (sqlite3_column_text(st, 13))
    g_strlcpy(e->network, (const char *)sqlite3_column_text(st, 13), sizeof e->network);
  e->devices = (guint)sqlite3_column_int(st, 14);
  e->started_at = sqlite3_column_int64(st, 15);
  e->ended_at = sqlite3_column_int64(st, 16);
  e->interpreter_language = ar_wr_col_dup(st, 17);
  e->interpreter_id = ar_wr_col_dup(st, 18);
  e->shown = (ArQueueEstimate){.in_line = sqlite3_column_int64(st, 19) > 0,
                               .eta = sqlite3_column_int64(st, 19),
                               .eta_low = sqlite3_column_int64(st, 20),
                               .eta_high = sqlite3_column_int64(st, 21)};
  e->guests_wait = g_strcmp0((const char *)sqlite3_column_text(st, 22), "waiting") == 0;
  if (ar_wr_is_present(e->state)) {
    /* Their connection went with the old process: a grace period to come back, from now. */
    e->state_before_away = e->ready_at > 0 ? AR_QUEUE_STATE_READY : AR_QUEUE_STATE_CHECKING_DEVICES;
    e->state = AR_QUEUE_STATE_AWAY;
    e->away_since = now;
  }
  return e;
}

/* Adds the appointments of the window not known yet; with id, only that one. */
gboolean
ar_wr_load_entries(ArWaitingRoom *wr, gint64 now, const char *id, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(wr->store, id ? ENTRY_SQL " AND a.id = ?" : ENTRY_SQL, error);
  if (!st)
    return FALSE;
  sqlite3_bind_int64(st, 1, now - AR_WAITING_ROOM_WINDOW_S);
  sqlite3_bind_int64(st, 2, now + AR_WAITING_ROOM_WINDOW_S);
  if (id)
    sqlite3_bind_text(st, 3, id, -1, SQLITE_TRANSIENT);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *aid = (const char *)sqlite3_column_text(st, 0);
    if (g_hash_table_contains(wr->entries, aid))
      continue;
    ArWaitingEntry *e = entry_from_row(st, now);
    g_hash_table_insert(wr->entries, e->appointment_id, e);
    ar_wr_line_add(wr, e);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return ar_store_fail(wr->store, error, "loading the waiting room");
  return TRUE;
}

/* Past visits teach each visit type's length; past starts score the ETAs shown. */
static gboolean
load_history(ArWaitingRoom *wr, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(
      wr->store,
      "SELECT a.visit_type, a.end_ts - a.start_ts, l.started_at, l.ended_at, l.eta, l.eta_low,"
      " l.eta_high FROM lobby_state l JOIN appointment a ON a.id = l.appointment_id"
      " WHERE l.started_at > 0 ORDER BY l.started_at",
      error);
  if (!st)
    return FALSE;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    gint64 started = sqlite3_column_int64(st, 2), ended = sqlite3_column_int64(st, 3);
    guint t = ar_wr_visit_type_index(wr, (const char *)sqlite3_column_text(st, 0),
                                     sqlite3_column_int64(st, 1));
    if (ended > started)
      ar_queue_model_duration_add(&g_array_index(wr->durations, ArDurationStats, t),
                                  ended - started);
    ArQueueEstimate shown = {.in_line = TRUE,
                             .eta = sqlite3_column_int64(st, 4),
                             .eta_low = sqlite3_column_int64(st, 5),
                             .eta_high = sqlite3_column_int64(st, 6)};
    if (shown.eta > 0)
      ar_queue_model_record_start(&wr->errors, &shown, started);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE)
    return ar_store_fail(wr->store, error, "loading visit history");
  return TRUE;
}

gboolean
ar_waiting_room_load(ArWaitingRoom *wr, gint64 now, GError **error)
{
  if (!load_history(wr, error) || !ar_wr_load_entries(wr, now, NULL, error))
    return FALSE;
  GHashTableIter it;
  gpointer v;
  /* Write back the AWAY of patients who were present when the server stopped. */
  g_hash_table_iter_init(&it, wr->entries);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    const ArWaitingEntry *e = v;
    if (e->state == AR_QUEUE_STATE_AWAY && !ar_wr_persist(wr, e, now, error))
      return FALSE;
  }
  wr->last_refresh = now;
  ar_wr_recompute_all(wr, now, FALSE);
  return TRUE;
}
