/* Janus WebSocket API client for the load generator; see lg_janus.h. */
#include "lg_janus.h"

#include <libsoup/soup.h>

typedef struct {
  LgJanusReply func;
  gpointer user_data;
} Pending;

struct LgJanus {
  LgJanusCallbacks cb;
  gpointer user_data;
  SoupSession *session;
  SoupWebsocketConnection *conn;
  GCancellable *cancellable;
  GHashTable *pending; /* transaction → Pending */
  guint64 next_tx;
  gint64 session_id;
  guint keepalive;
  gboolean closed;
};

static void
closed(LgJanus *j, const char *why)
{
  if (j->closed)
    return;
  j->closed = TRUE;
  j->cb.on_closed(why, j->user_data);
}

static void
on_message(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
  LgJanus *j = user_data;
  gsize len = 0;
  const char *text = g_bytes_get_data(message, &len);
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  if (!json_parser_load_from_data(parser, text, (gssize)len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
    return;
  JsonObject *obj = json_node_get_object(json_parser_get_root(parser));
  const char *kind = json_object_get_string_member_with_default(obj, "janus", "");
  const char *tx = json_object_get_string_member_with_default(obj, "transaction", NULL);
  if (g_str_equal(kind, "ack"))
    return;
  Pending *p = tx ? g_hash_table_lookup(j->pending, tx) : NULL;
  if (p) {
    Pending copy = *p;
    g_hash_table_remove(j->pending, tx);
    copy.func(obj, copy.user_data);
    return;
  }
  j->cb.on_event(obj, j->user_data);
}

static void
on_ws_closed(SoupWebsocketConnection *conn, gpointer user_data)
{
  closed(user_data, "websocket closed");
}

static void
on_connected(GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *conn =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);
  if (!conn) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      closed(user_data, error->message);
    return;
  }
  LgJanus *j = user_data;
  j->conn = conn;
  soup_websocket_connection_set_max_incoming_payload_size(conn, 1 << 20);
  g_signal_connect(conn, "message", G_CALLBACK(on_message), j);
  g_signal_connect(conn, "closed", G_CALLBACK(on_ws_closed), j);
  j->cb.on_open(j->user_data);
}

LgJanus *
lg_janus_connect(const char *url, const LgJanusCallbacks *cb, gpointer user_data)
{
  LgJanus *j = g_new0(LgJanus, 1);
  j->cb = *cb;
  j->user_data = user_data;
  j->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  j->cancellable = g_cancellable_new();
  j->session = soup_session_new();
  SoupMessage *msg = soup_message_new(SOUP_METHOD_GET, url);
  char *protocols[] = {"janus-protocol", NULL};
  soup_session_websocket_connect_async(j->session, msg, NULL, protocols, G_PRIORITY_DEFAULT,
                                       j->cancellable, on_connected, j);
  g_object_unref(msg);
  return j;
}

void
lg_janus_free(LgJanus *j)
{
  if (!j)
    return;
  if (j->keepalive)
    g_source_remove(j->keepalive);
  g_cancellable_cancel(j->cancellable);
  if (j->conn) {
    g_signal_handlers_disconnect_by_data(j->conn, j);
    if (soup_websocket_connection_get_state(j->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(j->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref(j->conn);
  }
  g_object_unref(j->session);
  g_object_unref(j->cancellable);
  g_hash_table_destroy(j->pending);
  g_free(j);
}

static void
send_obj(LgJanus *j, JsonObject *obj)
{
  g_autoptr(JsonNode) root = json_node_init_object(json_node_alloc(), obj);
  g_autofree char *text = json_to_string(root, FALSE);
  soup_websocket_connection_send_text(j->conn, text);
}

void
lg_janus_request(LgJanus *j, JsonObject *msg, LgJanusReply reply, gpointer user_data)
{
  if (!j->conn || soup_websocket_connection_get_state(j->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  char *tx = g_strdup_printf("t%" G_GUINT64_FORMAT, ++j->next_tx);
  json_object_set_string_member(msg, "transaction", tx);
  if (j->session_id)
    json_object_set_int_member(msg, "session_id", j->session_id);
  if (reply) {
    Pending *p = g_new(Pending, 1);
    p->func = reply;
    p->user_data = user_data;
    g_hash_table_insert(j->pending, tx, p);
  } else {
    g_free(tx);
  }
  send_obj(j, msg);
}

static gboolean
keepalive(gpointer user_data)
{
  LgJanus *j = user_data;
  g_autoptr(JsonObject) m = json_object_new();
  json_object_set_string_member(m, "janus", "keepalive");
  lg_janus_request(j, m, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

void
lg_janus_set_session(LgJanus *j, gint64 session_id)
{
  j->session_id = session_id;
  if (!j->keepalive)
    j->keepalive = g_timeout_add_seconds(20, keepalive, j);
}
