/* The clinician's and staff's lobby messages: subscribe (the snapshot), admit, message the
 * waiting patients, no-show, transfer, running late, done, and guests who wait to be let in. A
 * clinician acts on their own line, staff on their clinic; an appointment outside the caller's
 * lobby does not exist for it. */
#include "lobby_private.h"

#include <string.h>

#define MESSAGE_MAX_CHARS 500
#define MESSAGES_KEPT 20 /* per appointment, replayed to a patient who comes back */
#define LATE_MAX_MIN 240

void
ar_lobby_handle_subscribe(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_LOBBY(s, se, m))
    return;
  ArLobby *lb = s->lobby;
  gboolean clinician = se->claims.role == AR_TOKEN_ROLE_CLINICIAN;
  ar_waiting_room_refresh(lb->wr, ar_lobby_now());
  g_autoptr(GPtrArray) entries = clinician ? ar_waiting_room_line(lb->wr, se->claims.subject_id)
                                           : ar_waiting_room_clinic(lb->wr, se->claims.visit_id);
  g_hash_table_add(lb->subscribers, se);
  ar_lobby_audit(s, se, "lobby.subscribe", clinician ? "practitioner" : "clinic",
                 clinician ? se->claims.subject_id : se->claims.visit_id, "success", NULL);
  JsonBuilder *b = ar_protocol_begin("lobby.snapshot", m->id);
  ar_lobby_add_str(b, clinician ? "practitioner_id" : "clinic_id",
                   clinician ? se->claims.subject_id : se->claims.visit_id);
  if (clinician)
    ar_lobby_add_int(b, "running_late_min",
                     (ar_waiting_room_running_late(lb->wr, se->claims.subject_id) + 59) / 60);
  json_builder_set_member_name(b, "entries");
  json_builder_begin_array(b);
  gint64 now = ar_lobby_now();
  for (guint i = 0; i < entries->len; i++)
    ar_lobby_add_entry(lb, b, g_ptr_array_index(entries, i), now);
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
  const ArWaitingEntry *e = ar_waiting_room_lookup(s->lobby->wr, id, ar_lobby_now());
  if (!e || !ar_lobby_sees(se, e, e->practitioner_id)) {
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

void
ar_lobby_handle_admit(ArSignaling *s, ArSession *se, const ArMsg *m)
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
    ok = ar_waiting_room_admit(s->lobby->wr, id, ar_lobby_now(), &error);
  }
  g_autofree char *detail =
      g_strdup_printf("{\"clinician_participant\":\"%s\"}", se->participant_id);
  ar_lobby_audit(s, se, "lobby.admit", "appointment", id, ok ? "success" : "refused", detail);
  if (!ok) {
    ar_lobby_reply_error(s, se, m, error);
    return;
  }
  gboolean media = switch_to_visit(s, patient, id);
  switch_to_visit(s, se, id); /* a clinician already connected to this room */
  JsonBuilder *b = ar_protocol_begin("ok", m->id);
  ar_lobby_add_bool(b, "media", media);
  ar_signaling_send(se, ar_protocol_finish(b));
  b = ar_protocol_begin("admitted", 0);
  ar_lobby_add_str(b, "visit_id", id);
  ar_lobby_add_bool(b, "media", media);
  ar_signaling_send(patient, ar_protocol_finish(b));
}

static char *
clinic_message(const char *text, gint64 now)
{
  JsonBuilder *b = ar_protocol_begin("clinic.message", 0);
  ar_lobby_add_str(b, "text", text);
  ar_lobby_add_int(b, "at", now);
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

void
ar_lobby_handle_message(ArSignaling *s, ArSession *se, const ArMsg *m)
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
  g_autofree char *msg = clinic_message(text, ar_lobby_now());
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
  ar_lobby_add_int(b, "sent", sent);
  ar_signaling_send(se, ar_protocol_finish(b));
}

typedef gboolean (*EntryEnd)(ArWaitingRoom *wr, const char *id, gint64 now, GError **error);

/* Ends the message's target entry with `end` (no-show, visit done), audited as `action`, and
 * replies; the appointment id when it worked (the caller's follow-up), else NULL. */
