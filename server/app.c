/* Start-up order matters: everything that can fail on bad configuration (state directory,
 * certificate, database, port) is checked before any thread starts or any port is bound, so a
 * bad start leaves nothing half-running. */
#include "app.h"
#include "accounts.h"
#include "limiter.h"
#include "ar_build_config.h"
#include "cert.h"
#include "http_server.h"
#include "ice_servers.h"
#include "metrics.h"
#include "scheduler.h"
#include "scheduler_stats.h"
#include "recorder.h"
#include "recording.h"
#include "signaling.h"
#include "srtp.h"
#include "store.h"
#include "media_context.h"
#include "token.h"
#include "visits.h"
#include "worker.h"

#include <errno.h>
#include <math.h>
#include <glib/gstdio.h>

G_DEFINE_QUARK(ar - app - error - quark, ar_app_error)

#define DRAIN_POLL_MS 200

struct ArApp {
  ArConfig *cfg;
  ArLog *log;
  GMainLoop *loop;
  gint64 start_unix;
  char *cert_path, *key_path;
  ArStore *store;
  ArTokenKeyring *keys;
  char *public_url;
  ArCert *cert;
  ArWorkerPool *workers;
  ArMediaContext **media; /* one per worker */
  ArVisits *visits;
  ArSignaling *signaling;
  ArScheduler *scheduler;
  ArIceServers *ice_servers;
  ArLimiter *limits;
  ArAccounts *accounts;
  ArHttpServer *http;
  gboolean draining;
  gboolean srtp_openssl;
  gint64 drain_deadline_us;
  guint drain_timer;
  char *recording_dir;
  ArRecorderPipelines recorder_pipelines;
  ArRecordingApi recording_api;
  guint retention_timer;
};

static gboolean
ensure_state_dir(const char *dir, GError **error)
{
  if (g_mkdir_with_parents(dir, 0700) != 0) {
    int e = errno;
    g_set_error(error, AR_APP_ERROR, AR_APP_ERROR_STATE_DIR,
                "[server] state_dir %s cannot be created: %s", dir, g_strerror(e));
    return FALSE;
  }
  g_autofree char *probe = g_build_filename(dir, ".write-test", NULL);
  g_autoptr(GError) why = NULL;
  if (!g_file_set_contents(probe, "", 0, &why)) {
    g_set_error(error, AR_APP_ERROR, AR_APP_ERROR_STATE_DIR,
                "[server] state_dir %s is not writable: %s", dir, why->message);
    return FALSE;
  }
  g_unlink(probe);
  return TRUE;
}

static void
log_fingerprint(ArCert *cert, const char *path, const char *how)
{
  g_autofree char *fp = ar_cert_fingerprint_sha256(cert);
  g_message("TLS certificate %s (%s), SHA-256 fingerprint %s", path, how, fp);
}

/* A configured certificate must load; without one, a self-signed certificate is made once and
 * kept in the state directory so browsers see the same one after a restart. */
static gboolean
ensure_certificate(ArApp *app, GError **error)
{
  const ArConfig *cfg = app->cfg;
  g_autoptr(GError) why = NULL;
  if (*cfg->tls_certificate || *cfg->tls_private_key) {
    if (!*cfg->tls_certificate || !*cfg->tls_private_key) {
      g_set_error(error, AR_APP_ERROR, AR_APP_ERROR_TLS,
                  "[tls] certificate and private_key must be given together");
      return FALSE;
    }
    app->cert_path = g_strdup(cfg->tls_certificate);
    app->key_path = g_strdup(cfg->tls_private_key);
    app->cert = ar_cert_load(app->cert_path, app->key_path, &why);
    if (!app->cert) {
      g_set_error(error, AR_APP_ERROR, AR_APP_ERROR_TLS, "[tls] %s", why->message);
      return FALSE;
    }
    log_fingerprint(app->cert, app->cert_path, "configured");
    return TRUE;
  }
  app->cert_path = g_build_filename(cfg->state_dir, "tls-cert.pem", NULL);
  app->key_path = g_build_filename(cfg->state_dir, "tls-key.pem", NULL);
  if (g_file_test(app->cert_path, G_FILE_TEST_EXISTS)) {
    app->cert = ar_cert_load(app->cert_path, app->key_path, &why);
    if (!app->cert) {
      g_set_error(error, AR_APP_ERROR, AR_APP_ERROR_TLS,
                  "[tls] self-signed certificate in the state directory: %s", why->message);
      return FALSE;
    }
    log_fingerprint(app->cert, app->cert_path, "self-signed");
    return TRUE;
  }
  app->cert = ar_cert_generate("anteroom", &why);
  if (!app->cert || !ar_cert_save(app->cert, app->cert_path, app->key_path, &why)) {
    g_set_error(error, AR_APP_ERROR, AR_APP_ERROR_TLS, "[tls] %s", why->message);
    return FALSE;
  }
  log_fingerprint(app->cert, app->cert_path, "self-signed, generated now");
  return TRUE;
}

