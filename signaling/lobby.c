/* The waiting room over WebSocket: the patient's check-in, device-check result and "earlier"
 * toggle, the clinician's and staff's lobby (subscribe, admit, message, no-show, transfer,
 * running late, done), and the pushes the waiting room asks for (queue.update to each waiting
 * patient, lobby.update to each lobby that sees the entry). Roles: only a clinician admits, and
 * only in their own line; staff see and act on their clinic; patients and guests get forbidden. */
#include "audit.h"
#include "scheduler.h"
#include "signaling_private.h"
#include "waiting_room.h"

#include <string.h>

#define MESSAGE_MAX_CHARS 500
#define MESSAGES_KEPT 20 /* per appointment, replayed to a patient who comes back */
#define LATE_MAX_MIN 240

typedef struct ArLobby ArLobby;

struct ArLobby {
  ArSignaling *s;
  ArWaitingRoom *wr;
  GHashTable *patients;    /* appointment id -> ArSession* (the newest connection) */
  GHashTable *subscribers; /* ArSession* set */
  GHashTable *messages;    /* appointment id -> GPtrArray of clinic.message texts */
  GHashTable *guests;      /* participant id -> ArSession*: guests held in the waiting room */
  GHashTable *let_in;      /* participant ids of guests admitted */
  guint timer;
};

static gint64
now_unix(void)
{
  return g_get_real_time() / G_USEC_PER_SEC;
}

void
ar_lobby_audit(ArSignaling *s, ArSession *se, const char *action, const char *entity_type,
               const char *entity_id, const char *outcome, const char *detail)
{
  ArAuditEvent ev = {se->claims.subject_id, action, entity_type, entity_id, outcome, detail};
  g_autoptr(GError) error = NULL;
  if (!ar_audit_append(s->store, now_unix(), &ev, &error))
    g_warning("audit append failed: %s", error->message);
}

static gboolean
is_lobby_role(const ArSession *se)
{
  return se->claims.role == AR_TOKEN_ROLE_CLINICIAN || se->claims.role == AR_TOKEN_ROLE_STAFF;
}

/* Whether this lobby session sees the entry: a clinician their own line, staff their clinic. */
static gboolean
sees(const ArSession *se, const ArWaitingEntry *e, const char *practitioner_id)
{
  if (se->claims.role == AR_TOKEN_ROLE_CLINICIAN)
    return g_str_equal(se->claims.subject_id, practitioner_id);
  return se->claims.role == AR_TOKEN_ROLE_STAFF && g_str_equal(se->claims.visit_id, e->clinic_id);
}

/* ---- JSON ---- */

static void
add_int(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

static void
add_str(JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name(b, name);
  if (v)
    json_builder_add_string_value(b, v);
  else
    json_builder_add_null_value(b);
}

static void
add_bool(JsonBuilder *b, const char *name, gboolean v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_boolean_value(b, v);
}

/* {"key":"value"} with the value escaped: for audit details that carry a caller's string. */
static char *
json_detail(const char *key, const char *value)
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
  add_int(b, "position", e->estimate.position);
  add_int(b, "eta", e->estimate.eta);
  add_int(b, "eta_low", e->estimate.eta_low);
  add_int(b, "eta_high", e->estimate.eta_high);
}

