/* Waiting-room state per appointment, one line per clinician. Every change is written to
 * lobby_state first and only then applied to the line and announced, so what patients are told
 * is always what a restart would load. The queue model decides positions and ETAs; this file
 * only gathers its input and notices what changed. */
#include "waiting_room.h"

#include <string.h>

G_DEFINE_QUARK(ar - waiting - room - error - quark, ar_waiting_room_error)

typedef struct {
  char *practitioner_id;
  GPtrArray *entries; /* ArWaitingEntry*, borrowed from wr->entries, by scheduled start */
  gint64 announced_late_s;
  gint64 running_late_s;
} Line;

struct ArWaitingRoom {
  ArStore *store;
  gint64 grace_s;
  ArWaitingNotify notify;
  gpointer user_data;
  GHashTable *entries; /* appointment id -> ArWaitingEntry* */
  GHashTable *lines;   /* practitioner id -> Line* */
  GPtrArray *type_names;
  GArray *durations; /* ArDurationStats, parallel to type_names */
  ArQueueErrorStats errors;
  gint64 last_refresh;
};

static const char *const state_names[] = {
    "not_arrived", "checking_devices", "ready", "away", "in_visit", "done", "no_show"};

const char *
ar_waiting_room_state_name(ArQueueState st)
{
  return (guint)st < G_N_ELEMENTS(state_names) ? state_names[st] : "unknown";
}

static ArQueueState
state_from_name(const char *name)
{
  for (guint i = 0; name && i < G_N_ELEMENTS(state_names); i++)
    if (g_str_equal(name, state_names[i]))
      return (ArQueueState)i;
  return AR_QUEUE_STATE_NOT_ARRIVED;
}

static gboolean
is_present(ArQueueState st)
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

static guint
visit_type_index(ArWaitingRoom *wr, const char *name, gint64 booked_len_s)
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

static Line *
line_for(ArWaitingRoom *wr, const char *practitioner_id)
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

static void
line_add(ArWaitingRoom *wr, ArWaitingEntry *e)
{
  Line *l = line_for(wr, e->practitioner_id);
  g_ptr_array_add(l->entries, e);
  g_ptr_array_sort(l->entries, by_scheduled);
}

/* Runs the queue model over one line and tells the callback about every entry whose view
 * changed; `forced` (may be NULL) gets `forced_changes` whatever the model says, and with
 * `everyone` every present patient is told (the periodic refresh). */
static void
recompute(ArWaitingRoom *wr, Line *l, gint64 now, const ArWaitingEntry *forced,
          guint forced_changes, gboolean everyone)
{
  guint n = l->entries->len;
  g_autofree ArQueueAppointment *apps = g_new0(ArQueueAppointment, MAX(n, 1));
  for (guint i = 0; i < n; i++) {
    const ArWaitingEntry *e = g_ptr_array_index(l->entries, i);
    apps[i] = (ArQueueAppointment){
        .id = e->appointment_id,
        .scheduled_start = e->scheduled_start,
        .visit_type = visit_type_index(wr, e->visit_type, e->scheduled_end - e->scheduled_start),
        .state = e->state,
        .arrived_at = e->arrived_at,
        .started_at = e->started_at,
        .walk_in = e->walk_in,
    };
  }
  ArQueueInput in = {apps, n, (const ArDurationStats *)(void *)wr->durations->data,
                     wr->durations->len, l->announced_late_s};
  ArQueueResult res = {0};
  ar_queue_model_result_init(&res, n);
  ar_queue_model_compute(&in, now, &res);
  gboolean late_changed = res.running_late_s != l->running_late_s;
  l->running_late_s = res.running_late_s;
  for (guint i = 0; i < n; i++) {
    ArWaitingEntry *e = g_ptr_array_index(l->entries, i);
    guint changes = 0;
    if (memcmp(&e->estimate, &res.estimates[i], sizeof e->estimate) != 0 ||
        (late_changed && is_present(e->state)))
      changes |= AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE;
    if (everyone && is_present(e->state))
      changes |= AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE;
    if (e == forced)
      changes |= forced_changes;
    e->estimate = res.estimates[i];
    if (changes && wr->notify)
      wr->notify(e, changes, wr->user_data);
  }
  ar_queue_model_result_clear(&res);
}

/* ---- the store ---- */

