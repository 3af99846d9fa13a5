/* ns per echoed packet through the server's own media path, minus the sockets: SRTP unprotect
 * (as received from the participant), router (echo subscription: the device check), copy into a
 * pooled buffer and SRTP protect (as sent back). AEAD_AES_128_GCM with the OpenSSL-backed types,
 * 1,200-byte VP8 and 100-byte Opus packets, thread CPU time, median of 5 runs.
 * Usage: echo_bench [packets per run, default 100000] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "pool.h"
#include "bench_clock.h"
#include "router.h"
#include "srtp.h"
#include "srtp_openssl.h"

#define RUNS 5
#define BATCH 1000

static gsize
make_packet(guint8 *b, gboolean video, guint16 seq, gsize total)
{
  memset(b, 0x5a, total);
  b[0] = 0x90;
  b[1] = video ? 96 : 111;
  ar_put_be16(b + 2, seq);
  ar_put_be32(b + 4, seq * (video ? 3000u : 960u));
  ar_put_be32(b + 8, video ? 0x2000 : 0x1000);
  static const guint8 ext[] = {0xbe, 0xde, 0x00, 0x02, 0x31, 0x00, 0x01, 0x10, 0x9e, 0, 0, 0};
  memcpy(b + 12, ext, sizeof ext);
  if (video) {
    guint8 *p = b + 12 + sizeof ext;
    p[0] = 0x10, p[1] = seq == 0 ? 0x00 : 0x01; /* the first packet is a keyframe */
  }
  return total;
}

static ArRouter *
echo_router(gboolean video)
{
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  ArRouter *r = ar_router_new(&cfg);
  gint p = ar_router_add_participant(r, NULL, NULL);
  ArRouterTrackConfig tc = {.kind = video ? AR_ROUTER_VIDEO : AR_ROUTER_AUDIO,
                            .mid = "0",
                            .n_codecs = 1,
                            .n_layers = 1,
                            .clock_rate = video ? 90000 : 48000,
                            .ext = {.twcc = 3, .audio_level = 1}};
  tc.codecs[0] = video ? (ArRouterCodecConfig){96, AR_ROUTER_CODEC_VP8, 0}
                       : (ArRouterCodecConfig){111, AR_ROUTER_CODEC_OPUS, 0};
  tc.layers[0].ssrc = video ? 0x2000 : 0x1000;
  gint track = ar_router_add_track(r, p, &tc, NULL);
  ArRouterSubscriptionConfig sc = {.subscriber = p, .track = track, .mid = "0",
                                   .ssrc = 0x7777, .n_pts = 1, .ext = tc.ext,
                                   .initial_layer = -1};
  sc.pts[0] = (ArRouterPtMap){tc.codecs[0].pt, tc.codecs[0].pt, 0};
  ar_router_subscribe(r, &sc, 0, NULL);
  return r;
}

static double
run_once(gboolean video, guint packets)
{
  guint8 km[56];
  for (gsize i = 0; i < sizeof km; i++)
    km[i] = (guint8)(i * 7 + 3);
  gsize km_len = ar_srtp_profile_keying_material_len(AR_SRTP_AEAD_AES_128_GCM);
  g_autoptr(ArSrtpSession) client =
    ar_srtp_session_new(AR_SRTP_AEAD_AES_128_GCM, km, km_len, TRUE, NULL);
  g_autoptr(ArSrtpSession) server =
    ar_srtp_session_new(AR_SRTP_AEAD_AES_128_GCM, km, km_len, FALSE, NULL);
  g_autoptr(ArRouter) r = echo_router(video);
  g_autoptr(ArPacketPool) pool = ar_pool_new(64);
  static guint8 in[BATCH][AR_PACKET_CAP];
  gsize in_len[BATCH];
  guint8 dst[AR_PACKET_CAP];
  gsize size = video ? 1200 : 100;
  gint64 total = 0, now = 1000000;
  guint16 seq = 0;
  for (guint done = 0; done < packets; done += BATCH) {
    for (guint i = 0; i < BATCH; i++) { /* the participant's side: not timed */
      in_len[i] = make_packet(in[i], video, seq++, size);
      ar_srtp_protect_rtp(client, in[i], &in_len[i], AR_PACKET_CAP);
    }
    gint64 t0 = ar_bench_thread_ns();
    for (guint i = 0; i < BATCH; i++) {
      now += video ? 6667 : 20000;
      if (ar_srtp_unprotect_rtp(server, in[i], &in_len[i]) != AR_SRTP_OK)
        g_error("unprotect failed");
      ar_router_handle_rtp(r, 0, in[i], in_len[i], now);
      ArRouterOutput out;
      while (ar_router_poll(r, &out, dst, sizeof dst)) {
        if (out.kind != AR_ROUTER_OUTPUT_RTP)
          continue;
        guint8 *buf = ar_pool_get(pool);
        gsize len = out.len;
        memcpy(buf, dst, len);
        ar_srtp_protect_rtp(server, buf, &len, AR_PACKET_CAP);
        ar_pool_put(pool, buf);
      }
    }
    total += ar_bench_thread_ns() - t0;
  }
  if (ar_router_stats(r)->forwarded < packets - 1)
    g_error("only %" G_GUINT64_FORMAT " of %u packets were echoed",
            ar_router_stats(r)->forwarded, packets);
  return (double)total / packets;
}

static int
cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
  guint packets = argc > 1 ? (guint)atoi(argv[1]) : 100000;
  packets = MAX(BATCH, packets / BATCH * BATCH);
  if (!ar_srtp_init(NULL) || !ar_srtp_openssl_install(NULL))
    g_error("SRTP with OpenSSL types unavailable");
  printf("| packet | ns per echoed packet (unprotect + route + protect) |\n|---|---:|\n");
  for (int video = 1; video >= 0; video--) {
    double runs[RUNS];
    for (int i = 0; i < RUNS; i++)
      runs[i] = run_once(video, packets);
    qsort(runs, RUNS, sizeof runs[0], cmp);
    printf("| %s | %.0f |\n", video ? "VP8 1,200 B" : "Opus 100 B", runs[RUNS / 2]);
  }
  return 0;
}
