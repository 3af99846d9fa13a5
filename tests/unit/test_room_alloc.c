/* Unit tests for the live allocation loop (room_alloc.c) in closed loop, with synthetic packets
 * and a fake clock: a publisher sends 3-layer VP8 simulcast (90p/180p/360p at 150/500/1200
 * kbps) and audio through the router core to one subscriber, whose downlink is a token-bucket
 * policer (as the integration test's nftables rule); what gets through feeds a transport-wide-cc
 * receiver whose feedback drives the subscriber's estimator (room_bwe.c). Shows: a falling
 * estimate downgrades the layer at the next keyframe; below the lowest layer the subscriber goes
 * audio-only (announced) while its audio keeps flowing; when the link recovers, padding probes
 * raise the estimate and the layers come back; padding packets go on the RTX SSRC with their own
 * sequence numbers and the next transport-wide ones, leaving the media numbering whole; the
 * viewport hint picks the smallest layer that fills the tile; a delay-only congestion signal
 * (no loss) lowers the layers but does not pause the picture. */
#include <string.h>

#include "bytes.h"
#include "room_alloc.h"
#include "room_bwe.h"
#include "router.h"
#include "rtp.h"
#include "twcc_receiver.h"

#define MS G_TIME_SPAN_MILLISECOND
#define SEC G_USEC_PER_SEC
#define PT_OPUS 111
#define PT_VP8 96
#define S_TWCC 7
#define S_MID 9
#define SUB_AUDIO_SSRC 0xa1u
#define SUB_VIDEO_SSRC 0xb1u
#define SUB_RTX_SSRC 0xb2u
#define SUB_RTX_PT 101
#define INFLIGHT 8192

static const guint layer_bps[3] = {150000, 500000, 1200000};
static const guint16 layer_h[3] = {90, 180, 360};

typedef struct {
  ArRouter *r;
  ArRoomAlloc *alloc;
  ArRoomBwe *bwe;
  ArTwccReceiver *rx;
  gint pub, sub, a_sub, v_sub, v_track;
  gint64 now;
  guint64 frame;
  guint16 seq[4], picid[3];
  guint32 ts, ats;
  guint16 viewport;
  /* When set, the allocator sees this link instead of the estimator's (delay-only signals). */
  gboolean fake_link;
  ArRoomBweLink link;
  /* downlink policer */
  double cap_bps, tokens;
  gint64 tokens_us;
  struct {
    gint64 at;
    guint16 twcc;
  } inflight[INFLIGHT];
  guint in_head, in_len;
  /* what the subscriber saw */
  guint audio_sent, audio_delivered, padding, padding_bad;
  gint audio_only; /* last AUDIO_ONLY event value, -1 none */
  gint last_layer_event;
  gboolean have_media_seq, have_twcc, have_rtx_seq;
  guint16 media_seq, twcc, rtx_seq;
  guint media_seq_breaks, twcc_breaks, rtx_seq_breaks;
  guint8 pkt[1500], out[1500], fb[1500];
} Sim;

static void
deliver(Sim *s, const guint8 *buf, gsize len, gboolean has_twcc, guint16 twcc, gboolean audio)
{
  s->tokens = MIN(s->tokens + s->cap_bps / 8.0 * (double)(s->now - s->tokens_us) / SEC,
                  MAX(s->cap_bps / 8.0 * 0.05, 3000.0));
  s->tokens_us = s->now;
  if (s->tokens < (double)len)
    return; /* policed */
  s->tokens -= (double)len;
  if (audio)
    s->audio_delivered++;
  if (has_twcc && s->in_len < INFLIGHT) {
    guint i = (s->in_head + s->in_len++) % INFLIGHT;
    s->inflight[i].at = s->now + 20 * MS;
    s->inflight[i].twcc = twcc;
  }
  (void)buf;
}

static void
check_continuity(gboolean *have, guint16 *last, guint16 seq, guint *breaks)
{
  if (*have && seq != (guint16)(*last + 1)) {
    (*breaks)++;
    g_test_message("sequence break: %u after %u", seq, *last);
  }
  *have = TRUE;
  *last = seq;
}

