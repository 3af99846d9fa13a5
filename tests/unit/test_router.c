/* Unit tests for the router core with synthetic packets and a fake clock: rooms of 3 and 6 where
 * everyone gets everyone else's media and none of their own, echo mode, simulcast switching at
 * keyframes with continuous sequence numbers, unsignalled SSRCs learned from mid/rid, publisher
 * restarts, audio-only mode, NACK answers (RTX and plain), translated and rate-limited PLIs,
 * NACKs towards publishers, SR/RR and quality, active speaker, per-receiver transport-wide
 * sequence numbers, malformed input, and no heap growth in steady state. */
#include <malloc.h>
#include <string.h>

#include "codec_vp8.h"
#include "router.h"
#include "rtcp_nack.h"
#include "rtcp_pli.h"
#include "rtcp_rr.h"
#include "rtcp_sr.h"
#include "rtp.h"

/* Counts every heap allocation in the process by interposing malloc/calloc/realloc over glibc's
 * (not under AddressSanitizer, which interposes them itself). */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCS 0
#endif
#endif
#ifndef COUNT_ALLOCS
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
static volatile gsize n_allocs;
void *
malloc(size_t n)
{
  n_allocs++;
  return __libc_malloc(n);
}
void *
calloc(size_t n, size_t size)
{
  n_allocs++;
  return __libc_calloc(n, size);
}
void *
realloc(void *p, size_t n)
{
  n_allocs++;
  return __libc_realloc(p, n);
}
#endif

#define MS G_TIME_SPAN_MILLISECOND
#define PT_OPUS 111
#define PT_VP8 96
#define PT_RTX 97
/* Publishers' extension ids; subscribers negotiated different ones. */
#define X_LEVEL 1
#define X_TWCC 3
#define X_MID 4
#define X_RID 10
#define X_RRID 11
#define S_LEVEL 5
#define S_TWCC 7
#define S_MID 9

typedef struct {
  const char *mid, *rid, *rrid;
  gint level; /* -1 none */
  gint twcc;  /* -1 none */
} Ext;

/* Builds an RTP packet; the last payload byte carries `tag` so tests can tell where it came
 * from. VP8 payloads carry a 15-bit picture id and the keyframe bit. */
static gsize
rtp(guint8 *b, guint8 pt, guint16 seq, guint32 ts, guint32 ssrc, const Ext *x, gboolean vp8,
    gboolean key, guint16 picid, gsize payload_len, guint8 tag)
{
  b[0] = 0x80;
  b[1] = pt;
  ar_put_be16(b + 2, seq);
  ar_put_be32(b + 4, ts);
  ar_put_be32(b + 8, ssrc);
  gsize off = 12;
  if (x) {
    b[0] |= 0x10;
    guint8 *e = b + 16;
    if (x->mid) {
      gsize n = strlen(x->mid);
      *e++ = (guint8)((X_MID << 4) | (n - 1));
      memcpy(e, x->mid, n), e += n;
    }
    const char *r = x->rid ? x->rid : x->rrid;
    if (r) {
      gsize n = strlen(r);
      *e++ = (guint8)(((x->rid ? X_RID : X_RRID) << 4) | (n - 1));
      memcpy(e, r, n), e += n;
    }
    if (x->level >= 0) {
      *e++ = (X_LEVEL << 4);
      *e++ = (guint8)x->level;
    }
    if (x->twcc >= 0) {
      *e++ = (X_TWCC << 4) | 1;
      ar_put_be16(e, (guint16)x->twcc), e += 2;
    }
    while ((e - (b + 16)) % 4)
      *e++ = 0;
    ar_put_be16(b + 12, 0xbede);
    ar_put_be16(b + 14, (guint16)((e - (b + 16)) / 4));
    off = (gsize)(e - b);
  }
  memset(b + off, 0x5a, payload_len);
  if (vp8) {
    b[off] = 0x90; /* X, S, PID 0 */
    b[off + 1] = 0x80;
    ar_put_be16(b + off + 2, (guint16)(0x8000 | picid));
    b[off + 4] = key ? 0x10 : 0x11;
  }
  if (payload_len)
    b[off + payload_len - 1] = tag;
  return off + payload_len;
}

typedef struct {
  ArRouterOutput out;
  guint8 data[1500];
} Out;

typedef struct {
  Out *v;
  guint n;
} Outs;

static void
drain(ArRouter *r, Outs *o)
{
  if (!o->v)
    o->v = g_new0(Out, 8192);
  o->n = 0;
  Out *cur = &o->v[0];
  while (o->n < 8192 && ar_router_poll(r, &cur->out, cur->data, sizeof cur->data))
    cur = &o->v[++o->n];
}

static guint
count_kind(const Outs *o, ArRouterOutputKind kind, gint participant)
{
  guint n = 0;
  for (guint i = 0; i < o->n; i++)
    if (o->v[i].out.kind == kind && (participant < 0 || o->v[i].out.participant == participant))
      n++;
  return n;
}

static const ArRouterEvent *
find_event(const Outs *o, ArRouterEventType type)
{
  for (guint i = 0; i < o->n; i++)
    if (o->v[i].out.kind == AR_ROUTER_OUTPUT_EVENT && o->v[i].out.event.type == type)
      return &o->v[i].out.event;
  return NULL;
}

/* The first RTCP packet of `pt`/`fmt` sent to `participant` (-1 any); parsed into *pkt. */
static gboolean
find_rtcp(const Outs *o, gint participant, guint8 pt, gint fmt, ArRtcpPacket *pkt)
{
  for (guint i = 0; i < o->n; i++) {
    const Out *x = &o->v[i];
    if (x->out.kind != AR_ROUTER_OUTPUT_RTCP ||
        (participant >= 0 && x->out.participant != participant))
      continue;
    if (ar_rtcp_packet_parse(pkt, x->data, x->out.len) && pkt->pt == pt &&
        (fmt < 0 || pkt->count == fmt))
      return TRUE;
  }
  return FALSE;
}

/* --- a room where every participant publishes Opus and VP8 --- */

typedef struct {
  ArRouter *r;
  guint n;
  gint part[16];
  gint audio[16], video[16];
  gint sub_a[16][16], sub_v[16][16]; /* [subscriber][publisher] */
  guint16 seq[16][2];
  guint16 picid[16];
  guint32 ts[16][2];
  gint64 now;
} Room;

