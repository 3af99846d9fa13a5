/* Unit tests for the munger: continuity of sequence numbers, timestamps and VP8 picture ids
 * across wrap-around, simulcast layer switches and publisher restarts; reordering, duplicates
 * and late packets; the NACK lookup; and the packet it writes (ids, extensions, RTX). */
#include <string.h>

#include "codec_vp8.h"
#include "munger.h"
#include "rtp.h"

#define MS G_TIME_SPAN_MILLISECOND

static ArMungerResult
feed(ArMunger *m, guint32 src, guint16 seq, guint32 ts, gint64 now, ArMungerOut *out)
{
  ArMungerIn in = {.src = src, .seq = seq, .ts = ts};
  return ar_munger_process(m, &in, now, out);
}

static void
test_wraparound(void)
{
  ArMunger m;
  ar_munger_init(&m, 90000);
  ArMungerOut o;
  guint16 expect = 65533;
  for (guint i = 0; i < 6; i++) {
    guint16 seq = (guint16)(65533 + i); /* 65533, 65534, 65535, 0, 1, 2 */
    g_assert_cmpint(feed(&m, 1, seq, 1000 + 3000 * i, i * 33 * MS, &o), ==, AR_MUNGER_FORWARD);
    g_assert_cmpuint(o.seq, ==, expect);
    g_assert_cmpuint(o.ts, ==, 1000 + 3000 * i);
    expect++;
  }
  g_assert_cmpuint(m.last_out_seq, ==, 2);
  ar_munger_clear(&m);
}

static void
test_layer_switch_continuity(void)
{
  ArMunger m;
  ar_munger_init(&m, 90000);
  ArMungerOut o;
  /* Layer 0 ends at output seq 65535 so the switch also crosses the wrap. */
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint(feed(&m, 0, (guint16)(65531 + i), 90000 + 3000 * i, i * 33 * MS, &o), ==,
                    AR_MUNGER_FORWARD);
  g_assert_cmpuint(o.seq, ==, 65535);
  g_assert_cmpuint(o.ts, ==, 102000);
  /* Layer 2 has unrelated numbers, and a timestamp far behind: 40 ms later it must continue at
   * seq 0 and ts 102000 + 40 ms * 90 kHz = 105600. */
  g_assert_cmpint(feed(&m, 2, 777, 5, 4 * 33 * MS + 40 * MS, &o), ==, AR_MUNGER_FORWARD);
  g_assert_cmpuint(o.seq, ==, 0);
  g_assert_cmpuint(o.ts, ==, 105600);
  g_assert_cmpint(feed(&m, 2, 778, 3005, 4 * 33 * MS + 73 * MS, &o), ==, AR_MUNGER_FORWARD);
  g_assert_cmpuint(o.seq, ==, 1);
  g_assert_cmpuint(o.ts, ==, 108600);
  /* A real loss on the new layer stays a gap of exactly one. */
  g_assert_cmpint(feed(&m, 2, 780, 9005, 4 * 33 * MS + 140 * MS, &o), ==, AR_MUNGER_FORWARD);
  g_assert_cmpuint(o.seq, ==, 3);
  g_assert_cmpuint(m.segments, ==, 2);
  ar_munger_clear(&m);
}

static void
test_publisher_restart(void)
{
  ArMunger m;
  ar_munger_init(&m, 48000);
  ArMungerOut o;
  for (guint i = 0; i < 3; i++)
    feed(&m, 4, (guint16)(100 + i), 960 * i, i * 20 * MS, &o);
  g_assert_cmpuint(o.seq, ==, 102);
  /* The same source restarts (new encoder after an ICE restart): its sequence jumps by more
   * than a dropout. The output continues one after and 20 ms of timestamp later. */
  g_assert_cmpint(feed(&m, 4, 40000, 123456, 60 * MS, &o), ==, AR_MUNGER_FORWARD);
  g_assert_cmpuint(o.seq, ==, 103);
  g_assert_cmpuint(o.ts, ==, 1920 + 960);
  /* A new SSRC is a new source id for the router: same continuity. */
  g_assert_cmpint(feed(&m, 8, 3, 50, 80 * MS, &o), ==, AR_MUNGER_FORWARD);
  g_assert_cmpuint(o.seq, ==, 104);
  g_assert_cmpuint(o.ts, ==, 2880 + 960);
  ar_munger_clear(&m);
}