static void
drain(Sim *s)
{
  ArRouterOutput o;
  while (ar_router_poll(s->r, &o, s->out, sizeof s->out)) {
    if (o.kind == AR_ROUTER_OUTPUT_EVENT) {
      if (o.event.type == AR_ROUTER_EVENT_AUDIO_ONLY)
        s->audio_only = o.event.value;
      if (o.event.type == AR_ROUTER_EVENT_LAYER_CHANGED)
        s->last_layer_event = o.event.layer;
      continue;
    }
    if (o.kind != AR_ROUTER_OUTPUT_RTP || o.participant != s->sub)
      continue;
    ArRtpView v;
    g_assert_true(ar_rtp_parse(&v, s->out, o.len));
    g_assert_true(o.has_twcc);
    guint16 twcc;
    g_assert_true(ar_rtp_ext_twcc_seq(&v, S_TWCC, &twcc));
    g_assert_cmpuint(twcc, ==, o.twcc_seq);
    check_continuity(&s->have_twcc, &s->twcc, twcc, &s->twcc_breaks);
    ar_room_bwe_on_sent(s->bwe, o.twcc_seq, o.len, s->now);
    guint32 ssrc = ar_rtp_ssrc(&v);
    if (ssrc == SUB_AUDIO_SSRC)
      s->audio_sent++;
    else if (ssrc == SUB_VIDEO_SSRC)
      check_continuity(&s->have_media_seq, &s->media_seq, ar_rtp_seq(&v), &s->media_seq_breaks);
    else if (ssrc == SUB_RTX_SSRC) {
      s->padding++;
      if (ar_rtp_pt(&v) != SUB_RTX_PT || v.payload_len != 0 || v.pad_len != AR_ROUTER_PADDING_LEN)
        s->padding_bad++;
      check_continuity(&s->have_rtx_seq, &s->rtx_seq, ar_rtp_seq(&v), &s->rtx_seq_breaks);
    }
    deliver(s, s->out, o.len, o.has_twcc, o.twcc_seq, ssrc == SUB_AUDIO_SSRC);
  }
}

static gsize
rtp_header(guint8 *b, guint8 pt, guint16 seq, guint32 ts, guint32 ssrc, gboolean marker)
{
  b[0] = 0x80;
  b[1] = (guint8)(pt | (marker ? 0x80 : 0));
  ar_put_be16(b + 2, seq);
  ar_put_be32(b + 4, ts);
  ar_put_be32(b + 8, ssrc);
  return 12;
}

static void
send_audio(Sim *s)
{
  gsize n = rtp_header(s->pkt, PT_OPUS, s->seq[3]++, s->ats += 960, 0x100, FALSE);
  memset(s->pkt + n, 0x11, 88);
  ar_router_handle_rtp(s->r, s->pub, s->pkt, n + 88, s->now);
  drain(s);
}

/* One frame of layer l: its share of the layer's bitrate at 30 fps, in packets of <= 1100 B;
 * every 30th frame is a keyframe carrying the layer's size. */
static void
send_frame(Sim *s, guint l, gboolean key)
{
  gsize bytes = layer_bps[l] / 8 / 30, done = 0;
  while (done < bytes) {
    gsize chunk = MIN(bytes - done, 1100);
    gboolean first = done == 0, last = done + chunk >= bytes;
    gsize n = rtp_header(s->pkt, PT_VP8, s->seq[l]++, s->ts, 0x200 + l, last);
    guint8 *p = s->pkt + n;
    p[0] = first ? 0x90 : 0x80; /* X, S on the first packet, PID 0 */
    p[1] = 0x80;                /* I: picture id */
    ar_put_be16(p + 2, (guint16)(0x8000 | s->picid[l]));
    memset(p + 4, 0x22, chunk);
    if (first) {
      p[4] = key ? 0x10 : 0x11;
      if (key) {
        p[7] = 0x9d, p[8] = 0x01, p[9] = 0x2a;
        p[10] = (guint8)(layer_h[l] * 16 / 9), p[11] = (guint8)((layer_h[l] * 16 / 9) >> 8);
        p[12] = (guint8)layer_h[l], p[13] = (guint8)(layer_h[l] >> 8);
      }
    }
    ar_router_handle_rtp(s->r, s->pub, s->pkt, n + 4 + chunk, s->now);
    drain(s);
    done += chunk;
  }
  s->picid[l]++;
}

