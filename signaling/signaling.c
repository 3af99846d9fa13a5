/* Session bookkeeping and dispatch. A bad message gets an error reply and the connection stays
 * open; only a client that keeps misbehaving (max_errors) is disconnected. */
#include "accounts.h"
#include "ar_build_config.h"
#include "audit.h"
#include "limiter.h"
#include "signaling_private.h"

#define IDLE_SWEEP_MS 1000

void
ar_signaling_send(ArSession *se, char *text)
{
  if (se->conn) /* parked sessions (resume.c) have no connection */
    ar_ws_conn_send(se->conn, text, -1);
  g_free(text);
}

void
ar_signaling_audit(ArSignaling *s, const char *actor, const char *action, const char *entity_type,
                   const char *entity, const char *outcome, const char *detail)
{
  ArAuditEvent ev = {actor, action, entity_type, entity, outcome, detail};
  g_autoptr(GError) error = NULL;
  if (!ar_audit_append(s->store, g_get_real_time() / G_USEC_PER_SEC, &ev, &error))
    g_warning("audit append failed: %s", error->message);
}

void
ar_signaling_end_participant(ArSignaling *s, ArSession *se, const char *reason)
{
  JsonBuilder *b = ar_protocol_begin("removed", 0);
  json_builder_set_member_name(b, "reason");
  json_builder_add_string_value(b, reason);
  ar_signaling_send(se, ar_protocol_finish(b));
  ar_signaling_participant_gone(s, se, reason);
  if (se->conn) {
    ar_ws_conn_close(se->conn, 4003, reason); /* on_close frees it */
  } else if (se->participant_id) {
    g_hash_table_remove(s->by_participant, se->participant_id);
    if (s->parked)
      g_hash_table_remove(s->parked, se->participant_id); /* frees it */
  }
}

static char *
participant_event(const char *type, ArSession *se)
{
  JsonBuilder *b = ar_protocol_begin(type, 0);
  json_builder_set_member_name(b, "participant_id");
  json_builder_add_string_value(b, se->participant_id);
  json_builder_set_member_name(b, "role");
  json_builder_add_string_value(b, ar_token_role_to_string(se->claims.role));
  return ar_protocol_finish(b);
}

void
ar_signaling_enter_visit(ArSignaling *s, ArSession *se, const char *appointment_id)
{
  if (se->appointment_id && !g_str_equal(se->appointment_id, appointment_id)) {
    g_autofree char *left = participant_event("participant.left", se);
    ar_roster_remove(s->roster, se->appointment_id, se);
    ar_roster_broadcast(s->roster, se->appointment_id, left, NULL);
  }
  g_free(se->appointment_id);
  se->appointment_id = g_strdup(appointment_id);
  ar_roster_add(s->roster, appointment_id, se);
  g_autofree char *ev = participant_event("participant.joined", se);
  ar_roster_broadcast(s->roster, appointment_id, ev, se);
}

void
ar_signaling_participant_gone(ArSignaling *s, ArSession *se, const char *why)
{
  /* The session may outlive its participant (`leave`, visit.remove, visit.end close the
   * connection later) and on_close skips sessions no longer joined: so every table that keeps
   * the session for its participant lets go of it here, while it is still joined and its
   * participant id still valid. (The waiting room kept a freed session otherwise.) */
  ar_signaling_scheduler_presence(s, se, FALSE);
  ar_lobby_session_closed(s, se);
  ar_signaling_media_session_closed(s, se);
  if (se->appointment_id) {
    ar_roster_remove(s->roster, se->appointment_id, se);
    g_autofree char *ev = participant_event("participant.left", se);
    ar_roster_broadcast(s->roster, se->appointment_id, ev, NULL);
  }
  if (se->joined) {
    g_autofree char *detail =
        g_strdup_printf("{\"participant\":\"%s\",\"reason\":\"%s\"}", se->participant_id, why);
    ar_signaling_audit(
        s, se->claims.subject_id, "visit.leave", se->appointment_id ? "appointment" : "clinic",
        se->appointment_id ? se->appointment_id : se->claims.visit_id, "success", detail);
  }
  if (s->limits && se->token_id[0])
    ar_limiter_token_release(s->limits, se->token_id);
  se->token_id[0] = '\0';
  g_clear_pointer(&se->appointment_id, g_free);
  se->joined = FALSE;
}

