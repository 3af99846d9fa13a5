/* anteroom: telehealth video visits — WebRTC SFU, waiting room and scheduling in one process.
 * This file parses the command line, owns the process-wide singletons (log writer, libsrtp and
 * GStreamer initialisation, the ArApp) and turns signals into drain and reload. */
#include "app.h"
#include "ar_build_config.h"
#include "audit_cli.h"
#include "config.h"
#include "keys_cli.h"
#include "log.h"

#include "demo.h"
#include "demo_peer.h"
#include "srtp.h"
#include "srtp_openssl.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>

#define EXIT_CONFIG 2

typedef struct {
  char *config_path;
  char *check_path;
  char *verify_audit_path;
  gboolean version;
  gboolean demo;
  gboolean rotate_link_key;
  char *retire_link_key;
  gboolean no_demo_peer;
} Options;

/* What the signal handlers stop: the demo peer first (so it does not reconnect into the
 * drain), then the server. */
typedef struct {
  ArApp *app;
  ArDemoPeer *demo_peer;
} Running;

#define DEMO_PEER_STOP_MS 5000

static gboolean
on_stop_signal(gpointer user_data)
{
  Running *r = user_data;
  ar_demo_peer_stop(g_steal_pointer(&r->demo_peer), DEMO_PEER_STOP_MS);
  ar_app_drain(r->app);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_hup(gpointer user_data)
{
  ar_app_reload(user_data);
  return G_SOURCE_CONTINUE;
}

static int
check_config(const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArConfig) cfg = ar_config_load(path, &error);
  if (!cfg) {
    fprintf(stderr, "anteroom: %s\n", error->message);
    return EXIT_CONFIG;
  }
  printf("%s: ok\n", path);
  return EXIT_SUCCESS;
}

/* libsrtp's crypto kernel is process-wide: initialise it and swap in the OpenSSL types once,
 * before any worker thread or SRTP session exists. */
static gboolean
init_srtp(const ArConfig *cfg, gboolean *openssl, GError **error)
{
  *openssl = FALSE;
  if (!ar_srtp_init(error))
    return FALSE;
  if (cfg->srtp_backend != AR_SRTP_BACKEND_OPENSSL) {
    g_message("SRTP runs on libsrtp2's own crypto ([media] srtp_backend = libsrtp)");
    return TRUE;
  }
  g_autoptr(GError) why = NULL;
  *openssl = ar_srtp_openssl_install(&why);
  if (*openssl)
    g_info("SRTP runs on OpenSSL-backed AES-GCM, AES-CM and HMAC-SHA1");
  else
    g_warning("SRTP stays on libsrtp2's own crypto: %s", why->message);
  return TRUE;
}

/* Demo: a fresh clinic in ./state/demo on https://127.0.0.1:8443 unless --config says else. */
static void
apply_demo_defaults(ArConfig *cfg, gboolean from_file)
{
  if (from_file)
    return;
  g_free(cfg->listen_address);
  cfg->listen_address = g_strdup("127.0.0.1");
  g_free(cfg->state_dir);
  cfg->state_dir = g_build_filename(g_get_current_dir(), "state", "demo", NULL);
}

static void
remove_demo_store(const ArConfig *cfg)
{
  static const char *const suffixes[] = {"", "-wal", "-shm"};
  g_autofree char *db = ar_config_state_path(cfg, cfg->store_path);
  for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    g_autofree char *f = g_strconcat(db, suffixes[i], NULL);
    g_remove(f);
  }
}

/* The demo's waiting patient (server/demo_peer.h): anteroom-peer from next to this binary,
 * connecting to this server over loopback as the seeded patient pat_demo01. */
static ArDemoPeer *
start_demo_peer(ArApp *app, const ArDemoLinks *links)
{
  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  g_autofree char *binary = ar_demo_peer_find_binary(self);
  if (!binary) {
    g_warning("demo peer: anteroom-peer not found next to %s or on PATH; no patient waits",
              self ? self : "anteroom");
    return NULL;
  }
  const ArConfig *cfg = ar_app_config(app);
  const char *host = cfg->listen_address;
  if (!*host || g_str_equal(host, "0.0.0.0") || g_str_equal(host, "::"))
    host = "127.0.0.1";
  g_autofree char *url = strchr(host, ':') ? g_strdup_printf("wss://[%s]:%d/ws", host, cfg->port)
                                           : g_strdup_printf("wss://%s:%d/ws", host, cfg->port);
  /* device_check with receive slots: the transport the patient waits on is switched into the
   * visit on admit, so the clinician sees and hears it at once. */
  const char *argv[] = {
      binary,         "--url",   url, "--insecure", "--checkin", "--purpose",
      "device_check", "--slots", "2", "--duration", "0",         "--report-interval",
      "5000",         NULL};
  g_autoptr(GError) error = NULL;
  ArDemoPeer *p =
      ar_demo_peer_start(argv, links->waiting_token, links->waiting_appointment_id, 0, &error);
  if (!p)
    g_warning("demo peer: %s", error->message);
  return p;
}