static gboolean
persist(ArWaitingRoom *wr, const ArWaitingEntry *e, gint64 now, GError **error)
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
  " l.eta, l.eta_low, l.eta_high, l.guests"                                                        \
  " FROM appointment a JOIN practitioner p ON p.id = a.practitioner_id"                            \
  " LEFT JOIN lobby_state l ON l.appointment_id = a.id"                                            \
  " WHERE a.start_ts >= ? AND a.start_ts < ?"                                                      \
  " AND a.status NOT IN ('cancelled','entered-in-error','waitlist','proposed')"

static char *
col_dup(sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text(st, i);
  return t ? g_strdup((const char *)t) : NULL;
}

static ArWaitingEntry *
entry_from_row(sqlite3_stmt *st, gint64 now)
{
  ArWaitingEntry *e = g_new0(ArWaitingEntry, 1);
  e->appointment_id = col_dup(st, 0);
  e->practitioner_id = col_dup(st, 1);
  e->clinic_id = col_dup(st, 2);
  e->patient_id = col_dup(st, 3);
  e->visit_type = col_dup(st, 4);
  e->scheduled_start = sqlite3_column_int64(st, 5);
  e->scheduled_end = sqlite3_column_int64(st, 6);
  const char *status = (const char *)sqlite3_column_text(st, 7);
  g_strlcpy(e->network, "unknown", sizeof e->network);
  if (sqlite3_column_type(st, 9) == SQLITE_NULL) {
    /* Never seen by the waiting room: the calendar says what happened. */
    e->state = g_strcmp0(status, "fulfilled") == 0 ? AR_QUEUE_STATE_DONE
               : g_strcmp0(status, "noshow") == 0  ? AR_QUEUE_STATE_NO_SHOW
                                                   : AR_QUEUE_STATE_NOT_ARRIVED;
    e->interpreter_language = col_dup(st, 8);
    return e;
  }
  e->state = state_from_name((const char *)sqlite3_column_text(st, 9));
  e->arrived_at = sqlite3_column_int64(st, 10);
  e->ready_at = sqlite3_column_int64(st, 11);
  e->early = sqlite3_column_int(st, 12) != 0;
  if (sqlite3_column_text(st, 13))
    g_strlcpy(e->network, (const char *)sqlite3_column_text(st, 13), sizeof e->network);
  e->devices = (guint)sqlite3_column_int(st, 14);
  e->started_at = sqlite3_column_int64(st, 15);
  e->ended_at = sqlite3_column_int64(st, 16);
  e->interpreter_language = col_dup(st, 17);
  e->interpreter_id = col_dup(st, 18);
  e->shown = (ArQueueEstimate){.in_line = sqlite3_column_int64(st, 19) > 0,
                               .eta = sqlite3_column_int64(st, 19),
                               .eta_low = sqlite3_column_int64(st, 20),
                               .eta_high = sqlite3_column_int64(st, 21)};
  e->guests_wait = g_strcmp0((const char *)sqlite3_column_text(st, 22), "waiting") == 0;
  if (is_present(e->state)) {
    /* Their connection went with the old process: a grace period to come back, from now. */
    e->state_before_away = e->ready_at > 0 ? AR_QUEUE_STATE_READY : AR_QUEUE_STATE_CHECKING_DEVICES;
    e->state = AR_QUEUE_STATE_AWAY;
    e->away_since = now;
  }
  return e;
}

/* Adds the appointments of the window not known yet; with id, only that one. */
static gboolean
load_entries(ArWaitingRoom *wr, gint64 now, const char *id, GError **error)
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
    line_add(wr, e);
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
    guint t =
        visit_type_index(wr, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
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

static void
recompute_all(ArWaitingRoom *wr, gint64 now, gboolean everyone)
{
  GHashTableIter it;
  gpointer line;
  g_hash_table_iter_init(&it, wr->lines);
  while (g_hash_table_iter_next(&it, NULL, &line))
    recompute(wr, line, now, NULL, 0, everyone);
}

gboolean
ar_waiting_room_load(ArWaitingRoom *wr, gint64 now, GError **error)
{
  if (!load_history(wr, error) || !load_entries(wr, now, NULL, error))
    return FALSE;
  GHashTableIter it;
  gpointer v;
  /* Write back the AWAY of patients who were present when the server stopped. */
  g_hash_table_iter_init(&it, wr->entries);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    const ArWaitingEntry *e = v;
    if (e->state == AR_QUEUE_STATE_AWAY && !persist(wr, e, now, error))
      return FALSE;
  }
  wr->last_refresh = now;
  recompute_all(wr, now, FALSE);
  return TRUE;
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
  if (!load_entries(wr, now, NULL, &error))
    g_warning("waiting room: %s", error->message);
  if (g_hash_table_size(wr->entries) != before)
    recompute_all(wr, now, FALSE);
}

