/* Unit tests for REMB: a packet Chrome sent, mantissa/exponent rounding and saturation. */
#include <string.h>

#include "rtcp_remb.h"

/* pion/rtcp receiver_estimated_maximum_bitrate_test.go: "Real data sent by Chrome while watching
 * a 6Mb/s stream": 8927168 b/s (mantissa 139487, exp 6) for SSRC 1215622422. */
static const guint8 chrome_remb[] = {143, 206, 0,  5,  0, 0,  0,  1,   0,  0,   0,   0,
                                     82,  69,  77, 66, 1, 26, 32, 223, 72, 116, 237, 22};

static void
test_chrome(void)
{
  ArRtcpPacket pkt;
  ArRtcpRemb remb;
  g_assert_true(ar_rtcp_packet_parse(&pkt, chrome_remb, sizeof chrome_remb));
  g_assert_true(ar_rtcp_remb_parse(&pkt, &remb));
  g_assert_cmpuint(remb.sender_ssrc, ==, 1);
  g_assert_cmpuint(remb.bitrate_bps, ==, 8927168);
  g_assert_cmpuint(remb.n_ssrcs, ==, 1);
  g_assert_cmpuint(ar_rtcp_remb_ssrc(&remb, 0), ==, 1215622422);

  guint8 out[64];
  guint32 ssrc = 1215622422;
  g_assert_cmpint(ar_rtcp_remb_build(out, sizeof out, 1, 8927168, &ssrc, 1), ==,
                  sizeof chrome_remb);
  g_assert_cmpmem(out, sizeof chrome_remb, chrome_remb, sizeof chrome_remb);

  /* pion TestReceiverEstimatedMaximumBitrateTruncate: one less rounds down by 2^6. */
  gssize n = ar_rtcp_remb_build(out, sizeof out, 1, 8927167, &ssrc, 1);
  g_assert_true(ar_rtcp_packet_parse(&pkt, out, (gsize)n));
  g_assert_true(ar_rtcp_remb_parse(&pkt, &remb));
  g_assert_cmpuint(remb.bitrate_bps, ==, 8927104);
}

static void
test_range(void)
{
  guint8 out[64];
  ArRtcpPacket pkt;
  ArRtcpRemb remb;
  /* Exact for values that fit 18 bits, rounded down by < 2^exp above. */
  static const guint64 rates[] = {0,     1,       0x3ffff,    0x40000,
                                  30000, 2500000, 1000000000, G_GUINT64_CONSTANT(0xffffffffffff)};
  for (guint i = 0; i < G_N_ELEMENTS(rates); i++) {
    gssize n = ar_rtcp_remb_build(out, sizeof out, 9, rates[i], NULL, 0);
    g_assert_cmpint(n, ==, 20);
    g_assert_true(ar_rtcp_packet_parse(&pkt, out, (gsize)n));
    g_assert_true(ar_rtcp_remb_parse(&pkt, &remb));
    g_assert_cmpuint(remb.bitrate_bps, <=, rates[i]);
    g_assert_cmpuint(rates[i] - remb.bitrate_bps, <, 1 + rates[i] / 0x20000);
    if (rates[i] <= 0x3ffff)
      g_assert_cmpuint(remb.bitrate_bps, ==, rates[i]);
  }
  /* pion TestReceiverEstimatedMaximumBitrateOverflow: mantissa 0x3ffff, exp 63 saturates. */
  static const guint8 max[] = {143, 206, 0,  4,  0,  0,  0, 0,   0,   0,
                               0,   0,   82, 69, 77, 66, 0, 255, 255, 255};
  g_assert_true(ar_rtcp_packet_parse(&pkt, max, sizeof max));
  g_assert_true(ar_rtcp_remb_parse(&pkt, &remb));
  g_assert_cmpuint(remb.bitrate_bps, ==, G_MAXUINT64);
  /* ... and the largest exponent that does not overflow is exact: 0x3ffff << 46. */
  guint8 edge[sizeof max];
  memcpy(edge, max, sizeof edge);
  edge[17] = (46 << 2) | 0x03;
  g_assert_true(ar_rtcp_packet_parse(&pkt, edge, sizeof edge));
  g_assert_true(ar_rtcp_remb_parse(&pkt, &remb));
  g_assert_cmpuint(remb.bitrate_bps, ==, G_GUINT64_CONSTANT(0x3ffff) << 46);
  g_assert_cmpint(ar_rtcp_remb_build(out, sizeof out, 9, G_MAXUINT64, NULL, 0), ==, 20);
}

static void
test_refusals(void)
{
  ArRtcpPacket pkt;
  ArRtcpRemb remb;
  guint8 buf[sizeof chrome_remb];
  memcpy(buf, chrome_remb, sizeof buf);
  buf[15] = 'C'; /* "REMC": some other AFB */
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_remb_parse(&pkt, &remb));
  memcpy(buf, chrome_remb, sizeof buf);
  buf[16] = 2; /* two SSRCs announced, one present */
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_remb_parse(&pkt, &remb));
  memcpy(buf, chrome_remb, sizeof buf);
  buf[0] = 0x81; /* PLI FMT */
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_remb_parse(&pkt, &remb));
  static const guint8 shrt[] = {143, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0};
  g_assert_true(ar_rtcp_packet_parse(&pkt, shrt, sizeof shrt));
  g_assert_false(ar_rtcp_remb_parse(&pkt, &remb));

  guint8 out[64];
  guint32 ssrcs[256] = {0};
  g_assert_cmpint(ar_rtcp_remb_build(out, 23, 1, 1, ssrcs, 1), ==, -1);
  g_assert_cmpint(ar_rtcp_remb_build(out, sizeof out, 1, 1, ssrcs, 256), ==, -1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-remb/chrome", test_chrome);
  g_test_add_func("/rtcp-remb/range", test_range);
  g_test_add_func("/rtcp-remb/refusals", test_refusals);
  return g_test_run();
}
