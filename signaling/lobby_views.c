/* What lobbies and patients see of the waiting room: an entry as JSON (lobby.snapshot and
 * lobby.update), the patient's queue.update, and the waiting room's notifications carried to
 * whoever should see them. Patient labels ("Maria L.") are built here for the clinic's screen
 * and never logged. */
#include "lobby_private.h"
#include "ws_conn.h"

void
ar_lobby_add_int(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

void
ar_lobby_add_str(JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name(b, name);
  if (v)
    json_builder_add_string_value(b, v);
  else
    json_builder_add_null_value(b);
}

void
ar_lobby_add_bool(JsonBuilder *b, const char *name, gboolean v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_boolean_value(b, v);
}

/* {"key":"value"} with the value escaped: for audit details that carry a caller's string. */
char *
ar_lobby_json_detail(const char *key, const char *value)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, key);
  json_builder_add_string_value(b, value);
  json_builder_end_object(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  return json_generator_to_data(gen, NULL);
}

/* "Maria L.": enough for the clinic to recognise the patient, never written to a log. */
static char *
patient_label(ArSignaling *s, const char *patient_id)
{
  sqlite3_stmt *st =
      ar_store_prepare(s->store, "SELECT display_name FROM patient WHERE id = ?", NULL);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, patient_id, -1, SQLITE_STATIC);
  char *label = NULL;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    g_auto(GStrv) parts = g_strsplit((const char *)sqlite3_column_text(st, 0), " ", -1);
    guint n = g_strv_length(parts);
    label = n > 1 ? g_strdup_printf("%s %.1s.", parts[0], parts[n - 1]) : g_strdup(parts[0]);
  }
  sqlite3_reset(st);
  return label;
}

static void
add_estimate(JsonBuilder *b, const ArWaitingEntry *e)
{
  if (!e->estimate.in_line)
    return;
  ar_lobby_add_int(b, "position", e->estimate.position);
  ar_lobby_add_int(b, "eta", e->estimate.eta);
  ar_lobby_add_int(b, "eta_low", e->estimate.eta_low);
  ar_lobby_add_int(b, "eta_high", e->estimate.eta_high);
}

void
ar_lobby_add_entry(ArLobby *lb, JsonBuilder *b, const ArWaitingEntry *e, gint64 now)
{
  json_builder_begin_object(b);
  ar_lobby_add_str(b, "appointment_id", e->appointment_id);
  ar_lobby_add_str(b, "practitioner_id", e->practitioner_id);
  g_autofree char *label = patient_label(lb->s, e->patient_id);
  ar_lobby_add_str(b, "patient_label", label);
  ar_lobby_add_int(b, "scheduled", e->scheduled_start);
  ar_lobby_add_bool(b, "walk_in", e->walk_in);
  ar_lobby_add_str(b, "state", ar_waiting_room_state_name(e->state));
  gboolean waiting = e->state == AR_QUEUE_STATE_CHECKING_DEVICES ||
                     e->state == AR_QUEUE_STATE_READY || e->state == AR_QUEUE_STATE_AWAY;
  ar_lobby_add_int(b, "waited_s", waiting && e->arrived_at ? MAX(now - e->arrived_at, 0) : 0);
  ar_lobby_add_str(b, "network", e->network);
  json_builder_set_member_name(b, "devices");
  json_builder_begin_object(b);
  ar_lobby_add_bool(b, "camera", e->devices & AR_WAITING_DEVICE_CAMERA);
  ar_lobby_add_bool(b, "microphone", e->devices & AR_WAITING_DEVICE_MICROPHONE);
  ar_lobby_add_bool(b, "speaker", e->devices & AR_WAITING_DEVICE_SPEAKER);
  json_builder_end_object(b);
  ar_lobby_add_str(b, "interpreter", e->interpreter_language);
  ar_lobby_add_bool(b, "needs_interpreter",
                    e->interpreter_language && !e->interpreter_id &&
                        e->state != AR_QUEUE_STATE_DONE && e->state != AR_QUEUE_STATE_NO_SHOW);
  ar_lobby_add_bool(b, "early", e->early);
  ar_lobby_add_bool(b, "connected", g_hash_table_contains(lb->patients, e->appointment_id));
  ar_lobby_add_str(b, "guests", e->guests_wait ? "waiting" : "direct");
  json_builder_set_member_name(b, "guests_waiting");
  json_builder_begin_array(b);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, lb->guests);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    ArSession *g = v;
    if (g_str_equal(g->claims.visit_id, e->appointment_id))
      json_builder_add_string_value(b, g->participant_id);
  }
  json_builder_end_array(b);
  add_estimate(b, e);
  json_builder_end_object(b);
}

static void
send_lobby_update(ArLobby *lb, ArSession *se, const ArWaitingEntry *e, gboolean removed)
{
  JsonBuilder *b = ar_protocol_begin("lobby.update", 0);
  json_builder_set_member_name(b, "entry");
  ar_lobby_add_entry(lb, b, e, ar_lobby_now());
  if (removed)
    ar_lobby_add_bool(b, "removed", TRUE);
  ar_signaling_send(se, ar_protocol_finish(b));
}

/* queue.update goes to every patient whose place moved, 10,000 of them after one admit: it is
 * printed straight into one buffer (every value is a number or a fixed state name, nothing to
 * escape) instead of going through a JsonBuilder and a generator per recipient. */
static void
send_queue_update(ArLobby *lb, ArSession *se, const ArWaitingEntry *e)
{
  if (!se->conn)
    return; /* parked (resume.c): the welcome after a resume brings it up to date */
  gint64 late = ar_waiting_room_running_late(lb->wr, e->practitioner_id);
  char buf[256];
  int n;
  if (e->estimate.in_line)
    n = g_snprintf(buf, sizeof buf,
                   "{\"type\":\"queue.update\",\"state\":\"%s\",\"position\":%" G_GINT64_FORMAT
                   ",\"eta\":%" G_GINT64_FORMAT ",\"eta_low\":%" G_GINT64_FORMAT
                   ",\"eta_high\":%" G_GINT64_FORMAT ",\"running_late_min\":%" G_GINT64_FORMAT "}",
                   ar_waiting_room_state_name(e->state), (gint64)e->estimate.position,
                   (gint64)e->estimate.eta, (gint64)e->estimate.eta_low,
                   (gint64)e->estimate.eta_high, (late + 59) / 60);
  else
    n = g_snprintf(
        buf, sizeof buf,
        "{\"type\":\"queue.update\",\"state\":\"%s\",\"running_late_min\":%" G_GINT64_FORMAT "}",
        ar_waiting_room_state_name(e->state), (late + 59) / 60);
  ar_ws_conn_send(se->conn, buf, MIN(n, (int)sizeof buf - 1));
}

/* The waiting room's notifications, carried to whoever should see them. */
void
ar_lobby_on_change(const ArWaitingEntry *e, guint changes, gpointer user_data)
{
  ArLobby *lb = user_data;
  if (changes & AR_WAITING_CHANGED_QUEUE) {
    ArSession *patient = g_hash_table_lookup(lb->patients, e->appointment_id);
    if (patient)
      send_queue_update(lb, patient, e);
  }
  if (!(changes & AR_WAITING_CHANGED_LOBBY))
    return;
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, lb->subscribers);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    ArSession *se = key;
    if (ar_lobby_sees(se, e, e->practitioner_id))
      send_lobby_update(lb, se, e, FALSE);
    else if (e->transferred_from && ar_lobby_sees(se, e, e->transferred_from))
      send_lobby_update(lb, se, e, TRUE);
  }
}
