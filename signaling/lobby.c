/* The waiting room over WebSocket: the ArLobby that ties the waiting room (waiting_room.h) to
 * the signaling sessions, the session hooks (a patient's connection comes and goes, a guest is
 * held, a visit ends), the request checks and the route table. The messages themselves are in
 * lobby_patient.c (check-in, device check, "earlier") and lobby_actions.c (the clinician's and
 * staff's lobby); what they see is built in lobby_views.c. Roles: only a clinician admits, and
 * only in their own line; staff see and act on their clinic; patients and guests get forbidden. */
#include "audit.h"
#include "lobby_private.h"

#include <string.h>

void
ar_lobby_audit(ArSignaling *s, ArSession *se, const char *action, const char *entity_type,
               const char *entity_id, const char *outcome, const char *detail)
{
  ArAuditEvent ev = {se->claims.subject_id, action, entity_type, entity_id, outcome, detail};
  g_autoptr(GError) error = NULL;
  if (!ar_audit_append(s->store, ar_lobby_now(), &ev, &error))
    g_warning("audit append failed: %s", error->message);
}

gboolean
ar_lobby_is_lobby_role(const ArSession *se)
{
  return se->claims.role == AR_TOKEN_ROLE_CLINICIAN || se->claims.role == AR_TOKEN_ROLE_STAFF;
}

gboolean
ar_lobby_sees(const ArSession *se, const ArWaitingEntry *e, const char *practitioner_id)
{
  if (se->claims.role == AR_TOKEN_ROLE_CLINICIAN)
    return g_str_equal(se->claims.subject_id, practitioner_id);
  return se->claims.role == AR_TOKEN_ROLE_STAFF && g_str_equal(se->claims.visit_id, e->clinic_id);
}

static gboolean
on_tick(gpointer user_data)
{
  ArLobby *lb = user_data;
  ar_waiting_room_tick(lb->wr, ar_lobby_now());
  return G_SOURCE_CONTINUE;
}

/* The waiting room's deferred flush: one queue-model pass per dirty line, then the
 * notifications (ar_lobby_on_change), paced so a burst of changes costs one pass. */
static gboolean
on_flush(gpointer user_data)
{
  ArLobby *lb = user_data;
  lb->flush_source = 0; /* a change made while flushing arms the next one */
  gint64 start = g_get_monotonic_time();
  ar_waiting_room_flush(lb->wr, ar_lobby_now());
  ar_fanout_pace_done(&lb->pace, start, g_get_monotonic_time());
  return G_SOURCE_REMOVE;
}

static void
schedule_flush(gpointer user_data)
{
  ArLobby *lb = user_data;
  if (lb->flush_source)
    return;
  gint64 delay_us = ar_fanout_pace_delay_us(&lb->pace, g_get_monotonic_time());
  /* A timeout, not an idle: at default priority it runs beside busy sockets instead of
   * waiting for a quiet loop that 10,000 connections may never give it. */
  lb->flush_source =
      g_timeout_add_full(G_PRIORITY_DEFAULT, (guint)((delay_us + 999) / 1000), on_flush, lb, NULL);
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
  lb->wr = ar_waiting_room_new(s->store, grace_s, ar_lobby_on_change, lb);
  ar_fanout_pace_init(&lb->pace);
  ar_waiting_room_defer_updates(lb->wr, schedule_flush, lb);
  g_autoptr(GError) error = NULL;
  if (!ar_waiting_room_load(lb->wr, ar_lobby_now(), &error))
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
  if (lb->flush_source)
    g_source_remove(lb->flush_source);
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
  if (!ar_waiting_room_lookup(lb->wr, id, ar_lobby_now()))
    return NULL;
  return ar_waiting_room_state_name(ar_waiting_room_connected(lb->wr, id, ar_lobby_now()));
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
  const ArWaitingEntry *e = ar_waiting_room_lookup(lb->wr, id, ar_lobby_now());
  if (!e)
    return;
  /* The newest connection is the patient's: a reload replaces the old tab's. */
  g_hash_table_replace(lb->patients, g_strdup(id), se);
  ar_lobby_on_change(e, AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE, lb);
  GPtrArray *kept = g_hash_table_lookup(lb->messages, id);
  for (guint i = 0; kept && i < kept->len; i++)
    ar_ws_conn_send(se->conn, g_ptr_array_index(kept, i), -1);
}

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
  const ArWaitingEntry *e = ar_waiting_room_lookup(s->lobby->wr, appointment_id, ar_lobby_now());
  if (e && e->state == AR_QUEUE_STATE_IN_VISIT &&
      !ar_waiting_room_end(s->lobby->wr, appointment_id, ar_lobby_now(), &error))
    g_warning("waiting room: %s", error->message);
  /* An early finish frees the rest of the booked time for someone on the waiting list. */
  if (appointment_end(s, appointment_id) - ar_lobby_now() >= EARLY_FINISH_MIN_S)
    ar_lobby_open_slot(s, appointment_id, AR_OFFER_REASON_EARLY_FINISH);
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
    const ArWaitingEntry *e = ar_waiting_room_lookup(lb->wr, id, ar_lobby_now());
    if (e)
      ar_lobby_on_change(e, AR_WAITING_CHANGED_LOBBY, lb);
  }
  if (se->participant_id)
    g_hash_table_remove(lb->let_in, se->participant_id);
  if (se->claims.role == AR_TOKEN_ROLE_PATIENT && g_hash_table_lookup(lb->patients, id) == se) {
    g_hash_table_remove(lb->patients, id);
    ar_waiting_room_disconnected(lb->wr, id, ar_lobby_now());
  }
}

