/* libFuzzer target for the router core: a 3-party room (Opus or RED audio, which participant 1
 * takes as is and the others as its primary Opus block; unsignalled 3-layer simulcast
 * learned from mid/rid, a screen share with RTX, an echo subscription) fed arbitrary RTP, RTCP,
 * clock steps and control calls. Every output must be a well-formed packet that fits dst.
 * Input: records of [op][arg][len: 2 bytes BE][len bytes]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "rtcp.h"
#include "rtp.h"

#define N 3

static void
setup(ArRouter *r, gint *subs, guint *n_subs)
{
  gint audio[N], video[N], screen[N];
  for (guint p = 0; p < N; p++) {
    ar_router_add_participant(r, NULL, NULL);
    ArRouterTrackConfig a = {.kind = AR_ROUTER_AUDIO,
                             .mid = "0",
                             .n_codecs = 2,
                             .codecs = {{.pt = 111, .codec = AR_ROUTER_CODEC_OPUS},
                                        {.pt = 63, .codec = AR_ROUTER_CODEC_RED}},
                             .n_layers = 1,
                             .layers = {{.ssrc = 0x100 + p}},
                             .ext = {.mid = 4, .audio_level = 1, .twcc = 3}};
    audio[p] = ar_router_add_track(r, (gint)p, &a, NULL);
    ArRouterTrackConfig v = {.kind = AR_ROUTER_VIDEO,
                             .mid = "1",
                             .n_codecs = 2,
                             .codecs = {{.pt = 96, .codec = AR_ROUTER_CODEC_VP8, .rtx_pt = 97},
                                        {.pt = 102, .codec = AR_ROUTER_CODEC_H264, .rtx_pt = 103}},
                             .n_layers = 3,
                             .layers = {{.rid = "q"}, {.rid = "h"}, {.rid = "f"}},
                             .ext = {.mid = 4, .rid = 10, .repaired_rid = 11, .twcc = 3}};
    video[p] = ar_router_add_track(r, (gint)p, &v, NULL);
    ArRouterTrackConfig s = {.kind = AR_ROUTER_VIDEO,
                             .mid = "2",
                             .n_codecs = 1,
                             .codecs = {{.pt = 98, .codec = AR_ROUTER_CODEC_VP9, .rtx_pt = 99}},
                             .n_layers = 1,
                             .layers = {{.ssrc = 0x300 + p, .rtx_ssrc = 0x310 + p}},
                             .screen_share = TRUE,
                             .use_fir = p == 2,
                             .ext = {.mid = 4, .twcc = 3}};
    screen[p] = ar_router_add_track(r, (gint)p, &s, NULL);
  }
  *n_subs = 0;
  for (guint s = 0; s < N; s++) {
    for (guint p = 0; p < N; p++) {
      if (s == p && s != 0) /* participant 0 also gets its own media: echo */
        continue;
      gint tracks[] = {audio[p], video[p], screen[p]};
      for (guint k = 0; k < 3; k++) {
        ArRouterSubscriptionConfig sc = {
            .subscriber = (gint)s,
            .track = tracks[k],
            .mid = "m",
            .ssrc = 0x10000u * (s + 1) + 0x100u * (p + 1) + k,
            .rtx_ssrc = k ? 0x90000u + s * 16 + p * 4 + k : 0,
            .n_pts = 2,
            .pts = {{111, 109, 0}, {96, 100, 101}},
            .ext = {.mid = (guint8)(9 + k), .twcc = 7, .audio_level = 5, .abs_send_time = 15},
            .initial_layer = -1};
        if (k == 2)
          sc.pts[0] = (ArRouterPtMap){98, 98, 99};
        if (k == 0 && s == 1)
          sc.pts[sc.n_pts++] = (ArRouterPtMap){63, 120, 0};
        subs[(*n_subs)++] = ar_router_subscribe(r, &sc, 0, NULL);
      }
    }
  }
}

static void
check_and_drain(ArRouter *r, gsize cap)
{
  static guint8 dst[1500];
  ArRouterOutput out;
  while (ar_router_poll(r, &out, dst, cap)) {
    if (out.kind == AR_ROUTER_OUTPUT_EVENT)
      continue;
    if (out.len == 0 || out.len > cap || out.participant < 0 || out.participant >= N)
      abort();
    if (out.kind == AR_ROUTER_OUTPUT_RTP) {
      ArRtpView v;
      if (!ar_rtp_parse(&v, dst, out.len))
        abort();
    } else {
      ArRtcpIter it;
      ArRtcpPacket pkt;
      ar_rtcp_iter_init(&it, dst, out.len);
      while (ar_rtcp_iter_next(&it, &pkt))
        ;
      if (it.error)
        abort();
    }
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  cfg.max_participants = N; /* small tables: the fuzzer builds a fresh room per input */
  cfg.max_tracks_per_participant = 3;
  cfg.packet_slots = 64;
  cfg.queue_len = 128;
  ArRouter *r = ar_router_new(&cfg);
  gint subs[64];
  guint n_subs;
  setup(r, subs, &n_subs);
  static guint8 buf[2048];
  gint64 now = 1000000;
  while (size >= 4) {
    guint8 op = data[0], arg = data[1];
    gsize len = ar_be16(data + 2);
    data += 4, size -= 4;
    if (len > size)
      len = size;
    memcpy(buf, data, MIN(len, sizeof buf));
    data += len, size -= len;
    len = MIN(len, sizeof buf);
    gint who = arg % (N + 1); /* N: an id that does not exist */
    switch (op % 5) {
    case 0:
      ar_router_handle_rtp(r, who, buf, len, now);
      break;
    case 1:
      ar_router_handle_rtcp(r, who, buf, len, now);
      break;
    case 2:
      now += (gint64)arg * 1000 + (len ? buf[0] : 0) * 50000;
      if (ar_router_next_timeout(r) <= now)
        ar_router_handle_timeout(r, now);
      break;
    case 3:
      switch (arg >> 5) {
      case 0:
        ar_router_set_target_layer(r, subs[arg % n_subs], (gint)(arg & 3) - 1, now);
        break;
      case 1:
        ar_router_set_audio_only(r, who, arg & 1, now);
        break;
      case 2:
        ar_router_unsubscribe(r, subs[arg % n_subs]);
        break;
      case 3:
        ar_router_remove_participant(r, who);
        break;
      default:
        break;
      }
      break;
    case 4:
      now += 20000;
      ar_router_handle_timeout(r, now);
      break;
    }
    check_and_drain(r, (op & 0x80) ? 1500 : 200 + (arg & 0x7f) * 8);
  }
  ar_router_free(r);
  return 0;
}
