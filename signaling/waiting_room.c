/* Waiting-room state per appointment, one line per clinician. Every change is written to
 * lobby_state first and only then applied to the line and announced, so what patients are told
 * is always what a restart would load. The queue model decides positions and ETAs; this file
 * keeps the lines, runs the model over them and notices what changed. The store side is in
 * waiting_store.c, the changes themselves in waiting_patient.c and waiting_clinic.c. */
#include "waiting_room_private.h"

#include <string.h>

G_DEFINE_QUARK(ar - waiting - room - error - quark, ar_waiting_room_error)

static const char *const state_names[] = {
    "not_arrived", "checking_devices", "ready", "away", "in_visit", "done", "no_show"};

const char *
ar_waiting_room_state_name(ArQueueState st)
{
  return (guint)st < G_N_ELEMENTS(state_names) ? state_names[st] : "unknown";
}

ArQueueState
ar_wr_state_from_name(const char *name)
{
  for (guint i = 0; name && i < G_N_ELEMENTS(state_names); i++)
    if (g_str_equal(name, state_names[i]))
      return (ArQueueState)i;
  return AR_QUEUE_STATE_NOT_ARRIVED;
}

gboolean
ar_wr_is_present(ArQueueState st)
{
  return st == AR_QUEUE_STATE_CHECKING_DEVICES || st == AR_QUEUE_STATE_READY ||
         st == AR_QUEUE_STATE_AWAY;
}

static void
entry_free(gpointer p)
{
  ArWaitingEntry *e = p;
  g_free(e->appointment_id);
  g_free(e->practitioner_id);
  g_free(e->clinic_id);
  g_free(e->patient_id);
  g_free(e->visit_type);
  g_free(e->interpreter_language);
  g_free(e->interpreter_id);
  g_free(e);
}

static void
line_free(gpointer p)
{
  Line *l = p;
  g_free(l->practitioner_id);
  g_ptr_array_unref(l->entries);
  g_free(l);
}

/* ---- visit types and their duration statistics ---- */

guint
ar_wr_visit_type_index(ArWaitingRoom *wr, const char *name, gint64 booked_len_s)
{
  for (guint i = 0; i < wr->type_names->len; i++)
    if (g_str_equal(g_ptr_array_index(wr->type_names, i), name))
      return i;
  /* Until history exists, a visit is expected to take the time it was booked for. */
  ArDurationStats st;
  ar_queue_model_duration_init(&st, booked_len_s > 0 ? booked_len_s : 0);
  g_ptr_array_add(wr->type_names, g_strdup(name));
  g_array_append_val(wr->durations, st);
  return wr->type_names->len - 1;
}

/* ---- lines ---- */

static gint
by_scheduled(gconstpointer a, gconstpointer b)
{
  const ArWaitingEntry *x = *(ArWaitingEntry *const *)a, *y = *(ArWaitingEntry *const *)b;
  if (x->scheduled_start != y->scheduled_start)
    return x->scheduled_start < y->scheduled_start ? -1 : 1;
  return g_strcmp0(x->appointment_id, y->appointment_id);
}

Line *
ar_wr_line_for(ArWaitingRoom *wr, const char *practitioner_id)
{
  Line *l = g_hash_table_lookup(wr->lines, practitioner_id);
  if (!l) {
    l = g_new0(Line, 1);
    l->practitioner_id = g_strdup(practitioner_id);
    l->entries = g_ptr_array_new();
    g_hash_table_insert(wr->lines, l->practitioner_id, l);
  }
  return l;
}

void
ar_wr_line_add(ArWaitingRoom *wr, ArWaitingEntry *e)
{
  Line *l = ar_wr_line_for(wr, e->practitioner_id);
  g_ptr_array_add(l->entries, e);
  g_ptr_array_sort(l->entries, by_scheduled);
}

ArQueueAppointment *
ar_wr_line_input(ArWaitingRoom *wr, Line *l, guint extra)
{
  guint n = l->entries->len;
  ArQueueAppointment *apps = g_new0(ArQueueAppointment, MAX(n + extra, 1));
  for (guint i = 0; i < n; i++) {
    const ArWaitingEntry *e = g_ptr_array_index(l->entries, i);
    apps[i] = (ArQueueAppointment){
        .id = e->appointment_id,
        .scheduled_start = e->scheduled_start,
        .visit_type =
            ar_wr_visit_type_index(wr, e->visit_type, e->scheduled_end - e->scheduled_start),
        .state = e->state,
        .arrived_at = e->arrived_at,
        .started_at = e->started_at,
        .walk_in = e->walk_in,
    };
  }
  return apps;
}

/* The queue model over one line, now: every entry whose estimate moved (or that is owed a
 * change) is told once. Ready patients get their first shown estimate saved here, since only
 * the model's pass knows it. */
