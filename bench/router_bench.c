/* Micro-benchmark of the router's packet path: ns per incoming packet and per forwarded copy
 * (ar_router_handle_rtp + ar_router_poll into a dst buffer, timers included) for 1, 3 and 10
 * subscribers, 1,200-byte VP8 video, 100-byte Opus audio and 160-byte RED audio (Opus with one
 * redundant block) sent to subscribers without RED as its primary Opus block. Thread CPU time,
 * median of 5 runs. Prints a markdown table. Usage: router_bench [packets per run, default
 * 200000] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include "router.h"
#include "rtp.h"

#define RUNS 5
#define PT_RED 63

typedef enum { VIDEO, AUDIO, AUDIO_RED } Kind;

/* RTP with a one-byte extension block (twcc id 3, audio level id 1) and a VP8 descriptor, or a
 * RED payload: a 4-byte header of a 60-byte redundant Opus block, the primary's header. */
static gsize
make_packet(guint8 *b, Kind kind, gsize total)
{
  gboolean video = kind == VIDEO;
  memset(b, 0x5a, total);
  b[0] = 0x90;
  b[1] = video ? 96 : kind == AUDIO_RED ? PT_RED : 111;
  ar_put_be32(b + 8, video ? 0x2000 : 0x1000);
  static const guint8 ext[] = {0xbe, 0xde, 0x00, 0x02, 0x31, 0x00, 0x01, 0x10, 0x9e, 0, 0, 0};
  memcpy(b + 12, ext, sizeof ext);
  if (video) {
    guint8 *p = b + 12 + sizeof ext;
    p[0] = 0x90, p[1] = 0x80, p[2] = 0x80, p[3] = 0, p[4] = 0x10;
  }
  if (kind == AUDIO_RED) {
    guint8 *p = b + 12 + sizeof ext;
    p[0] = 0x80 | 111, p[1] = 0x0f, p[2] = 0x00, p[3] = 60, p[4] = 111; /* 960 ticks older */
  }
  return total;
}

static double
run_once(guint n_subs, Kind kind, guint packets)
{
  gboolean video = kind == VIDEO;
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  cfg.max_participants = n_subs + 1;
  ArRouter *r = ar_router_new(&cfg);
  gint pub = ar_router_add_participant(r, NULL, NULL);
  ArRouterTrackConfig tc = {.kind = video ? AR_ROUTER_VIDEO : AR_ROUTER_AUDIO,
                            .mid = "0",
                            .n_codecs = kind == AUDIO_RED ? 2 : 1,
                            .n_layers = 1,
                            .ext = {.twcc = 3, .audio_level = 1}};
  tc.codecs[0] = video ? (ArRouterCodecConfig){96, AR_ROUTER_CODEC_VP8, 97}
                       : (ArRouterCodecConfig){111, AR_ROUTER_CODEC_OPUS, 0};
  if (kind == AUDIO_RED) /* the subscribers map only Opus */
    tc.codecs[1] = (ArRouterCodecConfig){PT_RED, AR_ROUTER_CODEC_RED, 0};
  tc.layers[0].ssrc = video ? 0x2000 : 0x1000;
  gint track = ar_router_add_track(r, pub, &tc, NULL);
  for (guint s = 0; s < n_subs; s++) {
    gint p = ar_router_add_participant(r, NULL, NULL);
    ArRouterSubscriptionConfig sc = {.subscriber = p,
                                     .track = track,
                                     .mid = "1",
                                     .ssrc = 0x10000 + s,
                                     .rtx_ssrc = 0x20000 + s,
                                     .n_pts = 1,
                                     .pts = {{tc.codecs[0].pt, tc.codecs[0].pt, 97}},
                                     .ext = {.mid = 9, .twcc = 5, .audio_level = 6},
                                     .initial_layer = -1};
    ar_router_subscribe(r, &sc, 0, NULL);
  }
  static guint8 pkt[1500], dst[1500];
  gsize len = make_packet(pkt, kind, video ? 1200 : kind == AUDIO_RED ? 160 : 100);
  ArRouterOutput out;
  gint64 now = G_USEC_PER_SEC;
  guint64 copies = 0;
  gint64 t0 = ar_bench_thread_ns();
  for (guint i = 0; i < packets; i++) {
    now += video ? 2000 : 20000; /* ~500 and 50 packets per second */
    ar_put_be16(pkt + 2, (guint16)i);
    ar_put_be32(pkt + 4, i * (video ? 180u : 960u));
    if (video)
      pkt[12 + 12 + 4] = (i % 500 == 0) ? 0x10 : 0x11; /* a keyframe now and then */
    ar_router_handle_rtp(r, pub, pkt, len, now);
    while (ar_router_poll(r, &out, dst, sizeof dst))
      copies += out.kind == AR_ROUTER_OUTPUT_RTP;
    if (ar_router_next_timeout(r) <= now) {
      ar_router_handle_timeout(r, now);
      while (ar_router_poll(r, &out, dst, sizeof dst))
        ;
    }
  }
  gint64 t1 = ar_bench_thread_ns();
  if (copies < (guint64)packets * n_subs - 1000) {
    fprintf(stderr, "only %" G_GUINT64_FORMAT " copies forwarded\n", copies);
    exit(1);
  }
  ar_router_free(r);
  return (double)(t1 - t0) / packets;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
  guint packets = argc > 1 ? (guint)atoi(argv[1]) : 200000;
  printf("| packet | subscribers | ns per incoming packet | ns per forwarded copy |\n");
  printf("|---|---:|---:|---:|\n");
  const guint subs[] = {1, 3, 10};
  static const char *const names[] = {"video 1,200 B", "audio 100 B", "RED 160 B -> Opus"};
  for (Kind v = VIDEO; v <= AUDIO_RED; v++) {
    for (guint k = 0; k < G_N_ELEMENTS(subs); k++) {
      double t[RUNS];
      for (guint i = 0; i < RUNS; i++)
        t[i] = run_once(subs[k], v, packets);
      qsort(t, RUNS, sizeof t[0], cmp_double);
      printf("| %s | %u | %.0f | %.0f |\n", names[v], subs[k], t[RUNS / 2], t[RUNS / 2] / subs[k]);
    }
  }
  return 0;
}
