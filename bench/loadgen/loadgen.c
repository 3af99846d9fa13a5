/* anteroom-loadgen: opens N synthetic visits against a running anteroom through its real
 * signaling and transport (WebSocket join + offer, ICE, DTLS, SRTP: the server's own modules on
 * the client side), pushes 50 pkt/s of 100-byte audio and 150 pkt/s of 1,200-byte video from
 * every participant, and prints one JSON line: loss, one-way transit (send timestamp carried in
 * the payload), jitter, and the server's CPU time and RSS over the measurement window.
 *
 * Usage: anteroom-loadgen --url wss://127.0.0.1:8443/ws --tokens FILE --visits N
 *          [--party 1|3] [--warmup S] [--duration S] [--server-pid PID]
 * --party 1 is a device check (the server echoes the participant's own media: ICE, DTLS,
 * SRTP unprotect, router, SRTP protect, both legs); --party 3 puts three participants on each
 * visit token, each receiving the other two. --backend janus-echo / janus-videoroom run the
 * same load against Janus 1.1 (echotest, VideoRoom) for bench/run's ratio.
 * Environment: LG_DEBUG=1 prints ICE states and signaling events on stderr; LG_SRTP_PROFILES
 * (OpenSSL names, colon-separated) overrides the SRTP profiles offered in DTLS.
 * Exit 0 when every participant connected. */
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lg_peer.h"
#include "srtp.h"
#include "srtp_openssl.h"

typedef struct {
  char *url, *tokens_path, *purpose, *backend;
  int visits, party, warmup_s, duration_s, connect_timeout_s, stagger_ms, server_pid;
  int audio_pps, video_pps, audio_bytes, video_bytes;
} Options;

typedef struct {
  Options o;
  GMainLoop *loop;
  gboolean janus;
  char **tokens;
  guint n_tokens;
  ArDtlsContext *dtls;
  char *fingerprint;
  LgStats *stats;
  GPtrArray *peers;
  guint n_started;
  gint64 t0_ns, all_connected_ns;
  double srv_cpu0, srv_cpu1, gen_cpu0, gen_cpu1;
  long srv_rss_kib;
  int phase; /* 0 connecting, 1 warmup, 2 window, 3 grace, 4 done */
  gint64 phase_end_ns;
  gboolean ok;
} Gen;

static double
proc_cpu_s(int pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return -1;
  const char *rp = strrchr(text, ')');
  if (!rp)
    return -1;
  g_auto(GStrv) f = g_strsplit(rp + 2, " ", 0);
  if (g_strv_length(f) < 13)
    return -1;
  /* fields after the command: state(0) ... utime(11) stime(12) */
  return (double)(g_ascii_strtoull(f[11], NULL, 10) + g_ascii_strtoull(f[12], NULL, 10)) /
         sysconf(_SC_CLK_TCK);
}

static long
proc_rss_kib(int pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return -1;
  const char *at = strstr(text, "VmRSS:");
  return at ? strtol(at + 6, NULL, 10) : -1;
}