static guint32
pub_ssrc(guint p, gboolean video)
{
  return 0x1000u + p * 16 + (video ? 2 : 0);
}

/* Out SSRC: subscriber in the high byte, publisher next, kind last. */
static guint32
out_ssrc(guint sub, guint pub, gboolean video)
{
  return ((sub + 1) << 24) | ((pub + 1) << 16) | (video ? 0x20 : 0x10);
}

static void
add_tracks(Room *m, guint p)
{
  ArRouterTrackConfig a = {.kind = AR_ROUTER_AUDIO,
                           .mid = "0",
                           .n_codecs = 1,
                           .codecs = {{.pt = PT_OPUS, .codec = AR_ROUTER_CODEC_OPUS}},
                           .clock_rate = 48000,
                           .n_layers = 1,
                           .ext = {.mid = X_MID, .audio_level = X_LEVEL, .twcc = X_TWCC}};
  a.layers[0].ssrc = pub_ssrc(p, FALSE);
  m->audio[p] = ar_router_add_track(m->r, m->part[p], &a, NULL);
  g_assert_cmpint(m->audio[p], >=, 0);
  ArRouterTrackConfig v = {
      .kind = AR_ROUTER_VIDEO,
      .mid = "1",
      .n_codecs = 1,
      .codecs = {{.pt = PT_VP8, .codec = AR_ROUTER_CODEC_VP8, .rtx_pt = PT_RTX}},
      .clock_rate = 90000,
      .n_layers = 1,
      .ext = {.mid = X_MID, .twcc = X_TWCC}};
  v.layers[0].ssrc = pub_ssrc(p, TRUE);
  v.layers[0].rtx_ssrc = pub_ssrc(p, TRUE) + 1;
  m->video[p] = ar_router_add_track(m->r, m->part[p], &v, NULL);
  g_assert_cmpint(m->video[p], >=, 0);
}

static gint
subscribe(Room *m, guint sub, guint pub, gboolean video, gboolean rtx)
{
  ArRouterSubscriptionConfig sc = {.subscriber = m->part[sub],
                                   .track = video ? m->video[pub] : m->audio[pub],
                                   .ssrc = out_ssrc(sub, pub, video),
                                   .rtx_ssrc = rtx ? out_ssrc(sub, pub, video) + 1 : 0,
                                   .n_pts = 1,
                                   .initial_layer = -1,
                                   .ext = {.mid = S_MID, .twcc = S_TWCC, .audio_level = S_LEVEL}};
  g_snprintf(sc.mid, sizeof sc.mid, "%c%u", video ? 'v' : 'a', pub);
  sc.pts[0] = video ? (ArRouterPtMap){PT_VP8, 100, 101} : (ArRouterPtMap){PT_OPUS, 109, 0};
  GError *err = NULL;
  gint s = ar_router_subscribe(m->r, &sc, m->now, &err);
  g_assert_no_error(err);
  return s;
}

static void
room_init(Room *m, guint n, gboolean echo)
{
  memset(m, 0, sizeof *m);
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  cfg.max_participants = MAX(n, 8);
  m->r = ar_router_new(&cfg);
  m->n = n;
  m->now = 1000 * MS;
  for (guint p = 0; p < n; p++) {
    m->part[p] = ar_router_add_participant(m->r, NULL, NULL);
    g_assert_cmpint(m->part[p], ==, (gint)p);
    add_tracks(m, p);
    m->seq[p][0] = (guint16)(65500 + p); /* wraps during the tests */
    m->seq[p][1] = (guint16)(65530 - p);
  }
  for (guint s = 0; s < n; s++)
    for (guint p = 0; p < n; p++)
      if (s != p || echo) {
        m->sub_a[s][p] = subscribe(m, s, p, FALSE, FALSE);
        m->sub_v[s][p] = subscribe(m, s, p, TRUE, TRUE);
      }
}

static void
send_audio(Room *m, guint p, guint8 level)
{
  static guint8 b[256]; /* must outlive the call: audio is forwarded from it at poll time */
  Ext x = {.level = level, .twcc = 1};
  guint16 s = m->seq[p][0]++;
  gsize n = rtp(b, PT_OPUS, s, m->ts[p][0] += 960, pub_ssrc(p, FALSE), &x, FALSE, FALSE, 0, 80,
                (guint8)p);
  ar_router_handle_rtp(m->r, m->part[p], b, n, m->now);
}

static guint16
send_video(Room *m, guint p, gboolean key, gsize size)
{
  static guint8 b[1500];
  Ext x = {.level = -1, .twcc = 1};
  guint16 s = m->seq[p][1]++;
  gsize n = rtp(b, PT_VP8, s, m->ts[p][1] += 3000, pub_ssrc(p, TRUE), &x, TRUE, key, m->picid[p]++,
                size, (guint8)p);
  ar_router_handle_rtp(m->r, m->part[p], b, n, m->now);
  return s;
}

static void
room_clear(Room *m)
{
  ar_router_free(m->r);
}

/* Checks the RTP outputs: each goes to its subscriber, carries the subscriber's SSRC, and its
 * payload comes from the publisher that SSRC names. Counts per receiver in got[]. */
static void
check_routing(const Outs *o, guint *got, gboolean echo)
{
  for (guint i = 0; i < o->n; i++) {
    const Out *x = &o->v[i];
    if (x->out.kind != AR_ROUTER_OUTPUT_RTP)
      continue;
    ArRtpView v;
    g_assert_true(ar_rtp_parse(&v, (guint8 *)x->data, x->out.len));
    guint32 ssrc = ar_rtp_ssrc(&v);
    guint sub = (ssrc >> 24) - 1, pub = ((ssrc >> 16) & 0xff) - 1;
    g_assert_cmpint(x->out.participant, ==, (gint)sub);
    guint8 tag = v.buf[v.header_len + v.payload_len - 1];
    g_assert_cmpuint(tag, ==, pub);
    if (!echo)
      g_assert_cmpuint(tag, !=, sub);
    g_assert_cmpuint(ar_rtp_pt(&v), ==, (ssrc & 0x20) ? 100 : 109);
    got[sub]++;
  }
}