/* ---- changes ---- */

static ArWaitingEntry *
find(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = (ArWaitingEntry *)ar_waiting_room_lookup(wr, id, now);
  if (!e)
    g_set_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND,
                "no appointment %s today", id);
  return e;
}

static gboolean
bad_state(GError **error, const char *why)
{
  g_set_error_literal(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_BAD_STATE, why);
  return FALSE;
}

/* Saves the entry after a change; on failure puts back `before` (scalars only: callers that
 * change strings restore those themselves) so memory keeps matching the store. */
static gboolean
commit(ArWaitingRoom *wr, ArWaitingEntry *e, const ArWaitingEntry *before, gint64 now,
       GError **error)
{
  g_autoptr(GError) local = NULL;
  if (!persist(wr, e, now, &local)) {
    char *keep[] = {e->appointment_id, e->practitioner_id,      e->clinic_id,     e->patient_id,
                    e->visit_type,     e->interpreter_language, e->interpreter_id};
    *e = *before;
    e->appointment_id = keep[0], e->practitioner_id = keep[1], e->clinic_id = keep[2];
    e->patient_id = keep[3], e->visit_type = keep[4], e->interpreter_language = keep[5];
    e->interpreter_id = keep[6];
    g_set_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_STORE, "%s", local->message);
    return FALSE;
  }
  recompute(wr, line_for(wr, e->practitioner_id), now, e,
            AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE, FALSE);
  /* The first estimate a ready patient sees is the one to score: save it once known. */
  if (e->state == AR_QUEUE_STATE_READY && e->shown.eta == 0 && e->estimate.in_line) {
    e->shown = e->estimate;
    if (!persist(wr, e, now, &local))
      g_warning("waiting room: saving the shown estimate: %s", local->message);
  }
  return TRUE;
}

gboolean
ar_waiting_room_checkin(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (e->state == AR_QUEUE_STATE_IN_VISIT || e->state == AR_QUEUE_STATE_DONE ||
      e->state == AR_QUEUE_STATE_NO_SHOW)
    return bad_state(error, "this visit is no longer waiting");
  if (e->state != AR_QUEUE_STATE_NOT_ARRIVED)
    return TRUE; /* checked in already: a second consent changes nothing */
  ArWaitingEntry before = *e;
  e->state = AR_QUEUE_STATE_CHECKING_DEVICES;
  e->arrived_at = now;
  return commit(wr, e, &before, now, error);
}

gboolean
ar_waiting_room_device_result(ArWaitingRoom *wr, const char *id, guint devices, gint64 now,
                              GError **error)
{
  ArWaitingEntry *e = find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (e->state != AR_QUEUE_STATE_CHECKING_DEVICES && e->state != AR_QUEUE_STATE_READY)
    return bad_state(error, "check in (consent) first");
  ArWaitingEntry before = *e;
  e->devices = devices;
  if (e->state == AR_QUEUE_STATE_CHECKING_DEVICES) {
    e->state = AR_QUEUE_STATE_READY;
    e->ready_at = now;
  }
  return commit(wr, e, &before, now, error);
}

gboolean
ar_waiting_room_set_early(ArWaitingRoom *wr, const char *id, gboolean early, gint64 now,
                          GError **error)
{
  ArWaitingEntry *e = find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (!is_present(e->state) && e->state != AR_QUEUE_STATE_NOT_ARRIVED)
    return bad_state(error, "this visit is no longer waiting");
  ArWaitingEntry before = *e;
  e->early = early;
  return commit(wr, e, &before, now, error);
}

void
ar_waiting_room_set_network(ArWaitingRoom *wr, const char *id, const char *verdict, gint64 now)
{
  ArWaitingEntry *e = g_hash_table_lookup(wr->entries, id);
  if (!e || g_str_equal(e->network, verdict))
    return;
  ArWaitingEntry before = *e;
  g_strlcpy(e->network, verdict, sizeof e->network);
  g_autoptr(GError) error = NULL;
  if (!commit(wr, e, &before, now, &error))
    g_warning("waiting room: %s", error->message);
}

