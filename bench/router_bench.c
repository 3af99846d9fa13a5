/* Micro-benchmark of the router's packet path: ns per incoming packet and per forwarded copy
 * (ar_router_handle_rtp + ar_router_poll into a dst buffer, timers included) for 1, 3 and 10
 * subscribers, 1,200-byte VP8 video and 100-byte Opus audio. Thread CPU time, median of 5 runs.
 * Prints a markdown table. Usage: router_bench [packets per run, default 200000] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include "router.h"
#include "rtp.h"

#define RUNS 5

/* RTP with a one-byte extension block (twcc id 3, audio level id 1) and a VP8 descriptor. */
static gsize
make_packet(guint8 *b, gboolean video, gsize total)
{
  memset(b, 0x5a, total);
  b[0] = 0x90;
  b[1] = video ? 96 : 111;
  ar_put_be32(b + 8, video ? 0x2000 : 0x1000);
  static const guint8 ext[] = {0xbe, 0xde, 0x00, 0x02, 0x31, 0x00, 0x01, 0x10, 0x9e, 0, 0, 0};
  memcpy(b + 12, ext, sizeof ext);
  if (video) {
    guint8 *p = b + 12 + sizeof ext;
    p[0] = 0x90, p[1] = 0x80, p[2] = 0x80, p[3] = 0, p[4] = 0x10;
  }
  return total;
}

static double
run_once(guint n_subs, gboolean video, guint packets)
{
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  cfg.max_participants = n_subs + 1;
  ArRouter *r = ar_router_new(&cfg);
  gint pub = ar_router_add_participant(r, NULL, NULL);
  ArRouterTrackConfig tc = {.kind = video ? AR_ROUTER_VIDEO : AR_ROUTER_AUDIO,
                            .mid = "0",
                            .n_codecs = 1,
                            .n_layers = 1,
                            .ext = {.twcc = 3, .audio_level = 1}};
  tc.codecs[0] = video ? (ArRouterCodecConfig){96, AR_ROUTER_CODEC_VP8, 97}
                       : (ArRouterCodecConfig){111, AR_ROUTER_CODEC_OPUS, 0};
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
  gsize len = make_packet(pkt, video, video ? 1200 : 100);
  ArRouterOutput out;
  gint64 now = G_USEC_PER_SEC;
  guint64 copies = 0;
  gint64 t0 = ar_bench_thread_ns();
  for (guint i = 0; i < packets; i++) {
    now += video ? 2000 : 20000; /* ~500 and 50 packets per second */
    ar_put_be16(pkt + 2, (guint16)i);
    ar_put_be32(pkt + 4, i * (video ? 180u : 960u));
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
  for (guint v = 0; v < 2; v++) {
    for (guint k = 0; k < G_N_ELEMENTS(subs); k++) {
      double t[RUNS];
      for (guint i = 0; i < RUNS; i++)
        t[i] = run_once(subs[k], v == 0, packets);
      qsort(t, RUNS, sizeof t[0], cmp_double);
      printf("| %s | %u | %.0f | %.0f |\n", v == 0 ? "video 1,200 B" : "audio 100 B", subs[k],
             t[RUNS / 2], t[RUNS / 2] / subs[k]);
    }
  }
  return 0;
}