static void
run_room(guint n)
{
  Room m;
  room_init(&m, n, FALSE);
  Outs o = {0};
  drain(m.r, &o);
  /* Every video subscription asked for a keyframe, but each publisher got one PLI. */
  for (guint p = 0; p < n; p++) {
    guint plis = 0;
    for (guint i = 0; i < o.n; i++)
      plis += o.v[i].out.kind == AR_ROUTER_OUTPUT_RTCP && o.v[i].out.participant == (gint)p;
    g_assert_cmpuint(plis, ==, 1);
  }
  guint got[16] = {0};
  for (guint round = 0; round < 50; round++) {
    m.now += 20 * MS;
    for (guint p = 0; p < n; p++) {
      /* Drain after each packet, as the worker does: audio is forwarded from its buffer. */
      send_audio(&m, p, 60);
      drain(m.r, &o);
      check_routing(&o, got, FALSE);
      send_video(&m, p, round == 0, 1000);
      drain(m.r, &o);
      check_routing(&o, got, FALSE);
    }
  }
  for (guint p = 0; p < n; p++)
    g_assert_cmpuint(got[p], ==, 50 * 2 * (n - 1));
  const ArRouterStats *st = ar_router_stats(m.r);
  g_assert_cmpuint(st->forwarded, ==, 50 * 2 * n * (n - 1));
  g_assert_cmpuint(st->rtp_malformed + st->rtp_unknown + st->stale + st->queue_overflow, ==, 0);
  g_free(o.v);
  room_clear(&m);
}

static void
test_three_party(void)
{
  run_room(3);
}

static void
test_six_party(void)
{
  run_room(6);
}

static void
test_echo(void)
{
  Room m;
  room_init(&m, 1, TRUE); /* the patient alone, in the device check */
  Outs o = {0};
  guint got[16] = {0};
  for (guint i = 0; i < 10; i++) {
    m.now += 20 * MS;
    send_audio(&m, 0, 50);
    drain(m.r, &o);
    check_routing(&o, got, TRUE);
    send_video(&m, 0, i == 0, 500);
    drain(m.r, &o);
    check_routing(&o, got, TRUE);
  }
  g_assert_cmpuint(got[0], ==, 20);
  g_free(o.v);
  room_clear(&m);
}

/* Sequence numbers per out SSRC must advance by exactly one. */
static void
check_continuity(const Outs *o, guint32 ssrc, guint16 *next, guint32 *last_ts)
{
  for (guint i = 0; i < o->n; i++) {
    const Out *x = &o->v[i];
    ArRtpView v;
    if (x->out.kind != AR_ROUTER_OUTPUT_RTP || x->out.retransmission ||
        !ar_rtp_parse(&v, (guint8 *)x->data, x->out.len) || ar_rtp_ssrc(&v) != ssrc)
      continue;
    if (*next != 0 || *last_ts != 0) {
      g_assert_cmpuint(ar_rtp_seq(&v), ==, *next);
      g_assert_cmpint((gint32)(ar_rtp_ts(&v) - *last_ts), >=, 0);
    }
    *next = (guint16)(ar_rtp_seq(&v) + 1);
    *last_ts = ar_rtp_ts(&v);
  }
}

static void
test_wrap_and_twcc(void)
{
  Room m;
  room_init(&m, 2, FALSE);
  Outs o = {0};
  drain(m.r, &o);
  guint16 next_a = 0, next_v = 0;
  guint32 ts_a = 0, ts_v = 0;
  gint twcc = -1;
  for (guint i = 0; i < 100; i++) { /* both publishers' sequences wrap */
    m.now += 20 * MS;
    send_audio(&m, 0, 40);
    drain(m.r, &o);
    check_continuity(&o, out_ssrc(1, 0, FALSE), &next_a, &ts_a);
    if (o.n == 0)
      continue;
    g_assert_cmpuint(o.v[0].out.twcc_seq, ==, (guint16)(twcc + 1));
    twcc = o.v[0].out.twcc_seq;
    send_video(&m, 0, i == 0, 1200);
    drain(m.r, &o);
    check_continuity(&o, out_ssrc(1, 0, TRUE), &next_v, &ts_v);
    for (guint k = 0; k < o.n; k++) {
      const Out *x = &o.v[k];
      if (x->out.kind != AR_ROUTER_OUTPUT_RTP)
        continue;
      ArRtpView v;
      g_assert_true(ar_rtp_parse(&v, (guint8 *)x->data, x->out.len));
      /* One transport-wide counter per receiver, across its audio and video, in the
       * subscriber's extension id; the publisher's id is gone. */
      g_assert_true(x->out.has_twcc);
      if (twcc >= 0)
        g_assert_cmpuint(x->out.twcc_seq, ==, (guint16)(twcc + 1));
      twcc = x->out.twcc_seq;
      guint16 tw;
      g_assert_true(ar_rtp_ext_twcc_seq(&v, S_TWCC, &tw));
      g_assert_cmpuint(tw, ==, x->out.twcc_seq);
      g_assert_false(ar_rtp_ext_twcc_seq(&v, X_TWCC, &tw));
      const char *mid;
      guint8 ml;
      g_assert_true(ar_rtp_ext_string(&v, S_MID, &mid, &ml));
      g_assert_cmpmem(mid, ml, (ar_rtp_ssrc(&v) & 0x20) ? "v0" : "a0", 2);
      gboolean voice;
      guint8 lvl;
      if (!(ar_rtp_ssrc(&v) & 0x20)) {
        g_assert_true(ar_rtp_ext_audio_level(&v, S_LEVEL, &voice, &lvl));
        g_assert_cmpuint(lvl, ==, 40);
      }
      g_assert_cmpint(x->out.send_us, ==, m.now);
    }
  }
  g_assert_cmpuint(next_a, ==, (guint16)(65500 + 100));
  g_assert_cmpuint(next_v, ==, (guint16)(65530 + 100));
  g_free(o.v);
  room_clear(&m);
}

