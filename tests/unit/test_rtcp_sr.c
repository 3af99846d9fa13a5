/* Unit tests for the RTCP sender report: a known packet parsed field by field and rebuilt
 * byte-exact, round trips, and refusals. */
#include <string.h>

#include "rtcp_asserts.h"
#include "rtcp_sr.h"

/* pion/rtcp sender_report_test.go "valid": SR with one report block. pion's per-type decoder
 * ignores the length field, which says 7 there; corrected to 12 (52 bytes) here. */
static const guint8 sr_pkt[] = {
    0x81, 0xc8, 0x00, 0x0c, 0x90, 0x2f, 0x9e, 0x2e, 0xda, 0x8b, 0xd1, 0xfc, 0xdd,
    0xdd, 0xa0, 0x5a, 0xaa, 0xf4, 0xed, 0xd5, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x02, 0xbc, 0x5e, 0x9a, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
    0xe1, 0x00, 0x00, 0x01, 0x11, 0x09, 0xf3, 0x64, 0x32, 0x00, 0x02, 0x4a, 0x79,
};

static void
test_parse_known(void)
{
  ArRtcpPacket pkt;
  ArRtcpSr sr;
  ArRtcpReportBlock rb;
  g_assert_true(ar_rtcp_packet_parse(&pkt, sr_pkt, sizeof sr_pkt));
  g_assert_true(ar_rtcp_sr_parse(&pkt, &sr));
  g_assert_cmpuint(sr.ssrc, ==, 0x902f9e2e);
  g_assert_cmpuint(sr.ntp, ==, G_GUINT64_CONSTANT(0xda8bd1fcdddda05a));
  g_assert_cmpuint(sr.rtp_ts, ==, 0xaaf4edd5);
  g_assert_cmpuint(sr.packet_count, ==, 1);
  g_assert_cmpuint(sr.octet_count, ==, 2);
  g_assert_cmpuint(sr.n_reports, ==, 1);
  ar_rtcp_sr_report(&sr, 0, &rb);
  g_assert_cmpuint(rb.ssrc, ==, 0xbc5e9a40);
  g_assert_cmpuint(rb.fraction_lost, ==, 0);
  g_assert_cmpint(rb.cumulative_lost, ==, 0);
  g_assert_cmpuint(rb.highest_seq, ==, 0x46e1);
  g_assert_cmpuint(rb.jitter, ==, 273);
  g_assert_cmpuint(rb.lsr, ==, 0x9f36432);
  g_assert_cmpuint(rb.dlsr, ==, 150137);

  guint8 out[64];
  g_assert_cmpint(ar_rtcp_sr_build(out, sizeof out, &sr, &rb, 1), ==, sizeof sr_pkt);
  g_assert_cmpmem(out, sizeof sr_pkt, sr_pkt, sizeof sr_pkt);
}

static void
test_profile_extension(void)
{
  /* pion "with extension" (issue #447), length field corrected to cover the 28 extra bytes:
   * an SR with no blocks followed by profile-specific data, which is skipped. */
  static const guint8 ext[] = {
      0x80, 0xc8, 0x00, 0x0d, 0x2b, 0x7e, 0xc0, 0xc5, 0xe0, 0x20, 0xa2, 0xa9, 0x52, 0xa5,
      0x3f, 0xc0, 0x2e, 0x48, 0xa5, 0x52, 0x00, 0x00, 0x00, 0x46, 0x00, 0x00, 0x12, 0x1d,
      0x81, 0xca, 0x00, 0x06, 0x2b, 0x7e, 0xc0, 0xc5, 0x01, 0x10, 0x4c, 0x63, 0x49, 0x66,
      0x7a, 0x58, 0x6f, 0x6e, 0x44, 0x6f, 0x72, 0x64, 0x53, 0x65, 0x57, 0x36, 0x00, 0x00,
  };
  ArRtcpPacket pkt;
  ArRtcpSr sr;
  g_assert_true(ar_rtcp_packet_parse(&pkt, ext, sizeof ext));
  g_assert_true(ar_rtcp_sr_parse(&pkt, &sr));
  g_assert_cmpuint(sr.ssrc, ==, 0x2b7ec0c5);
  g_assert_cmpuint(sr.ntp, ==, G_GUINT64_CONSTANT(0xe020a2a952a53fc0));
  g_assert_cmpuint(sr.packet_count, ==, 70);
  g_assert_cmpuint(sr.octet_count, ==, 4637);
  g_assert_cmpuint(sr.n_reports, ==, 0);
}