static void
recompute_now(ArWaitingRoom *wr, Line *l, gint64 now, gboolean everyone)
{
  guint n = l->entries->len;
  everyone = everyone || l->dirty_everyone;
  l->dirty = l->dirty_everyone = FALSE;
  g_autofree ArQueueAppointment *apps = ar_wr_line_input(wr, l, 0);
  ArQueueInput in = {apps, n, (const ArDurationStats *)(void *)wr->durations->data,
                     wr->durations->len, l->announced_late_s};
  ArQueueResult res = {0};
  ar_queue_model_result_init(&res, n);
  ar_queue_model_compute(&in, now, &res);
  gboolean late_changed = res.running_late_s != l->running_late_s;
  l->running_late_s = res.running_late_s;
  for (guint i = 0; i < n; i++) {
    ArWaitingEntry *e = g_ptr_array_index(l->entries, i);
    guint changes = e->pending_changes;
    e->pending_changes = 0;
    if (memcmp(&e->estimate, &res.estimates[i], sizeof e->estimate) != 0 ||
        (late_changed && ar_wr_is_present(e->state)))
      changes |= AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE;
    if (everyone && ar_wr_is_present(e->state))
      changes |= AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE;
    e->estimate = res.estimates[i];
    /* The first estimate a ready patient sees is the one to score: save it once known. */
    if (e->state == AR_QUEUE_STATE_READY && e->shown.eta == 0 && e->estimate.in_line) {
      e->shown = e->estimate;
      g_autoptr(GError) error = NULL;
      if (!ar_wr_persist(wr, e, now, &error))
        g_warning("waiting room: saving the shown estimate: %s", error->message);
    }
    if (changes && wr->notify)
      wr->notify(e, changes, wr->user_data);
  }
  ar_queue_model_result_clear(&res);
}

void
ar_wr_recompute(ArWaitingRoom *wr, Line *l, gint64 now, const ArWaitingEntry *forced,
                guint forced_changes, gboolean everyone)
{
  if (forced)
    ((ArWaitingEntry *)forced)->pending_changes |= forced_changes;
  if (!wr->schedule || (forced && forced->transferred_from)) {
    recompute_now(wr, l, now, everyone);
    return;
  }
  l->dirty = TRUE;
  l->dirty_everyone = l->dirty_everyone || everyone;
  if (!wr->flush_owed) {
    wr->flush_owed = TRUE;
    wr->schedule(wr->schedule_data);
  }
}

void
ar_waiting_room_defer_updates(ArWaitingRoom *wr, ArWaitingSchedule schedule, gpointer user_data)
{
  wr->schedule = schedule;
  wr->schedule_data = user_data;
}

guint
ar_waiting_room_flush(ArWaitingRoom *wr, gint64 now)
{
  /* Cleared first: a notification that changes an entry again (a send that fails and drops
   * the connection) marks its line dirty for the next flush instead of being lost. */
  wr->flush_owed = FALSE;
  guint done = 0;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, wr->lines);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    Line *l = v;
    if (!l->dirty)
      continue;
    recompute_now(wr, l, now, FALSE);
    done++;
  }
  return done;
}

gboolean
ar_waiting_room_dirty(const ArWaitingRoom *wr)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, wr->lines);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (((Line *)v)->dirty)
      return TRUE;
  return FALSE;
}

ArWaitingRoom *
ar_waiting_room_new(ArStore *store, gint64 grace_s, ArWaitingNotify notify, gpointer user_data)
{
  ArWaitingRoom *wr = g_new0(ArWaitingRoom, 1);
  wr->store = store;
  wr->grace_s = grace_s;
  wr->notify = notify;
  wr->user_data = user_data;
  wr->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
  wr->lines = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, line_free);
  wr->type_names = g_ptr_array_new_with_free_func(g_free);
  wr->durations = g_array_new(FALSE, TRUE, sizeof(ArDurationStats));
  ar_queue_model_error_init(&wr->errors);
  return wr;
}

void
ar_waiting_room_free(ArWaitingRoom *wr)
{
  if (!wr)
    return;
  g_hash_table_unref(wr->lines);
  g_hash_table_unref(wr->entries);
  g_ptr_array_unref(wr->type_names);
  g_array_unref(wr->durations);
  g_free(wr);
}

void
ar_wr_recompute_all(ArWaitingRoom *wr, gint64 now, gboolean everyone)
{
  GHashTableIter it;
  gpointer line;
  g_hash_table_iter_init(&it, wr->lines);
  while (g_hash_table_iter_next(&it, NULL, &line))
    ar_wr_recompute(wr, line, now, NULL, 0, everyone);
}