void
ar_signaling_error(ArSignaling *s, ArSession *se, gint64 id, const char *code, const char *message)
{
  guint64 n = GPOINTER_TO_SIZE(g_hash_table_lookup(s->error_counts, code));
  g_hash_table_replace(s->error_counts, g_strdup(code), GSIZE_TO_POINTER(n + 1));
  ar_signaling_send(se, ar_protocol_error(id, code, message));
  if (++se->errors >= s->opts.max_errors)
    ar_ws_conn_close(se->conn, 1008, "too many bad messages");
}

void
ar_signaling_ok(ArSession *se, gint64 id)
{
  ar_signaling_send(se, ar_protocol_finish(ar_protocol_begin("ok", id)));
}

gboolean
ar_signaling_require_join(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (se->joined)
    return TRUE;
  ar_signaling_error(s, se, m->id, "unauthenticated", "send join with your link's token first");
  return FALSE;
}

static void
handle_hello(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  JsonBuilder *b = ar_protocol_begin("welcome", m->id);
  json_builder_set_member_name(b, "version");
  json_builder_add_int_value(b, AR_PROTOCOL_VERSION);
  json_builder_set_member_name(b, "server");
  json_builder_add_string_value(b, "anteroom/" AR_VERSION);
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
handle_ping(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  JsonBuilder *b = ar_protocol_begin("pong", m->id);
  JsonNode *data = json_object_get_member(m->body, "data");
  if (data) {
    json_builder_set_member_name(b, "data");
    json_builder_add_value(b, json_node_copy(data));
  }
  ar_signaling_send(se, ar_protocol_finish(b));
}

static const ArSignalingRoute core_routes[] = {
  {"hello", handle_hello},
  {"ping", handle_ping},
  {NULL},
};

/* One line per signaling module: the message types it answers. */
static const ArSignalingRoute *const route_tables[] = {
    core_routes,       ar_join_routes,   ar_media_routes, ar_accounts_routes,
    ar_invites_routes, ar_resume_routes, ar_visit_routes,
    ar_scheduler_routes, ar_lobby_routes, ar_interpreter_routes, ar_recording_routes,
    ar_rating_routes,
};

static void
on_open(ArWsConn *c, gpointer user_data)
{
  ArSignaling *s = user_data;
  ArSession *se = g_new0(ArSession, 1);
  se->conn = c;
  se->peer_ip = g_strdup(ar_ws_conn_peer_ip(c));
  ar_rate_limit_init(&se->rate, s->opts.messages_per_second, s->opts.burst, g_get_monotonic_time());
  g_hash_table_insert(s->sessions, c, se);
  if (s->limits && !ar_limiter_connect(s->limits, se->peer_ip, g_get_monotonic_time())) {
    g_clear_pointer(&se->peer_ip, g_free); /* not counted, so not released */
    ar_signaling_send(
        se, ar_protocol_error(0, "rate_limited", "too many connections from this address"));
    ar_ws_conn_close(c, 1008, "too many connections from this address");
  }
  g_debug("ws session opened conn=%" G_GUINT64_FORMAT, ar_ws_conn_id(c));
}

static void
dispatch(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  for (gsize t = 0; t < G_N_ELEMENTS(route_tables); t++) {
    for (const ArSignalingRoute *r = route_tables[t]; r->type; r++) {
      if (g_str_equal(r->type, m->type)) {
        r->handler(s, se, m);
        return;
      }
    }
  }
  g_autofree char *why = g_strdup_printf("unknown message type \"%s\"", m->type);
  ar_signaling_error(s, se, m->id, "unknown_type", why);
}

static void
on_message(ArWsConn *c, const char *text, gsize len, gpointer user_data)
{
  ArSignaling *s = user_data;
  ArSession *se = g_hash_table_lookup(s->sessions, c);
  if (!se)
    return;
  gint64 now = g_get_monotonic_time();
  if (!ar_rate_limit_take(&se->rate, now) ||
      (s->limits && se->peer_ip && !ar_limiter_message(s->limits, se->peer_ip, now))) {
    ar_signaling_error(s, se, 0, "rate_limited", "too many messages; slow down");
    return;
  }
  se->last_activity_us = now;
  ArMsg m;
  const char *code = NULL;
  g_autofree char *detail = NULL;
  if (!ar_protocol_parse(text, len, &m, &code, &detail)) {
    ar_signaling_error(s, se, 0, code, detail);
    return;
  }
  /* What a page sends by itself on a timer (the heartbeat, the console refreshing its slots
   * panel) is not a person's activity: it must not keep a signed-in session from idling out. */
  gboolean activity = !g_str_equal(m.type, "ping") && !g_str_equal(m.type, "lobby.slots");
  if (se->cookie_session && s->opts.accounts &&
      !ar_accounts_session_alive(s->opts.accounts, se->cookie_session, g_get_real_time() / 1000,
                                 activity)) {
    ar_accounts_sweep_sessions(s);
  } else if (ar_roles_check(s, se, &m)) {
    dispatch(s, se, &m);
  }
  ar_msg_clear(&m);
}

void
ar_signaling_session_free(gpointer data)
{
  ArSession *se = data;
  if (se->grace_timer)
    g_source_remove(se->grace_timer);
  g_free(se->participant_id);
  g_free(se->media_room);
  g_free(se->appointment_id);
  g_free(se->cookie_session);
  g_free(se->peer_ip);
  g_free(se);
}

static void
on_close(ArWsConn *c, gpointer user_data)
{
  ArSignaling *s = user_data;
  ArSession *se = g_hash_table_lookup(s->sessions, c);
  if (!se)
    return;
  ar_signaling_scheduler_presence(s, se, FALSE);
  if (s->limits && se->peer_ip)
    ar_limiter_disconnect(s->limits, se->peer_ip);
  g_clear_pointer(&se->peer_ip, g_free);
  ar_lobby_session_closed(s, se); /* the waiting room marks a patient away at once */
  /* A participant that drops keeps its place and media for the grace period (resume.c). */
  if (ar_resume_park(s, se)) {
    g_hash_table_steal(s->sessions, c);
    return;
  }
  ar_signaling_participant_gone(s, se, "closed");
  if (se->participant_id)
    g_hash_table_remove(s->by_participant, se->participant_id);
  g_hash_table_remove(s->sessions, c);
  g_debug("ws session closed conn=%" G_GUINT64_FORMAT, ar_ws_conn_id(c));
}

static const ArWsHandler ws_handler = {on_open, on_message, on_close};

const ArWsHandler *
ar_signaling_ws_handler(void)
{
  return &ws_handler;
}

static gboolean
idle_sweep(gpointer user_data)
{
  ar_accounts_sweep_sessions(user_data);
  return G_SOURCE_CONTINUE;
}

ArSignaling *
ar_signaling_new(const ArSignalingOptions *opts)
{
  ArSignaling *s = g_new0(ArSignaling, 1);
  s->opts = *opts;
  if (s->opts.max_errors == 0)
    s->opts.max_errors = 20;
  s->store = opts->store;
  s->keys = opts->keys;
  s->visits = opts->visits;
  s->sessions =
      g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, ar_signaling_session_free);
  s->by_participant = g_hash_table_new(g_str_hash, g_str_equal);
  s->error_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->roster = ar_roster_new();
  s->limits = opts->limits;
  if (s->opts.grace_seconds == 0)
    s->opts.grace_seconds = 60;
  if (s->opts.accounts)
    s->idle_timer = g_timeout_add(IDLE_SWEEP_MS, idle_sweep, s);
  if (s->store)
    s->lobby = ar_lobby_new(s, s->opts.grace_seconds);
  s->recordings = ar_recording_visits_new();
  s->recording_stops = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return s;
}