static void
add_entry(ArLobby *lb, JsonBuilder *b, const ArWaitingEntry *e, gint64 now)
{
  json_builder_begin_object(b);
  add_str(b, "appointment_id", e->appointment_id);
  add_str(b, "practitioner_id", e->practitioner_id);
  g_autofree char *label = patient_label(lb->s, e->patient_id);
  add_str(b, "patient_label", label);
  add_int(b, "scheduled", e->scheduled_start);
  add_str(b, "state", ar_waiting_room_state_name(e->state));
  gboolean waiting = e->state == AR_QUEUE_STATE_CHECKING_DEVICES ||
                     e->state == AR_QUEUE_STATE_READY || e->state == AR_QUEUE_STATE_AWAY;
  add_int(b, "waited_s", waiting && e->arrived_at ? MAX(now - e->arrived_at, 0) : 0);
  add_str(b, "network", e->network);
  json_builder_set_member_name(b, "devices");
  json_builder_begin_object(b);
  add_bool(b, "camera", e->devices & AR_WAITING_DEVICE_CAMERA);
  add_bool(b, "microphone", e->devices & AR_WAITING_DEVICE_MICROPHONE);
  add_bool(b, "speaker", e->devices & AR_WAITING_DEVICE_SPEAKER);
  json_builder_end_object(b);
  add_str(b, "interpreter", e->interpreter_language);
  add_bool(b, "needs_interpreter",
           e->interpreter_language && !e->interpreter_id && e->state != AR_QUEUE_STATE_DONE &&
               e->state != AR_QUEUE_STATE_NO_SHOW);
  add_bool(b, "early", e->early);
  add_bool(b, "connected", g_hash_table_contains(lb->patients, e->appointment_id));
  add_str(b, "guests", e->guests_wait ? "waiting" : "direct");
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
  add_entry(lb, b, e, now_unix());
  if (removed)
    add_bool(b, "removed", TRUE);
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
send_queue_update(ArLobby *lb, ArSession *se, const ArWaitingEntry *e)
{
  JsonBuilder *b = ar_protocol_begin("queue.update", 0);
  add_str(b, "state", ar_waiting_room_state_name(e->state));
  add_estimate(b, e);
  gint64 late = ar_waiting_room_running_late(lb->wr, e->practitioner_id);
  add_int(b, "running_late_min", (late + 59) / 60);
  ar_signaling_send(se, ar_protocol_finish(b));
}

/* The waiting room's notifications, carried to whoever should see them. */
static void
on_change(const ArWaitingEntry *e, guint changes, gpointer user_data)
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
    if (sees(se, e, e->practitioner_id))
      send_lobby_update(lb, se, e, FALSE);
    else if (e->transferred_from && sees(se, e, e->transferred_from))
      send_lobby_update(lb, se, e, TRUE);
  }
}

static gboolean
on_tick(gpointer user_data)
{
  ArLobby *lb = user_data;
  ar_waiting_room_tick(lb->wr, now_unix());
  return G_SOURCE_CONTINUE;
}

ArLobby *
ar_lobby_new(ArSignaling *s, gint64 grace_s)
{
  ArLobby *lb = g_new0(ArLobby, 1);
  lb->s = s;
  lb->patients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  lb->subscribers = g_hash_table_new(g_direct_hash, g_direct_equal);
  lb->messages =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  lb->guests = g_hash_table_new(g_str_hash, g_str_equal);
  lb->let_in = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  lb->wr = ar_waiting_room_new(s->store, grace_s, on_change, lb);
  g_autoptr(GError) error = NULL;
  if (!ar_waiting_room_load(lb->wr, now_unix(), &error))
    g_warning("waiting room not loaded: %s", error->message);
  lb->timer = g_timeout_add_seconds(1, on_tick, lb);
  return lb;
}

void
ar_lobby_free(ArLobby *lb)
{
  if (!lb)
    return;
  if (lb->timer)
    g_source_remove(lb->timer);
  ar_waiting_room_free(lb->wr);
  g_hash_table_unref(lb->patients);
  g_hash_table_unref(lb->subscribers);
  g_hash_table_unref(lb->messages);
  g_hash_table_unref(lb->guests);
  g_hash_table_unref(lb->let_in);
  g_free(lb);
}

ArWaitingRoom *
ar_lobby_waiting_room(ArSignaling *s)
{
  return s->lobby ? s->lobby->wr : NULL;
}

/* ---- session hooks ---- */

const char *
ar_lobby_joined(ArSignaling *s, ArSession *se)
{
  ArLobby *lb = s->lobby;
  if (!lb || se->claims.role != AR_TOKEN_ROLE_PATIENT)
    return NULL;
  const char *id = se->claims.visit_id;
  if (!ar_waiting_room_lookup(lb->wr, id, now_unix()))
    return NULL;
  return ar_waiting_room_state_name(ar_waiting_room_connected(lb->wr, id, now_unix()));
}

