/* Unit tests for PLI: known packets, byte-exact build, refusals. */
#include <string.h>

#include "rtcp_pli.h"

static void
test_known(void)
{
  /* pion/rtcp picture_loss_indication_test.go "valid". */
  static const guint8 pli_pkt[] = {0x81, 0xce, 0x00, 0x02, 0x00, 0x00,
                                   0x00, 0x00, 0x4b, 0xc4, 0xfc, 0xb4};
  ArRtcpPacket pkt;
  ArRtcpPli pli;
  g_assert_true(ar_rtcp_packet_parse(&pkt, pli_pkt, sizeof pli_pkt));
  g_assert_true(ar_rtcp_pli_parse(&pkt, &pli));
  g_assert_cmpuint(pli.sender_ssrc, ==, 0);
  g_assert_cmpuint(pli.media_ssrc, ==, 0x4bc4fcb4);
  guint8 out[12];
  g_assert_cmpint(ar_rtcp_pli_build(out, sizeof out, 0, 0x4bc4fcb4), ==, 12);
  g_assert_cmpmem(out, 12, pli_pkt, 12);
  g_assert_cmpint(ar_rtcp_pli_build(out, 11, 0, 0x4bc4fcb4), ==, -1);

  /* Round trip. */
  g_assert_cmpint(ar_rtcp_pli_build(out, sizeof out, 5000, 6000), ==, 12);
  g_assert_true(ar_rtcp_packet_parse(&pkt, out, sizeof out));
  g_assert_true(ar_rtcp_pli_parse(&pkt, &pli));
  g_assert_cmpuint(pli.sender_ssrc, ==, 5000);
  g_assert_cmpuint(pli.media_ssrc, ==, 6000);

  /* pion "wrong type" (RR) and "wrong fmt" (FMT 2 = SLI). */
  guint8 buf[12];
  memcpy(buf, pli_pkt, sizeof buf);
  buf[1] = AR_RTCP_RR;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_pli_parse(&pkt, &pli));
  memcpy(buf, pli_pkt, sizeof buf);
  buf[0] = 0x82;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_pli_parse(&pkt, &pli));
  /* Too short for the two SSRCs. */
  static const guint8 shrt[] = {0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1};
  g_assert_true(ar_rtcp_packet_parse(&pkt, shrt, sizeof shrt));
  g_assert_false(ar_rtcp_pli_parse(&pkt, &pli));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-pli/known", test_known);
  return g_test_run();
}