static char *
resolve_web_root(const ArConfig *cfg)
{
  if (*cfg->web_root)
    return g_strdup(cfg->web_root);
  if (g_file_test(AR_DATADIR "/web-client", G_FILE_TEST_IS_DIR))
    return g_strdup(AR_DATADIR "/web-client");
  return g_build_filename(AR_SOURCE_DIR, "web-client", NULL);
}

/* Links in messages need an address a browser can open: 0.0.0.0 is not one. */
static char *
effective_public_url(const ArConfig *cfg)
{
  if (*cfg->public_url)
    return g_strdup(cfg->public_url);
  gboolean any =
      g_str_equal(cfg->listen_address, "0.0.0.0") || g_str_equal(cfg->listen_address, "::");
  return g_strdup_printf("https://%s:%d", any ? "127.0.0.1" : cfg->listen_address, cfg->port);
}

static void
handle_healthz(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ar_http_response_set(resp, 200, "text/plain", "ok\n", -1);
  ar_http_response_header(resp, "Cache-Control", "no-store");
}

static void
handle_readyz(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ArApp *app = user_data;
  if (app->draining)
    ar_http_response_set(resp, 503, "text/plain", "draining\n", -1);
  else
    ar_http_response_set(resp, 200, "text/plain", "ready\n", -1);
  ar_http_response_header(resp, "Cache-Control", "no-store");
}

static void
media_metrics(ArApp *app, GString *out)
{
  ArMediaCounters c;
  ar_worker_pool_sum_counters(app->workers, &c);
  ar_metrics_family(out, "anteroom_media_packets_total", "counter", "Media packets.");
  ar_metrics_sample(out, "anteroom_media_packets_total", "direction=\"in\"", c.packets_in.v);
  ar_metrics_sample(out, "anteroom_media_packets_total", "direction=\"out\"", c.packets_out.v);
  ar_metrics_family(out, "anteroom_media_bytes_total", "counter", "Media bytes.");
  ar_metrics_sample(out, "anteroom_media_bytes_total", "direction=\"in\"", c.bytes_in.v);
  ar_metrics_sample(out, "anteroom_media_bytes_total", "direction=\"out\"", c.bytes_out.v);
  ar_metrics_family(out, "anteroom_media_batched_receive_total", "counter",
                    "Datagrams read in batches beside libnice ([media] batched_receive), and the "
                    "recvmmsg calls that read them.");
  ar_metrics_sample(out, "anteroom_media_batched_receive_total", "what=\"datagrams\"",
                    c.batched_datagrams.v);
  ar_metrics_sample(out, "anteroom_media_batched_receive_total", "what=\"calls\"",
                    c.batched_calls.v);
  static const struct {
    const char *kind;
    size_t offset;
  } errors[] = {
      {"srtp_auth", G_STRUCT_OFFSET(ArMediaCounters, srtp_auth_fail)},
      {"srtp_replay", G_STRUCT_OFFSET(ArMediaCounters, srtp_replay)},
      {"dtls", G_STRUCT_OFFSET(ArMediaCounters, dtls_fail)},
      {"garbage", G_STRUCT_OFFSET(ArMediaCounters, garbage_in)},
      {"malformed_rtp", G_STRUCT_OFFSET(ArMediaCounters, malformed_rtp)},
      {"malformed_rtcp", G_STRUCT_OFFSET(ArMediaCounters, malformed_rtcp)},
      {"send", G_STRUCT_OFFSET(ArMediaCounters, send_fail)},
  };
  ar_metrics_family(out, "anteroom_media_errors_total", "counter",
                    "Media packets dropped, by cause.");
  for (gsize i = 0; i < G_N_ELEMENTS(errors); i++) {
    g_autofree char *labels = g_strdup_printf("kind=\"%s\"", errors[i].kind);
    ar_metrics_sample(out, "anteroom_media_errors_total", labels,
                      G_STRUCT_MEMBER(ArCounter, &c, errors[i].offset).v);
  }
}

