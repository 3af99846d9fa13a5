/* Unit tests for RTCP header validation and compound iteration: a real compound from a packet
 * dump, then truncated, garbage and hostile length/padding fields. */
#include <string.h>

#include "rtcp.h"

/* pion/rtcp packet_test.go realPacket(), "An RTCP packet from a packet dump": RR, SDES, BYE, PLI,
 * RRR (RTPFB FMT 5), APP. */
static const guint8 real_compound[] = {
    0x81, 0xc9, 0x00, 0x07, 0x90, 0x2f, 0x9e, 0x2e, 0xbc, 0x5e, 0x9a, 0x40, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x46, 0xe1, 0x00, 0x00, 0x01, 0x11, 0x09, 0xf3, 0x64, 0x32, 0x00, 0x02,
    0x4a, 0x79, 0x81, 0xca, 0x00, 0x0c, 0x90, 0x2f, 0x9e, 0x2e, 0x01, 0x26, 0x7b, 0x39, 0x63,
    0x30, 0x30, 0x65, 0x62, 0x39, 0x32, 0x2d, 0x31, 0x61, 0x66, 0x62, 0x2d, 0x39, 0x64, 0x34,
    0x39, 0x2d, 0x61, 0x34, 0x37, 0x64, 0x2d, 0x39, 0x31, 0x66, 0x36, 0x34, 0x65, 0x65, 0x65,
    0x36, 0x39, 0x66, 0x35, 0x7d, 0x00, 0x00, 0x00, 0x00, 0x81, 0xcb, 0x00, 0x01, 0x90, 0x2f,
    0x9e, 0x2e, 0x81, 0xce, 0x00, 0x02, 0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e, 0x85,
    0xcd, 0x00, 0x02, 0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e, 0x80, 0xcc, 0x00, 0x03,
    0x4b, 0xaa, 0xe1, 0xab, 0x4e, 0x41, 0x4d, 0x45, 0x41, 0x42, 0x43, 0x44,
};

static guint
count_packets(const guint8 *buf, gsize len, gboolean *error)
{
  ArRtcpIter it;
  ArRtcpPacket pkt;
  guint n = 0;
  ar_rtcp_iter_init(&it, buf, len);
  while (ar_rtcp_iter_next(&it, &pkt))
    n++;
  *error = it.error;
  return n;
}

static void
test_real_compound(void)
{
  static const struct {
    guint8 pt, count;
    gsize off, len;
  } want[] = {
      {AR_RTCP_RR, 1, 0, 32},    {AR_RTCP_SDES, 1, 32, 52},   {AR_RTCP_BYE, 1, 84, 8},
      {AR_RTCP_PSFB, 1, 92, 12}, {AR_RTCP_RTPFB, 5, 104, 12}, {AR_RTCP_APP, 0, 116, 16},
  };
  ArRtcpIter it;
  ArRtcpPacket pkt;
  ar_rtcp_iter_init(&it, real_compound, sizeof real_compound);
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    g_assert_true(ar_rtcp_iter_next(&it, &pkt));
    g_assert_cmpuint(pkt.pt, ==, want[i].pt);
    g_assert_cmpuint(pkt.count, ==, want[i].count);
    g_assert_true(pkt.data == real_compound + want[i].off);
    g_assert_cmpuint(pkt.len, ==, want[i].len);
    g_assert_true(pkt.body == pkt.data + 4);
    g_assert_cmpuint(pkt.body_len, ==, want[i].len - 4);
    g_assert_cmpuint(pkt.pad, ==, 0);
  }
  g_assert_false(ar_rtcp_iter_next(&it, &pkt));
  g_assert_false(it.error);
  g_assert_false(ar_rtcp_iter_next(&it, &pkt)); /* stays at the end */
}

static void
test_truncated(void)
{
  gboolean err;
  /* pion compound_packet_test.go TestBadCompound: realPacket[:34] leaves trailing bytes. */
  g_assert_cmpuint(count_packets(real_compound, 34, &err), ==, 1);
  g_assert_true(err);
  /* Every cut inside a packet yields the whole packets before it, then an error. */
  static const gsize ends[] = {32, 84, 92, 104, 116, 132};
  for (gsize cut = 1; cut < sizeof real_compound; cut++) {
    guint whole = 0;
    gboolean at_boundary = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(ends); i++) {
      if (ends[i] <= cut)
        whole = i + 1;
      at_boundary |= ends[i] == cut;
    }
    g_assert_cmpuint(count_packets(real_compound, cut, &err), ==, whole);
    g_assert_cmpint(err, ==, !at_boundary);
  }
  /* Nothing at all is not an error, just no packets. */
  g_assert_cmpuint(count_packets(real_compound, 0, &err), ==, 0);
  g_assert_false(err);
  g_assert_cmpuint(count_packets(NULL, 12, &err), ==, 0);
  g_assert_false(err);
}