static void
test_reorder_duplicate_late(void)
{
  ArMunger m;
  ar_munger_init(&m, 90000);
  ArMungerOut o;
  feed(&m, 0, 10, 0, 0, &o);
  feed(&m, 0, 12, 6000, 2 * MS, &o);
  g_assert_cmpuint(o.seq, ==, 12);
  /* 11 arrives late (or as a retransmission): it takes the slot left for it. */
  g_assert_cmpint(feed(&m, 0, 11, 3000, 3 * MS, &o), ==, AR_MUNGER_FORWARD);
  g_assert_cmpuint(o.seq, ==, 11);
  g_assert_cmpuint(o.ts, ==, 3000);
  /* Again: a duplicate with the mapping it had. */
  g_assert_cmpint(feed(&m, 0, 11, 3000, 4 * MS, &o), ==, AR_MUNGER_DUPLICATE);
  g_assert_cmpuint(o.seq, ==, 11);
  g_assert_cmpint(feed(&m, 0, 12, 6000, 4 * MS, &o), ==, AR_MUNGER_DUPLICATE);
  g_assert_cmpuint(o.seq, ==, 12);
  g_assert_cmpuint(m.last_out_seq, ==, 12);

  /* Switch to layer 1 at its seq 500; then its own 499 (before the keyframe) is late. */
  feed(&m, 1, 500, 70000, 40 * MS, &o);
  g_assert_cmpuint(o.seq, ==, 13);
  g_assert_cmpint(feed(&m, 1, 499, 67000, 41 * MS, &o), ==, AR_MUNGER_LATE);
  g_assert_cmpint(feed(&m, 1, 501, 70000, 41 * MS, &o), ==, AR_MUNGER_FORWARD);
  g_assert_cmpuint(o.seq, ==, 14);
  /* Far behind but within a dropout: late, not a restart. */
  g_assert_cmpint(feed(&m, 1, 501 - 1000, 70000, 42 * MS, &o), ==, AR_MUNGER_LATE);
  g_assert_cmpuint(m.late, ==, 2);
  g_assert_cmpuint(m.duplicates, ==, 2);

  ArMungerEntry e;
  g_assert_true(ar_munger_lookup(&m, 11, &e));
  g_assert_cmpuint(e.in_seq, ==, 11);
  g_assert_cmpuint(e.src, ==, 0);
  g_assert_true(ar_munger_lookup(&m, 14, &e));
  g_assert_cmpuint(e.in_seq, ==, 501);
  g_assert_cmpuint(e.src, ==, 1);
  g_assert_false(ar_munger_lookup(&m, 15, &e));
  ar_munger_clear(&m);
}

static void
test_timestamps_monotonic(void)
{
  ArMunger m;
  ar_munger_init(&m, 90000);
  ArMungerOut o;
  guint32 last = 0;
  gint64 now = 0;
  for (guint sw = 0; sw < 20; sw++) {
    guint32 base = g_test_rand_int();
    guint16 sbase = (guint16)g_test_rand_int();
    for (guint i = 0; i < 10; i++) {
      now += 33 * MS;
      g_assert_cmpint(feed(&m, sw, (guint16)(sbase + i), base + 3000 * i, now, &o), ==,
                      AR_MUNGER_FORWARD);
      if (sw || i)
        g_assert_cmpint((gint32)(o.ts - last), >, 0);
      last = o.ts;
    }
  }
  ar_munger_clear(&m);
}