/* One counter family labelled by a set of keys (error codes, stop reasons), in sorted order so
 * successive scrapes list them the same way. Takes the key list. */
static void
labelled_counters(GString *out, const char *name, const char *help, const char *label, GList *keys,
                  guint64 (*count)(const ArSignaling *, const char *), const ArSignaling *s)
{
  ar_metrics_family(out, name, "counter", help);
  keys = g_list_sort(keys, (GCompareFunc)g_strcmp0);
  for (GList *l = keys; l; l = l->next) {
    g_autofree char *labels = g_strdup_printf("%s=\"%s\"", label, (const char *)l->data);
    ar_metrics_sample(out, name, labels, (double)count(s, l->data));
  }
  g_list_free(keys);
}

static void
signaling_metrics(ArApp *app, GString *out)
{
  labelled_counters(out, "anteroom_signaling_errors_total",
                    "Error replies sent to signaling clients, by code.", "code",
                    ar_signaling_error_codes(app->signaling), ar_signaling_errors, app->signaling);
}

/* How honest the waiting room's ETAs were: actual start minus the first ETA a ready patient saw. */
static void
waiting_metrics(ArApp *app, GString *out)
{
  gint64 n, mae, p90, bias;
  double in_range;
  if (!ar_signaling_eta_error(app->signaling, &n, &mae, &p90, &bias, &in_range))
    return;
  ar_metrics_family(out, "anteroom_waiting_eta_starts", "gauge",
                    "Visit starts the ETA error figures cover (the last 256).");
  ar_metrics_sample(out, "anteroom_waiting_eta_starts", NULL, (double)n);
  ar_metrics_family(out, "anteroom_waiting_eta_error_seconds", "gauge",
                    "ETA error over recent starts: mean absolute, 90th percentile, mean signed.");
  ar_metrics_sample(out, "anteroom_waiting_eta_error_seconds", "stat=\"mae\"", (double)mae);
  ar_metrics_sample(out, "anteroom_waiting_eta_error_seconds", "stat=\"p90\"", (double)p90);
  ar_metrics_sample(out, "anteroom_waiting_eta_error_seconds", "stat=\"bias\"", (double)bias);
  ar_metrics_family(out, "anteroom_waiting_eta_in_range_ratio", "gauge",
                    "Share of recent starts inside the range the patient was shown.");
  ar_metrics_sample(out, "anteroom_waiting_eta_in_range_ratio", NULL, in_range);
}

/* Scheduling over the last 30 days, from the store (the staff API's own function), so a
 * restart does not reset them. Ratios without data are left out rather than shown as 0. */
static void
scheduling_metrics(ArApp *app, GString *out)
{
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  ArSchedStatsQuery q = {now - 30 * 86400, now + 1, NULL, now};
  ArSchedStats m;
  if (!ar_scheduler_stats_compute(app->store, &q, &m, NULL))
    return;
  ar_metrics_family(out, "anteroom_scheduling_ratio", "gauge",
                    "Open-slot filling over the last 30 days: fill, acceptance, offers per fill.");
  const struct {
    const char *label;
    double v;
  } r[] = {{"stat=\"fill\"", m.fill_rate},
           {"stat=\"acceptance\"", m.acceptance},
           {"stat=\"offers_per_fill\"", m.offers_per_fill}};
  for (guint i = 0; i < G_N_ELEMENTS(r); i++)
    if (!isnan(r[i].v))
      ar_metrics_sample(out, "anteroom_scheduling_ratio", r[i].label, r[i].v);
  ar_metrics_family(out, "anteroom_scheduling_days_sooner", "gauge",
                    "Median days sooner of bookings through an offer, last 30 days.");
  if (!isnan(m.median_days_sooner))
    ar_metrics_sample(out, "anteroom_scheduling_days_sooner", NULL, m.median_days_sooner);
  ar_metrics_family(out, "anteroom_scheduling_now", "gauge", "Open slots and offers in flight.");
  ar_metrics_sample(out, "anteroom_scheduling_now", "what=\"open_slots\"", m.open_slots);
  ar_metrics_sample(out, "anteroom_scheduling_now", "what=\"offers_in_flight\"",
                    m.offers_in_flight);
}