const ArWaitingEntry *
ar_waiting_room_lookup(ArWaitingRoom *wr, const char *appointment_id, gint64 now)
{
  ArWaitingEntry *e = g_hash_table_lookup(wr->entries, appointment_id);
  if (e)
    return e;
  /* Booked since the last load (or seeded after start-up): its whole day comes with it, since
   * the appointments around it decide its place. */
  ar_waiting_room_refresh(wr, now);
  return g_hash_table_lookup(wr->entries, appointment_id);
}

void
ar_waiting_room_refresh(ArWaitingRoom *wr, gint64 now)
{
  guint before = g_hash_table_size(wr->entries);
  g_autoptr(GError) error = NULL;
  if (!ar_wr_load_entries(wr, now, NULL, &error))
    g_warning("waiting room: %s", error->message);
  if (g_hash_table_size(wr->entries) != before)
    ar_wr_recompute_all(wr, now, FALSE);
}

/* ---- changes ---- */

ArWaitingEntry *
ar_wr_find(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = (ArWaitingEntry *)ar_waiting_room_lookup(wr, id, now);
  if (!e)
    g_set_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND,
                "no appointment %s today", id);
  return e;
}

gboolean
ar_wr_bad_state(GError **error, const char *why)
{
  g_set_error_literal(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_BAD_STATE, why);
  return FALSE;
}

/* Saves the entry after a change; on failure puts back `before` (scalars only: callers that
 * change strings restore those themselves) so memory keeps matching the store. */
gboolean
ar_wr_commit(ArWaitingRoom *wr, ArWaitingEntry *e, const ArWaitingEntry *before, gint64 now,
             GError **error)
{
  g_autoptr(GError) local = NULL;
  if (!ar_wr_persist(wr, e, now, &local)) {
    char *keep[] = {e->appointment_id, e->practitioner_id,      e->clinic_id,     e->patient_id,
                    e->visit_type,     e->interpreter_language, e->interpreter_id};
    *e = *before;
    e->appointment_id = keep[0], e->practitioner_id = keep[1], e->clinic_id = keep[2];
    e->patient_id = keep[3], e->visit_type = keep[4], e->interpreter_language = keep[5];
    e->interpreter_id = keep[6];
    g_set_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_STORE, "%s", local->message);
    return FALSE;
  }
  ar_wr_recompute(wr, ar_wr_line_for(wr, e->practitioner_id), now, e,
                  AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE, FALSE);
  return TRUE;
}

void
ar_waiting_room_tick(ArWaitingRoom *wr, gint64 now)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, wr->entries);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    ArWaitingEntry *e = v;
    if (e->state != AR_QUEUE_STATE_AWAY || now < e->away_since + wr->grace_s)
      continue;
    /* The grace period lapsed: the patient is expected again like anyone not yet here, and a
     * walk-in's place in line is gone. arrived_at stays: it says they consented today. */
    ArWaitingEntry before = *e;
    e->state = AR_QUEUE_STATE_NOT_ARRIVED;
    e->away_since = 0;
    g_autoptr(GError) error = NULL;
    if (!ar_wr_commit(wr, e, &before, now, &error))
      g_warning("waiting room: %s", error->message);
  }
  if (now - wr->last_refresh < AR_WAITING_ROOM_REFRESH_S)
    return;
  wr->last_refresh = now;
  g_autoptr(GError) error = NULL;
  if (!ar_wr_load_entries(wr, now, NULL, &error))
    g_warning("waiting room: %s", error->message);
  ar_wr_recompute_all(wr, now, TRUE);
}

static GPtrArray *
collect(ArWaitingRoom *wr, const char *practitioner_id, const char *clinic_id)
{
  GPtrArray *out = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, wr->entries);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    const ArWaitingEntry *e = v;
    if ((practitioner_id && g_str_equal(e->practitioner_id, practitioner_id)) ||
        (clinic_id && g_str_equal(e->clinic_id, clinic_id)))
      g_ptr_array_add(out, v);
  }
  g_ptr_array_sort(out, by_scheduled);
  return out;
}

GPtrArray *
ar_waiting_room_line(ArWaitingRoom *wr, const char *practitioner_id)
{
  return collect(wr, practitioner_id, NULL);
}

GPtrArray *
ar_waiting_room_clinic(ArWaitingRoom *wr, const char *clinic_id)
{
  return collect(wr, NULL, clinic_id);
}

gint64
ar_waiting_room_running_late(ArWaitingRoom *wr, const char *practitioner_id)
{
  Line *l = g_hash_table_lookup(wr->lines, practitioner_id);
  return l ? l->running_late_s : 0;
}

void
ar_waiting_room_eta_error(ArWaitingRoom *wr, ArQueueErrorSummary *out)
{
  ar_queue_model_error_summary(&wr->errors, out);
}