static void
test_audio_only(void)
{
  Room m;
  room_init(&m, 2, FALSE);
  Outs o = {0};
  m.now += 20 * MS;
  send_video(&m, 0, TRUE, 800);
  drain(m.r, &o);
  g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTP, 1), ==, 1);
  g_assert_true(ar_router_set_audio_only(m.r, 1, TRUE, m.now));
  drain(m.r, &o);
  const ArRouterEvent *ev = find_event(&o, AR_ROUTER_EVENT_AUDIO_ONLY);
  g_assert_nonnull(ev);
  g_assert_cmpint(ev->participant, ==, 1);
  g_assert_cmpint(ev->value, ==, 1);
  guint got[16] = {0};
  for (guint i = 0; i < 20; i++) {
    m.now += 20 * MS;
    send_audio(&m, 0, 50);
    drain(m.r, &o);
    check_routing(&o, got, FALSE);
    send_video(&m, 0, i % 5 == 0, 800);
    drain(m.r, &o);
    for (guint k = 0; k < o.n; k++) /* audio only: nothing with the video SSRC */
      if (o.v[k].out.kind == AR_ROUTER_OUTPUT_RTP)
        g_assert_cmpuint(ar_be32(o.v[k].data + 8), ==, out_ssrc(1, 0, FALSE));
  }
  g_assert_cmpuint(got[1], ==, 20);
  /* Resuming asks the publisher for a keyframe and waits for it. */
  m.now += 400 * MS;
  g_assert_true(ar_router_set_audio_only(m.r, 1, FALSE, m.now));
  drain(m.r, &o);
  ArRtcpPacket pkt;
  g_assert_true(find_rtcp(&o, 0, AR_RTCP_PSFB, AR_RTCP_FMT_PLI, &pkt));
  ev = find_event(&o, AR_ROUTER_EVENT_AUDIO_ONLY);
  g_assert_cmpint(ev->value, ==, 0);
  send_video(&m, 0, FALSE, 800);
  drain(m.r, &o);
  g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTP, 1), ==, 0);
  send_video(&m, 0, TRUE, 800);
  drain(m.r, &o);
  g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTP, 1), ==, 1);
  g_free(o.v);
  room_clear(&m);
}

/* Subscriber 1 NACKs output seqs of publisher 0's video. */
static void
send_nack(Room *m, guint sub, guint32 media_ssrc, const guint16 *seqs, gsize n)
{
  guint8 b[128];
  gssize len = ar_rtcp_nack_build(b, sizeof b, 0xfeed, media_ssrc, seqs, n);
  g_assert_cmpint(len, >, 0);
  ar_router_handle_rtcp(m->r, m->part[sub], b, (gsize)len, m->now);
}

static void
test_nack_rtx(void)
{
  Room m;
  room_init(&m, 3, FALSE);
  /* Subscriber 2 negotiated no RTX for publisher 0's video. */
  ar_router_unsubscribe(m.r, m.sub_v[2][0]);
  m.sub_v[2][0] = subscribe(&m, 2, 0, TRUE, FALSE);
  Outs o = {0};
  drain(m.r, &o);
  guint16 out_seq[10];
  for (guint i = 0; i < 10; i++) {
    m.now += 10 * MS;
    send_video(&m, 0, i == 0, 1100);
    drain(m.r, &o);
    g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTP, 1), ==, 1);
    for (guint k = 0; k < o.n; k++)
      if (o.v[k].out.participant == 1)
        out_seq[i] = ar_be16(o.v[k].data + 2);
  }
  guint16 want[] = {out_seq[3], out_seq[7], (guint16)(out_seq[9] + 5)};
  send_nack(&m, 1, out_ssrc(1, 0, TRUE), want, 3);
  drain(m.r, &o);
  g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTP, 1), ==, 2);
  for (guint k = 0; k < 2; k++) {
    ArRtpView v;
    g_assert_true(o.v[k].out.retransmission);
    g_assert_true(ar_rtp_parse(&v, o.v[k].data, o.v[k].out.len));
    g_assert_cmpuint(ar_rtp_ssrc(&v), ==, out_ssrc(1, 0, TRUE) + 1);
    g_assert_cmpuint(ar_rtp_pt(&v), ==, 101);
    g_assert_cmpuint(ar_rtp_seq(&v), ==, k); /* the RTX stream's own sequence */
    g_assert_cmpuint(ar_be16(ar_rtp_payload(&v)), ==, want[k]);
    g_assert_cmpuint(v.payload_len, ==, 1100 + 2);
    g_assert_true(o.v[k].out.has_twcc);
  }
  const ArRouterStats *st = ar_router_stats(m.r);
  g_assert_cmpuint(st->nack_hits, ==, 2);
  g_assert_cmpuint(st->nack_misses, ==, 1);
  /* Without RTX: the same packet again with its original output seq. */
  guint16 want2 = 0;
  for (guint i = 0; i < 10; i++)
    send_video(&m, 1, FALSE, 10); /* unrelated traffic in between */
  drain(m.r, &o);
  m.now += 10 * MS;
  send_video(&m, 0, FALSE, 1100);
  drain(m.r, &o);
  for (guint k = 0; k < o.n; k++)
    if (o.v[k].out.participant == 2 && ar_be32(o.v[k].data + 8) == out_ssrc(2, 0, TRUE))
      want2 = ar_be16(o.v[k].data + 2);
  send_nack(&m, 2, out_ssrc(2, 0, TRUE), &want2, 1);
  drain(m.r, &o);
  g_assert_cmpuint(o.n, ==, 1);
  g_assert_true(o.v[0].out.retransmission);
  g_assert_cmpuint(ar_be32(o.v[0].data + 8), ==, out_ssrc(2, 0, TRUE));
  g_assert_cmpuint(ar_be16(o.v[0].data + 2), ==, want2);
  g_assert_cmpuint(o.v[0].data[1] & 0x7f, ==, 100);
  /* Audio is not cached: a NACK for it misses. */
  send_nack(&m, 1, out_ssrc(1, 0, FALSE), &want2, 1);
  drain(m.r, &o);
  g_assert_cmpuint(o.n, ==, 0);
  g_assert_cmpuint(st->nack_misses, ==, 2);
  g_free(o.v);
  room_clear(&m);
}

