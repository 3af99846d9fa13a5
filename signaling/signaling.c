/* Session bookkeeping and dispatch. A bad message gets an error reply and the connection stays
 * open; only a client that keeps misbehaving (max_errors) is disconnected. */
#include "ar_build_config.h"
#include "signaling_private.h"

void
ar_signaling_send(ArSession *se, char *text)
{
  ar_ws_conn_send(se->conn, text, -1);
  g_free(text);
}

void
ar_signaling_error(ArSignaling *s, ArSession *se, gint64 id, const char *code,
                   const char *message)
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
  core_routes,
  ar_join_routes,
  ar_media_routes,
  ar_recording_routes,
};

static void
on_open(ArWsConn *c, gpointer user_data)
{
  ArSignaling *s = user_data;
  ArSession *se = g_new0(ArSession, 1);
  se->conn = c;
  ar_rate_limit_init(&se->rate, s->opts.messages_per_second, s->opts.burst,
                     g_get_monotonic_time());
  g_hash_table_insert(s->sessions, c, se);
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
  if (!ar_rate_limit_take(&se->rate, g_get_monotonic_time())) {
    ar_signaling_error(s, se, 0, "rate_limited", "too many messages; slow down");
    return;
  }
  ArMsg m;
  const char *code = NULL;
  g_autofree char *detail = NULL;
  if (!ar_protocol_parse(text, len, &m, &code, &detail)) {
    ar_signaling_error(s, se, 0, code, detail);
    return;
  }
  dispatch(s, se, &m);
  ar_msg_clear(&m);
}

static void
session_free(gpointer data)
{
  ArSession *se = data;
  g_free(se->participant_id);
  g_free(se->media_room);
  g_free(se);
}

static void
on_close(ArWsConn *c, gpointer user_data)
{
  ArSignaling *s = user_data;
  ArSession *se = g_hash_table_lookup(s->sessions, c);
  if (!se)
    return;
  ar_signaling_media_session_closed(s, se);
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
  s->sessions = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, session_free);
  s->by_participant = g_hash_table_new(g_str_hash, g_str_equal);
  s->error_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->recordings = ar_recording_visits_new();
  s->recording_stops = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return s;
}

void
ar_signaling_free(ArSignaling *s)
{
  if (!s)
    return;
  g_hash_table_unref(s->by_participant);
  g_hash_table_unref(s->sessions);
  g_hash_table_unref(s->error_counts);
  g_hash_table_unref(s->recordings);
  g_hash_table_unref(s->recording_stops);
  g_free(s);
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