static void
test_round_trip(void)
{
  ArRtcpSr in = {.ssrc = 1, .ntp = 999, .rtp_ts = 555, .packet_count = 32, .octet_count = 11};
  ArRtcpReportBlock blocks[AR_RTCP_MAX_COUNT];
  for (guint i = 0; i < G_N_ELEMENTS(blocks); i++) {
    blocks[i] = (ArRtcpReportBlock){.ssrc = 2 + i,
                                    .fraction_lost = (guint8)(i * 8),
                                    .cumulative_lost = i % 2 ? -(gint32)i * 1000 : (gint32)i,
                                    .highest_seq = 0x10000 * i + 4,
                                    .jitter = 5,
                                    .lsr = 6,
                                    .dlsr = 7};
  }
  guint8 out[1024];
  gssize n = ar_rtcp_sr_build(out, sizeof out, &in, blocks, 31);
  g_assert_cmpint(n, ==, 28 + 31 * 24);
  ArRtcpPacket pkt;
  ArRtcpSr sr;
  g_assert_true(ar_rtcp_packet_parse(&pkt, out, (gsize)n));
  g_assert_cmpuint(pkt.len, ==, (gsize)n);
  g_assert_true(ar_rtcp_sr_parse(&pkt, &sr));
  g_assert_cmpuint(sr.ssrc, ==, 1);
  g_assert_cmpuint(sr.ntp, ==, 999);
  g_assert_cmpuint(sr.rtp_ts, ==, 555);
  g_assert_cmpuint(sr.packet_count, ==, 32);
  g_assert_cmpuint(sr.octet_count, ==, 11);
  g_assert_cmpuint(sr.n_reports, ==, 31);
  for (guint i = 0; i < 31; i++) {
    ArRtcpReportBlock rb;
    ar_rtcp_sr_report(&sr, i, &rb);
    assert_block_eq(&rb, &blocks[i]);
  }
}

static void
test_refusals(void)
{
  ArRtcpSr in = {0};
  ArRtcpReportBlock blocks[32] = {0};
  guint8 out[1024];
  g_assert_cmpint(ar_rtcp_sr_build(out, sizeof out, &in, blocks, 32), ==, -1);
  g_assert_cmpint(ar_rtcp_sr_build(out, 51, &in, blocks, 1), ==, -1);
  g_assert_cmpint(ar_rtcp_sr_build(out, 52, &in, blocks, 1), ==, 52);

  ArRtcpPacket pkt;
  ArRtcpSr sr;
  guint8 buf[sizeof sr_pkt];
  /* pion "bad count in header": RC 2 with one block's worth of bytes. */
  memcpy(buf, sr_pkt, sizeof buf);
  buf[0] = 0x82;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_sr_parse(&pkt, &sr));
  /* pion "wrong type": an RR is not an SR. */
  memcpy(buf, sr_pkt, sizeof buf);
  buf[1] = AR_RTCP_RR;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_sr_parse(&pkt, &sr));
  /* Shorter than the sender info. */
  static const guint8 shrt[] = {0x80, 0xc8, 0x00, 0x01, 0, 0, 0, 1};
  g_assert_true(ar_rtcp_packet_parse(&pkt, shrt, sizeof shrt));
  g_assert_false(ar_rtcp_sr_parse(&pkt, &sr));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-sr/parse-known", test_parse_known);
  g_test_add_func("/rtcp-sr/profile-extension", test_profile_extension);
  g_test_add_func("/rtcp-sr/round-trip", test_round_trip);
  g_test_add_func("/rtcp-sr/refusals", test_refusals);
  return g_test_run();
}
