/* libwebsockets glue. One lws protocol serves both the HTTP routes (through callback mounts)
 * and the WebSocket on /ws; the static web client is a file mount at "/". Everything runs on
 * the GLib main loop that lws joins as a foreign loop. */
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(ar-http-error-quark, ar_http_error)

#define PROTOCOL_NAME "anteroom"
#define WS_PATH "/ws"
#define MAX_WS_MESSAGE_BYTES (64 * 1024)

typedef struct {
  char *path;
  gboolean prefix;
  ArHttpHandler handler;
  gpointer user_data;
} Route;

struct ArHttpServer {
  char *listen_address, *web_root, *cert_path, *key_path;
  int port;
  gsize max_body_bytes;
  GStrv allowed_origins;
  GPtrArray *routes;
  struct lws_http_mount *mounts;
  struct lws_protocols protocols[2];
  struct lws_protocol_vhost_options *headers;
  struct lws_protocol_vhost_options mimetypes[3];
  struct lws_context *context;
  struct lws_vhost *vhost;
  ArWsHandler ws;
  gpointer ws_user_data;
  guint ws_count;
  guint64 requests;
  guint64 next_conn_id;
};

/* Per-connection state that lws allocates zeroed for us. */
typedef struct {
  /* HTTP */
  ArHttpRequest req;
  char *method, *path, *cookie, *authorization, *content_type, *origin;
  char peer_ip[64];
  GByteArray *body;
  gboolean body_too_big;
  ArHttpResponse resp;
  gsize sent;
  gboolean head_only;
  struct lws *wsi;
  ArHttpDeferred *deferred; /* a handler answers later */
  gboolean deferred_ready;  /* its answer is in resp: write headers when writable */
  /* WebSocket */
  ArWsConn *ws;
} Pss;

struct ArHttpDeferred {
  Pss *pss; /* NULL once the connection is gone */
  ArHttpResponse resp;
};

static void
response_clear(ArHttpResponse *r)
{
  g_clear_pointer(&r->content_type, g_free);
  g_clear_pointer(&r->body, g_bytes_unref);
  g_clear_pointer(&r->headers, g_ptr_array_unref);
  r->status = 0;
}

ArHttpDeferred *
ar_http_response_defer(ArHttpResponse *resp)
{
  Pss *pss = (Pss *)((char *)resp - G_STRUCT_OFFSET(Pss, resp));
  ArHttpDeferred *d = g_new0(ArHttpDeferred, 1);
  d->pss = pss;
  pss->deferred = d;
  return d;
}

ArHttpResponse *
ar_http_deferred_response(ArHttpDeferred *d)
{
  return &d->resp;
}

void
ar_http_deferred_finish(ArHttpDeferred *d)
{
  Pss *pss = d->pss;
  if (pss) {
    pss->deferred = NULL;
    response_clear(&pss->resp);
    pss->resp = d->resp;
    if (!pss->resp.status)
      ar_http_response_set(&pss->resp, 500, "text/plain", "no response\n", -1);
    if (!pss->resp.content_type)
      pss->resp.content_type = g_strdup("text/plain");
    pss->deferred_ready = TRUE;
    lws_callback_on_writable(pss->wsi);
  } else {
    response_clear(&d->resp);
  }
  g_free(d);
}

void
ar_http_response_take(ArHttpResponse *resp, int status, const char *content_type, GBytes *body)
{
  resp->status = status;
  g_free(resp->content_type);
  resp->content_type = g_strdup(content_type);
  g_clear_pointer(&resp->body, g_bytes_unref);
  resp->body = body;
}

void
ar_http_response_set(ArHttpResponse *resp, int status, const char *content_type,
                     const char *body, gssize len)
{
  gsize n = len < 0 ? strlen(body) : (gsize)len;
  ar_http_response_take(resp, status, content_type, g_bytes_new(body, n));
}

void
ar_http_response_header(ArHttpResponse *resp, const char *name, const char *value)
{
  if (!resp->headers)
    resp->headers = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(resp->headers, g_strdup_printf("%s: %s", name, value));
}

const char *
ar_http_query(const ArHttpRequest *req, const char *name)
{
  return g_hash_table_lookup(req->query, name);
}

