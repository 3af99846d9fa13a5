/* Janus's WebSocket API (subprotocol "janus-protocol") for the load generator's Janus runs:
 * one connection, requests matched to replies by transaction, session keepalives. The caller
 * speaks the plugin protocol (echotest) through lg_janus_request. Main context only. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct LgJanus LgJanus;

/* The first message with the request's transaction that is not an "ack": "success", "error"
 * or the plugin's "event" (which may carry "jsep"). */
typedef void (*LgJanusReply)(JsonObject *msg, gpointer user_data);

typedef struct {
  void (*on_open)(gpointer user_data);
  /* Messages without a pending transaction: "trickle", "webrtcup", "media", "hangup", ... */
  void (*on_event)(JsonObject *msg, gpointer user_data);
  void (*on_closed)(const char *why, gpointer user_data);
} LgJanusCallbacks;

LgJanus *lg_janus_connect(const char *url, const LgJanusCallbacks *cb, gpointer user_data);
void lg_janus_free(LgJanus *j);

/* Sends `msg` (not consumed) with a fresh "transaction" and, once known, "session_id". */
void lg_janus_request(LgJanus *j, JsonObject *msg, LgJanusReply reply, gpointer user_data);
/* After "create" succeeded: the session id to stamp on requests and keep alive (every 20 s). */
void lg_janus_set_session(LgJanus *j, gint64 session_id);