static void
test_pli_translated_and_limited(void)
{
  Room m;
  room_init(&m, 3, FALSE);
  Outs o = {0};
  m.now += 20 * MS;
  send_video(&m, 0, TRUE, 500);
  drain(m.r, &o);
  m.now += 1000 * MS;
  guint8 b[64];
  gssize n = ar_rtcp_pli_build(b, sizeof b, 0xbeef, out_ssrc(1, 0, TRUE));
  ar_router_handle_rtcp(m.r, 1, b, (gsize)n, m.now);
  drain(m.r, &o);
  ArRtcpPacket pkt;
  ArRtcpPli pli;
  g_assert_true(find_rtcp(&o, 0, AR_RTCP_PSFB, AR_RTCP_FMT_PLI, &pkt));
  g_assert_true(ar_rtcp_pli_parse(&pkt, &pli));
  g_assert_cmpuint(pli.media_ssrc, ==, pub_ssrc(0, TRUE)); /* translated, not forwarded */
  g_assert_cmpuint(pli.sender_ssrc, !=, 0xbeef);
  const ArRouterEvent *ev = find_event(&o, AR_ROUTER_EVENT_KEYFRAME_REQUESTED);
  g_assert_nonnull(ev);
  g_assert_cmpint(ev->participant, ==, 0);
  g_assert_cmpint(ev->track, ==, m.video[0]);
  /* Subscriber 2 asks 100 ms later: deferred to 300 ms after the first. */
  m.now += 100 * MS;
  n = ar_rtcp_pli_build(b, sizeof b, 0xbeef, out_ssrc(2, 0, TRUE));
  ar_router_handle_rtcp(m.r, 2, b, (gsize)n, m.now);
  ar_router_handle_rtcp(m.r, 2, b, (gsize)n, m.now);
  drain(m.r, &o);
  g_assert_cmpuint(o.n, ==, 0);
  g_assert_cmpint(ar_router_next_timeout(m.r), <=, m.now + 200 * MS);
  ar_router_handle_timeout(m.r, m.now + 199 * MS);
  drain(m.r, &o);
  g_assert_false(find_rtcp(&o, 0, AR_RTCP_PSFB, AR_RTCP_FMT_PLI, &pkt));
  m.now += 200 * MS;
  ar_router_handle_timeout(m.r, m.now);
  drain(m.r, &o);
  g_assert_true(find_rtcp(&o, 0, AR_RTCP_PSFB, AR_RTCP_FMT_PLI, &pkt));
  g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTCP, 0), ==, 1); /* two asks, one PLI */
  /* A FIR from a subscriber is translated the same way. */
  m.now += 400 * MS;
  static const guint8 fir[] = {0x84, 206, 0,    4,    0,    0,    0, 1, 0, 0,
                               0,    0,   0x02, 0x01, 0x00, 0x20, 7, 0, 0, 0};
  ar_router_handle_rtcp(m.r, 1, fir, sizeof fir, m.now);
  drain(m.r, &o);
  g_assert_true(find_rtcp(&o, 0, AR_RTCP_PSFB, AR_RTCP_FMT_PLI, &pkt));
  g_assert_true(ar_rtcp_pli_parse(&pkt, &pli));
  g_assert_cmpuint(pli.media_ssrc, ==, pub_ssrc(0, TRUE));
  g_free(o.v);
  room_clear(&m);
}

/* --- simulcast with unsignalled SSRCs learned from mid + rid --- */

static void
test_simulcast_switch(void)
{
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  g_autoptr(ArRouter) r = ar_router_new(&cfg);
  gint pub = ar_router_add_participant(r, NULL, NULL);
  gint sub = ar_router_add_participant(r, NULL, NULL);
  ArRouterTrackConfig tc = {
      .kind = AR_ROUTER_VIDEO,
      .mid = "1",
      .n_codecs = 1,
      .codecs = {{.pt = PT_VP8, .codec = AR_ROUTER_CODEC_VP8, .rtx_pt = PT_RTX}},
      .n_layers = 3,
      .layers = {{.rid = "q"}, {.rid = "h"}, {.rid = "f"}},
      .ext = {.mid = X_MID, .rid = X_RID, .repaired_rid = X_RRID}};
  gint track = ar_router_add_track(r, pub, &tc, NULL);
  ArRouterSubscriptionConfig sc = {.subscriber = sub,
                                   .track = track,
                                   .mid = "v",
                                   .ssrc = 77,
                                   .rtx_ssrc = 78,
                                   .n_pts = 1,
                                   .pts = {{PT_VP8, 100, 101}},
                                   .initial_layer = -1};
  gint s = ar_router_subscribe(r, &sc, 0, NULL);
  g_assert_cmpint(s, >=, 0);
  Outs o = {0};
  drain(r, &o);
  g_assert_cmpuint(o.n, ==, 0); /* no SSRC known yet: nobody to ask */

  const char *rids[] = {"q", "h", "f"};
  guint16 seq[3] = {100, 20000, 65000};
  guint16 picid[3] = {10, 2000, 30000};
  gint64 now = 0;
  guint16 next = 0;
  guint32 last_ts = 0;
  guint8 b[1500];
  /* Frame loop: each layer sends one packet per frame; keyframes only where requested. */
  gboolean key[3] = {TRUE, FALSE, FALSE};
  for (guint f = 0; f < 60; f++) {
    now += 33 * MS;
    if (f == 5)
      key[2] = TRUE; /* the PLI for layer 2 is answered */
    if (f == 20)
      ar_router_set_target_layer(r, s, 0, now);
    if (f == 30)
      key[0] = TRUE;
    for (guint l = 0; l < 3; l++) {
      Ext x = {.mid = "1", .rid = rids[l], .level = -1, .twcc = -1};
      gsize n = rtp(b, PT_VP8, seq[l]++, (guint32)(f * 3000u + l * 7777u), 0xa000 + l, &x, TRUE,
                    key[l], picid[l]++, 300, (guint8)l);
      ar_router_handle_rtp(r, pub, b, n, now);
      key[l] = FALSE;
    }
    drain(r, &o);
    check_continuity(&o, 77, &next, &last_ts);
    ArRtcpPacket pkt;
    ArRtcpPli pli;
    if (f == 0) { /* learned the SSRCs; layer 2 is the target: ask it for a keyframe */
      g_assert_true(find_rtcp(&o, pub, AR_RTCP_PSFB, AR_RTCP_FMT_PLI, &pkt));
      g_assert_true(ar_rtcp_pli_parse(&pkt, &pli));
      g_assert_cmpuint(pli.media_ssrc, ==, 0xa002);
    }
    if (f == 20) {
      g_assert_true(find_rtcp(&o, pub, AR_RTCP_PSFB, AR_RTCP_FMT_PLI, &pkt));
      g_assert_true(ar_rtcp_pli_parse(&pkt, &pli));
      g_assert_cmpuint(pli.media_ssrc, ==, 0xa000);
    }
    guint want_layer = f < 5 ? 99 : f < 30 ? 2 : 0;
    guint rtp_n = 0;
    for (guint k = 0; k < o.n; k++) {
      if (o.v[k].out.kind != AR_ROUTER_OUTPUT_RTP)
        continue;
      rtp_n++;
      ArRtpView v;
      g_assert_true(ar_rtp_parse(&v, o.v[k].data, o.v[k].out.len));
      g_assert_cmpuint(v.buf[v.header_len + v.payload_len - 1], ==, want_layer);
      ArVp8Desc d;
      g_assert_true(ar_vp8_parse(&d, ar_rtp_payload(&v), v.payload_len));
      g_assert_cmpuint(ar_vp8_picture_id(&d, ar_rtp_payload(&v)), ==, (30000 + f) & 0x7fff);
    }
    g_assert_cmpuint(rtp_n, ==, want_layer == 99 ? 0 : 1);
    const ArRouterEvent *ev = find_event(&o, AR_ROUTER_EVENT_LAYER_CHANGED);
    if (f == 5 || f == 30) {
      g_assert_nonnull(ev);
      g_assert_cmpint(ev->layer, ==, (gint)want_layer);
      g_assert_cmpint(ev->subscription, ==, s);
    } else {
      g_assert_null(ev);
    }
  }
  gint layer;
  guint32 sent;
  g_assert_true(ar_router_subscription_info(r, s, &layer, &sent));
  g_assert_cmpint(layer, ==, 0);
  g_assert_cmpuint(sent, ==, 55);
  /* The repaired rid teaches the RTX SSRC of layer 0; its packets are unwrapped and cached. */
  Ext rx = {.mid = "1", .rrid = "q", .level = -1, .twcc = -1};
  gsize n = rtp(b, PT_RTX, 1, 0, 0xb000, &rx, FALSE, FALSE, 0, 0, 0);
  ar_router_handle_rtp(r, pub, b, n, now); /* padding-only probe */
  g_assert_cmpuint(ar_router_stats(r)->probes, ==, 1);
  g_free(o.v);
}

