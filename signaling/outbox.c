/* Webhook delivery of the notification outbox: one message at a time over a plain HTTP/1.1
 * POST (GIO sockets, TLS for https://), so a slow gateway never piles up connections. Rows
 * are the queue: a restart resumes where delivery stopped, and the Idempotency-Key (the row
 * id) lets the gateway drop a message it already has when a reply was lost. */
#include "outbox.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#define TIMEOUT_S 10
#define MAX_BACKOFF_S 2048

struct ArOutbox {
  ArStore *store;
  char *url;
  guint max_attempts;
  GUri *uri;
  GCancellable *cancel;
  gboolean in_flight;
  guint timer;
  guint64 delivered, failed;
};

typedef struct {
  ArOutbox *o;
  GCancellable *cancel;
  char *id;
  GString *request;
  GSocketConnection *conn;
  GDataInputStream *in;
} Delivery;

gint64
ar_outbox_backoff_s(guint attempts)
{
  if (attempts == 0)
    return 0;
  if (attempts >= 11)
    return MAX_BACKOFF_S;
  return MIN((gint64)1 << attempts, MAX_BACKOFF_S);
}

char *
ar_outbox_add(ArStore *store, const char *kind, const char *patient_id, const char *offer_id,
              const char *payload, gint64 now_unix, GError **error)
{
  g_autofree char *id = ar_store_new_id("obx");
  sqlite3_stmt *st = ar_store_prepare(
      store,
      "INSERT INTO notification_outbox (id, idempotency_key, kind, patient_id, offer_id, payload,"
      " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      error);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, patient_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, offer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, payload, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 7, now_unix);
  sqlite3_bind_int64(st, 8, now_unix);
  if (!ar_store_step_done(store, st, error))
    return NULL;
  return g_steal_pointer(&id);
}

ArOutbox *
ar_outbox_new(ArStore *store, const char *url, guint max_attempts)
{
  ArOutbox *o = g_new0(ArOutbox, 1);
  o->store = store;
  o->max_attempts = max_attempts ? max_attempts : 8;
  o->cancel = g_cancellable_new();
  if (url && *url) {
    g_autoptr(GError) error = NULL;
    o->uri = g_uri_parse(url, G_URI_FLAGS_NONE, &error);
    if (!o->uri || !g_uri_get_host(o->uri) ||
        (g_strcmp0(g_uri_get_scheme(o->uri), "http") != 0 &&
         g_strcmp0(g_uri_get_scheme(o->uri), "https") != 0)) {
      g_warning("[scheduling] webhook_url %s is not an http(s) URL; outbox not delivered", url);
      g_clear_pointer(&o->uri, g_uri_unref);
    } else {
      o->url = g_strdup(url);
    }
  }
  return o;
}

void
ar_outbox_free(ArOutbox *o)
{
  if (!o)
    return;
  g_cancellable_cancel(o->cancel);
  g_object_unref(o->cancel);
  if (o->timer)
    g_source_remove(o->timer);
  g_clear_pointer(&o->uri, g_uri_unref);
  g_free(o->url);
  g_free(o);
}

guint64
ar_outbox_delivered(const ArOutbox *o)
{
  return o->delivered;
}

guint64
ar_outbox_failed_attempts(const ArOutbox *o)
{
  return o->failed;
}

static void
delivery_free(Delivery *d)
{
  g_object_unref(d->cancel);
  g_free(d->id);
  if (d->request)
    g_string_free(d->request, TRUE);
  g_clear_object(&d->in);
  if (d->conn)
    g_io_stream_close(G_IO_STREAM(d->conn), NULL, NULL);
  g_clear_object(&d->conn);
  g_free(d);
}

static gboolean kick_cb(gpointer user_data);

static void
finish(Delivery *d, gboolean ok, const char *why)
{
  if (g_cancellable_is_cancelled(d->cancel)) {
    delivery_free(d);
    return;
  }
  ArOutbox *o = d->o;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  sqlite3_stmt *st = ar_store_prepare(
      o->store,
      ok ? "UPDATE notification_outbox SET attempts = attempts + 1, delivered_at = ?1,"
           " last_error = NULL WHERE id = ?2"
         : "UPDATE notification_outbox SET attempts = attempts + 1, last_error = ?3,"
           " next_attempt_at = ?1 + (1 << MIN(attempts + 1, 11)) WHERE id = ?2",
      NULL);
  if (st) {
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, d->id, -1, SQLITE_STATIC);
    if (!ok)
      sqlite3_bind_text(st, 3, why, -1, SQLITE_TRANSIENT);
    ar_store_step_done(o->store, st, NULL);
  }
  if (ok) {
    o->delivered++;
    g_debug("outbox: %s delivered", d->id);
  } else {
    o->failed++;
    g_warning("outbox: %s not delivered (%s); will retry", d->id, why);
  }
  o->in_flight = FALSE;
  delivery_free(d);
  if (!o->timer)
    o->timer = g_idle_add(kick_cb, o);
}