static void
recording_metrics(ArApp *app, GString *out)
{
  labelled_counters(out, "anteroom_recordings_stopped_total",
                    "Recordings ended, by reason (disk_full and error are failures).", "reason",
                    ar_signaling_recording_stop_reasons(app->signaling),
                    ar_signaling_recording_stops, app->signaling);
}

static void
handle_metrics(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ArApp *app = user_data;
  GString *out = g_string_new(NULL);
  ar_metrics_process(out, app->start_unix);
  ar_metrics_family(out, "anteroom_build_info", "gauge", "Version of this server.");
  ar_metrics_sample(out, "anteroom_build_info", "version=\"" AR_VERSION "\"", 1);
  ar_metrics_family(out, "anteroom_http_requests_total", "counter", "HTTP requests to routes.");
  ar_metrics_sample(out, "anteroom_http_requests_total", NULL,
                    (double)ar_http_server_requests_total(app->http));
  ar_metrics_family(out, "anteroom_websocket_connections", "gauge", "Open WebSocket connections.");
  ar_metrics_sample(out, "anteroom_websocket_connections", NULL,
                    ar_http_server_ws_count(app->http));
  ar_metrics_family(out, "anteroom_visits_active", "gauge", "Visits with media running.");
  ar_metrics_sample(out, "anteroom_visits_active", NULL, ar_visits_active(app->visits));
  ar_metrics_family(out, "anteroom_media_workers", "gauge", "Media worker threads.");
  ar_metrics_sample(out, "anteroom_media_workers", NULL, ar_worker_pool_size(app->workers));
  ar_metrics_family(out, "anteroom_srtp_backend", "gauge",
                    "SRTP crypto in use: openssl (OpenSSL-backed types) or libsrtp (stock).");
  g_autofree char *backend =
      g_strdup_printf("backend=\"%s\"", ar_srtp_backend_name(app->srtp_openssl));
  ar_metrics_sample(out, "anteroom_srtp_backend", backend, 1);
  ar_metrics_family(out, "anteroom_draining", "gauge", "1 while shutting down.");
  ar_metrics_sample(out, "anteroom_draining", NULL, app->draining);
  media_metrics(app, out);
  signaling_metrics(app, out);
  waiting_metrics(app, out);
  recording_metrics(app, out);
  scheduling_metrics(app, out);
  ar_http_response_take(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
                        g_string_free_to_bytes(out));
  ar_http_response_header(resp, "Cache-Control", "no-store");
}

static gboolean
start_listener(ArApp *app, GError **error)
{
  const ArConfig *cfg = app->cfg;
  g_autofree char *web_root = resolve_web_root(cfg);
  const char *origins[2] = {cfg->public_url, NULL};
  ArHttpServerOptions opts = {
      .listen_address = cfg->listen_address,
      .port = cfg->port,
      .web_root = web_root,
      .cert_path = app->cert_path,
      .key_path = app->key_path,
      .allowed_origins = *cfg->public_url ? origins : NULL,
  };
  app->http = ar_http_server_new(&opts);
  ar_http_server_route(app->http, "/healthz", FALSE, handle_healthz, app);
  ar_http_server_route(app->http, "/readyz", FALSE, handle_readyz, app);
  ar_http_server_route(app->http, "/metrics", FALSE, handle_metrics, app);
  ar_accounts_register_routes(app->accounts, app->http);
  ar_http_server_route(app->http, "/api/recordings", TRUE, ar_recording_api_handle,
                       &app->recording_api);
  ar_http_server_set_ws_handler(app->http, ar_signaling_ws_handler(), app->signaling);
  ar_scheduler_register_routes(app->scheduler, app->http);
  return ar_http_server_start(app->http, app->loop, error);
}

/* Packet buffers per worker: enough for every participant's send queue and the router's
 * retransmission copies at the scale one worker carries. */