static void
allocate(Sim *s, gboolean force)
{
  ArRoomAllocSlot slots[2] = {{s->a_sub, -1, TRUE, FALSE, G_MAXUINT16},
                              {s->v_sub, s->v_track, FALSE, FALSE, s->viewport}};
  ArRoomBweLink link;
  ar_room_bwe_link(s->bwe, s->now, &link);
  if (s->fake_link)
    link = s->link;
  ar_room_alloc_run(s->alloc, s->r, slots, 2, &link, force, s->now);
  drain(s);
}

/* Advances the world by `us` in 1 ms steps. */
static void
run(Sim *s, gint64 us)
{
  for (gint64 end = s->now + us; s->now < end; s->now += MS) {
    while (s->in_len && s->inflight[s->in_head].at <= s->now) {
      ar_twcc_receiver_on_packet(s->rx, s->inflight[s->in_head].twcc, s->inflight[s->in_head].at);
      s->in_head = (s->in_head + 1) % INFLIGHT;
      s->in_len--;
    }
    gssize n;
    if (ar_twcc_receiver_next_timeout(s->rx) <= s->now)
      while ((n = ar_twcc_receiver_poll(s->rx, s->now, s->fb, sizeof s->fb)) > 0)
        ar_room_bwe_on_rtcp(s->bwe, s->fb, (gsize)n, s->now);
    if (s->now % (20 * MS) == 0)
      send_audio(s);
    if (s->now % (33 * MS) == 0) {
      s->ts += 3000;
      for (guint l = 0; l < 3; l++)
        send_frame(s, l, s->frame % 30 == 0);
      s->frame++;
    }
    if (ar_router_next_timeout(s->r) <= s->now) {
      ar_router_handle_timeout(s->r, s->now);
      drain(s);
    }
    if (ar_room_alloc_next_timeout(s->alloc) <= s->now)
      allocate(s, FALSE);
  }
}

static void
sim_init(Sim *s, double cap_bps)
{
  memset(s, 0, sizeof *s);
  s->now = 10 * SEC;
  s->cap_bps = cap_bps;
  s->tokens_us = s->now;
  s->audio_only = -1;
  s->last_layer_event = -1;
  s->viewport = G_MAXUINT16;
  s->r = ar_router_new(NULL);
  s->pub = ar_router_add_participant(s->r, NULL, NULL);
  s->sub = ar_router_add_participant(s->r, NULL, NULL);
  ArRouterTrackConfig a = {.kind = AR_ROUTER_AUDIO,
                           .mid = "0",
                           .n_codecs = 1,
                           .codecs = {{.pt = PT_OPUS, .codec = AR_ROUTER_CODEC_OPUS}},
                           .n_layers = 1};
  a.layers[0].ssrc = 0x100;
  gint a_track = ar_router_add_track(s->r, s->pub, &a, NULL);
  ArRouterTrackConfig v = {.kind = AR_ROUTER_VIDEO,
                           .mid = "1",
                           .n_codecs = 1,
                           .codecs = {{.pt = PT_VP8, .codec = AR_ROUTER_CODEC_VP8, .rtx_pt = 97}},
                           .n_layers = 3};
  for (guint l = 0; l < 3; l++)
    v.layers[l].ssrc = 0x200 + l;
  s->v_track = ar_router_add_track(s->r, s->pub, &v, NULL);
  g_assert_cmpint(a_track, >=, 0);
  g_assert_cmpint(s->v_track, >=, 0);
  ArRouterSubscriptionConfig sa = {.subscriber = s->sub,
                                   .track = a_track,
                                   .mid = "a",
                                   .ssrc = SUB_AUDIO_SSRC,
                                   .n_pts = 1,
                                   .pts = {{PT_OPUS, 109, 0}},
                                   .initial_layer = -1,
                                   .ext = {.mid = S_MID, .twcc = S_TWCC}};
  ArRouterSubscriptionConfig sv = {.subscriber = s->sub,
                                   .track = s->v_track,
                                   .mid = "v",
                                   .ssrc = SUB_VIDEO_SSRC,
                                   .rtx_ssrc = SUB_RTX_SSRC,
                                   .n_pts = 1,
                                   .pts = {{PT_VP8, 100, SUB_RTX_PT}},
                                   .initial_layer = -1,
                                   .ext = {.mid = S_MID, .twcc = S_TWCC}};
  s->a_sub = ar_router_subscribe(s->r, &sa, s->now, NULL);
  s->v_sub = ar_router_subscribe(s->r, &sv, s->now, NULL);
  g_assert_cmpint(s->v_sub, >=, 0);
  s->bwe = ar_room_bwe_new(0x61720001u);
  s->rx = ar_twcc_receiver_new(0x5eed, SUB_VIDEO_SSRC);
  s->alloc = ar_room_alloc_new(s->sub);
}