void
ar_lobby_welcome(ArSignaling *s, ArSession *se)
{
  ArLobby *lb = s->lobby;
  if (!lb)
    return;
  if (se->claims.role == AR_TOKEN_ROLE_INTERPRETER)
    ar_interpreter_pool_joined(s, se);
  if (se->claims.role != AR_TOKEN_ROLE_PATIENT)
    return;
  const char *id = se->claims.visit_id;
  const ArWaitingEntry *e = ar_waiting_room_lookup(lb->wr, id, now_unix());
  if (!e)
    return;
  /* The newest connection is the patient's: a reload replaces the old tab's. */
  g_hash_table_replace(lb->patients, g_strdup(id), se);
  on_change(e, AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE, lb);
  GPtrArray *kept = g_hash_table_lookup(lb->messages, id);
  for (guint i = 0; kept && i < kept->len; i++)
    ar_ws_conn_send(se->conn, g_ptr_array_index(kept, i), -1);
}

static void open_slot(ArSignaling *s, const char *appointment_id, ArOfferReason reason);

/* Booked time left when a visit ends: worth offering when at least this much remains. */
#define EARLY_FINISH_MIN_S (5 * 60)

static gint64
appointment_end(ArSignaling *s, const char *appointment_id)
{
  sqlite3_stmt *st =
      ar_store_prepare(s->store, "SELECT end_ts FROM appointment WHERE id = ?", NULL);
  gint64 end = 0;
  if (st) {
    sqlite3_bind_text(st, 1, appointment_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
      end = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
  }
  return end;
}

void
ar_lobby_visit_ended(ArSignaling *s, const char *appointment_id)
{
  if (!s->lobby)
    return;
  g_autoptr(GError) error = NULL;
  const ArWaitingEntry *e = ar_waiting_room_lookup(s->lobby->wr, appointment_id, now_unix());
  if (e && e->state == AR_QUEUE_STATE_IN_VISIT &&
      !ar_waiting_room_end(s->lobby->wr, appointment_id, now_unix(), &error))
    g_warning("waiting room: %s", error->message);
  /* An early finish frees the rest of the booked time for someone on the waiting list. */
  if (appointment_end(s, appointment_id) - now_unix() >= EARLY_FINISH_MIN_S)
    open_slot(s, appointment_id, AR_OFFER_REASON_EARLY_FINISH);
}

void
ar_lobby_resumed(ArSignaling *s, ArSession *se)
{
  ar_lobby_joined(s, se);
  ar_lobby_welcome(s, se);
}

void
ar_lobby_session_closed(ArSignaling *s, ArSession *se)
{
  ArLobby *lb = s->lobby;
  if (!lb || !se->joined)
    return;
  g_hash_table_remove(lb->subscribers, se);
  const char *id = se->claims.visit_id;
  if (se->participant_id && g_hash_table_remove(lb->guests, se->participant_id)) {
    const ArWaitingEntry *e = ar_waiting_room_lookup(lb->wr, id, now_unix());
    if (e)
      on_change(e, AR_WAITING_CHANGED_LOBBY, lb);
  }
  if (se->participant_id)
    g_hash_table_remove(lb->let_in, se->participant_id);
  if (se->claims.role == AR_TOKEN_ROLE_PATIENT && g_hash_table_lookup(lb->patients, id) == se) {
    g_hash_table_remove(lb->patients, id);
    ar_waiting_room_disconnected(lb->wr, id, now_unix());
  }
}

ArRoomPurpose
ar_lobby_media_purpose(ArSignaling *s, ArSession *se, ArRoomPurpose asked)
{
  ArLobby *lb = s->lobby;
  if (!lb || se->claims.role != AR_TOKEN_ROLE_CAREGIVER || asked != AR_ROOM_PURPOSE_VISIT ||
      g_hash_table_contains(lb->let_in, se->participant_id))
    return asked;
  const ArWaitingEntry *e = ar_waiting_room_lookup(lb->wr, se->claims.visit_id, now_unix());
  if (!e || !e->guests_wait)
    return asked;
  /* Held in the waiting room: they see themselves until the clinician lets them in. */
  if (!g_hash_table_contains(lb->guests, se->participant_id)) {
    g_hash_table_insert(lb->guests, se->participant_id, se);
    on_change(e, AR_WAITING_CHANGED_LOBBY, lb);
  }
  return AR_ROOM_PURPOSE_DEVICE_CHECK;
}

void
ar_lobby_media_verdict(ArSignaling *s, ArSession *se, const char *verdict)
{
  if (s->lobby && se->claims.role == AR_TOKEN_ROLE_PATIENT)
    ar_waiting_room_set_network(s->lobby->wr, se->claims.visit_id, verdict, now_unix());
}

/* ---- replies ---- */

static void
reply_error(ArSignaling *s, ArSession *se, const ArMsg *m, const GError *error)
{
  const char *code = "internal";
  if (error->domain == AR_WAITING_ROOM_ERROR && error->code == AR_WAITING_ROOM_ERROR_NOT_FOUND)
    code = "not_found";
  else if (error->domain == AR_WAITING_ROOM_ERROR && error->code == AR_WAITING_ROOM_ERROR_BAD_STATE)
    code = "bad_state";
  ar_signaling_error(s, se, m->id, code, error->message);
}

static gboolean
require_role(ArSignaling *s, ArSession *se, const ArMsg *m, gboolean ok, const char *who)
{
  if (!ar_signaling_require_join(s, se, m))
    return FALSE;
  if (!s->lobby) {
    ar_signaling_error(s, se, m->id, "internal", "the waiting room is not available");
    return FALSE;
  }
  if (ok)
    return TRUE;
  g_autofree char *why = g_strdup_printf("only %s may do this", who);
  ar_signaling_error(s, se, m->id, "forbidden", why);
  return FALSE;
}

#define REQUIRE_PATIENT(s, se, m)                                                                  \
  require_role(s, se, m, (se)->joined && (se)->claims.role == AR_TOKEN_ROLE_PATIENT, "a patient")
#define REQUIRE_LOBBY(s, se, m)                                                                    \
  require_role(s, se, m, (se)->joined &&is_lobby_role(se), "clinic staff")
#define REQUIRE_CLINICIAN(s, se, m)                                                                \
  require_role(s, se, m, (se)->joined && (se)->claims.role == AR_TOKEN_ROLE_CLINICIAN,             \
               "a clinician")

/* ---- patient ---- */

static void
handle_checkin(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_PATIENT(s, se, m))
    return;
  gboolean consent = FALSE;
  if (!ar_msg_bool(m, "consent", &consent) || !consent) {
    ar_signaling_error(s, se, m->id, "bad_message", "checkin needs \"consent\": true");
    return;
  }
  const char *id = se->claims.visit_id;
  g_autoptr(GError) error = NULL;
  gboolean ok = ar_waiting_room_checkin(s->lobby->wr, id, now_unix(), &error);
  ar_lobby_audit(s, se, "lobby.checkin", "appointment", id, ok ? "success" : "refused", NULL);
  if (!ok) {
    reply_error(s, se, m, error);
    return;
  }
  const ArWaitingEntry *e = ar_waiting_room_lookup(s->lobby->wr, id, now_unix());
  JsonBuilder *b = ar_protocol_begin("checked_in", m->id);
  add_str(b, "state", ar_waiting_room_state_name(e->state));
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
handle_device_result(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_PATIENT(s, se, m))
    return;
  gboolean cam = FALSE, mic = FALSE, spk = FALSE;
  if (!ar_msg_bool(m, "camera", &cam) || !ar_msg_bool(m, "microphone", &mic) ||
      !ar_msg_bool(m, "speaker", &spk)) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "device_check.result needs \"camera\", \"microphone\" and \"speaker\" "
                       "(booleans)");
    return;
  }
  guint devices = (cam ? AR_WAITING_DEVICE_CAMERA : 0) | (mic ? AR_WAITING_DEVICE_MICROPHONE : 0) |
                  (spk ? AR_WAITING_DEVICE_SPEAKER : 0);
  g_autoptr(GError) error = NULL;
  const char *id = se->claims.visit_id;
  gboolean ok = ar_waiting_room_device_result(s->lobby->wr, id, devices, now_unix(), &error);
  g_autofree char *detail = g_strdup_printf("{\"devices\":%u}", devices);
  ar_lobby_audit(s, se, "lobby.device_check", "appointment", id, ok ? "success" : "refused",
                 detail);
  if (!ok)
    reply_error(s, se, m, error);
  else
    ar_signaling_ok(se, m->id);
}

