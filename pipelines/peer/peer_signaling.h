/* anteroom-peer's signaling client: one WebSocket (libsoup 3) to the server's /ws carrying the
 * JSON protocol of docs/protocol.md. Requests get increasing ids and their reply (or error) is
 * handed to the callback given with the request; events go to on_event. Runs on the thread-
 * default main context of its creator. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct ArPeerSignaling ArPeerSignaling;

/* The reply object of a request: its "type" is the documented reply or "error". */
typedef void (*ArPeerReplyFunc)(JsonObject *reply, gpointer user_data);

typedef struct {
  void (*on_open)(gpointer user_data);
  void (*on_event)(JsonObject *event, gpointer user_data);
  /* The connection failed or closed; `error` says why (NULL on a normal close). */
  void (*on_closed)(const GError *error, gpointer user_data);
} ArPeerSignalingCallbacks;

/* Starts connecting to `url` (wss:// or ws://); the outcome arrives as on_open or on_closed.
 * With `insecure` a certificate that does not verify (the server's self-signed one) is
 * accepted. NULL with `error` set when `url` is not a WebSocket URL. */
ArPeerSignaling *ar_peer_signaling_connect(const char *url, gboolean insecure,
                                           const ArPeerSignalingCallbacks *cb, gpointer user_data,
                                           GError **error);
void ar_peer_signaling_free(ArPeerSignaling *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArPeerSignaling, ar_peer_signaling_free)

/* Sends {"type":type,"id":N, ...fields} (fields may be NULL; it is not consumed) and returns
 * N, or 0 when the socket is not open. `reply` (may be NULL) gets the answer. */
gint64 ar_peer_signaling_request(ArPeerSignaling *s, const char *type, JsonObject *fields,
                                 ArPeerReplyFunc reply, gpointer user_data);

/* The Origin a browser on the server's own page would send: https://host:port for
 * wss://host:port/ws (http:// for ws://). NULL when `url` is not a ws:// or wss:// URL. */
char *ar_peer_signaling_origin_for(const char *url);
