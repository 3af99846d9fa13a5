/* WebSocket + JSON for anteroom-peer. The server sends text frames only; each is one JSON
 * object. A reply is matched to its request by id; anything else is an event. */
#include "peer_signaling.h"

#include <libsoup/soup.h>

typedef struct {
  ArPeerReplyFunc func;
  gpointer user_data;
} Pending;

struct ArPeerSignaling {
  ArPeerSignalingCallbacks cb;
  gpointer user_data;
  SoupSession *session;
  SoupWebsocketConnection *conn;
  GCancellable *cancellable;
  GHashTable *pending; /* id (gint64 *) → Pending */
  gint64 next_id;
  gboolean closed;
};

char *
ar_peer_signaling_origin_for(const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
  if (!uri || !g_uri_get_host(uri))
    return NULL;
  const char *scheme = g_uri_get_scheme(uri);
  const char *http;
  if (g_ascii_strcasecmp(scheme, "wss") == 0)
    http = "https";
  else if (g_ascii_strcasecmp(scheme, "ws") == 0)
    http = "http";
  else
    return NULL;
  return g_uri_join(G_URI_FLAGS_NONE, http, NULL, g_uri_get_host(uri), g_uri_get_port(uri), "",
                    NULL, NULL);
}

static void
report_closed(ArPeerSignaling *s, const GError *error)
{
  if (s->closed)
    return;
  s->closed = TRUE;
  s->cb.on_closed(error, s->user_data);
}

static gboolean
accept_any_certificate(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  return TRUE; /* only connected when --insecure was given */
}

static void
dispatch(ArPeerSignaling *s, JsonObject *obj)
{
  JsonNode *id = json_object_get_member(obj, "id");
  if (id && JSON_NODE_HOLDS_VALUE(id) && json_node_get_value_type(id) == G_TYPE_INT64) {
    gint64 key = json_node_get_int(id);
    Pending *p = g_hash_table_lookup(s->pending, &key);
    if (p) {
      Pending copy = *p;
      g_hash_table_remove(s->pending, &key);
      if (copy.func)
        copy.func(obj, copy.user_data);
      return;
    }
  }
  s->cb.on_event(obj, s->user_data);
}

static void
on_message(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
  ArPeerSignaling *s = user_data;
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  gsize len = 0;
  const char *text = g_bytes_get_data(message, &len);
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_data(parser, text, (gssize)len, &error) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    g_warning("signaling: the server sent a frame that is not a JSON object");
    return;
  }
  dispatch(s, json_node_get_object(json_parser_get_root(parser)));
}

static void
on_ws_closed(SoupWebsocketConnection *conn, gpointer user_data)
{
  ArPeerSignaling *s = user_data;
  gushort code = soup_websocket_connection_get_close_code(conn);
  if (code == SOUP_WEBSOCKET_CLOSE_NORMAL || code == SOUP_WEBSOCKET_CLOSE_GOING_AWAY) {
    report_closed(s, NULL);
    return;
  }
  const char *data = soup_websocket_connection_get_close_data(conn);
  g_autoptr(GError) error = code == 0
                                ? g_error_new(G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                              "the connection to the server was lost")
                                : g_error_new(G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                              "the server closed the WebSocket (status %u%s%s)",
                                              code, data && *data ? ": " : "", data ? data : "");
  report_closed(s, error);
}

static void
on_connected(GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *conn =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);
  if (!conn) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return; /* freed while connecting: user_data is gone */
    report_closed(user_data, error);
    return;
  }
  ArPeerSignaling *s = user_data;
  s->conn = conn;
  /* SDP with many candidates can exceed libsoup's 128 KiB default; the server's own limit is
   * 64 KiB per message, so this only guards against a misbehaving server. */
  soup_websocket_connection_set_max_incoming_payload_size(conn, 1 << 20);
  g_signal_connect(conn, "message", G_CALLBACK(on_message), s);
  g_signal_connect(conn, "closed", G_CALLBACK(on_ws_closed), s);
  s->cb.on_open(s->user_data);
}

ArPeerSignaling *
ar_peer_signaling_connect(const char *url, gboolean insecure, const ArPeerSignalingCallbacks *cb,
                          gpointer user_data, GError **error)
{
  g_autofree char *origin = ar_peer_signaling_origin_for(url);
  SoupMessage *msg = origin ? soup_message_new(SOUP_METHOD_GET, url) : NULL;
  if (!msg) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "not a ws:// or wss:// URL: %s",
                url);
    return NULL;
  }
  ArPeerSignaling *s = g_new0(ArPeerSignaling, 1);
  s->cb = *cb;
  s->user_data = user_data;
  s->next_id = 1;
  s->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  s->cancellable = g_cancellable_new();
  s->session = soup_session_new();
  if (insecure)
    g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_any_certificate), NULL);
  soup_session_websocket_connect_async(s->session, msg, origin, NULL, G_PRIORITY_DEFAULT,
                                       s->cancellable, on_connected, s);
  g_object_unref(msg);
  return s;
}

void
ar_peer_signaling_free(ArPeerSignaling *s)
{
  if (!s)
    return;
  g_cancellable_cancel(s->cancellable);
  if (s->conn) {
    g_signal_handlers_disconnect_by_data(s->conn, s);
    if (soup_websocket_connection_get_state(s->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(s->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref(s->conn);
  }
  g_object_unref(s->session);
  g_object_unref(s->cancellable);
  g_hash_table_destroy(s->pending);
  g_free(s);
}

gint64
ar_peer_signaling_request(ArPeerSignaling *s, const char *type, JsonObject *fields,
                          ArPeerReplyFunc reply, gpointer user_data)
{
  if (!s->conn || soup_websocket_connection_get_state(s->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return 0;
  gint64 id = s->next_id++;
  g_autoptr(JsonObject) obj = json_object_new();
  json_object_set_string_member(obj, "type", type);
  json_object_set_int_member(obj, "id", id);
  if (fields) {
    JsonObjectIter it;
    const char *name;
    JsonNode *value;
    json_object_iter_init(&it, fields);
    while (json_object_iter_next(&it, &name, &value))
      json_object_set_member(obj, name, json_node_copy(value));
  }
  g_autoptr(JsonNode) root = json_node_init_object(json_node_alloc(), obj);
  g_autofree char *text = json_to_string(root, FALSE);
  Pending *p = g_new(Pending, 1);
  p->func = reply;
  p->user_data = user_data;
  g_hash_table_insert(s->pending, g_memdup2(&id, sizeof id), p);
  soup_websocket_connection_send_text(s->conn, text);
  return id;
}
