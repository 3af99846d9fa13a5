/* Unit tests for the RTCP receiver report and the report block codec. */
#include <string.h>

#include "rtcp_asserts.h"
#include "rtcp_rr.h"

/* pion/rtcp receiver_report_test.go "valid" (also the first packet of pion's realPacket dump). */
static const guint8 rr_pkt[] = {
    0x81, 0xc9, 0x00, 0x07, 0x90, 0x2f, 0x9e, 0x2e, 0xbc, 0x5e, 0x9a, 0x40, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x46, 0xe1, 0x00, 0x00, 0x01, 0x11, 0x09, 0xf3, 0x64, 0x32, 0x00, 0x02, 0x4a, 0x79,
};

static void
test_parse_known(void)
{
  ArRtcpPacket pkt;
  ArRtcpRr rr;
  ArRtcpReportBlock rb;
  g_assert_true(ar_rtcp_packet_parse(&pkt, rr_pkt, sizeof rr_pkt));
  g_assert_true(ar_rtcp_rr_parse(&pkt, &rr));
  g_assert_cmpuint(rr.ssrc, ==, 0x902f9e2e);
  g_assert_cmpuint(rr.n_reports, ==, 1);
  ar_rtcp_rr_report(&rr, 0, &rb);
  g_assert_cmpuint(rb.ssrc, ==, 0xbc5e9a40);
  g_assert_cmpuint(rb.highest_seq, ==, 0x46e1);
  g_assert_cmpuint(rb.jitter, ==, 273);
  g_assert_cmpuint(rb.lsr, ==, 0x9f36432);
  g_assert_cmpuint(rb.dlsr, ==, 150137);
  guint8 out[64];
  g_assert_cmpint(ar_rtcp_rr_build(out, sizeof out, rr.ssrc, &rb, 1), ==, sizeof rr_pkt);
  g_assert_cmpmem(out, sizeof rr_pkt, rr_pkt, sizeof rr_pkt);
}

static void
test_extension_data(void)
{
  /* pion "valid with extension data": 8 bytes of profile-specific data after the block. */
  guint8 buf[40];
  memcpy(buf, rr_pkt, sizeof rr_pkt);
  buf[3] = 9;
  memcpy(buf + 32, "TESTDATA", 8);
  ArRtcpPacket pkt;
  ArRtcpRr rr;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_true(ar_rtcp_rr_parse(&pkt, &rr));
  g_assert_cmpuint(rr.n_reports, ==, 1);
}

static void
test_lost_sign_and_clamp(void)
{
  ArRtcpReportBlock in = {.ssrc = 9, .fraction_lost = 255, .cumulative_lost = -5}, out;
  guint8 b[24];
  ar_rtcp_report_block_write(b, &in);
  g_assert_cmpuint(b[5], ==, 0xff);
  g_assert_cmpuint(b[7], ==, 0xfb);
  ar_rtcp_report_block_read(b, &out);
  g_assert_cmpint(out.cumulative_lost, ==, -5);
  g_assert_cmpuint(out.fraction_lost, ==, 255);
  in.cumulative_lost = 1 << 25; /* saturates at the 24-bit maximum */
  ar_rtcp_report_block_write(b, &in);
  ar_rtcp_report_block_read(b, &out);
  g_assert_cmpint(out.cumulative_lost, ==, 0x7fffff);
  in.cumulative_lost = -(1 << 25);
  ar_rtcp_report_block_write(b, &in);
  ar_rtcp_report_block_read(b, &out);
  g_assert_cmpint(out.cumulative_lost, ==, -0x800000);
}

static void
test_round_trip_and_refusals(void)
{
  ArRtcpReportBlock blocks[2] = {
      {.ssrc = 2,
       .fraction_lost = 2,
       .cumulative_lost = 3,
       .highest_seq = 4,
       .jitter = 5,
       .lsr = 6,
       .dlsr = 7},
      {.ssrc = 999,
       .fraction_lost = 30,
       .cumulative_lost = 12345,
       .highest_seq = 99,
       .jitter = 22,
       .lsr = 92,
       .dlsr = 46},
  };
  guint8 out[128];
  gssize n = ar_rtcp_rr_build(out, sizeof out, 1, blocks, 2);
  g_assert_cmpint(n, ==, 56);
  ArRtcpPacket pkt;
  ArRtcpRr rr;
  g_assert_true(ar_rtcp_packet_parse(&pkt, out, (gsize)n));
  g_assert_true(ar_rtcp_rr_parse(&pkt, &rr));
  g_assert_cmpuint(rr.ssrc, ==, 1);
  g_assert_cmpuint(rr.n_reports, ==, 2);
  for (guint i = 0; i < 2; i++) {
    ArRtcpReportBlock rb;
    ar_rtcp_rr_report(&rr, i, &rb);
    assert_block_eq(&rb, &blocks[i]);
  }
  /* Zero blocks: the 8-byte empty RR that opens a compound from a receive-only endpoint. */
  g_assert_cmpint(ar_rtcp_rr_build(out, 8, 7, NULL, 0), ==, 8);
  static const guint8 empty[] = {0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 7};
  g_assert_cmpmem(out, 8, empty, 8);
  g_assert_cmpint(ar_rtcp_rr_build(out, 7, 7, NULL, 0), ==, -1);
  g_assert_cmpint(ar_rtcp_rr_build(out, sizeof out, 1, blocks, 32), ==, -1);

  /* pion "bad count in header" (RC 2, one block) and "wrong type" (SR). */
  guint8 buf[sizeof rr_pkt];
  memcpy(buf, rr_pkt, sizeof buf);
  buf[0] = 0x82;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_rr_parse(&pkt, &rr));
  memcpy(buf, rr_pkt, sizeof buf);
  buf[1] = AR_RTCP_SR;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_rr_parse(&pkt, &rr));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-rr/parse-known", test_parse_known);
  g_test_add_func("/rtcp-rr/extension-data", test_extension_data);
  g_test_add_func("/rtcp-rr/lost-sign-and-clamp", test_lost_sign_and_clamp);
  g_test_add_func("/rtcp-rr/round-trip-and-refusals", test_round_trip_and_refusals);
  return g_test_run();
}
