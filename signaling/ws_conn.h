/* One WebSocket connection as the signaling layer sees it: send text messages (queued and
 * written when the socket is writable), close, and attach per-connection state. The HTTP
 * server owns the connection's lifetime and calls the ArWsHandler on open, message and close. */
#pragma once
#include <glib.h>

typedef struct ArWsConn ArWsConn;

typedef struct {
  void (*on_open)(ArWsConn *c, gpointer user_data);
  /* One whole message (fragments already joined); text is NUL-terminated. */
  void (*on_message)(ArWsConn *c, const char *text, gsize len, gpointer user_data);
  /* After this returns the ArWsConn is freed. */
  void (*on_close)(ArWsConn *c, gpointer user_data);
} ArWsHandler;

/* Queues one text message. Returns FALSE (and drops it) when the client is not reading and the
 * queue holds more than the per-connection limit: the caller may close the connection. */
gboolean ar_ws_conn_send(ArWsConn *c, const char *text, gssize len);

/* Sends a close frame with this status code and reason after queued messages. */
void ar_ws_conn_close(ArWsConn *c, int code, const char *reason);

void ar_ws_conn_set_data(ArWsConn *c, gpointer data);
gpointer ar_ws_conn_get_data(ArWsConn *c);
const char *ar_ws_conn_peer_ip(const ArWsConn *c);
/* The Cookie header of the upgrade request ("" when none): cookie sessions (accounts.c). */
const char *ar_ws_conn_cookie(const ArWsConn *c);
guint64 ar_ws_conn_id(const ArWsConn *c);
gsize ar_ws_conn_queued_bytes(const ArWsConn *c);

/* Used by http_server.c: construction and the lws write path. */
struct lws;
ArWsConn *ar_ws_conn_new(struct lws *wsi, guint64 id, const char *peer_ip);
void ar_ws_conn_set_cookie(ArWsConn *c, const char *cookie);
void ar_ws_conn_free(ArWsConn *c);
/* Writes queued messages; returns -1 to close the connection. */
int ar_ws_conn_on_writable(ArWsConn *c);
/* Collects a fragment; returns the full message when its last fragment arrives, else NULL.
 * Returns NULL and sets *too_big when the message exceeds max_bytes. */
const char *ar_ws_conn_collect(ArWsConn *c, const void *in, gsize len, gboolean first,
                               gboolean final, gsize max_bytes, gsize *out_len,
                               gboolean *too_big);