ArQueueState
ar_waiting_room_connected(ArWaitingRoom *wr, const char *id, gint64 now)
{
  ArWaitingEntry *e = find(wr, id, now, NULL);
  if (!e)
    return AR_QUEUE_STATE_NOT_ARRIVED;
  ArWaitingEntry before = *e;
  if (e->state == AR_QUEUE_STATE_AWAY) {
    e->state = e->state_before_away; /* within grace: the place is theirs */
    e->away_since = 0;
  } else if (e->state == AR_QUEUE_STATE_NOT_ARRIVED && e->arrived_at > 0) {
    /* Checked in earlier today but the grace period lapsed: consent stands, the device check
     * is redone and the wait counts from now. */
    e->state = AR_QUEUE_STATE_CHECKING_DEVICES;
    e->arrived_at = now;
    e->ready_at = 0;
    e->shown = (ArQueueEstimate){0};
  } else {
    return e->state;
  }
  g_autoptr(GError) error = NULL;
  if (!commit(wr, e, &before, now, &error))
    g_warning("waiting room: %s", error->message);
  return e->state;
}

void
ar_waiting_room_disconnected(ArWaitingRoom *wr, const char *id, gint64 now)
{
  ArWaitingEntry *e = g_hash_table_lookup(wr->entries, id);
  if (!e || (e->state != AR_QUEUE_STATE_CHECKING_DEVICES && e->state != AR_QUEUE_STATE_READY))
    return;
  ArWaitingEntry before = *e;
  e->state_before_away = e->state;
  e->state = AR_QUEUE_STATE_AWAY;
  e->away_since = now;
  g_autoptr(GError) error = NULL;
  if (!commit(wr, e, &before, now, &error))
    g_warning("waiting room: %s", error->message);
}

static gboolean
closed_state(ArQueueState st, GError **error)
{
  switch (st) {
  case AR_QUEUE_STATE_IN_VISIT:
    return bad_state(error, "this patient has already been admitted");
  case AR_QUEUE_STATE_DONE:
    return bad_state(error, "this visit is closed");
  case AR_QUEUE_STATE_NO_SHOW:
    return bad_state(error, "this patient was marked no-show");
  default:
    return TRUE;
  }
}

gboolean
ar_waiting_room_admit(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = find(wr, id, now, error);
  if (!e || !closed_state(e->state, error))
    return FALSE;
  if (e->state == AR_QUEUE_STATE_AWAY)
    return bad_state(error, "the patient has left the waiting room; wait for them to come back");
  if (e->state == AR_QUEUE_STATE_NOT_ARRIVED)
    return bad_state(error, "the patient has not checked in");
  ArWaitingEntry before = *e;
  e->state = AR_QUEUE_STATE_IN_VISIT;
  e->started_at = now;
  if (e->shown.eta == 0 && e->estimate.in_line)
    e->shown = e->estimate; /* admitted before ever being ready */
  if (!commit(wr, e, &before, now, error))
    return FALSE;
  if (e->shown.eta > 0)
    ar_queue_model_record_start(&wr->errors, &e->shown, now);
  return TRUE;
}

gboolean
ar_waiting_room_end(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (e->state != AR_QUEUE_STATE_IN_VISIT)
    return bad_state(error, "this visit is not in progress");
  ArWaitingEntry before = *e;
  e->state = AR_QUEUE_STATE_DONE;
  e->ended_at = now;
  if (!commit(wr, e, &before, now, error))
    return FALSE;
  guint t = visit_type_index(wr, e->visit_type, e->scheduled_end - e->scheduled_start);
  ar_queue_model_duration_add(&g_array_index(wr->durations, ArDurationStats, t),
                              now - e->started_at);
  return TRUE;
}