static gboolean
seed_demo(ArApp *app, gboolean with_peer, ArDemoPeer **peer, GError **error)
{
  ArDemoLinks links = {0};
  if (!ar_demo_seed(ar_app_store(app), ar_app_keys(app), ar_app_public_url(app),
                    g_get_real_time() / G_USEC_PER_SEC, &links, error))
    return FALSE;
  printf("\nanteroom demo clinic is running on %s\n"
         "(self-signed certificate: your browser will ask you to accept it once)\n\n"
         "  patient      %s\n"
         "  clinician    %s\n"
         "               or sign in at %s/clinician.html as %s / %s\n"
         "  interpreter  %s\n"
         "  caregiver    %s\n\n"
         "Stop with Ctrl-C.\n",
         ar_app_public_url(app), links.patient, links.clinician, ar_app_public_url(app),
         links.clinician_login, links.clinician_password, links.interpreter, links.caregiver);
  if (with_peer) {
    *peer = start_demo_peer(app, &links);
    if (*peer)
      printf("A demo patient (anteroom-peer, appointment %s) is checking in and will wait in "
             "Dr. Okafor's line\n(turn it off with [demo] peer = false or --no-demo-peer).\n",
             links.waiting_appointment_id);
  }
  fflush(stdout);
  ar_demo_links_clear(&links);
  return TRUE;
}

static int
run(ArConfig *cfg, gboolean demo, gboolean demo_peer)
{
  ArLog *log = ar_log_install(cfg->log_level, cfg->log_format);
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  g_autoptr(GError) error = NULL;
  gboolean srtp_openssl = FALSE;
  if (!init_srtp(cfg, &srtp_openssl, &error)) {
    fprintf(stderr, "anteroom: %s\n", error->message);
    ar_config_free(cfg);
    g_free(log);
    return EXIT_FAILURE;
  }
  g_autoptr(ArApp) app = ar_app_new(cfg, log, loop, srtp_openssl, &error);
  if (!app) {
    fprintf(stderr, "anteroom: %s\n", error->message);
    g_free(log);
    return EXIT_CONFIG;
  }
  Running running = {app, NULL};
  if (demo &&
      !seed_demo(app, demo_peer && ar_app_config(app)->demo_peer, &running.demo_peer, &error)) {
    fprintf(stderr, "anteroom: demo data: %s\n", error->message);
    g_clear_pointer(&app, ar_app_free);
    g_free(log);
    return EXIT_FAILURE;
  }
  guint term = g_unix_signal_add(SIGTERM, on_stop_signal, &running);
  guint intr = g_unix_signal_add(SIGINT, on_stop_signal, &running);
  guint hup = g_unix_signal_add(SIGHUP, on_hup, app);
  g_main_loop_run(loop);
  g_source_remove(term);
  g_source_remove(intr);
  g_source_remove(hup);
  ar_demo_peer_stop(g_steal_pointer(&running.demo_peer), DEMO_PEER_STOP_MS);
  g_clear_pointer(&app, ar_app_free);
  g_message("stopped");
  g_free(log);
  return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
  Options o = {0};
  GOptionEntry entries[] = {
    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config_path, "Configuration file", "FILE"},
    {"check-config", 0, 0, G_OPTION_ARG_FILENAME, &o.check_path,
     "Check a configuration file and exit", "FILE"},
    {"verify-audit", 0, 0, G_OPTION_ARG_FILENAME, &o.verify_audit_path,
     "Check the audit log's hash chain in a database and exit (0 ok, 1 broken, 2 unreadable)",
     "DB"},
    {"rotate-link-key", 0, 0, G_OPTION_ARG_NONE, &o.rotate_link_key,
     "Make a new link-signing key the active one (older keys still verify) and exit; a running "
     "server applies it on SIGHUP",
     NULL},
    {"retire-link-key", 0, 0, G_OPTION_ARG_STRING, &o.retire_link_key,
     "Remove a link-signing key: links signed with it stop working (SIGHUP a running server)",
     "ID"},
    {"version", 'V', 0, G_OPTION_ARG_NONE, &o.version, "Print the version and exit", NULL},
    {"demo", 0, 0, G_OPTION_ARG_NONE, &o.demo,
     "Run with a fresh demo clinic (state in ./state/demo) and print links to try it", NULL},
    {"no-demo-peer", 0, 0, G_OPTION_ARG_NONE, &o.no_demo_peer,
     "With --demo: no synthetic patient waits in the lobby (as [demo] peer = false)", NULL},
    {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- telehealth video visit server");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "anteroom: %s (try --help)\n", error->message);
    return EXIT_CONFIG;
  }
  if (o.version) {
    printf("anteroom %s\n", AR_VERSION);
    return EXIT_SUCCESS;
  }
  if (o.check_path)
    return check_config(o.check_path);
  if (o.verify_audit_path)
    return ar_audit_cli_verify(o.verify_audit_path, stdout, stderr);
  gst_init(NULL, NULL);
  ArConfig *cfg = o.config_path ? ar_config_load(o.config_path, &error) : ar_config_new_default();
  if (!cfg) {
    fprintf(stderr, "anteroom: %s\n", error->message);
    return EXIT_CONFIG;
  }
  if (o.rotate_link_key || o.retire_link_key) {
    int rc = o.rotate_link_key ? ar_keys_cli_rotate(cfg, stdout, stderr)
                               : ar_keys_cli_retire(cfg, o.retire_link_key, stdout, stderr);
    ar_config_free(cfg);
    g_free(o.config_path);
    g_free(o.retire_link_key);
    return rc;
  }
  if (o.demo) {
    apply_demo_defaults(cfg, o.config_path != NULL);
    remove_demo_store(cfg);
  }
  int rc = run(cfg, o.demo, !o.no_demo_peer);
  g_free(o.config_path);
  g_free(o.check_path);
  return rc;
}