static void
handle_early(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_PATIENT(s, se, m))
    return;
  gboolean value = FALSE;
  if (!ar_msg_bool(m, "value", &value)) {
    ar_signaling_error(s, se, m->id, "bad_message", "waiting.early needs \"value\" (boolean)");
    return;
  }
  g_autoptr(GError) error = NULL;
  if (!ar_waiting_room_set_early(s->lobby->wr, se->claims.visit_id, value, now_unix(), &error))
    reply_error(s, se, m, error);
  else
    ar_signaling_ok(se, m->id);
}

/* ---- lobby ---- */

static void
handle_subscribe(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_LOBBY(s, se, m))
    return;
  ArLobby *lb = s->lobby;
  gboolean clinician = se->claims.role == AR_TOKEN_ROLE_CLINICIAN;
  ar_waiting_room_refresh(lb->wr, now_unix());
  g_autoptr(GPtrArray) entries = clinician ? ar_waiting_room_line(lb->wr, se->claims.subject_id)
                                           : ar_waiting_room_clinic(lb->wr, se->claims.visit_id);
  g_hash_table_add(lb->subscribers, se);
  ar_lobby_audit(s, se, "lobby.subscribe", clinician ? "practitioner" : "clinic",
                 clinician ? se->claims.subject_id : se->claims.visit_id, "success", NULL);
  JsonBuilder *b = ar_protocol_begin("lobby.snapshot", m->id);
  add_str(b, clinician ? "practitioner_id" : "clinic_id",
          clinician ? se->claims.subject_id : se->claims.visit_id);
  if (clinician)
    add_int(b, "running_late_min",
            (ar_waiting_room_running_late(lb->wr, se->claims.subject_id) + 59) / 60);
  json_builder_set_member_name(b, "entries");
  json_builder_begin_array(b);
  gint64 now = now_unix();
  for (guint i = 0; i < entries->len; i++)
    add_entry(lb, b, g_ptr_array_index(entries, i), now);
  json_builder_end_array(b);
  ar_signaling_send(se, ar_protocol_finish(b));
}

