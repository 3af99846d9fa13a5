/* The one listening port: libwebsockets on the GLib main loop serving HTTPS (static web client
 * and registered API routes) and WSS on /ws. main.c creates it; the signaling layer registers
 * routes and a WebSocket handler before ar_http_server_start(). Runs on the main thread only. */
#pragma once
#include "ws_conn.h"
#include <glib.h>

#define AR_HTTP_ERROR (ar_http_error_quark())
GQuark ar_http_error_quark(void);
typedef enum { AR_HTTP_ERROR_TLS, AR_HTTP_ERROR_LISTEN, AR_HTTP_ERROR_INIT } ArHttpError;

typedef struct {
  const char *method; /* "GET", "POST", ... */
  const char *path;   /* decoded path without the query */
  GHashTable *query; /* decoded name -> value; never NULL */
  const char *cookie;
  const char *authorization;
  const char *content_type;
  const char *origin;
  const char *peer_ip;
  GBytes *body; /* never NULL */
} ArHttpRequest;

typedef struct {
  int status;
  char *content_type;
  GBytes *body;
  GPtrArray *headers; /* "Name: value" strings */
} ArHttpResponse;

/* Fills resp. Handlers run synchronously on the main thread. */
typedef void (*ArHttpHandler)(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data);

/* Helpers for handlers. */
void ar_http_response_set(ArHttpResponse *resp, int status, const char *content_type,
                          const char *body, gssize len);
void ar_http_response_take(ArHttpResponse *resp, int status, const char *content_type,
                           GBytes *body);
void ar_http_response_header(ArHttpResponse *resp, const char *name, const char *value);
/* Answering later: a handler whose work cannot run on the main loop (a password hash) calls
 * ar_http_response_defer() instead of filling resp, does the work elsewhere, then fills
 * ar_http_deferred_response() and calls ar_http_deferred_finish() once, on the main thread.
 * If the client went away meanwhile, finish only frees. Copy what you need from the request
 * before returning from the handler. */
typedef struct ArHttpDeferred ArHttpDeferred;
ArHttpDeferred *ar_http_response_defer(ArHttpResponse *resp);
ArHttpResponse *ar_http_deferred_response(ArHttpDeferred *d);
void ar_http_deferred_finish(ArHttpDeferred *d);

/* A decoded query parameter or NULL. */
const char *ar_http_query(const ArHttpRequest *req, const char *name);

typedef struct {
  const char *listen_address;
  int port;
  const char *web_root;
  const char *cert_path;
  const char *key_path;
  gsize max_body_bytes;
  /* WebSocket Origin must be one of these ("https://host:port"); NULL: any origin. */
  const char *const *allowed_origins;
} ArHttpServerOptions;

typedef struct ArHttpServer ArHttpServer;

ArHttpServer *ar_http_server_new(const ArHttpServerOptions *opts);

/* Routes are prefixes ("/api/") or exact paths ("/healthz"); register before start. */
void ar_http_server_route(ArHttpServer *s, const char *path, gboolean prefix,
                          ArHttpHandler handler, gpointer user_data);
void ar_http_server_set_ws_handler(ArHttpServer *s, const ArWsHandler *handler,
                                   gpointer user_data);

/* Binds and starts serving on the thread-default main loop. */
gboolean ar_http_server_start(ArHttpServer *s, GMainLoop *loop, GError **error);

/* SIGHUP: load the certificate and key files again. */
gboolean ar_http_server_reload_tls(ArHttpServer *s, GError **error);

guint ar_http_server_ws_count(const ArHttpServer *s);
guint64 ar_http_server_requests_total(const ArHttpServer *s);

void ar_http_server_free(ArHttpServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArHttpServer, ar_http_server_free)
