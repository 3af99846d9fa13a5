/* Server-enforced mute in the router core, with synthetic packets and a fake clock: a muted
 * publisher's audio reaches no subscriber while its video still does, receiver reports keep
 * counting what it sends, and unmuting resumes the same outgoing SSRC with the sequence number
 * one past the last packet sent before the mute and a timestamp advanced by the time muted. */
#include <string.h>

#include "bytes.h"
#include "router.h"

#define MS G_TIME_SPAN_MILLISECOND
#define PT_OPUS 111
#define PT_VP8 96
#define PUB_AUDIO 0x1111u
#define PUB_VIDEO 0x2222u
#define SUB_AUDIO 0xa0a0u
#define SUB_VIDEO 0xb0b0u

typedef struct {
  ArRouter *r;
  gint pub, sub, audio, video;
  gint64 now;
  guint16 aseq, vseq;
  guint32 ats, vts;
  guint8 buf[1500];
} Fixture;

typedef struct {
  guint audio, video;
  guint16 last_aseq;
  guint32 last_ats;
} Seen;

static void
fixture_init(Fixture *f)
{
  memset(f, 0, sizeof *f);
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  f->r = ar_router_new(&cfg);
  ArRouterParticipantConfig pc = {0};
  f->pub = ar_router_add_participant(f->r, &pc, NULL);
  f->sub = ar_router_add_participant(f->r, &pc, NULL);
  ArRouterTrackConfig a = {.kind = AR_ROUTER_AUDIO,
                           .mid = "0",
                           .n_codecs = 1,
                           .codecs = {{.pt = PT_OPUS, .codec = AR_ROUTER_CODEC_OPUS}},
                           .clock_rate = 48000,
                           .n_layers = 1};
  a.layers[0].ssrc = PUB_AUDIO;
  f->audio = ar_router_add_track(f->r, f->pub, &a, NULL);
  ArRouterTrackConfig v = {.kind = AR_ROUTER_VIDEO,
                           .mid = "1",
                           .n_codecs = 1,
                           .codecs = {{.pt = PT_VP8, .codec = AR_ROUTER_CODEC_OTHER}},
                           .clock_rate = 90000,
                           .n_layers = 1};
  v.layers[0].ssrc = PUB_VIDEO;
  f->video = ar_router_add_track(f->r, f->pub, &v, NULL);
  g_assert_cmpint(f->audio, >=, 0);
  g_assert_cmpint(f->video, >=, 0);
  ArRouterSubscriptionConfig sa = {.subscriber = f->sub,
                                   .track = f->audio,
                                   .mid = "3",
                                   .ssrc = SUB_AUDIO,
                                   .n_pts = 1,
                                   .initial_layer = -1,
                                   .pts = {{PT_OPUS, 109, 0}}};
  ArRouterSubscriptionConfig sv = {.subscriber = f->sub,
                                   .track = f->video,
                                   .mid = "4",
                                   .ssrc = SUB_VIDEO,
                                   .n_pts = 1,
                                   .initial_layer = -1,
                                   .pts = {{PT_VP8, 100, 0}}};
  g_assert_cmpint(ar_router_subscribe(f->r, &sa, 0, NULL), >=, 0);
  g_assert_cmpint(ar_router_subscribe(f->r, &sv, 0, NULL), >=, 0);
  f->now = 1000 * MS;
  f->aseq = 5000;
  f->vseq = 100;
  f->ats = 777;
  f->vts = 9000;
}

static gsize
packet(guint8 *b, guint8 pt, guint16 seq, guint32 ts, guint32 ssrc)
{
  memset(b, 0, 32);
  b[0] = 0x80;
  b[1] = pt;
  ar_put_be16(b + 2, seq);
  ar_put_be32(b + 4, ts);
  ar_put_be32(b + 8, ssrc);
  memset(b + 12, 0x5a, 20);
  return 32;
}