/* The entry named by "appointment_id" if this lobby session may act on it; otherwise replies
 * (bad_message or not_found: an appointment outside the caller's lobby does not exist for it). */
static const ArWaitingEntry *
target(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *id = ar_msg_string(m, "appointment_id");
  if (!id) {
    ar_signaling_error(s, se, m->id, "bad_message", "needs \"appointment_id\" (a string)");
    return NULL;
  }
  const ArWaitingEntry *e = ar_waiting_room_lookup(s->lobby->wr, id, now_unix());
  if (!e || !sees(se, e, e->practitioner_id)) {
    ar_signaling_error(s, se, m->id, "not_found", "no such appointment in your lobby today");
    return NULL;
  }
  return e;
}

/* The patient's transport from the device check is already in the appointment's room: admit
 * only turns its echo off and forwarding on (no offer/answer, no handshake). FALSE when the
 * session has no media there, and the client negotiates a visit itself. */
static gboolean
switch_to_visit(ArSignaling *s, ArSession *se, const char *appointment_id)
{
  if (!s->visits || !se->media_room || !g_str_equal(se->media_room, appointment_id))
    return FALSE;
  return ar_visits_set_purpose(s->visits, appointment_id, se->participant_id,
                               AR_ROOM_PURPOSE_VISIT);
}