ArRoomPurpose
ar_lobby_media_purpose(ArSignaling *s, ArSession *se, ArRoomPurpose asked)
{
  ArLobby *lb = s->lobby;
  if (!lb || se->claims.role != AR_TOKEN_ROLE_CAREGIVER || asked != AR_ROOM_PURPOSE_VISIT ||
      g_hash_table_contains(lb->let_in, se->participant_id))
    return asked;
  const ArWaitingEntry *e = ar_waiting_room_lookup(lb->wr, se->claims.visit_id, ar_lobby_now());
  if (!e || !e->guests_wait)
    return asked;
  /* Held in the waiting room: they see themselves until the clinician lets them in. */
  if (!g_hash_table_contains(lb->guests, se->participant_id)) {
    g_hash_table_insert(lb->guests, se->participant_id, se);
    ar_lobby_on_change(e, AR_WAITING_CHANGED_LOBBY, lb);
  }
  return AR_ROOM_PURPOSE_DEVICE_CHECK;
}

void
ar_lobby_media_verdict(ArSignaling *s, ArSession *se, const char *verdict)
{
  if (s->lobby && se->claims.role == AR_TOKEN_ROLE_PATIENT)
    ar_waiting_room_set_network(s->lobby->wr, se->claims.visit_id, verdict, ar_lobby_now());
}

/* ---- replies ---- */

void
ar_lobby_reply_error(ArSignaling *s, ArSession *se, const ArMsg *m, const GError *error)
{
  const char *code = "internal";
  if (error->domain == AR_WAITING_ROOM_ERROR && error->code == AR_WAITING_ROOM_ERROR_NOT_FOUND)
    code = "not_found";
  else if (error->domain == AR_WAITING_ROOM_ERROR && error->code == AR_WAITING_ROOM_ERROR_BAD_STATE)
    code = "bad_state";
  ar_signaling_error(s, se, m->id, code, error->message);
}

gboolean
ar_lobby_require_role(ArSignaling *s, ArSession *se, const ArMsg *m, gboolean ok, const char *who)
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

/* A no-show's slot goes to the waiting list (the scheduler offers it). */
void
ar_lobby_open_slot(ArSignaling *s, const char *appointment_id, ArOfferReason reason)
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

const ArSignalingRoute ar_lobby_routes[] = {
    {"checkin", ar_lobby_handle_checkin},
    {"device_check.result", ar_lobby_handle_device_result},
    {"waiting.early", ar_lobby_handle_early},
    {"lobby.subscribe", ar_lobby_handle_subscribe},
    {"lobby.admit", ar_lobby_handle_admit},
    {"lobby.message", ar_lobby_handle_message},
    {"lobby.noshow", ar_lobby_handle_noshow},
    {"lobby.transfer", ar_lobby_handle_transfer},
    {"lobby.late", ar_lobby_handle_late},
    {"lobby.done", ar_lobby_handle_done},
    {"lobby.guests", ar_lobby_handle_guests},
    {"lobby.admit_guest", ar_lobby_handle_admit_guest},
    {"lobby.walkin", ar_lobby_handle_walkin},
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