static char *
end_target(ArSignaling *s, ArSession *se, const ArMsg *m, const char *action, EntryEnd end)
{
  const ArWaitingEntry *e = target(s, se, m);
  if (!e)
    return NULL;
  char *id = g_strdup(e->appointment_id);
  g_autoptr(GError) error = NULL;
  gboolean ok = end(s->lobby->wr, id, ar_lobby_now(), &error);
  ar_lobby_audit(s, se, action, "appointment", id, ok ? "success" : "refused", NULL);
  if (!ok) {
    ar_lobby_reply_error(s, se, m, error);
    g_free(id);
    return NULL;
  }
  ar_signaling_ok(se, m->id);
  return id;
}

void
ar_lobby_handle_noshow(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_LOBBY(s, se, m))
    return;
  g_autofree char *id = end_target(s, se, m, "lobby.noshow", ar_waiting_room_noshow);
  if (id)
    ar_lobby_open_slot(s, id, AR_OFFER_REASON_NOSHOW);
}

void
ar_lobby_handle_transfer(ArSignaling *s, ArSession *se, const ArMsg *m)
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
  gboolean ok = ar_waiting_room_transfer(s->lobby->wr, id, to, ar_lobby_now(), &error);
  g_autofree char *detail = ar_lobby_json_detail("to", to);
  ar_lobby_audit(s, se, "lobby.transfer", "appointment", id, ok ? "success" : "refused", detail);
  if (!ok)
    ar_lobby_reply_error(s, se, m, error);
  else
    ar_signaling_ok(se, m->id);
}

void
ar_lobby_handle_late(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_CLINICIAN(s, se, m))
    return;
  gint64 minutes = 0;
  if (!ar_msg_int(m, "minutes", &minutes) || minutes < 0 || minutes > LATE_MAX_MIN) {
    ar_signaling_error(s, se, m->id, "bad_message", "lobby.late needs \"minutes\" (0 to 240)");
    return;
  }
  ar_waiting_room_set_announced_late(s->lobby->wr, se->claims.subject_id, minutes * 60,
                                     ar_lobby_now());
  ar_signaling_ok(se, m->id);
}

void
ar_lobby_handle_done(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_CLINICIAN(s, se, m))
    return;
  g_autofree char *id = end_target(s, se, m, "lobby.done", ar_waiting_room_end);
  if (!id)
    return;
  ArSession *patient = g_hash_table_lookup(s->lobby->patients, id);
  if (patient)
    ar_signaling_send(patient, ar_protocol_finish(ar_protocol_begin("visit.ended", 0)));
}

void
ar_lobby_handle_guests(ArSignaling *s, ArSession *se, const ArMsg *m)
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
  if (!ar_waiting_room_set_guests_wait(s->lobby->wr, id, wait, ar_lobby_now(), &error))
    ar_lobby_reply_error(s, se, m, error);
  else
    ar_signaling_ok(se, m->id);
}

void
ar_lobby_handle_admit_guest(ArSignaling *s, ArSession *se, const ArMsg *m)
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
      guest ? ar_waiting_room_lookup(lb->wr, guest->claims.visit_id, ar_lobby_now()) : NULL;
  if (!e || !ar_lobby_sees(se, e, e->practitioner_id)) {
    ar_signaling_error(s, se, m->id, "not_found", "no such guest waiting in your lobby");
    return;
  }
  g_hash_table_remove(lb->guests, pid);
  g_hash_table_add(lb->let_in, g_strdup(pid));
  gboolean media = switch_to_visit(s, guest, e->appointment_id);
  g_autofree char *detail = ar_lobby_json_detail("guest", pid);
  ar_lobby_audit(s, se, "lobby.admit_guest", "appointment", e->appointment_id, "success", detail);
  ar_lobby_on_change(e, AR_WAITING_CHANGED_LOBBY, lb);
  JsonBuilder *b = ar_protocol_begin("ok", m->id);
  ar_lobby_add_bool(b, "media", media);
  ar_signaling_send(se, ar_protocol_finish(b));
  b = ar_protocol_begin("admitted", 0);
  ar_lobby_add_str(b, "visit_id", guest->claims.visit_id);
  ar_lobby_add_bool(b, "media", media);
  ar_signaling_send(guest, ar_protocol_finish(b));
}