static void
on_status_line(GObject *src, GAsyncResult *res, gpointer user_data)
{
  Delivery *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line =
      g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, NULL, &error);
  if (!line) {
    finish(d, FALSE, error ? error->message : "no response");
    return;
  }
  int code = 0;
  if (sscanf(line, "HTTP/%*d.%*d %d", &code) != 1)
    code = 0;
  if (code >= 200 && code < 300) {
    finish(d, TRUE, NULL);
  } else {
    g_autofree char *why = g_strdup_printf("HTTP status %d", code);
    finish(d, FALSE, why);
  }
}

static void
on_written(GObject *src, GAsyncResult *res, gpointer user_data)
{
  Delivery *d = user_data;
  g_autoptr(GError) error = NULL;
  if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res, NULL, &error)) {
    finish(d, FALSE, error->message);
    return;
  }
  d->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(d->conn)));
  g_data_input_stream_set_newline_type(d->in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  g_data_input_stream_read_line_async(d->in, G_PRIORITY_DEFAULT, d->cancel, on_status_line, d);
}

static void
on_connected(GObject *src, GAsyncResult *res, gpointer user_data)
{
  Delivery *d = user_data;
  g_autoptr(GError) error = NULL;
  d->conn = g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(src), res, &error);
  g_object_unref(src);
  if (!d->conn) {
    finish(d, FALSE, error->message);
    return;
  }
  GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(d->conn));
  g_output_stream_write_all_async(out, d->request->str, d->request->len, G_PRIORITY_DEFAULT,
                                  d->cancel, on_written, d);
}

static void
schedule_next(ArOutbox *o, gint64 now)
{
  sqlite3_stmt *st = ar_store_prepare(
      o->store,
      "SELECT MIN(next_attempt_at) FROM notification_outbox WHERE delivered_at IS NULL"
      " AND attempts < ?",
      NULL);
  if (!st)
    return;
  sqlite3_bind_int(st, 1, (int)o->max_attempts);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
    gint64 at = sqlite3_column_int64(st, 0);
    o->timer = g_timeout_add_seconds((guint)CLAMP(at - now, 1, MAX_BACKOFF_S), kick_cb, o);
  }
  sqlite3_reset(st);
}

void
ar_outbox_kick(ArOutbox *o)
{
  if (!o || !o->uri || o->in_flight)
    return;
  if (o->timer) {
    g_source_remove(o->timer);
    o->timer = 0;
  }
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  sqlite3_stmt *st = ar_store_prepare(
      o->store,
      "SELECT id, payload FROM notification_outbox WHERE delivered_at IS NULL AND attempts < ?"
      " AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT 1",
      NULL);
  if (!st)
    return;
  sqlite3_bind_int(st, 1, (int)o->max_attempts);
  sqlite3_bind_int64(st, 2, now);
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    schedule_next(o, now);
    return;
  }
  Delivery *d = g_new0(Delivery, 1);
  d->o = o;
  d->cancel = g_object_ref(o->cancel);
  d->id = g_strdup((const char *)sqlite3_column_text(st, 0));
  const char *payload = (const char *)sqlite3_column_text(st, 1);
  const char *path = g_uri_get_path(o->uri);
  const char *query = g_uri_get_query(o->uri);
  int port = g_uri_get_port(o->uri);
  gboolean tls = g_str_equal(g_uri_get_scheme(o->uri), "https");
  if (port <= 0)
    port = tls ? 443 : 80;
  d->request = g_string_new(NULL);
  g_string_append_printf(d->request,
                         "POST %s%s%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                         "Idempotency-Key: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
                         "User-Agent: anteroom-outbox\r\n\r\n%s",
                         *path ? path : "/", query ? "?" : "", query ? query : "",
                         g_uri_get_host(o->uri), port, d->id, strlen(payload), payload);
  sqlite3_reset(st);
  o->in_flight = TRUE;
  GSocketClient *client = g_socket_client_new();
  g_socket_client_set_timeout(client, TIMEOUT_S);
  g_socket_client_set_tls(client, tls);
  g_socket_client_connect_to_host_async(client, g_uri_get_host(o->uri), (guint16)port, d->cancel,
                                        on_connected, d);
}

static gboolean
kick_cb(gpointer user_data)
{
  ArOutbox *o = user_data;
  o->timer = 0;
  ar_outbox_kick(o);
  return G_SOURCE_REMOVE;
}