static void
test_publisher_restart(void)
{
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  g_autoptr(ArRouter) r = ar_router_new(&cfg);
  gint pub = ar_router_add_participant(r, NULL, NULL);
  gint sub = ar_router_add_participant(r, NULL, NULL);
  ArRouterTrackConfig tc = {.kind = AR_ROUTER_AUDIO,
                            .mid = "0",
                            .n_codecs = 1,
                            .codecs = {{.pt = PT_OPUS, .codec = AR_ROUTER_CODEC_OPUS}},
                            .n_layers = 1,
                            .ext = {.mid = X_MID}};
  gint track = ar_router_add_track(r, pub, &tc, NULL);
  ArRouterSubscriptionConfig sc = {
      .subscriber = sub, .track = track, .ssrc = 5, .n_pts = 1, .pts = {{PT_OPUS, PT_OPUS, 0}}};
  ar_router_subscribe(r, &sc, 0, NULL);
  Outs o = {0};
  guint16 next = 0;
  guint32 ts = 0;
  guint8 b[200];
  Ext x = {.mid = "0", .level = -1, .twcc = -1};
  gint64 now = 0;
  for (guint i = 0; i < 30; i++) { /* the phone's app restarts its sender twice */
    now += 20 * MS;
    guint32 ssrc = i < 10 ? 0x111 : i < 20 ? 0x222 : 0x333;
    guint16 s = (guint16)(i < 10 ? 65530 + i : i < 20 ? 1000 + i : 40000 + i);
    guint32 base[] = {0x7fffff00u, 12345u, 0xffffff00u}; /* each sender its own clock */
    gsize n = rtp(b, PT_OPUS, s, base[i / 10] + i * 960u, ssrc, &x, FALSE, FALSE, 0, 60, 0);
    ar_router_handle_rtp(r, pub, b, n, now);
    drain(r, &o);
    g_assert_cmpuint(o.n, ==, 1);
    check_continuity(&o, 5, &next, &ts);
  }
  g_assert_cmpuint(next, ==, (guint16)(65530 + 30));
  g_free(o.v);
}

/* An ICE restart on either side changes no SSRC or sequence: after a 3 s pause (the router's
 * timers running meanwhile) both streams simply continue, without a keyframe round trip. */
static void
test_ice_restart_pause(void)
{
  Room m;
  room_init(&m, 2, FALSE);
  Outs o = {0};
  guint16 next_a = 0, next_v = 0;
  guint32 ts_a = 0, ts_v = 0;
  for (guint i = 0; i < 40; i++) {
    if (i == 20) { /* the patient's phone moves from Wi-Fi to cellular */
      for (guint k = 0; k < 30; k++) {
        m.now += 100 * MS;
        ar_router_handle_timeout(m.r, m.now);
        drain(m.r, &o);
      }
      m.ts[0][0] += 3 * 48000;
      m.ts[0][1] += 3 * 90000;
    }
    m.now += 20 * MS;
    send_audio(&m, 0, 50);
    drain(m.r, &o);
    check_continuity(&o, out_ssrc(1, 0, FALSE), &next_a, &ts_a);
    send_video(&m, 0, i == 0, 900);
    drain(m.r, &o);
    g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTP, 1), ==, 1);
    check_continuity(&o, out_ssrc(1, 0, TRUE), &next_v, &ts_v);
  }
  g_assert_cmpuint(next_a, ==, (guint16)(65500 + 40));
  g_assert_cmpuint(next_v, ==, (guint16)(65530 + 40));
  g_free(o.v);
  room_clear(&m);
}

