/* RED (RFC 2198) audio in the router core, with synthetic packets and a fake clock: a publisher
 * sends Opus wrapped in RED to two subscribers, one that negotiated RED (it gets the packet as
 * is, payload type mapped) and one that did not (it gets the primary Opus block alone with its
 * own Opus payload type, the same sequence numbers and timestamps, the audio level kept, no
 * padding). Malformed RED and a primary of a codec the subscriber lacks are dropped for that
 * subscriber only and counted, leaving a one-packet gap; plain Opus still reaches both; a NACK
 * from the Opus subscriber is never answered with the RED packet (audio is not retransmitted);
 * the unwrap allocates nothing. */
#include <string.h>

#include "bytes.h"
#include "router.h"
#include "rtcp_nack.h"
#include "rtp.h"

/* Counts heap allocations by interposing glibc's (not under AddressSanitizer, which does it
 * itself), as tests/unit/test_router.c does. */
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
/* The publisher's payload types and audio-level extension id. */
#define PT_RED 63
#define PT_OPUS 111
#define X_LEVEL 1
/* Subscriber A negotiated RED (and Opus); B only Opus. Their own payload types and ids. */
#define A_RED 120
#define A_OPUS 109
#define B_OPUS 96
#define S_LEVEL 5
#define PUB_SSRC 0x1111u
#define A_SSRC 0xa0a0u
#define B_SSRC 0xb0b0u

typedef struct {
  ArRouter *r;
  gint pub, a, b, track, sub_a, sub_b;
  gint64 now;
  guint16 seq;
  guint32 ts;
  guint8 buf[1500];
} Fixture;

static void
fixture_init(Fixture *f)
{
  memset(f, 0, sizeof *f);
  f->r = ar_router_new(NULL);
  f->pub = ar_router_add_participant(f->r, NULL, NULL);
  f->a = ar_router_add_participant(f->r, NULL, NULL);
  f->b = ar_router_add_participant(f->r, NULL, NULL);
  ArRouterTrackConfig tc = {.kind = AR_ROUTER_AUDIO,
                            .mid = "0",
                            .n_codecs = 2,
                            .codecs = {{.pt = PT_RED, .codec = AR_ROUTER_CODEC_RED},
                                       {.pt = PT_OPUS, .codec = AR_ROUTER_CODEC_OPUS}},
                            .clock_rate = 48000,
                            .ext = {.audio_level = X_LEVEL},
                            .n_layers = 1};
  tc.layers[0].ssrc = PUB_SSRC;
  f->track = ar_router_add_track(f->r, f->pub, &tc, NULL);
  g_assert_cmpint(f->track, >=, 0);
  ArRouterSubscriptionConfig sa = {.subscriber = f->a,
                                   .track = f->track,
                                   .mid = "3",
                                   .ssrc = A_SSRC,
                                   .n_pts = 2,
                                   .pts = {{PT_RED, A_RED, 0}, {PT_OPUS, A_OPUS, 0}},
                                   .ext = {.audio_level = S_LEVEL},
                                   .initial_layer = -1};
  ArRouterSubscriptionConfig sb = {.subscriber = f->b,
                                   .track = f->track,
                                   .mid = "4",
                                   .ssrc = B_SSRC,
                                   .n_pts = 1,
                                   .pts = {{PT_OPUS, B_OPUS, 0}},
                                   .ext = {.audio_level = S_LEVEL},
                                   .initial_layer = -1};
  f->sub_a = ar_router_subscribe(f->r, &sa, 0, NULL);
  f->sub_b = ar_router_subscribe(f->r, &sb, 0, NULL);
  g_assert_cmpint(f->sub_a, >=, 0);
  g_assert_cmpint(f->sub_b, >=, 0);
  f->now = 1000 * MS;
  f->seq = 65530; /* wraps during the test */
  f->ts = 4000000000u;
}

typedef enum { RED_GOOD, RED_BAD_LENGTH, RED_FOREIGN_PRIMARY, PLAIN_OPUS } Shape;