#define POOL_BUFFERS_PER_WORKER 16384

static void
room_event(const ArRoomEvent *ev, gpointer user_data)
{
  ArApp *app = user_data;
  ar_signaling_room_event(ev, app->signaling);
}

static gboolean
start_media(ArApp *app, GMainLoop *loop, GError **error)
{
  const ArConfig *cfg = app->cfg;
  g_autoptr(ArDtlsContext) dtls = ar_dtls_context_new(app->cert, error);
  if (!dtls)
    return FALSE;
  app->workers = ar_worker_pool_new(cfg->media_workers, g_main_loop_get_context(loop), error);
  if (!app->workers)
    return FALSE;
  g_autofree char *fingerprint = ar_cert_fingerprint_sha256(app->cert);
  ArIceConfig ice = {.port_min = (guint)cfg->media_port_min,
                     .port_max = (guint)cfg->media_port_max,
                     .tcp = cfg->media_ice_tcp,
                     .public_ip = cfg->media_public_ip};
  /* ar_media_context_new() gives each worker its receive buffers unless this is off. */
  gboolean batched = cfg->media_batched_receive;
  guint n = ar_worker_pool_size(app->workers);
  app->media = g_new0(ArMediaContext *, n);
  for (guint i = 0; i < n; i++)
    app->media[i] = ar_media_context_new(ar_worker_pool_get(app->workers, i), dtls, fingerprint,
                                         &ice, batched, POOL_BUFFERS_PER_WORKER);
  app->visits = ar_visits_new(app->workers, app->media, room_event, app);
  return TRUE;
}

static gboolean
expire_recordings(gpointer user_data)
{
  ArApp *app = user_data;
  if (app->cfg->recording_retention_days > 0)
    ar_recording_files_expire(app->store, app->recording_dir, app->cfg->recording_retention_days,
                              g_get_real_time() / G_USEC_PER_SEC);
  return G_SOURCE_CONTINUE;
}

/* The recordings directory must be writable and the recorder's pipeline file valid before
 * anything starts; old recordings past retention go at once, then daily. */
static gboolean
setup_recording(ArApp *app, GError **error)
{
  const ArConfig *cfg = app->cfg;
  app->recording_dir = *cfg->recording_dir ? g_strdup(cfg->recording_dir)
                                           : g_build_filename(cfg->state_dir, "recordings", NULL);
  if (g_mkdir_with_parents(app->recording_dir, 0700) != 0) {
    int e = errno;
    g_set_error(error, AR_APP_ERROR, AR_APP_ERROR_STATE_DIR,
                "[recording] dir %s cannot be created: %s", app->recording_dir, g_strerror(e));
    return FALSE;
  }
  ar_recorder_pipelines_init_defaults(&app->recorder_pipelines);
  g_autofree char *pl = NULL;
  if (*cfg->recording_pipelines)
    pl = g_strdup(cfg->recording_pipelines);
  else if (g_file_test(AR_DATADIR "/recorder-pipelines.conf", G_FILE_TEST_EXISTS))
    pl = g_strdup(AR_DATADIR "/recorder-pipelines.conf");
  else if (g_file_test(AR_SOURCE_DIR "/conf/recorder-pipelines.conf", G_FILE_TEST_EXISTS))
    pl = g_strdup(AR_SOURCE_DIR "/conf/recorder-pipelines.conf");
  g_autoptr(GError) why = NULL;
  if (pl && !ar_recorder_pipelines_load_file(&app->recorder_pipelines, pl, &why)) {
    g_set_error(error, AR_APP_ERROR, AR_APP_ERROR_STATE_DIR, "[recording] pipelines: %s",
                why->message);
    return FALSE;
  }
  app->recording_api = (ArRecordingApi){app->store, app->recording_dir, cfg->recording_api_token};
  ar_recording_files_recover(app->store);
  expire_recordings(app);
  app->retention_timer = g_timeout_add_seconds(24 * 3600, expire_recordings, app);
  return TRUE;
}