static void
sim_clear(Sim *s)
{
  ar_room_alloc_free(s->alloc);
  ar_twcc_receiver_free(s->rx);
  ar_room_bwe_free(s->bwe);
  ar_router_free(s->r);
}

static gint
current_layer(Sim *s)
{
  gint layer;
  g_assert_true(ar_router_subscription_info(s->r, s->v_sub, &layer, NULL));
  return layer;
}

/* Share of audio that reached the subscriber over the next `us`. */
static double
audio_through(Sim *s, gint64 us)
{
  guint sent = s->audio_sent, got = s->audio_delivered;
  run(s, us);
  g_assert_cmpuint(s->audio_sent, >, sent); /* audio is never paused */
  return (double)(s->audio_delivered - got) / (double)(s->audio_sent - sent);
}

static void
test_congestion_cycle(void)
{
  Sim *s = g_new0(Sim, 1);
  sim_init(s, 20e6);
  ArRoomAllocInfo info;

  /* A free link: the top layer. */
  run(s, 5 * SEC);
  g_assert_cmpint(current_layer(s), ==, 2);
  g_assert_cmpint(s->audio_only, ==, -1);

  /* 350 kbps: the estimate falls and the layer goes down, at a keyframe (announced), to the
   * lowest, which fits with the audio; the audio keeps getting through. */
  s->cap_bps = 350e3;
  run(s, 15 * SEC);
  ar_room_alloc_info(s->alloc, &info);
  g_test_message("350k: estimate %" G_GUINT64_FORMAT " allocated %" G_GUINT64_FORMAT,
                 info.estimate_bps, info.allocated_bps);
  g_assert_cmpint(current_layer(s), ==, 0);
  g_assert_cmpint(s->last_layer_event, ==, 0);
  g_assert_cmpint(s->audio_only, ==, -1);
  g_assert_cmpfloat(audio_through(s, 10 * SEC), >=, 0.97);
  g_assert_cmpint(current_layer(s), ==, 0);

  /* 100 kbps: not even the lowest layer fits: audio-only is announced, audio still flows. */
  s->cap_bps = 100e3;
  run(s, 10 * SEC);
  g_assert_cmpint(s->audio_only, ==, 1);
  ar_room_alloc_info(s->alloc, &info);
  g_assert_true(info.audio_only);
  guint64 padding_before = s->padding;
  g_assert_cmpfloat(audio_through(s, 20 * SEC), >=, 0.9);
  ar_room_alloc_info(s->alloc, &info);
  g_test_message("100k: estimate %" G_GUINT64_FORMAT ", %u probes failed, %u padding",
                 info.estimate_bps, info.probes_failed, s->padding);
  /* Probes into a full link are few: each failure doubles the wait. */
  g_assert_cmpuint(s->padding - padding_before, <, 400);

  /* The link recovers: probes raise the estimate, video comes back (announced), up to the top. */
  s->cap_bps = 20e6;
  guint padding_at_recovery = s->padding;
  run(s, 40 * SEC);
  ar_room_alloc_info(s->alloc, &info);
  g_test_message("recovered: estimate %" G_GUINT64_FORMAT ", padding %u", info.estimate_bps,
                 s->padding - padding_at_recovery);
  g_assert_cmpint(s->audio_only, ==, 0); /* without probes the estimate stays near the audio */
  g_assert_cmpuint(s->padding, >, padding_at_recovery);
  g_assert_cmpint(current_layer(s), ==, 2);
  g_assert_cmpint(s->last_layer_event, ==, 2);

  /* All along: one continuous sequence for the media, the RTX stream and transport-wide cc. */
  g_assert_cmpuint(s->padding_bad, ==, 0);
  g_assert_cmpuint(s->media_seq_breaks, ==, 0);
  g_assert_cmpuint(s->rtx_seq_breaks, ==, 0);
  g_assert_cmpuint(s->twcc_breaks, ==, 0);
  sim_clear(s);
  g_free(s);
}