gboolean
ar_waiting_room_noshow(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = find(wr, id, now, error);
  if (!e || !closed_state(e->state, error))
    return FALSE;
  if (e->state == AR_QUEUE_STATE_CHECKING_DEVICES || e->state == AR_QUEUE_STATE_READY)
    return bad_state(error, "the patient is in the waiting room now");
  if (!ar_store_begin(wr->store, error))
    return FALSE;
  sqlite3_stmt *st =
      ar_store_prepare(wr->store, "UPDATE appointment SET status = 'noshow' WHERE id = ?", error);
  if (st)
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  ArWaitingEntry before = *e;
  e->state = AR_QUEUE_STATE_NO_SHOW;
  if (!st || !ar_store_step_done(wr->store, st, error) || !persist(wr, e, now, error) ||
      !ar_store_commit(wr->store, error)) {
    ar_store_rollback(wr->store);
    *e = before;
    return FALSE;
  }
  recompute(wr, line_for(wr, e->practitioner_id), now, e,
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
  char *clinic = sqlite3_step(st) == SQLITE_ROW ? col_dup(st, 0) : NULL;
  sqlite3_reset(st);
  return clinic;
}

gboolean
ar_waiting_room_transfer(ArWaitingRoom *wr, const char *id, const char *practitioner_id, gint64 now,
                         GError **error)
{
  ArWaitingEntry *e = find(wr, id, now, error);
  if (!e || !closed_state(e->state, error))
    return FALSE;
  g_autofree char *clinic = clinician_clinic(wr, practitioner_id);
  if (!clinic || g_strcmp0(clinic, e->clinic_id) != 0) {
    g_set_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND,
                "no clinician %s in this clinic", practitioner_id);
    return FALSE;
  }
  if (g_str_equal(practitioner_id, e->practitioner_id))
    return bad_state(error, "the appointment is already with this clinician");
  sqlite3_stmt *st =
      ar_store_prepare(wr->store, "UPDATE appointment SET practitioner_id = ? WHERE id = ?", error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, practitioner_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  if (!ar_store_step_done(wr->store, st, error))
    return FALSE;
  Line *old = line_for(wr, e->practitioner_id);
  g_ptr_array_remove(old->entries, e);
  e->transferred_from = e->practitioner_id;
  e->practitioner_id = g_strdup(practitioner_id);
  line_add(wr, e);
  /* The old line hears of it first (its lobby drops the row), then both lines move up. */
  if (wr->notify)
    wr->notify(e, AR_WAITING_CHANGED_LOBBY, wr->user_data);
  g_clear_pointer(&e->transferred_from, g_free);
  recompute(wr, old, now, NULL, 0, FALSE);
  recompute(wr, line_for(wr, e->practitioner_id), now, e,
            AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE, FALSE);
  return TRUE;
}

void
ar_waiting_room_set_announced_late(ArWaitingRoom *wr, const char *practitioner_id, gint64 late_s,
                                   gint64 now)
{
  Line *l = line_for(wr, practitioner_id);
  l->announced_late_s = MAX(late_s, 0);
  recompute(wr, l, now, NULL, 0, FALSE);
}

gboolean
ar_waiting_room_set_guests_wait(ArWaitingRoom *wr, const char *id, gboolean wait, gint64 now,
                                GError **error)
{
  ArWaitingEntry *e = find(wr, id, now, error);
  if (!e)
    return FALSE;
  ArWaitingEntry before = *e;
  e->guests_wait = wait;
  return commit(wr, e, &before, now, error);
}

gboolean
ar_waiting_room_set_interpreter(ArWaitingRoom *wr, const char *id, const char *language,
                                const char *interpreter_id, gint64 now, GError **error)
{
  ArWaitingEntry *e = find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (e->state == AR_QUEUE_STATE_DONE || e->state == AR_QUEUE_STATE_NO_SHOW)
    return bad_state(error, "this visit is closed");
  char *old_lang = e->interpreter_language, *old_id = e->interpreter_id;
  e->interpreter_language = g_strdup(language);
  e->interpreter_id = g_strdup(interpreter_id);
  if (!persist(wr, e, now, error)) {
    g_free(e->interpreter_language);
    g_free(e->interpreter_id);
    e->interpreter_language = old_lang;
    e->interpreter_id = old_id;
    return FALSE;
  }
  g_free(old_lang);
  g_free(old_id);
  recompute(wr, line_for(wr, e->practitioner_id), now, e, AR_WAITING_CHANGED_LOBBY, FALSE);
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
    if (!commit(wr, e, &before, now, &error))
      g_warning("waiting room: %s", error->message);
  }
  if (now - wr->last_refresh < AR_WAITING_ROOM_REFRESH_S)
    return;
  wr->last_refresh = now;
  g_autoptr(GError) error = NULL;
  if (!load_entries(wr, now, NULL, &error))
    g_warning("waiting room: %s", error->message);
  recompute_all(wr, now, TRUE);
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