static double
self_cpu_s(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static guint
n_participants(const Gen *g)
{
  return (guint)(g->o.visits * g->o.party);
}

static void
start_peer(Gen *g)
{
  guint i = g->n_started++;
  guint visit = i / (guint)g->o.party;
  LgPeerConfig cfg = {
      .backend = !g->janus         ? LG_BACKEND_ANTEROOM
                 : g->o.party == 1 ? LG_BACKEND_JANUS_ECHO
                                   : LG_BACKEND_JANUS_VIDEOROOM,
      .ws_url = g->o.url,
      .token = g->tokens[visit % g->n_tokens],
      .purpose = g->o.purpose,
      .index = i,
      .recv_slots = (guint)g->o.party - 1,
      .audio_pps = (guint)g->o.audio_pps,
      .video_pps = (guint)g->o.video_pps,
      .audio_bytes = (guint)g->o.audio_bytes,
      .video_bytes = (guint)g->o.video_bytes,
      .dtls = g->dtls,
      .local_fingerprint = g->fingerprint,
      .stats = g->stats,
  };
  g_ptr_array_add(g->peers, lg_peer_new(&cfg));
}

static void
print_report(Gen *g)
{
  LgSummary s;
  lg_stats_summary(g->stats, &s);
  guint connected = 0, failed = 0;
  guint64 bad = 0;
  const char *why = NULL, *profile = NULL;
  for (guint i = 0; i < g->peers->len; i++) {
    LgPeer *p = g_ptr_array_index(g->peers, i);
    connected += lg_peer_state(p) == LG_PEER_CONNECTED;
    if (lg_peer_state(p) == LG_PEER_FAILED) {
      failed++;
      why = why ? why : lg_peer_failure(p);
    }
    bad += lg_peer_bad_packets(p);
    if (!profile)
      profile = lg_peer_srtp_profile(p);
  }
  double win = g->o.duration_s;
  double srv = g->srv_cpu1 >= 0 && g->srv_cpu0 >= 0 ? g->srv_cpu1 - g->srv_cpu0 : -1;
  g_autofree char *why_json = NULL;
  if (why) {
    g_autoptr(JsonNode) n = json_node_init_string(json_node_alloc(), why);
    why_json = json_to_string(n, FALSE);
  }
  printf("{\"visits\":%d,\"party\":%d,\"participants\":%u,\"connected\":%u,\"failed\":%u,"
         "\"connect_s\":%.3f,\"window_s\":%.1f,\"sent\":%" G_GUINT64_FORMAT
         ",\"expected\":%" G_GUINT64_FORMAT ",\"received\":%" G_GUINT64_FORMAT
         ",\"duplicates\":%" G_GUINT64_FORMAT
         ",\"loss_pct\":%.4f,\"latency_p50_us\":%.1f,\"latency_p99_us\":%.1f,"
         "\"latency_max_us\":%.1f,\"jitter_mean_ms\":%.3f,\"jitter_max_ms\":%.3f,"
         "\"server_cpu_s\":%.3f,\"server_cpu_frac\":%.4f,\"server_rss_kib\":%ld,"
         "\"gen_cpu_frac\":%.4f,\"bad_packets\":%" G_GUINT64_FORMAT
         ",\"srtp_profile\":\"%s\",\"first_failure\":%s}\n",
         g->o.visits, g->o.party, n_participants(g), connected, failed,
         g->all_connected_ns ? (g->all_connected_ns - g->t0_ns) / 1e9 : -1.0, win, s.sent,
         s.expected, s.received, s.duplicates, s.loss_pct, s.lat_p50_us, s.lat_p99_us, s.lat_max_us,
         s.jitter_mean_ms, s.jitter_max_ms, srv, srv >= 0 ? srv / win : -1.0, g->srv_rss_kib,
         (g->gen_cpu1 - g->gen_cpu0) / win, bad, profile ? profile : "",
         why_json ? why_json : "null");
  fflush(stdout);
  g->ok = failed == 0 && connected == n_participants(g);
}

static gboolean
on_tick(gpointer user_data)
{
  Gen *g = user_data;
  gint64 now = lg_now_ns();
  if (g->phase == 0) {
    /* Open participants one at a time so the connection storm is not part of the result. */
    gint64 want = (now - g->t0_ns) / ((gint64)g->o.stagger_ms * 1000000) + 1;
    while (g->n_started < n_participants(g) && (gint64)g->n_started < want)
      start_peer(g);
  }
  guint connected = 0, failed = 0;
  for (guint i = 0; i < g->peers->len; i++) {
    LgPeer *p = g_ptr_array_index(g->peers, i);
    lg_peer_tick(p, now);
    connected += lg_peer_state(p) == LG_PEER_CONNECTED;
    failed += lg_peer_state(p) == LG_PEER_FAILED;
  }
  switch (g->phase) {
  case 0:
    if (connected == n_participants(g)) {
      g->all_connected_ns = now;
      g->phase = 1;
      g->phase_end_ns = now + (gint64)g->o.warmup_s * 1000000000;
    } else if (failed > 0 || now - g->t0_ns > (gint64)g->o.connect_timeout_s * 1000000000) {
      g->phase = 4;
      print_report(g);
      g_main_loop_quit(g->loop);
    }
    break;
  case 1:
    if (now >= g->phase_end_ns) {
      g->phase = 2;
      g->stats->win_start_ns = now + 1; /* packets sent at `now` were not counted as sent */
      g->stats->win_end_ns = now + (gint64)g->o.duration_s * 1000000000;
      g->phase_end_ns = g->stats->win_end_ns;
      g->srv_cpu0 = g->o.server_pid ? proc_cpu_s(g->o.server_pid) : -1;
      g->gen_cpu0 = self_cpu_s();
    }
    break;
  case 2:
    if (now >= g->phase_end_ns) {
      g->srv_cpu1 = g->o.server_pid ? proc_cpu_s(g->o.server_pid) : -1;
      g->srv_rss_kib = g->o.server_pid ? proc_rss_kib(g->o.server_pid) : -1;
      g->gen_cpu1 = self_cpu_s();
      g->phase = 3;
      g->phase_end_ns = now + 500 * 1000000; /* stragglers sent inside the window */
    }
    break;
  case 3:
    if (now >= g->phase_end_ns) {
      g->phase = 4;
      print_report(g);
      g_main_loop_quit(g->loop);
    }
    break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal(gpointer user_data)
{
  g_main_loop_quit(((Gen *)user_data)->loop);
  return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
  Gen g = {0};
  g.o = (Options){.visits = 1,
                  .party = 1,
                  .warmup_s = 2,
                  .duration_s = 10,
                  .connect_timeout_s = 60,
                  .stagger_ms = 25,
                  .audio_pps = 50,
                  .video_pps = 150,
                  .audio_bytes = 100,
                  .video_bytes = 1200};
  GOptionEntry entries[] = {
      {"url", 0, 0, G_OPTION_ARG_STRING, &g.o.url, "Server WebSocket URL", "URL"},
      {"backend", 0, 0, G_OPTION_ARG_STRING, &g.o.backend,
       "anteroom (default), janus-echo (--party 1) or janus-videoroom (--party 3)", "B"},
      {"tokens", 0, 0, G_OPTION_ARG_FILENAME, &g.o.tokens_path, "Link tokens, one a line", "FILE"},
      {"visits", 0, 0, G_OPTION_ARG_INT, &g.o.visits, "Visits to open", "N"},
      {"party", 0, 0, G_OPTION_ARG_INT, &g.o.party, "1: device-check echo; 3: 3-party visit", "P"},
      {"warmup", 0, 0, G_OPTION_ARG_INT, &g.o.warmup_s, "Seconds before measuring", "S"},
      {"duration", 0, 0, G_OPTION_ARG_INT, &g.o.duration_s, "Measurement window", "S"},
      {"connect-timeout", 0, 0, G_OPTION_ARG_INT, &g.o.connect_timeout_s, "Give up after", "S"},
      {"stagger-ms", 0, 0, G_OPTION_ARG_INT, &g.o.stagger_ms, "Between participant starts", "MS"},
      {"server-pid", 0, 0, G_OPTION_ARG_INT, &g.o.server_pid, "Server process to meter", "PID"},
      {"video-pps", 0, 0, G_OPTION_ARG_INT, &g.o.video_pps, "Video packets/s", "N"},
      {"audio-pps", 0, 0, G_OPTION_ARG_INT, &g.o.audio_pps, "Audio packets/s", "N"},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- anteroom load generator");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  gboolean parsed = g_option_context_parse(ctx, &argc, &argv, &error);
  g.janus = g.o.backend && g_str_has_prefix(g.o.backend, "janus");
  if (!parsed || !g.o.url || (!g.o.tokens_path && !g.janus) ||
      (g.janus && (g.o.party == 1) != g_str_equal(g.o.backend, "janus-echo")) || g.o.visits < 1 ||
      (g.o.party != 1 && g.o.party != 3) || g.o.duration_s < 1) {
    fprintf(stderr, "anteroom-loadgen: %s\n", error ? error->message : "see --help");
    return 2;
  }
  g.o.purpose = g.o.party == 1 ? "device_check" : "visit";
  g_autofree char *text = NULL;
  if (g.janus)
    text = g_strdup("-"); /* Janus has no tokens */
  else if (!g_file_get_contents(g.o.tokens_path, &text, NULL, &error)) {
    fprintf(stderr, "anteroom-loadgen: %s\n", error->message);
    return 2;
  }
  g.tokens = g_strsplit(g_strstrip(text), "\n", -1);
  g.n_tokens = g_strv_length(g.tokens);
  if (!g.janus && (g.n_tokens == 0 || (g.o.party == 3 && g.n_tokens < (guint)g.o.visits))) {
    fprintf(stderr, "anteroom-loadgen: need one token per visit\n");
    return 2;
  }
  if (!ar_srtp_init(&error) || !ar_srtp_openssl_install(&error)) {
    fprintf(stderr, "anteroom-loadgen: %s\n", error->message);
    return 2;
  }
  g_autoptr(ArCert) cert = ar_cert_generate("loadgen", &error);
  /* LG_SRTP_PROFILES (OpenSSL names, colon-separated) overrides the offered SRTP profiles. */
  g.dtls =
      cert ? ar_dtls_context_new_with_profiles(cert, g_getenv("LG_SRTP_PROFILES"), &error) : NULL;
  if (!g.dtls) {
    fprintf(stderr, "anteroom-loadgen: %s\n", error->message);
    return 2;
  }
  g.fingerprint = ar_cert_fingerprint_sha256(cert);
  g.stats = lg_stats_new(n_participants(&g), (guint)g.o.party);
  g.peers = g_ptr_array_new_with_free_func((GDestroyNotify)lg_peer_free);
  g.loop = g_main_loop_new(NULL, FALSE);
  g.t0_ns = lg_now_ns();
  g_timeout_add(2, on_tick, &g);
  g_unix_signal_add(SIGINT, on_signal, &g);
  g_unix_signal_add(SIGTERM, on_signal, &g);
  g_main_loop_run(g.loop);
  g_ptr_array_free(g.peers, TRUE);
  lg_stats_free(g.stats);
  ar_dtls_context_unref(g.dtls);
  g_free(g.fingerprint);
  g_strfreev(g.tokens);
  g_main_loop_unref(g.loop);
  return g.ok ? 0 : 1;
}
