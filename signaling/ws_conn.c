/* Outgoing queue and incoming reassembly for one WebSocket. libwebsockets only lets us write
 * from the WRITEABLE callback, one frame per call, so messages wait here with LWS_PRE headroom. */
#include "ws_conn.h"

#include <libwebsockets.h>
#include <string.h>

/* A client that stops reading must not grow the server's memory without bound. */
#define AR_WS_MAX_QUEUED_BYTES (4u * 1024 * 1024)

struct ArWsConn {
  struct lws *wsi;
  guint64 id;
  char *peer_ip;
  char *cookie;
  gpointer data;
  GQueue out;        /* GBytes, each LWS_PRE + payload */
  gsize queued;      /* payload bytes in out */
  GByteArray *in;    /* fragments of the message being received */
  int close_code;    /* 0: open */
  char *close_reason;
};

ArWsConn *
ar_ws_conn_new(struct lws *wsi, guint64 id, const char *peer_ip)
{
  ArWsConn *c = g_new0(ArWsConn, 1);
  c->wsi = wsi;
  c->id = id;
  c->peer_ip = g_strdup(peer_ip);
  g_queue_init(&c->out);
  c->in = g_byte_array_new();
  return c;
}

void
ar_ws_conn_free(ArWsConn *c)
{
  if (!c)
    return;
  g_queue_clear_full(&c->out, (GDestroyNotify)g_bytes_unref);
  g_byte_array_unref(c->in);
  g_free(c->peer_ip);
  g_free(c->cookie);
  g_free(c->close_reason);
  g_free(c);
}

gboolean
ar_ws_conn_send(ArWsConn *c, const char *text, gssize len)
{
  gsize n = len < 0 ? strlen(text) : (gsize)len;
  if (c->close_code || c->queued + n > AR_WS_MAX_QUEUED_BYTES)
    return FALSE;
  guint8 *buf = g_malloc(LWS_PRE + n);
  memcpy(buf + LWS_PRE, text, n);
  g_queue_push_tail(&c->out, g_bytes_new_take(buf, LWS_PRE + n));
  c->queued += n;
  lws_callback_on_writable(c->wsi);
  return TRUE;
}

void
ar_ws_conn_close(ArWsConn *c, int code, const char *reason)
{
  if (c->close_code)
    return;
  c->close_code = code;
  c->close_reason = g_strdup(reason ? reason : "");
  lws_callback_on_writable(c->wsi);
}

int
ar_ws_conn_on_writable(ArWsConn *c)
{
  GBytes *msg = g_queue_pop_head(&c->out);
  if (msg) {
    gsize size;
    guint8 *buf = (guint8 *)g_bytes_get_data(msg, &size);
    gsize n = size - LWS_PRE;
    int written = lws_write(c->wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
    c->queued -= n;
    g_bytes_unref(msg);
    if (written < (int)n)
      return -1;
    if (!g_queue_is_empty(&c->out) || c->close_code)
      lws_callback_on_writable(c->wsi);
    return 0;
  }
  if (c->close_code) {
    lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
                     (unsigned char *)c->close_reason, strlen(c->close_reason));
    return -1;
  }
  return 0;
}

const char *
ar_ws_conn_collect(ArWsConn *c, const void *in, gsize len, gboolean first, gboolean final,
                   gsize max_bytes, gsize *out_len, gboolean *too_big)
{
  *too_big = FALSE;
  if (first)
    g_byte_array_set_size(c->in, 0);
  if (c->in->len + len > max_bytes) {
    *too_big = TRUE;
    g_byte_array_set_size(c->in, 0);
    return NULL;
  }
  g_byte_array_append(c->in, in, (guint)len);
  if (!final)
    return NULL;
  *out_len = c->in->len;
  guint8 nul = 0;
  g_byte_array_append(c->in, &nul, 1);
  return (const char *)c->in->data;
}

void
ar_ws_conn_set_data(ArWsConn *c, gpointer data)
{
  c->data = data;
}

gpointer
ar_ws_conn_get_data(ArWsConn *c)
{
  return c->data;
}

const char *
ar_ws_conn_peer_ip(const ArWsConn *c)
{
  return c->peer_ip;
}

guint64
ar_ws_conn_id(const ArWsConn *c)
{
  return c->id;
}

gsize
ar_ws_conn_queued_bytes(const ArWsConn *c)
{
  return c->queued;
}

void
ar_ws_conn_set_cookie(ArWsConn *c, const char *cookie)
{
  g_free(c->cookie);
  c->cookie = g_strdup(cookie);
}

const char *
ar_ws_conn_cookie(const ArWsConn *c)
{
  return c->cookie ? c->cookie : "";
}