/* An RTP packet with an audio-level extension (voice, -(tag % 100) dBov). RED payloads carry
 * one redundant block (10 bytes of 0xee, 960 ticks older) and a primary of 20 bytes whose
 * first byte is `tag`; with_padding appends 4 bytes of RTP padding. Returns the packet length;
 * *payload_off is where the RTP payload starts. */
static gsize
packet(guint8 *b, Shape shape, guint16 seq, guint32 ts, guint8 tag, gboolean with_padding,
       gsize *payload_off)
{
  b[0] = 0x90 | (with_padding ? 0x20 : 0);
  b[1] = (shape == PLAIN_OPUS ? PT_OPUS : PT_RED) | 0x80; /* marker: start of a talk spurt */
  ar_put_be16(b + 2, seq);
  ar_put_be32(b + 4, ts);
  ar_put_be32(b + 8, PUB_SSRC);
  const guint8 ext[] = {0xbe, 0xde, 0x00, 0x01, (X_LEVEL << 4) | 0, (guint8)(0x80 | (tag % 100)),
                        0,    0};
  memcpy(b + 12, ext, sizeof ext);
  gsize off = 12 + sizeof ext, n = off;
  if (shape != PLAIN_OPUS) {
    guint8 *p = b + n;
    p[0] = 0x80 | PT_OPUS; /* F=1: a redundant block, 960 ticks old, 10 bytes */
    ar_put_be16(p + 1, (guint16)(960 << 2));
    p[3] = shape == RED_BAD_LENGTH ? 200 : 10;         /* 200: longer than the whole payload */
    p[4] = shape == RED_FOREIGN_PRIMARY ? 0 : PT_OPUS; /* the primary's header (PCMU: unknown) */
    memset(p + 5, 0xee, 10);
    n += 15;
  }
  b[n] = tag;
  memset(b + n + 1, tag ^ 0x55, 19);
  n += 20;
  if (with_padding) {
    memset(b + n, 0, 3);
    b[n + 3] = 4;
    n += 4;
  }
  *payload_off = off;
  return n;
}

typedef struct {
  guint n;
  guint16 seq;
  guint32 ts;
  guint8 pt;
  gboolean marker, padded;
  gint level; /* RFC 6464 byte under the subscriber's id, -1 absent */
  guint8 payload[256];
  gsize payload_len;
} Got;

static void
record(Got *g, guint8 *dst, gsize len)
{
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, dst, len));
  g->n++;
  g->seq = ar_rtp_seq(&v);
  g->ts = ar_rtp_ts(&v);
  g->pt = ar_rtp_pt(&v);
  g->marker = ar_rtp_marker(&v);
  g->padded = v.pad_len != 0;
  gboolean voice;
  guint8 level;
  g->level =
      ar_rtp_ext_audio_level(&v, S_LEVEL, &voice, &level) ? (gint)((voice ? 0x80 : 0) | level) : -1;
  g_assert_cmpuint(v.payload_len, <=, sizeof g->payload);
  memcpy(g->payload, ar_rtp_payload(&v), v.payload_len);
  g->payload_len = v.payload_len;
}

/* Sends one 20 ms packet and collects what A and B received from it. */
static gsize
send_packet(Fixture *f, Shape shape, guint8 tag, gboolean with_padding, Got *a, Got *b,
            gsize *payload_off)
{
  f->now += 20 * MS;
  gsize n = packet(f->buf, shape, f->seq++, f->ts, tag, with_padding, payload_off);
  f->ts += 960;
  ar_router_handle_rtp(f->r, f->pub, f->buf, n, f->now);
  ArRouterOutput out;
  guint8 dst[1500];
  a->n = b->n = 0;
  while (ar_router_poll(f->r, &out, dst, sizeof dst)) {
    if (out.kind != AR_ROUTER_OUTPUT_RTP)
      continue;
    g_assert_false(out.retransmission);
    guint32 ssrc = ar_be32(dst + 8);
    g_assert_true(ssrc == A_SSRC || ssrc == B_SSRC);
    g_assert_cmpint(out.participant, ==, ssrc == A_SSRC ? f->a : f->b);
    record(ssrc == A_SSRC ? a : b, dst, out.len);
  }
  return n;
}