/* 20 ms of media: one audio packet and one video packet, then what the subscriber got. */
static void
step(Fixture *f, Seen *seen)
{
  f->now += 20 * MS;
  gsize n = packet(f->buf, PT_OPUS, f->aseq++, f->ats, PUB_AUDIO);
  f->ats += 960;
  ar_router_handle_rtp(f->r, f->pub, f->buf, n, f->now);
  ArRouterOutput out;
  guint8 dst[1500];
  while (ar_router_poll(f->r, &out, dst, sizeof dst)) {
    if (out.kind != AR_ROUTER_OUTPUT_RTP || out.participant != f->sub)
      continue;
    g_assert_cmpuint(ar_be32(dst + 8), ==, SUB_AUDIO); /* only audio came from this buffer */
    seen->audio++;
    seen->last_aseq = ar_be16(dst + 2);
    seen->last_ats = ar_be32(dst + 4);
  }
  n = packet(f->buf, PT_VP8, f->vseq++, f->vts, PUB_VIDEO);
  f->vts += 1800;
  ar_router_handle_rtp(f->r, f->pub, f->buf, n, f->now);
  while (ar_router_poll(f->r, &out, dst, sizeof dst))
    if (out.kind == AR_ROUTER_OUTPUT_RTP && out.participant == f->sub &&
        ar_be32(dst + 8) == SUB_VIDEO)
      seen->video++;
}

static void
test_muted_audio_not_forwarded_video_is(void)
{
  Fixture f;
  fixture_init(&f);
  Seen seen = {0};
  for (int i = 0; i < 10; i++)
    step(&f, &seen);
  g_assert_cmpuint(seen.audio, ==, 10);
  g_assert_cmpuint(seen.video, ==, 10);
  guint16 before_seq = seen.last_aseq;
  guint32 before_ts = seen.last_ats;

  g_assert_true(ar_router_set_track_muted(f.r, f.audio, TRUE));
  Seen muted = {0};
  for (int i = 0; i < 50; i++) /* one second muted */
    step(&f, &muted);
  g_assert_cmpuint(muted.audio, ==, 0);
  g_assert_cmpuint(muted.video, ==, 50);
  g_assert_cmpuint(ar_router_stats(f.r)->muted, ==, 50);
  /* The publisher's packets still count: its receiver reports show no loss. */
  ArRouterParticipantInfo info;
  g_assert_true(ar_router_participant_info(f.r, f.pub, &info));
  g_assert_cmpuint(info.packets_received, ==, 120);

  g_assert_true(ar_router_set_track_muted(f.r, f.audio, FALSE));
  Seen after = {0};
  step(&f, &after);
  g_assert_cmpuint(after.audio, ==, 1);
  /* Same SSRC (checked in step), no sequence gap, timestamp advanced by about the time muted. */
  g_assert_cmpuint(after.last_aseq, ==, (guint16)(before_seq + 1));
  guint32 advanced = after.last_ats - before_ts;
  g_assert_cmpuint(advanced, >=, 48000 * 900 / 1000);
  g_assert_cmpuint(advanced, <=, 48000 * 1200 / 1000);
  for (int i = 0; i < 5; i++)
    step(&f, &after);
  g_assert_cmpuint(after.audio, ==, 6);
  g_assert_cmpuint(after.last_aseq, ==, (guint16)(before_seq + 6));
  ar_router_free(f.r);
}

static void
test_mute_unknown_track_and_idempotent(void)
{
  Fixture f;
  fixture_init(&f);
  g_assert_false(ar_router_set_track_muted(f.r, 99, TRUE));
  g_assert_false(ar_router_set_track_muted(f.r, -1, TRUE));
  /* Unmuting a track that is not muted changes nothing: the stream continues as it was. */
  Seen seen = {0};
  step(&f, &seen);
  guint16 s0 = seen.last_aseq;
  g_assert_true(ar_router_set_track_muted(f.r, f.audio, FALSE));
  step(&f, &seen);
  g_assert_cmpuint(seen.last_aseq, ==, (guint16)(s0 + 1));
  /* Muting twice, then one unmute, resumes. */
  g_assert_true(ar_router_set_track_muted(f.r, f.audio, TRUE));
  g_assert_true(ar_router_set_track_muted(f.r, f.audio, TRUE));
  step(&f, &seen);
  g_assert_cmpuint(seen.audio, ==, 2);
  g_assert_true(ar_router_set_track_muted(f.r, f.audio, FALSE));
  step(&f, &seen);
  g_assert_cmpuint(seen.audio, ==, 3);
  g_assert_cmpuint(seen.last_aseq, ==, (guint16)(s0 + 2));
  ar_router_free(f.r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/router/mute/audio-dropped-video-forwarded-continuous",
                  test_muted_audio_not_forwarded_video_is);
  g_test_add_func("/router/mute/unknown-and-idempotent", test_mute_unknown_track_and_idempotent);
  return g_test_run();
}