static void
test_vp8_picture_id(void)
{
  ArMunger m;
  ar_munger_init(&m, 90000);
  ArMungerOut o;
  ArMungerIn in = {
      .src = 0, .seq = 1, .ts = 0, .has_picid = TRUE, .picid = 32766, .has_tl0 = TRUE, .tl0 = 255};
  ar_munger_process(&m, &in, 0, &o);
  g_assert_cmpuint(o.picid, ==, 32766);
  in.seq = 2, in.picid = 32767, in.tl0 = 0;
  ar_munger_process(&m, &in, 33 * MS, &o);
  g_assert_cmpuint(o.picid, ==, 32767);
  g_assert_cmpuint(o.tl0, ==, 0);
  /* Switching layer: picture ids continue at 0 (15-bit wrap), TL0PICIDX at 1. */
  ArMungerIn b = {
      .src = 1, .seq = 900, .ts = 0, .has_picid = TRUE, .picid = 1234, .has_tl0 = TRUE, .tl0 = 77};
  ar_munger_process(&m, &b, 66 * MS, &o);
  g_assert_cmpuint(o.picid, ==, 0);
  g_assert_cmpuint(o.tl0, ==, 1);
  b.seq = 901; /* same frame, next packet */
  ar_munger_process(&m, &b, 66 * MS, &o);
  g_assert_cmpuint(o.picid, ==, 0);
  b.seq = 902, b.picid = 1235, b.tl0 = 78;
  ar_munger_process(&m, &b, 99 * MS, &o);
  g_assert_cmpuint(o.picid, ==, 1);
  g_assert_cmpuint(o.tl0, ==, 2);
  ar_munger_clear(&m);
}

/* Source: VP8 with a one-byte extension block (twcc id 3, rid id 4) and one CSRC. */
static gsize
source_packet(guint8 *p)
{
  static const guint8 hdr[] = {
      0x91, 0xe0, 0x12, 0x34, 0x00, 0x00, 0x10, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, /* M, pt 96 */
      0x01, 0x02, 0x03, 0x04,                                                 /* CSRC */
      0xbe, 0xde, 0x00, 0x02, 0x31, 0x00, 0x07, 0x40, 'f',  0x00, 0x00, 0x00, /* ext */
      0x90, 0xc0, 0x81, 0x23, 0x05,       /* VP8: X, S; I L: 15-bit picid 0x0123, tl0 5 */
      0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, /* keyframe tag and data */
  };
  memcpy(p, hdr, sizeof hdr);
  return sizeof hdr;
}