static void
test_red_as_is_and_unwrapped(void)
{
  Fixture f;
  fixture_init(&f);
  Got a = {0}, b = {0};
  guint16 a_prev = 0, b_prev = 0;
  guint32 b_first_ts = 0;
  guint32 in_first_ts = f.ts;
  for (guint i = 0; i < 20; i++) {
    gboolean pad = i % 3 == 1;
    gsize off, n = send_packet(&f, RED_GOOD, (guint8)(i + 1), pad, &a, &b, &off);
    g_assert_cmpuint(a.n, ==, 1);
    g_assert_cmpuint(b.n, ==, 1);
    /* A: the RED payload byte for byte, with A's RED payload type. */
    gsize red_len = n - off - (pad ? 4 : 0);
    g_assert_cmpuint(a.pt, ==, A_RED);
    g_assert_cmpuint(a.payload_len, ==, red_len);
    g_assert_cmpmem(a.payload, a.payload_len, f.buf + off, red_len);
    g_assert_true(a.padded == pad);
    /* B: the 20-byte primary alone, B's Opus payload type, never padded. */
    g_assert_cmpuint(b.pt, ==, B_OPUS);
    g_assert_cmpuint(b.payload_len, ==, 20);
    g_assert_cmpmem(b.payload, b.payload_len, f.buf + off + 15, 20);
    g_assert_cmpuint(b.payload[0], ==, i + 1);
    g_assert_false(b.padded);
    /* Both: the header extension is outside the RED payload, so the level survives. */
    g_assert_cmpint(a.level, ==, 0x80 | ((i + 1) % 100));
    g_assert_cmpint(b.level, ==, 0x80 | ((i + 1) % 100));
    g_assert_true(a.marker && b.marker);
    /* One outgoing packet per incoming one: consecutive sequence numbers, the source's
     * timestamp spacing. */
    if (i == 0) {
      b_first_ts = b.ts;
    } else {
      g_assert_cmpuint(a.seq, ==, (guint16)(a_prev + 1));
      g_assert_cmpuint(b.seq, ==, (guint16)(b_prev + 1));
    }
    g_assert_cmpuint(b.ts - b_first_ts, ==, f.ts - 960 - in_first_ts);
    a_prev = a.seq;
    b_prev = b.seq;
  }
  const ArRouterStats *st = ar_router_stats(f.r);
  g_assert_cmpuint(st->red_unwrapped, ==, 20);
  g_assert_cmpuint(st->red_dropped, ==, 0);
  g_assert_cmpuint(st->forwarded, ==, 40);
  guint32 sent;
  g_assert_true(ar_router_subscription_info(f.r, f.sub_b, NULL, &sent));
  g_assert_cmpuint(sent, ==, 20);

  /* B asks again for its last packet: audio is not kept for retransmission (Opus FEC and RED
   * cover it), so nothing goes out, in particular no RED packet on B's Opus stream. */
  guint8 nack[64];
  guint16 lost = b_prev;
  gssize nl = ar_rtcp_nack_build(nack, sizeof nack, 0x5151, B_SSRC, &lost, 1);
  g_assert_cmpint(nl, >, 0);
  ar_router_handle_rtcp(f.r, f.b, nack, (gsize)nl, f.now);
  ArRouterOutput out;
  guint8 dst[1500];
  while (ar_router_poll(f.r, &out, dst, sizeof dst))
    g_assert_false(out.kind == AR_ROUTER_OUTPUT_RTP && out.participant == f.b);
  g_assert_cmpuint(st->nack_in, ==, 1);
  g_assert_cmpuint(st->nack_misses, ==, 1);
  ar_router_free(f.r);
}