static void
test_reports_and_quality(void)
{
  Room m;
  room_init(&m, 2, FALSE);
  Outs o = {0};
  ar_router_handle_timeout(m.r, m.now);
  drain(m.r, &o);
  gint64 t0 = m.now;
  guint16 lost = 0;
  for (guint i = 0; i < 49; i++) {
    m.now += 20 * MS;
    guint16 s = send_video(&m, 0, i == 0, 400);
    if (i == 10) { /* one packet never arrives */
      lost = m.seq[0][1]++;
      (void)s;
    }
    drain(m.r, &o);
  }
  /* The gap became a NACK towards the publisher. */
  ar_router_handle_timeout(m.r, m.now);
  drain(m.r, &o);
  g_assert_cmpint(ar_router_next_timeout(m.r), <=, t0 + G_USEC_PER_SEC);
  m.now = t0 + G_USEC_PER_SEC;
  ar_router_handle_timeout(m.r, m.now);
  drain(m.r, &o);
  ArRtcpPacket pkt;
  ArRtcpRr rr;
  g_assert_true(find_rtcp(&o, 0, AR_RTCP_RR, -1, &pkt));
  g_assert_true(ar_rtcp_rr_parse(&pkt, &rr));
  g_assert_cmpuint(rr.n_reports, ==, 1);
  ArRtcpReportBlock rb;
  ar_rtcp_rr_report(&rr, 0, &rb);
  g_assert_cmpuint(rb.ssrc, ==, pub_ssrc(0, TRUE));
  g_assert_cmpuint(rb.highest_seq, ==, 65530u + 49); /* 50 sent (65530..65579), one lost */
  g_assert_cmpint(rb.cumulative_lost, ==, 1);
  g_assert_cmpuint(rb.fraction_lost, ==, 256 / 50);
  ArRtcpSr sr;
  g_assert_true(find_rtcp(&o, 1, AR_RTCP_SR, -1, &pkt));
  g_assert_true(ar_rtcp_sr_parse(&pkt, &sr));
  g_assert_cmpuint(sr.ssrc, ==, out_ssrc(1, 0, TRUE));
  g_assert_cmpuint(sr.packet_count, ==, 49);
  g_assert_cmpuint(sr.octet_count, ==, 49 * 400);
  /* The subscriber reports 40 ms after our SR with DLSR 10 ms: RTT 30 ms. */
  m.now += 40 * MS;
  ArRtcpReportBlock back = {.ssrc = out_ssrc(1, 0, TRUE),
                            .lsr = (guint32)(sr.ntp >> 16),
                            .dlsr = 655 /* 9.99 ms */,
                            .fraction_lost = 0};
  guint8 b[128];
  gssize n = ar_rtcp_rr_build(b, sizeof b, 0x55, &back, 1);
  ar_router_handle_rtcp(m.r, 1, b, (gsize)n, m.now);
  m.now = t0 + 2 * G_USEC_PER_SEC;
  ar_router_handle_timeout(m.r, m.now);
  drain(m.r, &o);
  gboolean saw_quality = FALSE;
  for (guint k = 0; k < o.n; k++) {
    const ArRouterOutput *x = &o.v[k].out;
    if (x->kind == AR_ROUTER_OUTPUT_EVENT && x->event.type == AR_ROUTER_EVENT_QUALITY &&
        x->event.participant == 1) {
      saw_quality = TRUE;
      g_assert_cmpint(x->event.value, ==, 5);
    }
  }
  g_assert_true(saw_quality);
  (void)lost;
  g_free(o.v);
  room_clear(&m);
}

static void
test_nack_to_publisher(void)
{
  Room m;
  room_init(&m, 2, FALSE);
  Outs o = {0};
  ar_router_handle_timeout(m.r, m.now); /* the first call only arms the RTCP timer */
  send_video(&m, 0, TRUE, 300);
  guint16 lost = m.seq[0][1]++;
  m.now += 1 * MS;
  send_video(&m, 0, FALSE, 300);
  drain(m.r, &o);
  /* Found at the second packet; NACKed after the 5 ms reordering allowance. */
  g_assert_cmpint(ar_router_next_timeout(m.r), ==, m.now + 5 * MS);
  m.now += 5 * MS;
  ar_router_handle_timeout(m.r, m.now);
  drain(m.r, &o);
  ArRtcpPacket pkt;
  g_assert_true(find_rtcp(&o, 0, AR_RTCP_RTPFB, AR_RTCP_FMT_NACK, &pkt));
  ArRtcpNack nack;
  guint16 seqs[17];
  g_assert_cmpint(ar_rtcp_nack_parse(&pkt, &nack, seqs, 17), ==, 1);
  g_assert_cmpuint(seqs[0], ==, lost);
  g_assert_cmpuint(nack.media_ssrc, ==, pub_ssrc(0, TRUE));
  /* It arrives as RTX: unwrapped, forwarded into the slot kept for it. */
  guint8 b[1500];
  gsize n =
      rtp(b, PT_RTX, 1, m.ts[0][1] - 3000, pub_ssrc(0, TRUE) + 1, NULL, FALSE, FALSE, 0, 302, 0);
  ar_put_be16(b + 12, lost); /* OSN */
  b[14] = 0x90, b[15] = 0x80, b[16] = 0x80, b[17] = 0, b[18] = 0x11;
  ar_router_handle_rtp(m.r, 0, b, n, m.now);
  drain(m.r, &o);
  g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTP, 1), ==, 1);
  g_assert_cmpuint(ar_be16(o.v[0].data + 2), ==, lost);
  g_assert_cmpuint(ar_router_stats(m.r)->rtx_in, ==, 1);
  g_free(o.v);
  room_clear(&m);
}

static void
test_active_speaker(void)
{
  Room m;
  room_init(&m, 3, FALSE);
  Outs o = {0};
  gint speaker = -1;
  for (guint i = 0; i < 150; i++) {
    m.now += 20 * MS;
    send_audio(&m, 0, i < 50 ? 30 : 100);
    drain(m.r, &o);
    send_audio(&m, 1, i < 50 ? 100 : 25);
    drain(m.r, &o);
    send_audio(&m, 2, 127);
    drain(m.r, &o);
    if (ar_router_next_timeout(m.r) <= m.now)
      ar_router_handle_timeout(m.r, m.now);
    drain(m.r, &o);
    const ArRouterEvent *ev = find_event(&o, AR_ROUTER_EVENT_ACTIVE_SPEAKER);
    if (ev) {
      g_assert_cmpint(ev->participant, !=, speaker);
      speaker = ev->participant;
      if (speaker == 1)
        g_assert_cmpint(i, >=, 50 + 45);
    }
  }
  g_assert_cmpint(speaker, ==, 1);
  g_free(o.v);
  room_clear(&m);
}