static gboolean
start_scheduler(ArApp *app, GError **error)
{
  const ArConfig *cfg = app->cfg;
  ArSchedulerOptions o = {.store = app->store,
                          .keys = app->keys,
                          .public_url = app->public_url,
                          .webhook_url = cfg->sched_webhook_url,
                          .webhook_max_attempts = (guint)cfg->sched_webhook_max_attempts,
                          .api_token = cfg->sched_api_token,
                          .accounts = app->accounts};
  ar_scheduler_policy_from_config(&o.policy, (guint)cfg->sched_wave_size,
                                  cfg->sched_expiry_same_day_s, cfg->sched_expiry_later_s,
                                  cfg->sched_min_answer_s, cfg->sched_min_notice_s,
                                  cfg->sched_online_only_s);
  app->scheduler = ar_scheduler_new(&o, error);
  if (!app->scheduler)
    return FALSE;
  ar_scheduler_set_signaling(app->scheduler, app->signaling);
  return TRUE;
}

ArApp *
ar_app_new(ArConfig *cfg, ArLog *log, GMainLoop *loop, gboolean srtp_openssl, GError **error)
{
  g_autoptr(ArApp) app = g_new0(ArApp, 1);
  app->srtp_openssl = srtp_openssl;
  app->cfg = cfg;
  app->log = log;
  app->loop = g_main_loop_ref(loop);
  app->start_unix = g_get_real_time() / G_USEC_PER_SEC;
  if (!ensure_state_dir(cfg->state_dir, error) || !ensure_certificate(app, error))
    return NULL;
  g_autofree char *db_path = ar_config_state_path(cfg, cfg->store_path);
  app->store = ar_store_open(db_path, error);
  if (!app->store)
    return NULL;
  g_autofree char *keys_path = g_build_filename(cfg->state_dir, "token-keys", NULL);
  app->keys = ar_token_keyring_load_or_create(keys_path, error);
  if (!app->keys)
    return NULL;
  app->public_url = effective_public_url(cfg);
  if (!setup_recording(app, error) || !start_media(app, loop, error))
    return NULL;
  g_auto(GStrv) turn_uris = ar_config_turn_uris(cfg);
  app->ice_servers =
      ar_ice_servers_new((const char *const *)turn_uris, cfg->turn_secret, cfg->turn_ttl_seconds);
  if (turn_uris[0])
    g_message("TURN: %u URIs, credentials valid %d s", g_strv_length(turn_uris),
              cfg->turn_ttl_seconds);
  ArLimiterOptions lim = {.max_connections_per_ip = (guint)cfg->max_connections_per_ip,
                          .max_connections_per_token = (guint)cfg->max_connections_per_token,
                          .ip_messages_per_second = cfg->ip_messages_per_second,
                          .logins_per_minute = cfg->logins_per_minute};
  app->limits = ar_limiter_new(&lim, g_get_monotonic_time());
  gint64 idle_ms = cfg->idle_logoff_seconds > 0 ? (gint64)cfg->idle_logoff_seconds * 1000
                                                : (gint64)cfg->idle_logoff_minutes * 60000;
  app->accounts = ar_accounts_new(app->store, app->limits, idle_ms);
  app->recording_api.accounts = app->accounts;
  ArSignalingOptions sig = {.messages_per_second = 20,
                            .burst = 40,
                            .max_errors = 20,
                            .store = app->store,
                            .keys = app->keys,
                            .visits = app->visits,
                            .ice_servers = app->ice_servers,
                            .accounts = app->accounts,
                            .limits = app->limits,
                            .grace_seconds = (guint)cfg->grace_seconds,
                            .public_url = app->public_url,
                            .recording_dir = app->recording_dir,
                            .recorder_pipelines = &app->recorder_pipelines};
  app->signaling = ar_signaling_new(&sig);
  if (!start_scheduler(app, error) || !start_listener(app, error))
    return NULL;
  g_message("anteroom %s listening on https://%s:%d with %u media workers", AR_VERSION,
            cfg->listen_address, cfg->port, ar_worker_pool_size(app->workers));
  return g_steal_pointer(&app);
}