static void
test_padding_packets(void)
{
  Sim *s = g_new0(Sim, 1);
  sim_init(s, 20e6);
  run(s, 2 * SEC);
  guint16 media_before = s->media_seq, twcc_before = s->twcc;
  g_assert_true(s->have_media_seq);
  /* Bounded: one call queues at most AR_ROUTER_PADDING_MAX_PACKETS. */
  guint q = ar_router_queue_padding(s->r, s->sub, 100000, s->now);
  g_assert_cmpuint(q, ==, AR_ROUTER_PADDING_MAX_PACKETS);
  guint padding = s->padding;
  drain(s);
  g_assert_cmpuint(s->padding - padding, ==, q);
  g_assert_cmpuint(s->padding_bad, ==, 0);
  g_assert_cmpuint(s->twcc, ==, (guint16)(twcc_before + q)); /* one twcc seq each */
  g_assert_cmpuint(s->media_seq, ==, media_before);          /* media numbering untouched */
  run(s, 200 * MS);
  g_assert_cmpuint(s->media_seq_breaks, ==, 0);
  g_assert_cmpuint(s->twcc_breaks, ==, 0);
  g_assert_cmpuint(ar_router_stats(s->r)->padding_sent, ==, s->padding);
  /* The publisher (no video subscription) cannot be probed. */
  g_assert_cmpuint(ar_router_queue_padding(s->r, s->pub, 1000, s->now), ==, 0);
  sim_clear(s);
  g_free(s);
}

static void
test_viewport(void)
{
  Sim *s = g_new0(Sim, 1);
  sim_init(s, 20e6);
  run(s, 3 * SEC);
  g_assert_cmpint(current_layer(s), ==, 2);
  s->viewport = 150; /* a small tile: the 180p layer is the smallest that fills it */
  allocate(s, TRUE);
  run(s, 2 * SEC);
  g_assert_cmpint(current_layer(s), ==, 1);
  s->viewport = 0; /* hidden: video paused, which is not audio-only */
  allocate(s, TRUE);
  guint16 seq = s->media_seq;
  run(s, 1 * SEC);
  g_assert_cmpuint(s->media_seq, ==, seq);
  g_assert_cmpint(s->audio_only, ==, -1);
  s->viewport = G_MAXUINT16;
  allocate(s, TRUE);
  run(s, 2 * SEC);
  g_assert_cmpint(current_layer(s), ==, 2);
  g_assert_cmpuint(s->media_seq_breaks, ==, 0);
  sim_clear(s);
  g_free(s);
}

/* A link whose delay detector reads congestion while nothing is lost (jitter, reordering, a
 * latency step): the layers go down to the lowest, which stays; the picture is paused only with
 * evidence of a capacity shortage (loss here), or a delay-based estimate 40 % short. */
static void
test_delay_only_keeps_video(void)
{
  Sim *s = g_new0(Sim, 1);
  sim_init(s, 20e6);
  s->fake_link = TRUE;
  s->link = (ArRoomBweLink){.estimate_bps = 10000000, .measured = TRUE};
  run(s, 3 * SEC);
  g_assert_cmpint(current_layer(s), ==, 2);

  /* Audio + the lowest layer need ~190 kbps; 130 kbps without loss. */
  s->link = (ArRoomBweLink){.estimate_bps = 130000, .measured = TRUE, .congested = TRUE};
  run(s, 8 * SEC);
  g_assert_cmpint(current_layer(s), ==, 0);
  g_assert_cmpint(s->audio_only, ==, -1);

  /* The same estimate with loss: audio-only after its 1.5 s. */
  s->link.lossy = TRUE;
  run(s, 3 * SEC);
  g_assert_cmpint(s->audio_only, ==, 1);
  sim_clear(s);

  /* Far short without loss (80 of 190 kbps): paused all the same. */
  sim_init(s, 20e6);
  s->fake_link = TRUE;
  s->link = (ArRoomBweLink){.estimate_bps = 10000000, .measured = TRUE};
  run(s, 3 * SEC);
  s->link = (ArRoomBweLink){.estimate_bps = 80000, .measured = TRUE, .congested = TRUE};
  run(s, 4 * SEC);
  g_assert_cmpint(s->audio_only, ==, 1);
  sim_clear(s);
  g_free(s);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/room_alloc/congestion_cycle", test_congestion_cycle);
  g_test_add_func("/room_alloc/padding_packets", test_padding_packets);
  g_test_add_func("/room_alloc/viewport", test_viewport);
  g_test_add_func("/room_alloc/delay_only_keeps_video", test_delay_only_keeps_video);
  return g_test_run();
}