static void
test_garbage(void)
{
  gboolean err;
  guint8 buf[sizeof real_compound];

  /* pion packet_test.go TestInvalidHeaderLength: RR claiming 101 words in 4 bytes. */
  static const guint8 long_rr[] = {0x81, 0xc9, 0x00, 0x64};
  g_assert_cmpuint(count_packets(long_rr, sizeof long_rr, &err), ==, 0);
  g_assert_true(err);

  /* Version 0 / 1 / 3 in the second packet stops iteration there. */
  for (guint ver = 0; ver < 4; ver++) {
    if (ver == 2)
      continue;
    memcpy(buf, real_compound, sizeof buf);
    buf[32] = (guint8)((ver << 6) | (buf[32] & 0x3f));
    g_assert_cmpuint(count_packets(buf, sizeof buf, &err), ==, 1);
    g_assert_true(err);
  }

  /* Padding: count 0, or reaching into the header, is rejected; a sane count is removed from
   * the body. */
  guint8 pli[] = {0xa1, 0xce, 0x00, 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 4};
  ArRtcpPacket pkt;
  g_assert_true(ar_rtcp_packet_parse(&pkt, pli, sizeof pli));
  g_assert_cmpuint(pkt.pad, ==, 4);
  g_assert_cmpuint(pkt.body_len, ==, 8);
  pli[15] = 0;
  g_assert_false(ar_rtcp_packet_parse(&pkt, pli, sizeof pli));
  pli[15] = 13;
  g_assert_false(ar_rtcp_packet_parse(&pkt, pli, sizeof pli));
  pli[15] = 12;
  g_assert_true(ar_rtcp_packet_parse(&pkt, pli, sizeof pli));
  g_assert_cmpuint(pkt.body_len, ==, 0);

  /* Random bytes never make the iterator read out of bounds (ASan build) and never loop. */
  GRand *rand = g_rand_new_with_seed(4585);
  for (guint round = 0; round < 2000; round++) {
    gsize n = g_rand_int_range(rand, 0, sizeof buf);
    for (gsize i = 0; i < n; i++)
      buf[i] = (guint8)g_rand_int(rand);
    if (n > 0)
      buf[0] = 0x80 | (buf[0] & 0x3f);
    guint8 *copy = g_memdup2(buf, n); /* exact-size allocation so ASan sees overreads */
    count_packets(copy, n, &err);
    g_free(copy);
  }
  g_rand_free(rand);
}

static void
test_demux_and_header(void)
{
  g_assert_true(ar_rtcp_is_rtcp(real_compound, sizeof real_compound));
  static const guint8 rtp[] = {0x80, 0x60, 0x3d, 0x3c};
  g_assert_false(ar_rtcp_is_rtcp(rtp, sizeof rtp));
  static const guint8 rtp_marker[] = {0x80, 0xe0, 0x3d, 0x3c}; /* PT 96 + M = 224 */
  g_assert_false(ar_rtcp_is_rtcp(rtp_marker, sizeof rtp_marker));
  g_assert_false(ar_rtcp_is_rtcp(real_compound, 3));

  guint8 out[8] = {0xff, 0xff, 0xff, 0xff};
  ar_rtcp_write_header(out, FALSE, 31, AR_RTCP_BYE, 8);
  static const guint8 want[] = {0x9f, 0xcb, 0x00, 0x01};
  g_assert_cmpmem(out, 4, want, 4);
  ar_rtcp_write_header(out, TRUE, 1, AR_RTCP_RTPFB, 8);
  static const guint8 want_p[] = {0xa1, 0xcd, 0x00, 0x01};
  g_assert_cmpmem(out, 4, want_p, 4);

  guint8 pad[12] = {0};
  g_assert_cmpint(ar_rtcp_pad(pad, 9, sizeof pad), ==, 12);
  g_assert_cmpuint(pad[11], ==, 3);
  g_assert_cmpint(ar_rtcp_pad(pad, 8, sizeof pad), ==, 8);
  g_assert_cmpint(ar_rtcp_pad(pad, 9, 11), ==, -1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp/real-compound", test_real_compound);
  g_test_add_func("/rtcp/truncated", test_truncated);
  g_test_add_func("/rtcp/garbage", test_garbage);
  g_test_add_func("/rtcp/demux-and-header", test_demux_and_header);
  return g_test_run();
}