void
ar_signaling_free(ArSignaling *s)
{
  if (!s)
    return;
  if (s->idle_timer)
    g_source_remove(s->idle_timer);
  ar_resume_free_parked(s);
  g_clear_pointer(&s->lobby, ar_lobby_free);
  g_hash_table_unref(s->by_participant);
  g_hash_table_unref(s->sessions);
  ar_roster_free(s->roster);
  g_hash_table_unref(s->error_counts);
  g_hash_table_unref(s->recordings);
  g_hash_table_unref(s->recording_stops);
  g_free(s);
}

void
ar_signaling_drain(ArSignaling *s)
{
  ar_resume_end_parked(s);
}

guint
ar_signaling_sessions(const ArSignaling *s)
{
  return g_hash_table_size(s->sessions);
}

guint64
ar_signaling_errors(const ArSignaling *s, const char *code)
{
  return GPOINTER_TO_SIZE(g_hash_table_lookup(s->error_counts, code));
}

GList *
ar_signaling_error_codes(const ArSignaling *s)
{
  return g_hash_table_get_keys(s->error_counts);
}

GList *
ar_signaling_recording_stop_reasons(const ArSignaling *s)
{
  return g_hash_table_get_keys(s->recording_stops);
}

guint64
ar_signaling_recording_stops(const ArSignaling *s, const char *reason)
{
  return GPOINTER_TO_SIZE(g_hash_table_lookup(s->recording_stops, reason));
}