static void
handle_admit(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_CLINICIAN(s, se, m))
    return;
  const ArWaitingEntry *e = target(s, se, m);
  if (!e)
    return;
  g_autofree char *id = g_strdup(e->appointment_id);
  ArSession *patient = g_hash_table_lookup(s->lobby->patients, id);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  if (!patient &&
      (e->state == AR_QUEUE_STATE_READY || e->state == AR_QUEUE_STATE_CHECKING_DEVICES)) {
    g_set_error_literal(&error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_BAD_STATE,
                        "the patient is not connected");
    ok = FALSE;
  } else {
    ok = ar_waiting_room_admit(s->lobby->wr, id, now_unix(), &error);
  }
  g_autofree char *detail =
      g_strdup_printf("{\"clinician_participant\":\"%s\"}", se->participant_id);
  ar_lobby_audit(s, se, "lobby.admit", "appointment", id, ok ? "success" : "refused", detail);
  if (!ok) {
    reply_error(s, se, m, error);
    return;
  }
  gboolean media = switch_to_visit(s, patient, id);
  switch_to_visit(s, se, id); /* a clinician already connected to this room */
  JsonBuilder *b = ar_protocol_begin("ok", m->id);
  add_bool(b, "media", media);
  ar_signaling_send(se, ar_protocol_finish(b));
  b = ar_protocol_begin("admitted", 0);
  add_str(b, "visit_id", id);
  add_bool(b, "media", media);
  ar_signaling_send(patient, ar_protocol_finish(b));
}

static char *
clinic_message(const char *text, gint64 now)
{
  JsonBuilder *b = ar_protocol_begin("clinic.message", 0);
  add_str(b, "text", text);
  add_int(b, "at", now);
  return ar_protocol_finish(b);
}

/* Sends to the patient now if connected, and keeps it for when they come back. */
static void
deliver(ArLobby *lb, const char *appointment_id, const char *text)
{
  GPtrArray *kept = g_hash_table_lookup(lb->messages, appointment_id);
  if (!kept) {
    kept = g_ptr_array_new_with_free_func(g_free);
    g_hash_table_insert(lb->messages, g_strdup(appointment_id), kept);
  }
  if (kept->len >= MESSAGES_KEPT)
    g_ptr_array_remove_index(kept, 0);
  g_ptr_array_add(kept, g_strdup(text));
  ArSession *patient = g_hash_table_lookup(lb->patients, appointment_id);
  if (patient)
    ar_ws_conn_send(patient->conn, text, -1);
}

static gboolean
is_waiting(ArQueueState st)
{
  return st == AR_QUEUE_STATE_CHECKING_DEVICES || st == AR_QUEUE_STATE_READY ||
         st == AR_QUEUE_STATE_AWAY;
}

static void
handle_message(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_LOBBY(s, se, m))
    return;
  const char *text = ar_msg_string(m, "text");
  gboolean all = FALSE;
  ar_msg_bool(m, "all", &all);
  if (!text || !*text || g_utf8_strlen(text, -1) > MESSAGE_MAX_CHARS ||
      !g_utf8_validate(text, -1, NULL)) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "lobby.message needs \"text\" (1 to 500 characters)");
    return;
  }
  ArLobby *lb = s->lobby;
  g_autofree char *msg = clinic_message(text, now_unix());
  guint sent = 0;
  const char *entity = NULL;
  g_autofree char *one = NULL;
  if (all) {
    gboolean clinician = se->claims.role == AR_TOKEN_ROLE_CLINICIAN;
    g_autoptr(GPtrArray) entries = clinician ? ar_waiting_room_line(lb->wr, se->claims.subject_id)
                                             : ar_waiting_room_clinic(lb->wr, se->claims.visit_id);
    for (guint i = 0; i < entries->len; i++) {
      const ArWaitingEntry *e = g_ptr_array_index(entries, i);
      if (is_waiting(e->state)) {
        deliver(lb, e->appointment_id, msg);
        sent++;
      }
    }
    entity = clinician ? se->claims.subject_id : se->claims.visit_id;
  } else {
    const ArWaitingEntry *e = target(s, se, m);
    if (!e)
      return;
    if (!is_waiting(e->state)) {
      ar_lobby_audit(s, se, "lobby.message", "appointment", e->appointment_id, "refused", NULL);
      ar_signaling_error(s, se, m->id, "bad_state",
                         e->state == AR_QUEUE_STATE_NOT_ARRIVED
                             ? "the patient is not in the waiting room"
                             : "this visit is not waiting any more");
      return;
    }
    one = g_strdup(e->appointment_id);
    deliver(lb, one, msg);
    sent = 1;
    entity = one;
  }
  /* The text is free text a clinician wrote: it never reaches the audit log or a log line. */
  g_autofree char *detail = g_strdup_printf("{\"recipients\":%u}", sent);
  ar_lobby_audit(s, se, "lobby.message", all ? "line" : "appointment", entity, "success", detail);
  JsonBuilder *b = ar_protocol_begin("ok", m->id);
  add_int(b, "sent", sent);
  ar_signaling_send(se, ar_protocol_finish(b));
}