static void
pss_clear_http(Pss *pss)
{
  if (pss->deferred) /* the connection is going; the handler's finish only frees */
    pss->deferred->pss = NULL;
  pss->deferred = NULL;
  pss->deferred_ready = FALSE;
  g_clear_pointer(&pss->method, g_free);
  g_clear_pointer(&pss->path, g_free);
  g_clear_pointer(&pss->cookie, g_free);
  g_clear_pointer(&pss->authorization, g_free);
  g_clear_pointer(&pss->content_type, g_free);
  g_clear_pointer(&pss->origin, g_free);
  g_clear_pointer(&pss->body, g_byte_array_unref);
  g_clear_pointer(&pss->req.query, g_hash_table_unref);
  g_clear_pointer(&pss->req.body, g_bytes_unref);
  g_clear_pointer(&pss->resp.content_type, g_free);
  g_clear_pointer(&pss->resp.body, g_bytes_unref);
  g_clear_pointer(&pss->resp.headers, g_ptr_array_unref);
  pss->resp.status = 0;
  pss->sent = 0;
  pss->body_too_big = FALSE;
}

static char *
copy_header(struct lws *wsi, enum lws_token_indexes h)
{
  int len = lws_hdr_total_length(wsi, h);
  if (len <= 0)
    return NULL;
  char *buf = g_malloc(len + 1);
  if (lws_hdr_copy(wsi, buf, len + 1, h) < 0) {
    g_free(buf);
    return NULL;
  }
  return buf;
}

static GHashTable *
copy_query(struct lws *wsi)
{
  GHashTable *q = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  char frag[1024];
  for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
       i++) {
    char *eq = strchr(frag, '=');
    if (eq)
      *eq = '\0';
    g_hash_table_replace(q, g_strdup(frag), g_strdup(eq ? eq + 1 : ""));
  }
  return q;
}

static const Route *
find_route(ArHttpServer *s, const char *path)
{
  const Route *best = NULL;
  for (guint i = 0; i < s->routes->len; i++) {
    const Route *r = g_ptr_array_index(s->routes, i);
    gboolean match = r->prefix ? g_str_has_prefix(path, r->path) : g_str_equal(path, r->path);
    if (match && (!best || strlen(r->path) > strlen(best->path)))
      best = r;
  }
  return best;
}

static void
fill_request(Pss *pss, struct lws *wsi)
{
  char *uri = NULL;
  int uri_len = 0;
  static const char *const methods[] = {"GET", "POST", "OPTIONS", "PUT", "PATCH", "DELETE",
                                        "CONNECT", "HEAD"};
  int m = lws_http_get_uri_and_method(wsi, &uri, &uri_len);
  pss->method = g_strdup(m >= 0 && m < (int)G_N_ELEMENTS(methods) ? methods[m] : "GET");
  pss->path = uri ? g_strndup(uri, uri_len) : g_strdup("/");
  pss->cookie = copy_header(wsi, WSI_TOKEN_HTTP_COOKIE);
  pss->authorization = copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  pss->content_type = copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
  pss->origin = copy_header(wsi, WSI_TOKEN_ORIGIN);
  lws_get_peer_simple(wsi, pss->peer_ip, sizeof pss->peer_ip);
  pss->head_only = m == LWSHUMETH_HEAD;
  pss->req = (ArHttpRequest){
    .method = pss->method,
    .path = pss->path,
    .query = copy_query(wsi),
    .cookie = pss->cookie ? pss->cookie : "",
    .authorization = pss->authorization ? pss->authorization : "",
    .content_type = pss->content_type ? pss->content_type : "",
    .origin = pss->origin ? pss->origin : "",
    .peer_ip = pss->peer_ip,
  };
}

static int
write_headers(struct lws *wsi, Pss *pss)
{
  guint8 buf[LWS_PRE + 4096];
  guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  gsize len = pss->resp.body ? g_bytes_get_size(pss->resp.body) : 0;
  if (lws_add_http_common_headers(wsi, (unsigned)pss->resp.status, pss->resp.content_type,
                                  len, &p, end))
    return -1;
  for (guint i = 0; pss->resp.headers && i < pss->resp.headers->len; i++) {
    const char *h = g_ptr_array_index(pss->resp.headers, i);
    const char *colon = strchr(h, ':');
    g_autofree char *name = g_ascii_strdown(h, colon - h + 1);
    const char *value = colon + 2;
    if (lws_add_http_header_by_name(wsi, (guint8 *)name, (guint8 *)value, (int)strlen(value), &p,
                                    end))
      return -1;
  }
  if (lws_finalize_write_http_header(wsi, start, &p, end))
    return -1;
  lws_callback_on_writable(wsi);
  return 0;
}