static void
test_malformed_and_removal(void)
{
  Room m;
  room_init(&m, 3, FALSE);
  Outs o = {0};
  drain(m.r, &o);
  guint8 b[1500];
  gsize n = rtp(b, PT_OPUS, 1, 1, pub_ssrc(0, FALSE), NULL, FALSE, FALSE, 0, 50, 0);
  ar_router_handle_rtp(m.r, 0, b, 5, m.now); /* truncated header */
  b[0] = 0x40;                               /* version 1 */
  ar_router_handle_rtp(m.r, 0, b, n, m.now);
  b[0] = 0x8f; /* 15 CSRCs beyond the end */
  ar_router_handle_rtp(m.r, 0, b, 40, m.now);
  b[0] = 0x80;
  ar_router_handle_rtp(m.r, 7, b, n, m.now); /* no such participant */
  ar_router_handle_rtp(m.r, -1, b, n, m.now);
  const ArRouterStats *st = ar_router_stats(m.r);
  g_assert_cmpuint(st->rtp_malformed, ==, 5);
  ar_router_handle_rtp(m.r, 1, b, n, m.now); /* participant 0's SSRC from participant 1 */
  ar_put_be32(b + 8, 0xdead);
  ar_router_handle_rtp(m.r, 0, b, n, m.now); /* unknown SSRC, no mid */
  g_assert_cmpuint(st->rtp_unknown, ==, 2);
  b[1] = 55;
  ar_put_be32(b + 8, pub_ssrc(0, FALSE));
  ar_router_handle_rtp(m.r, 0, b, n, m.now); /* unknown payload type */
  g_assert_cmpuint(st->rtp_unknown_pt, ==, 1);
  /* RTCP: truncated, garbage, a NACK whose length runs past the end. */
  guint8 c[64] = {0x81, 205, 0x00, 0x08};
  ar_router_handle_rtcp(m.r, 1, c, 3, m.now);
  ar_router_handle_rtcp(m.r, 1, (const guint8 *)"garbage!", 8, m.now);
  ar_router_handle_rtcp(m.r, 1, c, 12, m.now);
  ar_router_handle_rtcp(m.r, 9, c, 12, m.now);
  g_assert_cmpuint(st->rtcp_malformed, ==, 4);
  drain(m.r, &o);
  g_assert_cmpuint(o.n, ==, 0);

  /* Removal with outputs still queued: they are dropped, the rest of the room goes on. */
  send_audio(&m, 0, 50);
  g_assert_true(ar_router_remove_participant(m.r, 1));
  g_assert_false(ar_router_remove_participant(m.r, 1));
  drain(m.r, &o);
  g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTP, -1), ==, 1);
  g_assert_cmpint(o.v[0].out.participant, ==, 2);
  g_assert_cmpuint(st->stale, ==, 1);
  /* A caller that did not drain before its next packet: the old references are dropped. */
  send_audio(&m, 0, 50);
  send_audio(&m, 2, 50);
  drain(m.r, &o);
  g_assert_cmpuint(count_kind(&o, AR_ROUTER_OUTPUT_RTP, -1), ==, 1);
  g_assert_cmpuint(st->stale, ==, 2);
  /* A too-small dst drops the packet and says so. */
  send_video(&m, 0, TRUE, 1000);
  ArRouterOutput out;
  guint8 small[100];
  g_assert_false(ar_router_poll(m.r, &out, small, sizeof small));
  g_assert_cmpuint(st->dst_too_small, ==, 1);
  g_assert_false(ar_router_unsubscribe(m.r, 999));
  g_assert_false(ar_router_remove_track(m.r, -3));
  g_assert_cmpint(ar_router_add_track(m.r, 1, &(ArRouterTrackConfig){0}, NULL), ==, -1);
  g_free(o.v);
  room_clear(&m);
}

/* 100,000 packets through a 3-party room: the heap must not grow (no allocation per packet). */
static void
test_no_allocation_steady_state(void)
{
  Room m;
  room_init(&m, 3, FALSE);
  static guint8 dst[1500];
  ArRouterOutput out;
  for (guint i = 0; i < 200; i++) { /* warm up: keyframes, learned state, lazily sized libc */
    m.now += 10 * MS;
    send_audio(&m, i % 3, 40);
    send_video(&m, i % 3, i < 3, 1200);
    while (ar_router_poll(m.r, &out, dst, sizeof dst))
      ;
    if (ar_router_next_timeout(m.r) <= m.now)
      ar_router_handle_timeout(m.r, m.now);
  }
  struct mallinfo2 before = mallinfo2();
#if COUNT_ALLOCS
  gsize allocs_before = n_allocs;
#endif
  guint64 forwarded = ar_router_stats(m.r)->forwarded;
  for (guint i = 0; i < 50000; i++) {
    m.now += 1 * MS;
    send_audio(&m, i % 3, 40);
    while (ar_router_poll(m.r, &out, dst, sizeof dst))
      ;
    send_video(&m, i % 3, i % 300 == 0, 1200);
    while (ar_router_poll(m.r, &out, dst, sizeof dst))
      ;
    if (ar_router_next_timeout(m.r) <= m.now) {
      ar_router_handle_timeout(m.r, m.now);
      while (ar_router_poll(m.r, &out, dst, sizeof dst))
        ;
    }
  }
#if COUNT_ALLOCS
  g_assert_cmpuint(n_allocs - allocs_before, ==, 0);
#endif
  struct mallinfo2 after = mallinfo2();
  g_assert_cmpuint(ar_router_stats(m.r)->forwarded - forwarded, ==, 100000 * 2);
  g_assert_cmpuint(after.uordblks, ==, before.uordblks);
  g_assert_cmpuint(after.hblkhd, ==, before.hblkhd);
  room_clear(&m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/router/three-party", test_three_party);
  g_test_add_func("/router/six-party", test_six_party);
  g_test_add_func("/router/echo", test_echo);
  g_test_add_func("/router/wrap-and-twcc", test_wrap_and_twcc);
  g_test_add_func("/router/audio-only", test_audio_only);
  g_test_add_func("/router/nack-rtx", test_nack_rtx);
  g_test_add_func("/router/pli-translated-and-limited", test_pli_translated_and_limited);
  g_test_add_func("/router/simulcast-switch", test_simulcast_switch);
  g_test_add_func("/router/publisher-restart", test_publisher_restart);
  g_test_add_func("/router/ice-restart-pause", test_ice_restart_pause);
  g_test_add_func("/router/reports-and-quality", test_reports_and_quality);
  g_test_add_func("/router/nack-to-publisher", test_nack_to_publisher);
  g_test_add_func("/router/active-speaker", test_active_speaker);
  g_test_add_func("/router/malformed-and-removal", test_malformed_and_removal);
  g_test_add_func("/router/no-allocation-steady-state", test_no_allocation_steady_state);
  return g_test_run();
}