static void
test_malformed_dropped_for_the_subscriber_without_red(void)
{
  Fixture f;
  fixture_init(&f);
  Got a = {0}, b = {0};
  gsize off;
  send_packet(&f, RED_GOOD, 1, FALSE, &a, &b, &off);
  guint16 a_seq = a.seq, b_seq = b.seq;

  /* A redundant block longer than the payload: A still gets the packet (its decoder judges),
   * B gets nothing. */
  send_packet(&f, RED_BAD_LENGTH, 2, FALSE, &a, &b, &off);
  g_assert_cmpuint(a.n, ==, 1);
  g_assert_cmpuint(a.seq, ==, (guint16)(a_seq + 1));
  g_assert_cmpuint(b.n, ==, 0);
  g_assert_cmpuint(ar_router_stats(f.r)->red_dropped, ==, 1);

  /* A primary whose payload type is no codec of the track: the same. */
  send_packet(&f, RED_FOREIGN_PRIMARY, 3, FALSE, &a, &b, &off);
  g_assert_cmpuint(a.n, ==, 1);
  g_assert_cmpuint(b.n, ==, 0);
  g_assert_cmpuint(ar_router_stats(f.r)->red_dropped, ==, 2);

  /* Back to good RED: B's sequence numbers show exactly the two packets it did not get, as a
   * loss, and A's continue one by one. */
  send_packet(&f, RED_GOOD, 4, FALSE, &a, &b, &off);
  g_assert_cmpuint(a.n, ==, 1);
  g_assert_cmpuint(b.n, ==, 1);
  g_assert_cmpuint(a.seq, ==, (guint16)(a_seq + 3));
  g_assert_cmpuint(b.seq, ==, (guint16)(b_seq + 3));
  g_assert_cmpuint(b.payload[0], ==, 4);

  /* The publisher switches to plain Opus (a new preference): both get it with their Opus
   * payload type, payload untouched, sequence numbers continuing. */
  gsize n = send_packet(&f, PLAIN_OPUS, 5, FALSE, &a, &b, &off);
  g_assert_cmpuint(a.pt, ==, A_OPUS);
  g_assert_cmpuint(b.pt, ==, B_OPUS);
  g_assert_cmpmem(b.payload, b.payload_len, f.buf + off, n - off);
  g_assert_cmpuint(b.seq, ==, (guint16)(b_seq + 4));
  const ArRouterStats *st = ar_router_stats(f.r);
  g_assert_cmpuint(st->red_dropped, ==, 2);
  g_assert_cmpuint(st->red_unwrapped, ==, 2);
  g_assert_cmpuint(st->rtp_unknown_pt, ==, 0);
  ar_router_free(f.r);
}

static void
test_unwrap_allocates_nothing(void)
{
  Fixture f;
  fixture_init(&f);
  Got a = {0}, b = {0};
  gsize off;
  for (guint i = 0; i < 50; i++) /* warm up: rings and queues settle */
    send_packet(&f, RED_GOOD, (guint8)i, FALSE, &a, &b, &off);
#if COUNT_ALLOCS
  gsize before = n_allocs;
#endif
  for (guint i = 0; i < 500; i++) {
    send_packet(&f, i % 10 == 0 ? RED_BAD_LENGTH : RED_GOOD, (guint8)i, i % 7 == 0, &a, &b, &off);
    ar_router_handle_timeout(f.r, f.now);
  }
#if COUNT_ALLOCS
  g_assert_cmpuint(n_allocs - before, ==, 0);
#endif
  g_assert_cmpuint(ar_router_stats(f.r)->red_unwrapped, ==, 50 + 450);
  ar_router_free(f.r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/router-red/as-is-and-unwrapped", test_red_as_is_and_unwrapped);
  g_test_add_func("/router-red/malformed-dropped",
                  test_malformed_dropped_for_the_subscriber_without_red);
  g_test_add_func("/router-red/no-allocation", test_unwrap_allocates_nothing);
  return g_test_run();
}
