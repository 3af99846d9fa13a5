/* Unit tests for FIR: known packets with one and two entries, byte-exact build, refusals. */
#include <string.h>

#include "rtcp_fir.h"

/* pion/rtcp full_intra_request_test.go "also valid": two entries (0x12345678 #0x42,
 * 0x98765432 #0x57). */
static const guint8 fir_pkt[] = {
    0x84, 0xce, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x4b, 0xc4, 0xfc, 0xb4, 0x12, 0x34,
    0x56, 0x78, 0x42, 0x00, 0x00, 0x00, 0x98, 0x76, 0x54, 0x32, 0x57, 0x00, 0x00, 0x00,
};

static void
test_known(void)
{
  ArRtcpPacket pkt;
  ArRtcpFir fir;
  ArRtcpFirEntry e;
  g_assert_true(ar_rtcp_packet_parse(&pkt, fir_pkt, sizeof fir_pkt));
  g_assert_true(ar_rtcp_fir_parse(&pkt, &fir));
  g_assert_cmpuint(fir.sender_ssrc, ==, 0);
  g_assert_cmpuint(fir.media_ssrc, ==, 0x4bc4fcb4);
  g_assert_cmpuint(fir.n_entries, ==, 2);
  ar_rtcp_fir_entry(&fir, 0, &e);
  g_assert_cmpuint(e.ssrc, ==, 0x12345678);
  g_assert_cmpuint(e.seq, ==, 0x42);
  ar_rtcp_fir_entry(&fir, 1, &e);
  g_assert_cmpuint(e.ssrc, ==, 0x98765432);
  g_assert_cmpuint(e.seq, ==, 0x57);

  /* pion "valid": the first entry alone; our builder writes media SSRC 0 as RFC 5104 says. */
  static const guint8 one[] = {0x84, 0xce, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                               0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x42, 0x00, 0x00, 0x00};
  ArRtcpFirEntry entries[2] = {{0x12345678, 0x42}, {0x98765432, 0x57}};
  guint8 out[64];
  g_assert_cmpint(ar_rtcp_fir_build(out, sizeof out, 0, entries, 1), ==, sizeof one);
  g_assert_cmpmem(out, sizeof one, one, sizeof one);
  gssize n = ar_rtcp_fir_build(out, sizeof out, 5000, entries, 2);
  g_assert_cmpint(n, ==, 28);
  g_assert_true(ar_rtcp_packet_parse(&pkt, out, (gsize)n));
  g_assert_true(ar_rtcp_fir_parse(&pkt, &fir));
  g_assert_cmpuint(fir.sender_ssrc, ==, 5000);
  g_assert_cmpuint(fir.n_entries, ==, 2);
  ar_rtcp_fir_entry(&fir, 1, &e);
  g_assert_cmpuint(e.ssrc, ==, 0x98765432);
  g_assert_cmpuint(e.seq, ==, 0x57);
  g_assert_cmpint(ar_rtcp_fir_build(out, 27, 0, entries, 2), ==, -1);
  g_assert_cmpint(ar_rtcp_fir_build(out, sizeof out, 0, entries, 0), ==, -1);
}

static void
test_refusals(void)
{
  ArRtcpPacket pkt;
  ArRtcpFir fir;
  guint8 buf[sizeof fir_pkt];
  /* pion "wrong type" (RR), "wrong fmt" (FMT 2), "wrong length" (len 3: half an entry). */
  memcpy(buf, fir_pkt, sizeof buf);
  buf[1] = AR_RTCP_RR;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_fir_parse(&pkt, &fir));
  memcpy(buf, fir_pkt, sizeof buf);
  buf[0] = 0x82;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_false(ar_rtcp_fir_parse(&pkt, &fir));
  memcpy(buf, fir_pkt, sizeof buf);
  buf[3] = 3;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, 16));
  g_assert_false(ar_rtcp_fir_parse(&pkt, &fir));
  buf[3] = 2; /* no entries at all */
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, 12));
  g_assert_false(ar_rtcp_fir_parse(&pkt, &fir));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-fir/known", test_known);
  g_test_add_func("/rtcp-fir/refusals", test_refusals);
  return g_test_run();
}