void
ar_app_free(ArApp *app)
{
  if (!app)
    return;
  if (app->drain_timer)
    g_source_remove(app->drain_timer);
  if (app->retention_timer)
    g_source_remove(app->retention_timer);
  g_clear_pointer(&app->http, ar_http_server_free);
  g_clear_pointer(&app->visits, ar_visits_free);
  /* Workers run the rooms' teardown queued by ar_visits_free before they stop. */
  guint n = app->workers ? ar_worker_pool_size(app->workers) : 0;
  g_clear_pointer(&app->workers, ar_worker_pool_free);
  for (guint i = 0; app->media && i < n; i++)
    ar_media_context_free(app->media[i]);
  g_clear_pointer(&app->media, g_free);
  g_clear_pointer(&app->cert, ar_cert_unref);
  g_clear_pointer(&app->scheduler, ar_scheduler_free);
  g_clear_pointer(&app->signaling, ar_signaling_free);
  g_clear_pointer(&app->ice_servers, ar_ice_servers_free);
  g_clear_pointer(&app->accounts, ar_accounts_free);
  g_clear_pointer(&app->limits, ar_limiter_free);
  /* After the workers: rooms finishing their recordings read these until they are freed. */
  ar_recorder_pipelines_clear(&app->recorder_pipelines);
  g_free(app->recording_dir);
  g_clear_pointer(&app->store, ar_store_close);
  g_clear_pointer(&app->keys, ar_token_keyring_free);
  g_free(app->public_url);
  g_clear_pointer(&app->cfg, ar_config_free);
  g_clear_pointer(&app->loop, g_main_loop_unref);
  g_free(app->cert_path);
  g_free(app->key_path);
  g_free(app);
}

static gboolean
drain_tick(gpointer user_data)
{
  ArApp *app = user_data;
  gboolean expired = g_get_monotonic_time() >= app->drain_deadline_us;
  guint active = ar_visits_active(app->visits);
  if (active > 0 && !expired)
    return G_SOURCE_CONTINUE;
  if (active > 0)
    g_warning("drain time over with %u visits still running; stopping", active);
  else
    g_message("drained; stopping");
  app->drain_timer = 0;
  g_main_loop_quit(app->loop);
  return G_SOURCE_REMOVE;
}

void
ar_app_drain(ArApp *app)
{
  if (app->draining) {
    g_message("second stop signal: stopping now");
    g_main_loop_quit(app->loop);
    return;
  }
  app->draining = TRUE;
  ar_signaling_drain(app->signaling);
  app->drain_deadline_us =
      g_get_monotonic_time() + (gint64)app->cfg->drain_seconds * G_USEC_PER_SEC;
  g_message("draining: no new visits; waiting up to %d s for %u running visits",
            app->cfg->drain_seconds, ar_visits_active(app->visits));
  app->drain_timer = g_timeout_add(DRAIN_POLL_MS, drain_tick, app);
}

void
ar_app_reload(ArApp *app)
{
  g_autoptr(GError) error = NULL;
  if (g_str_equal(app->cfg->source, "(defaults)")) {
    g_message("reload: no config file; reloading the TLS certificate only");
  } else {
    g_autoptr(ArConfig) fresh = ar_config_load(app->cfg->source, &error);
    if (!fresh) {
      g_warning("reload refused, keeping the running configuration: %s", error->message);
      return;
    }
    /* Said before the switch, so a new, quieter level does not hide it. */
    g_message("reload: log level %s", ar_config_log_level_name(fresh->log_level));
    ar_log_reconfigure(app->log, fresh->log_level, fresh->log_format);
    app->cfg->log_level = fresh->log_level;
    app->cfg->log_format = fresh->log_format;
  }
  if (!ar_http_server_reload_tls(app->http, &error))
    g_warning("reload: %s", error->message);
  else
    g_message("reload: TLS certificate reloaded");
  /* Keys rotated or retired by `anteroom --rotate-link-key` / `--retire-link-key`. */
  g_autoptr(GError) key_error = NULL;
  if (!ar_token_keyring_reload(app->keys, &key_error))
    g_warning("reload: keeping the link-token keyring: %s", key_error->message);
  else
    g_message("reload: link-token keyring: active key %u, %u keys",
              ar_token_keyring_active_id(app->keys), ar_token_keyring_size(app->keys));
}

const ArConfig *
ar_app_config(const ArApp *app)
{
  return app->cfg;
}

ArStore *
ar_app_store(ArApp *app)
{
  return app->store;
}

ArTokenKeyring *
ar_app_keys(ArApp *app)
{
  return app->keys;
}

const char *
ar_app_public_url(const ArApp *app)
{
  return app->public_url;
}
