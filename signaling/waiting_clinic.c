/* What the clinic does to an entry: admit, end, no-show (the appointment too), transfer to
 * another clinician of the clinic, "running late", guests waiting and the interpreter. */
#include "waiting_room_private.h"

static gboolean
closed_state(ArQueueState st, GError **error)
{
  switch (st) {
  case AR_QUEUE_STATE_IN_VISIT:
    return ar_wr_bad_state(error, "this patient has already been admitted");
  case AR_QUEUE_STATE_DONE:
    return ar_wr_bad_state(error, "this visit is closed");
  case AR_QUEUE_STATE_NO_SHOW:
    return ar_wr_bad_state(error, "this patient was marked no-show");
  default:
    return TRUE;
  }
}

gboolean
ar_waiting_room_admit(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, error);
  if (!e || !closed_state(e->state, error))
    return FALSE;
  if (e->state == AR_QUEUE_STATE_AWAY)
    return ar_wr_bad_state(error,
                           "the patient has left the waiting room; wait for them to come back");
  if (e->state == AR_QUEUE_STATE_NOT_ARRIVED)
    return ar_wr_bad_state(error, "the patient has not checked in");
  ArWaitingEntry before = *e;
  e->state = AR_QUEUE_STATE_IN_VISIT;
  e->started_at = now;
  if (e->shown.eta == 0 && e->estimate.in_line)
    e->shown = e->estimate; /* admitted before ever being ready */
  if (!ar_wr_commit(wr, e, &before, now, error))
    return FALSE;
  if (e->shown.eta > 0)
    ar_queue_model_record_start(&wr->errors, &e->shown, now);
  return TRUE;
}

gboolean
ar_waiting_room_end(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (e->state != AR_QUEUE_STATE_IN_VISIT)
    return ar_wr_bad_state(error, "this visit is not in progress");
  ArWaitingEntry before = *e;
  e->state = AR_QUEUE_STATE_DONE;
  e->ended_at = now;
  if (!ar_wr_commit(wr, e, &before, now, error))
    return FALSE;
  guint t = ar_wr_visit_type_index(wr, e->visit_type, e->scheduled_end - e->scheduled_start);
  ar_queue_model_duration_add(&g_array_index(wr->durations, ArDurationStats, t),
                              now - e->started_at);
  return TRUE;
}

gboolean
ar_waiting_room_noshow(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, error);
  if (!e || !closed_state(e->state, error))
    return FALSE;
  if (e->state == AR_QUEUE_STATE_CHECKING_DEVICES || e->state == AR_QUEUE_STATE_READY)
    return ar_wr_bad_state(error, "the patient is in the waiting room now");
  if (!ar_store_begin(wr->store, error))
    return FALSE;
  sqlite3_stmt *st =
      ar_store_prepare(wr->store, "UPDATE appointment SET status = 'noshow' WHERE id = ?", error);
  if (st)
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  ArWaitingEntry before = *e;
  e->state = AR_QUEUE_STATE_NO_SHOW;
  if (!st || !ar_store_step_done(wr->store, st, error) || !ar_wr_persist(wr, e, now, error) ||
      !ar_store_commit(wr->store, error)) {
    ar_store_rollback(wr->store);
    *e = before;
    return FALSE;
  }
  ar_wr_recompute(wr, ar_wr_line_for(wr, e->practitioner_id), now, e,
                  AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE, FALSE);
  return TRUE;
}

static char *
clinician_clinic(ArWaitingRoom *wr, const char *practitioner_id)
{
  sqlite3_stmt *st = ar_store_prepare(
      wr->store,
      "SELECT clinic_id FROM practitioner WHERE id = ? AND role = 'clinician' AND active = 1",
      NULL);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, practitioner_id, -1, SQLITE_STATIC);
  char *clinic = sqlite3_step(st) == SQLITE_ROW ? ar_wr_col_dup(st, 0) : NULL;
  sqlite3_reset(st);
  return clinic;
}

gboolean
ar_waiting_room_transfer(ArWaitingRoom *wr, const char *id, const char *practitioner_id, gint64 now,
                         GError **error)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, error);
  if (!e || !closed_state(e->state, error))
    return FALSE;
  g_autofree char *clinic = clinician_clinic(wr, practitioner_id);
  if (!clinic || g_strcmp0(clinic, e->clinic_id) != 0) {
    g_set_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND,
                "no clinician %s in this clinic", practitioner_id);
    return FALSE;
  }
  if (g_str_equal(practitioner_id, e->practitioner_id))
    return ar_wr_bad_state(error, "the appointment is already with this clinician");
  sqlite3_stmt *st =
      ar_store_prepare(wr->store, "UPDATE appointment SET practitioner_id = ? WHERE id = ?", error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, practitioner_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  if (!ar_store_step_done(wr->store, st, error))
    return FALSE;
  Line *old = ar_wr_line_for(wr, e->practitioner_id);
  g_ptr_array_remove(old->entries, e);
  e->transferred_from = e->practitioner_id;
  e->practitioner_id = g_strdup(practitioner_id);
  ar_wr_line_add(wr, e);
  /* The old line hears of it first (its lobby drops the row), then both lines move up. */
  if (wr->notify)
    wr->notify(e, AR_WAITING_CHANGED_LOBBY, wr->user_data);
  g_clear_pointer(&e->transferred_from, g_free);
  ar_wr_recompute(wr, old, now, NULL, 0, FALSE);
  ar_wr_recompute(wr, ar_wr_line_for(wr, e->practitioner_id), now, e,
                  AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE, FALSE);
  return TRUE;
}

void
ar_waiting_room_set_announced_late(ArWaitingRoom *wr, const char *practitioner_id, gint64 late_s,
                                   gint64 now)
{
  Line *l = ar_wr_line_for(wr, practitioner_id);
  l->announced_late_s = MAX(late_s, 0);
  ar_wr_recompute(wr, l, now, NULL, 0, FALSE);
}

gboolean
ar_waiting_room_set_guests_wait(ArWaitingRoom *wr, const char *id, gboolean wait, gint64 now,
                                GError **error)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, error);
  if (!e)
    return FALSE;
  ArWaitingEntry before = *e;
  e->guests_wait = wait;
  return ar_wr_commit(wr, e, &before, now, error);
}

gboolean
ar_waiting_room_set_interpreter(ArWaitingRoom *wr, const char *id, const char *language,
                                const char *interpreter_id, gint64 now, GError **error)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (e->state == AR_QUEUE_STATE_DONE || e->state == AR_QUEUE_STATE_NO_SHOW)
    return ar_wr_bad_state(error, "this visit is closed");
  char *old_lang = e->interpreter_language, *old_id = e->interpreter_id;
  e->interpreter_language = g_strdup(language);
  e->interpreter_id = g_strdup(interpreter_id);
  if (!ar_wr_persist(wr, e, now, error)) {
    g_free(e->interpreter_language);
    g_free(e->interpreter_id);
    e->interpreter_language = old_lang;
    e->interpreter_id = old_id;
    return FALSE;
  }
  g_free(old_lang);
  g_free(old_id);
  ar_wr_recompute(wr, ar_wr_line_for(wr, e->practitioner_id), now, e, AR_WAITING_CHANGED_LOBBY,
                  FALSE);
  return TRUE;
}