static void
test_write_plain_and_rtx(void)
{
  guint8 src[64];
  gsize n = source_packet(src);
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, src, n));
  ArVp8Desc d;
  g_assert_true(ar_vp8_parse(&d, ar_rtp_payload(&v), v.payload_len));
  ArMungerPacket p = {.src = src,
                      .src_len = n,
                      .src_header_len = v.header_len,
                      .pt = 100,
                      .csrc_count = 1,
                      .marker = TRUE,
                      .ssrc = 0x01020304,
                      .m = {.seq = 65535, .ts = 0xfffffff0, .picid = 0x7fff, .tl0 = 9},
                      .picid_off = d.picid_off,
                      .picid_bits = d.picid_bits,
                      .tl0_off = d.tl0_off,
                      .mid_id = 9,
                      .mid = "v1",
                      .mid_len = 2,
                      .abs_send_time_id = 2,
                      .abs_send_time = 0x123456,
                      .twcc_id = 5,
                      .twcc_seq = 4242,
                      .audio_level_id = 6,
                      .audio_level = -1};
  guint8 out[128];
  gssize w = ar_munger_write(&p, out, sizeof out);
  g_assert_cmpint(w, >, 0);
  ArRtpView o;
  g_assert_true(ar_rtp_parse(&o, out, (gsize)w));
  g_assert_cmpuint(ar_rtp_pt(&o), ==, 100);
  g_assert_true(ar_rtp_marker(&o));
  g_assert_cmpuint(ar_rtp_seq(&o), ==, 65535);
  g_assert_cmpuint(ar_rtp_ts(&o), ==, 0xfffffff0);
  g_assert_cmpuint(ar_rtp_ssrc(&o), ==, 0x01020304);
  g_assert_cmpuint(ar_rtp_csrc(&o, 0), ==, 0x01020304);
  const char *s;
  guint8 sl;
  g_assert_true(ar_rtp_ext_string(&o, 9, &s, &sl));
  g_assert_cmpmem(s, sl, "v1", 2);
  guint32 abs;
  g_assert_true(ar_rtp_ext_abs_send_time(&o, 2, &abs));
  g_assert_cmpuint(abs, ==, 0x123456);
  guint16 tw;
  g_assert_true(ar_rtp_ext_twcc_seq(&o, 5, &tw));
  g_assert_cmpuint(tw, ==, 4242);
  /* The publisher's own ids (twcc 3, rid 4) are gone; audio level had no value. */
  g_assert_false(ar_rtp_ext_twcc_seq(&o, 3, &tw));
  g_assert_false(ar_rtp_ext_string(&o, 4, &s, &sl));
  gboolean voice;
  guint8 lvl;
  g_assert_false(ar_rtp_ext_audio_level(&o, 6, &voice, &lvl));
  ArVp8Desc od;
  g_assert_true(ar_vp8_parse(&od, ar_rtp_payload(&o), o.payload_len));
  g_assert_true(od.keyframe);
  g_assert_cmpuint(ar_vp8_picture_id(&od, ar_rtp_payload(&o)), ==, 0x7fff);
  g_assert_cmpuint(ar_vp8_tl0picidx(&od, ar_rtp_payload(&o)), ==, 9);
  g_assert_cmpmem(ar_rtp_payload(&o) + 5, 6, src + n - 6, 6);

  /* As RTX: OSN = the munged seq, then the same payload. */
  p.rtx = TRUE, p.rtx_pt = 101, p.rtx_ssrc = 0x0a0b0c0d, p.rtx_seq = 7;
  gssize wr = ar_munger_write(&p, out, sizeof out);
  g_assert_cmpint(wr, ==, w + 2);
  g_assert_true(ar_rtp_parse(&o, out, (gsize)wr));
  g_assert_cmpuint(ar_rtp_pt(&o), ==, 101);
  g_assert_cmpuint(ar_rtp_seq(&o), ==, 7);
  g_assert_cmpuint(ar_rtp_ssrc(&o), ==, 0x0a0b0c0d);
  g_assert_cmpuint(ar_be16(ar_rtp_payload(&o)), ==, 65535);
  g_assert_true(ar_rtp_ext_twcc_seq(&o, 5, &tw));

  /* Two-byte form when an id is above 14, and too small a buffer refuses. */
  p.rtx = FALSE, p.twcc_id = 20, p.audio_level = 0x85;
  w = ar_munger_write(&p, out, sizeof out);
  g_assert_true(ar_rtp_parse(&o, out, (gsize)w));
  g_assert_cmpuint(o.ext_profile & 0xfff0, ==, 0x1000);
  g_assert_true(ar_rtp_ext_twcc_seq(&o, 20, &tw));
  g_assert_true(ar_rtp_ext_audio_level(&o, 6, &voice, &lvl));
  g_assert_true(voice);
  g_assert_cmpuint(lvl, ==, 5);
  g_assert_cmpint(ar_munger_write(&p, out, (gsize)w - 1), ==, -1);
  p.rtx = TRUE;
  g_assert_cmpint(ar_munger_write(&p, out, (gsize)w + 1), ==, -1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/munger/wraparound", test_wraparound);
  g_test_add_func("/munger/layer-switch-continuity", test_layer_switch_continuity);
  g_test_add_func("/munger/publisher-restart", test_publisher_restart);
  g_test_add_func("/munger/reorder-duplicate-late", test_reorder_duplicate_late);
  g_test_add_func("/munger/timestamps-monotonic", test_timestamps_monotonic);
  g_test_add_func("/munger/vp8-picture-id", test_vp8_picture_id);
  g_test_add_func("/munger/write-plain-and-rtx", test_write_plain_and_rtx);
  return g_test_run();
}