static int
dispatch(ArHttpServer *s, struct lws *wsi, Pss *pss)
{
  s->requests++;
  pss->req.body = pss->body ? g_bytes_new(pss->body->data, pss->body->len) : g_bytes_new(NULL, 0);
  const Route *r = find_route(s, pss->path);
  if (pss->body_too_big)
    ar_http_response_set(&pss->resp, 413, "text/plain", "request body too large\n", -1);
  else if (!r)
    ar_http_response_set(&pss->resp, 404, "text/plain", "not found\n", -1);
  else
    r->handler(&pss->req, &pss->resp, r->user_data);
  if (pss->deferred)
    return 0; /* headers go out from ar_http_deferred_finish() */
  if (!pss->resp.status)
    ar_http_response_set(&pss->resp, 500, "text/plain", "no response\n", -1);
  if (!pss->resp.content_type)
    pss->resp.content_type = g_strdup("text/plain");
  return write_headers(wsi, pss);
}

static int
write_body(struct lws *wsi, Pss *pss)
{
  gsize len = 0;
  const guint8 *data = pss->resp.body ? g_bytes_get_data(pss->resp.body, &len) : NULL;
  if (pss->head_only)
    len = 0;
  gsize chunk = MIN(len - pss->sent, (gsize)16384);
  if (chunk > 0) {
    guint8 buf[LWS_PRE + 16384];
    memcpy(buf + LWS_PRE, data + pss->sent, chunk);
    gboolean last = pss->sent + chunk == len;
    if (lws_write(wsi, buf + LWS_PRE, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) <
        (int)chunk)
      return -1;
    pss->sent += chunk;
    if (!last) {
      lws_callback_on_writable(wsi);
      return 0;
    }
  }
  pss_clear_http(pss);
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static gboolean
origin_allowed(ArHttpServer *s, struct lws *wsi)
{
  if (!s->allowed_origins)
    return TRUE;
  g_autofree char *origin = copy_header(wsi, WSI_TOKEN_ORIGIN);
  return origin && g_strv_contains((const char *const *)s->allowed_origins, origin);
}

static int
ws_filter(ArHttpServer *s, struct lws *wsi)
{
  g_autofree char *uri = copy_header(wsi, WSI_TOKEN_GET_URI);
  if (!uri || !g_str_equal(uri, WS_PATH))
    return 1;
  if (!origin_allowed(s, wsi)) {
    g_info("websocket refused: origin not allowed");
    return 1;
  }
  return 0;
}

static int
ws_receive(ArHttpServer *s, struct lws *wsi, Pss *pss, const void *in, size_t len)
{
  if (lws_frame_is_binary(wsi)) {
    ar_ws_conn_close(pss->ws, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, "text frames only");
    return 0;
  }
  gsize msg_len = 0;
  gboolean too_big = FALSE;
  const char *msg = ar_ws_conn_collect(pss->ws, in, len, lws_is_first_fragment(wsi),
                                       lws_is_final_fragment(wsi), MAX_WS_MESSAGE_BYTES,
                                       &msg_len, &too_big);
  if (too_big) {
    ar_ws_conn_close(pss->ws, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
    return 0;
  }
  if (msg && s->ws.on_message)
    s->ws.on_message(pss->ws, msg, msg_len, s->ws_user_data);
  return 0;
}

static int
ws_callback(ArHttpServer *s, struct lws *wsi, enum lws_callback_reasons reason, Pss *pss,
            void *in, size_t len)
{
  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    return ws_filter(s, wsi);
  case LWS_CALLBACK_ESTABLISHED: {
    char ip[64] = "";
    lws_get_peer_simple(wsi, ip, sizeof ip);
    pss->ws = ar_ws_conn_new(wsi, ++s->next_conn_id, ip);
    g_autofree char *cookie = copy_header(wsi, WSI_TOKEN_HTTP_COOKIE);
    ar_ws_conn_set_cookie(pss->ws, cookie);
    s->ws_count++;
    if (s->ws.on_open)
      s->ws.on_open(pss->ws, s->ws_user_data);
    return 0;
  }
  case LWS_CALLBACK_RECEIVE:
    return pss->ws ? ws_receive(s, wsi, pss, in, len) : -1;
  case LWS_CALLBACK_SERVER_WRITEABLE:
    return pss->ws ? ar_ws_conn_on_writable(pss->ws) : 0;
  case LWS_CALLBACK_CLOSED:
    if (pss->ws) {
      if (s->ws.on_close)
        s->ws.on_close(pss->ws, s->ws_user_data);
      g_clear_pointer(&pss->ws, ar_ws_conn_free);
      s->ws_count--;
    }
    return 0;
  default:
    return 0;
  }
}

static int
http_callback(ArHttpServer *s, struct lws *wsi, enum lws_callback_reasons reason, Pss *pss,
              void *in, size_t len)
{
  switch (reason) {
  case LWS_CALLBACK_HTTP:
    pss_clear_http(pss);
    pss->wsi = wsi;
    fill_request(pss, wsi);
    if (g_str_equal(pss->method, "POST") || g_str_equal(pss->method, "PUT") ||
        g_str_equal(pss->method, "PATCH")) {
      pss->body = g_byte_array_new();
      return 0; /* wait for LWS_CALLBACK_HTTP_BODY_COMPLETION */
    }
    return dispatch(s, wsi, pss);
  case LWS_CALLBACK_HTTP_BODY:
    if (pss->body && !pss->body_too_big) {
      if (pss->body->len + len > s->max_body_bytes)
        pss->body_too_big = TRUE;
      else
        g_byte_array_append(pss->body, in, (guint)len);
    }
    return 0;
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    return pss->method ? dispatch(s, wsi, pss) : -1;
  case LWS_CALLBACK_HTTP_WRITEABLE:
    if (pss->deferred_ready) {
      pss->deferred_ready = FALSE;
      return write_headers(wsi, pss);
    }
    return pss->resp.status && !pss->deferred ? write_body(wsi, pss) : 0;
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
  case LWS_CALLBACK_CLOSED_HTTP:
    pss_clear_http(pss);
    return 0;
  default:
    return 0;
  }
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  struct lws_context *ctx = lws_get_context(wsi);
  ArHttpServer *s = ctx ? lws_context_user(ctx) : NULL;
  Pss *pss = user;
  if (!s || !pss)
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  switch (reason) {
  case LWS_CALLBACK_HTTP:
  case LWS_CALLBACK_HTTP_BODY:
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
  case LWS_CALLBACK_HTTP_WRITEABLE:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
  case LWS_CALLBACK_CLOSED_HTTP:
    return http_callback(s, wsi, reason, pss, in, len);
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
  case LWS_CALLBACK_ESTABLISHED:
  case LWS_CALLBACK_RECEIVE:
  case LWS_CALLBACK_SERVER_WRITEABLE:
  case LWS_CALLBACK_CLOSED:
    return ws_callback(s, wsi, reason, pss, in, len);
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

static void
lws_log_to_glib(int level, const char *line)
{
  g_autofree char *msg = g_strchomp(g_strdup(line));
  if (level & LLL_ERR)
    g_log("lws", G_LOG_LEVEL_WARNING, "%s", msg);
  else
    g_log("lws", G_LOG_LEVEL_DEBUG, "%s", msg);
}

ArHttpServer *
ar_http_server_new(const ArHttpServerOptions *opts)
{
  ArHttpServer *s = g_new0(ArHttpServer, 1);
  s->listen_address = g_strdup(opts->listen_address);
  s->port = opts->port;
  s->web_root = g_strdup(opts->web_root);
  s->cert_path = g_strdup(opts->cert_path);
  s->key_path = g_strdup(opts->key_path);
  s->max_body_bytes = opts->max_body_bytes ? opts->max_body_bytes : 1024 * 1024;
  s->allowed_origins = opts->allowed_origins ? g_strdupv((GStrv)opts->allowed_origins) : NULL;
  s->routes = g_ptr_array_new();
  return s;
}

void
ar_http_server_route(ArHttpServer *s, const char *path, gboolean prefix, ArHttpHandler handler,
                     gpointer user_data)
{
  Route *r = g_new0(Route, 1);
  *r = (Route){g_strdup(path), prefix, handler, user_data};
  g_ptr_array_add(s->routes, r);
}

void
ar_http_server_set_ws_handler(ArHttpServer *s, const ArWsHandler *handler, gpointer user_data)
{
  s->ws = *handler;
  s->ws_user_data = user_data;
}

/* Headers every response carries. Referrer-Policy matters most: patient links carry tokens. */
static const char *const security_headers[][2] = {
  {"strict-transport-security:", "max-age=31536000"},
  {"x-content-type-options:", "nosniff"},
  {"referrer-policy:", "no-referrer"},
  {"x-frame-options:", "DENY"},
  {"permissions-policy:", "camera=(self), microphone=(self), display-capture=(self)"},
  {"content-security-policy:",
   "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
   "connect-src 'self' wss:; style-src 'self'; script-src 'self'; object-src 'none'; "
   "frame-ancestors 'none'; base-uri 'none'"},
};

static void
build_mounts(ArHttpServer *s)
{
  guint n = s->routes->len;
  s->mounts = g_new0(struct lws_http_mount, n + 1);
  for (guint i = 0; i < n; i++) {
    const Route *r = g_ptr_array_index(s->routes, i);
    struct lws_http_mount *m = &s->mounts[i];
    m->mountpoint = r->path;
    m->mountpoint_len = (unsigned char)strlen(r->path);
    /* lws matches "/api" for "/api/...": drop the trailing slash of prefix routes. */
    if (r->prefix && m->mountpoint_len > 1 && r->path[m->mountpoint_len - 1] == '/')
      m->mountpoint_len--;
    m->origin = PROTOCOL_NAME;
    m->origin_protocol = LWSMPRO_CALLBACK;
    m->mount_next = &s->mounts[i + 1];
  }
  struct lws_http_mount *files = &s->mounts[n];
  files->mountpoint = "/";
  files->mountpoint_len = 1;
  files->origin = s->web_root;
  files->def = "index.html";
  files->origin_protocol = LWSMPRO_FILE;
  /* No build step and no content hashes in names: browsers revalidate (ETag) after a minute. */
  files->cache_max_age = 60;
  files->cache_reusable = 1;
  files->cache_revalidate = 1;
  files->extra_mimetypes = s->mimetypes;
  s->mimetypes[0] = (struct lws_protocol_vhost_options){&s->mimetypes[1], NULL, ".mjs",
                                                        "text/javascript"};
  s->mimetypes[1] = (struct lws_protocol_vhost_options){&s->mimetypes[2], NULL, ".webmanifest",
                                                        "application/manifest+json"};
  s->mimetypes[2] = (struct lws_protocol_vhost_options){NULL, NULL, ".woff2", "font/woff2"};
  for (int i = 0; i < (int)G_N_ELEMENTS(security_headers); i++)
    s->headers = g_memdup2(&(struct lws_protocol_vhost_options){s->headers, NULL,
                                                                security_headers[i][0],
                                                                security_headers[i][1]},
                           sizeof(struct lws_protocol_vhost_options));
}

/* lws only logs a failed bind; probe first so the operator gets one clear line. */
static gboolean
probe_listen(const char *address, int port, GError **error)
{
  gboolean v6 = strchr(address, ':') != NULL;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return TRUE;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_storage ss = {0};
  socklen_t sl;
  if (v6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    sl = sizeof *a;
    if (inet_pton(AF_INET6, address, &a->sin6_addr) != 1)
      goto bad_address;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    sl = sizeof *a;
    if (inet_pton(AF_INET, address, &a->sin_addr) != 1)
      goto bad_address;
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
    int e = errno;
    close(fd);
    g_set_error(error, AR_HTTP_ERROR, AR_HTTP_ERROR_LISTEN, "cannot listen on %s port %d: %s",
                address, port, e == EADDRINUSE ? "port in use" : g_strerror(e));
    return FALSE;
  }
  close(fd);
  return TRUE;
bad_address:
  close(fd);
  g_set_error(error, AR_HTTP_ERROR, AR_HTTP_ERROR_LISTEN,
              "[server] listen_address '%s' is not an IP address", address);
  return FALSE;
}

/* No per-connection validity timer (lws's default pings after 300 s and hangs up at 310 s).
 * lws keeps every timer of the loop in one sorted list and lws_dll2_add_sorted walks it on each
 * insertion: with a validity timer per WebSocket, each accept (and each handshake timeout)
 * walked all 10,000 waiting patients' timers, the top user-space symbol of the server's profile
 * during the fan-out bench. Dead peers are found by TCP keepalive instead (KEEPALIVE_* below),
 * which costs the loop nothing; live clients ping at the application level (protocol.md). */
static const lws_retry_bo_t no_validity_timer = {.secs_since_valid_ping = 0,
                                                 .secs_since_valid_hangup = 0};
#define KEEPALIVE_IDLE_S 60
#define KEEPALIVE_PROBES 5
#define KEEPALIVE_INTERVAL_S 10

gboolean
ar_http_server_start(ArHttpServer *s, GMainLoop *loop, GError **error)
{
  if (!probe_listen(s->listen_address, s->port, error))
    return FALSE;
  build_mounts(s);
  s->protocols[0] = (struct lws_protocols){PROTOCOL_NAME, callback, sizeof(Pss), 4096, 0, NULL, 0};

  lws_set_log_level(LLL_ERR, lws_log_to_glib);
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  void *foreign_loops[1] = {loop};
  info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                 LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  info.foreign_loops = foreign_loops;
  info.user = s;
  info.count_threads = 1;
  info.ka_time = KEEPALIVE_IDLE_S;
  info.ka_probes = KEEPALIVE_PROBES;
  info.ka_interval = KEEPALIVE_INTERVAL_S;
  s->context = lws_create_context(&info);
  if (!s->context) {
    g_set_error(error, AR_HTTP_ERROR, AR_HTTP_ERROR_INIT,
                "libwebsockets could not start on the GLib loop (is the package "
                "libwebsockets-evlib-glib installed?)");
    return FALSE;
  }
  memset(&info, 0, sizeof info);
  gboolean any = g_str_equal(s->listen_address, "0.0.0.0") || g_str_equal(s->listen_address, "::");
  info.port = s->port;
  info.iface = any ? NULL : s->listen_address;
  info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8;
  if (!strchr(s->listen_address, ':'))
    info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info.protocols = s->protocols;
  info.mounts = s->mounts;
  info.headers = s->headers;
  info.ssl_cert_filepath = s->cert_path;
  info.ssl_private_key_filepath = s->key_path;
  info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                         SSL_OP_NO_COMPRESSION;
  info.alpn = "http/1.1";
  info.vhost_name = "anteroom";
  info.retry_and_idle_policy = &no_validity_timer;
  s->vhost = lws_create_vhost(s->context, &info);
  if (!s->vhost) {
    g_set_error(error, AR_HTTP_ERROR, AR_HTTP_ERROR_TLS,
                "could not start HTTPS on port %d with certificate %s and key %s", s->port,
                s->cert_path, s->key_path);
    return FALSE;
  }
  return TRUE;
}

gboolean
ar_http_server_reload_tls(ArHttpServer *s, GError **error)
{
  g_autofree char *cert = NULL, *key = NULL;
  gsize cert_len = 0, key_len = 0;
  if (!g_file_get_contents(s->cert_path, &cert, &cert_len, error) ||
      !g_file_get_contents(s->key_path, &key, &key_len, error))
    return FALSE;
  if (lws_tls_cert_updated(s->context, s->cert_path, s->key_path, cert, cert_len, key,
                           key_len)) {
    g_set_error(error, AR_HTTP_ERROR, AR_HTTP_ERROR_TLS,
                "certificate %s or key %s was refused; the old one stays in use", s->cert_path,
                s->key_path);
    return FALSE;
  }
  return TRUE;
}

guint
ar_http_server_ws_count(const ArHttpServer *s)
{
  return s->ws_count;
}

guint64
ar_http_server_requests_total(const ArHttpServer *s)
{
  return s->requests;
}

static void
route_free(gpointer p)
{
  Route *r = p;
  g_free(r->path);
  g_free(r);
}

void
ar_http_server_free(ArHttpServer *s)
{
  if (!s)
    return;
  g_clear_pointer(&s->context, lws_context_destroy);
  g_ptr_array_set_free_func(s->routes, route_free);
  g_ptr_array_unref(s->routes);
  while (s->headers) {
    struct lws_protocol_vhost_options *next = (void *)s->headers->next;
    g_free(s->headers);
    s->headers = next;
  }
  g_free(s->mounts);
  g_strfreev(s->allowed_origins);
  g_free(s->listen_address);
  g_free(s->web_root);
  g_free(s->cert_path);
  g_free(s->key_path);
  g_free(s);
}