/* A no-show's slot goes to the waiting list (the scheduler offers it). */
static void
open_slot(ArSignaling *s, const char *appointment_id, ArOfferReason reason)
{
  if (!s->scheduler)
    return;
  sqlite3_stmt *st =
      ar_store_prepare(s->store, "SELECT slot_id FROM appointment WHERE id = ?", NULL);
  if (!st)
    return;
  sqlite3_bind_text(st, 1, appointment_id, -1, SQLITE_STATIC);
  g_autofree char *slot = NULL;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    slot = g_strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_reset(st);
  g_autoptr(GError) error = NULL;
  if (slot && !ar_scheduler_slot_opened(s->scheduler, slot, reason, &error))
    g_warning("freed slot not offered: %s", error->message);
}

static void
handle_noshow(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_LOBBY(s, se, m))
    return;
  const ArWaitingEntry *e = target(s, se, m);
  if (!e)
    return;
  g_autofree char *id = g_strdup(e->appointment_id);
  g_autoptr(GError) error = NULL;
  gboolean ok = ar_waiting_room_noshow(s->lobby->wr, id, now_unix(), &error);
  ar_lobby_audit(s, se, "lobby.noshow", "appointment", id, ok ? "success" : "refused", NULL);
  if (!ok) {
    reply_error(s, se, m, error);
    return;
  }
  ar_signaling_ok(se, m->id);
  open_slot(s, id, AR_OFFER_REASON_NOSHOW);
}

static void
handle_transfer(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_LOBBY(s, se, m))
    return;
  const char *to = ar_msg_string(m, "practitioner_id");
  if (!to) {
    ar_signaling_error(s, se, m->id, "bad_message", "needs \"practitioner_id\" (a string)");
    return;
  }
  const ArWaitingEntry *e = target(s, se, m);
  if (!e)
    return;
  g_autofree char *id = g_strdup(e->appointment_id);
  g_autoptr(GError) error = NULL;
  gboolean ok = ar_waiting_room_transfer(s->lobby->wr, id, to, now_unix(), &error);
  g_autofree char *detail = json_detail("to", to);
  ar_lobby_audit(s, se, "lobby.transfer", "appointment", id, ok ? "success" : "refused", detail);
  if (!ok)
    reply_error(s, se, m, error);
  else
    ar_signaling_ok(se, m->id);
}

static void
handle_late(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_CLINICIAN(s, se, m))
    return;
  gint64 minutes = 0;
  if (!ar_msg_int(m, "minutes", &minutes) || minutes < 0 || minutes > LATE_MAX_MIN) {
    ar_signaling_error(s, se, m->id, "bad_message", "lobby.late needs \"minutes\" (0 to 240)");
    return;
  }
  ar_waiting_room_set_announced_late(s->lobby->wr, se->claims.subject_id, minutes * 60, now_unix());
  ar_signaling_ok(se, m->id);
}

static void
handle_done(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_CLINICIAN(s, se, m))
    return;
  const ArWaitingEntry *e = target(s, se, m);
  if (!e)
    return;
  g_autofree char *id = g_strdup(e->appointment_id);
  g_autoptr(GError) error = NULL;
  gboolean ok = ar_waiting_room_end(s->lobby->wr, id, now_unix(), &error);
  ar_lobby_audit(s, se, "lobby.done", "appointment", id, ok ? "success" : "refused", NULL);
  if (!ok) {
    reply_error(s, se, m, error);
    return;
  }
  ar_signaling_ok(se, m->id);
  ArSession *patient = g_hash_table_lookup(s->lobby->patients, id);
  if (patient)
    ar_signaling_send(patient, ar_protocol_finish(ar_protocol_begin("visit.ended", 0)));
}

static void
handle_guests(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_CLINICIAN(s, se, m))
    return;
  gboolean wait = FALSE;
  if (!ar_msg_bool(m, "wait", &wait)) {
    ar_signaling_error(s, se, m->id, "bad_message", "lobby.guests needs \"wait\" (boolean)");
    return;
  }
  const ArWaitingEntry *e = target(s, se, m);
  if (!e)
    return;
  g_autofree char *id = g_strdup(e->appointment_id);
  g_autoptr(GError) error = NULL;
  if (!ar_waiting_room_set_guests_wait(s->lobby->wr, id, wait, now_unix(), &error))
    reply_error(s, se, m, error);
  else
    ar_signaling_ok(se, m->id);
}

static void
handle_admit_guest(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_CLINICIAN(s, se, m))
    return;
  const char *pid = ar_msg_string(m, "participant_id");
  if (!pid) {
    ar_signaling_error(s, se, m->id, "bad_message", "needs \"participant_id\" (a string)");
    return;
  }
  ArLobby *lb = s->lobby;
  ArSession *guest = g_hash_table_lookup(lb->guests, pid);
  const ArWaitingEntry *e =
      guest ? ar_waiting_room_lookup(lb->wr, guest->claims.visit_id, now_unix()) : NULL;
  if (!e || !sees(se, e, e->practitioner_id)) {
    ar_signaling_error(s, se, m->id, "not_found", "no such guest waiting in your lobby");
    return;
  }
  g_hash_table_remove(lb->guests, pid);
  g_hash_table_add(lb->let_in, g_strdup(pid));
  gboolean media = switch_to_visit(s, guest, e->appointment_id);
  g_autofree char *detail = json_detail("guest", pid);
  ar_lobby_audit(s, se, "lobby.admit_guest", "appointment", e->appointment_id, "success", detail);
  on_change(e, AR_WAITING_CHANGED_LOBBY, lb);
  JsonBuilder *b = ar_protocol_begin("ok", m->id);
  add_bool(b, "media", media);
  ar_signaling_send(se, ar_protocol_finish(b));
  b = ar_protocol_begin("admitted", 0);
  add_str(b, "visit_id", guest->claims.visit_id);
  add_bool(b, "media", media);
  ar_signaling_send(guest, ar_protocol_finish(b));
}

const ArSignalingRoute ar_lobby_routes[] = {
    {"checkin", handle_checkin},
    {"device_check.result", handle_device_result},
    {"waiting.early", handle_early},
    {"lobby.subscribe", handle_subscribe},
    {"lobby.admit", handle_admit},
    {"lobby.message", handle_message},
    {"lobby.noshow", handle_noshow},
    {"lobby.transfer", handle_transfer},
    {"lobby.late", handle_late},
    {"lobby.done", handle_done},
    {"lobby.guests", handle_guests},
    {"lobby.admit_guest", handle_admit_guest},
    {NULL},
};

gboolean
ar_signaling_eta_error(const ArSignaling *s, gint64 *samples, gint64 *mae_s, gint64 *p90_s,
                       gint64 *bias_s, double *in_range)
{
  if (!s->lobby)
    return FALSE;
  ArQueueErrorSummary sum;
  ar_waiting_room_eta_error(s->lobby->wr, &sum);
  *samples = sum.samples;
  *mae_s = sum.mae_s;
  *p90_s = sum.p90_abs_s;
  *bias_s = sum.bias_s;
  *in_range = sum.in_range_frac;
  return TRUE;
}
