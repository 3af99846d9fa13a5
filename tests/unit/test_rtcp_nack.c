/* Unit tests for generic NACK: a known packet expanded to sequence numbers and rebuilt
 * byte-exact, pion's pair-generation cases, wrap-around, duplicates and bounds. */
#include <string.h>

#include "rtcp_nack.h"

/* pion/rtcp transport_layer_nack_test.go "valid": PID 0xaaaa, BLP 0x5555. */
static const guint8 nack_pkt[] = {0x81, 0xcd, 0x00, 0x03, 0x90, 0x2f, 0x9e, 0x2e,
                                  0x90, 0x2f, 0x9e, 0x2e, 0xaa, 0xaa, 0x55, 0x55};

static void
test_known(void)
{
  ArRtcpPacket pkt;
  ArRtcpNack nack;
  guint16 seqs[64];
  g_assert_true(ar_rtcp_packet_parse(&pkt, nack_pkt, sizeof nack_pkt));
  g_assert_cmpuint(ar_rtcp_nack_max_seqs(&pkt), ==, 17);
  gssize n = ar_rtcp_nack_parse(&pkt, &nack, seqs, G_N_ELEMENTS(seqs));
  g_assert_cmpint(n, ==, 9);
  g_assert_cmpuint(nack.sender_ssrc, ==, 0x902f9e2e);
  g_assert_cmpuint(nack.media_ssrc, ==, 0x902f9e2e);
  g_assert_cmpuint(nack.n_pairs, ==, 1);
  /* BLP 0x5555: bits 0, 2, ..., 14 → PID + 1, 3, ..., 15. */
  g_assert_cmpuint(seqs[0], ==, 0xaaaa);
  for (guint i = 1; i < 9; i++)
    g_assert_cmpuint(seqs[i], ==, 0xaaaa + 2 * i - 1);

  guint8 out[64];
  g_assert_cmpint(ar_rtcp_nack_build(out, sizeof out, 0x902f9e2e, 0x902f9e2e, seqs, (gsize)n), ==,
                  sizeof nack_pkt);
  g_assert_cmpmem(out, sizeof nack_pkt, nack_pkt, sizeof nack_pkt);
  /* Output too small for the expansion. */
  g_assert_cmpint(ar_rtcp_nack_parse(&pkt, &nack, seqs, 8), ==, -1);
}

static gssize
build_and_parse(const guint16 *in, gsize n, guint8 *out, gsize cap, guint16 *seqs)
{
  gssize len = ar_rtcp_nack_build(out, cap, 1, 2, in, n);
  if (len < 0)
    return -1;
  ArRtcpPacket pkt;
  ArRtcpNack nack;
  g_assert_true(ar_rtcp_packet_parse(&pkt, out, (gsize)len));
  g_assert_cmpuint(pkt.len, ==, (gsize)len);
  gssize got = ar_rtcp_nack_parse(&pkt, &nack, seqs, 1024);
  g_assert_cmpuint(nack.sender_ssrc, ==, 1);
  g_assert_cmpuint(nack.media_ssrc, ==, 2);
  g_assert_cmpuint(nack.n_pairs, ==, ((gsize)len - 12) / 4);
  return got;
}

static void
test_pair_generation(void)
{
  guint8 out[256];
  guint16 seqs[1024];
  /* pion TestTransportLayerNackPairGeneration. */
  static const guint16 a[] = {100};
  g_assert_cmpint(build_and_parse(a, 1, out, sizeof out, seqs), ==, 1);
  g_assert_cmpuint(ar_be16(out + 12), ==, 100);
  g_assert_cmpuint(ar_be16(out + 14), ==, 0);

  static const guint16 b[] = {100, 101, 105, 115};
  g_assert_cmpint(build_and_parse(b, 4, out, sizeof out, seqs), ==, 4);
  g_assert_cmpuint(ar_be16(out + 2), ==, 3); /* one pair */
  g_assert_cmpuint(ar_be16(out + 14), ==, 0x4011);
  g_assert_cmpmem(seqs, sizeof b, b, sizeof b);

  static const guint16 c[] = {100, 117, 500, 501, 502};
  g_assert_cmpint(build_and_parse(c, 5, out, sizeof out, seqs), ==, 5);
  g_assert_cmpuint(ar_be16(out + 2), ==, 5); /* three pairs */
  static const guint8 pairs[] = {0x00, 0x64, 0x00, 0x00, 0x00, 0x75,
                                 0x00, 0x00, 0x01, 0xf4, 0x00, 0x03};
  g_assert_cmpmem(out + 12, 12, pairs, 12);
  g_assert_cmpmem(seqs, sizeof c, c, sizeof c);

  /* Wrap-around stays in one pair; 16 after the PID is the last bit. */
  static const guint16 w[] = {65534, 65535, 0, 1, 14};
  g_assert_cmpint(build_and_parse(w, 5, out, sizeof out, seqs), ==, 5);
  g_assert_cmpuint(ar_be16(out + 2), ==, 3);
  g_assert_cmpuint(ar_be16(out + 14), ==, 0x8007);
  g_assert_cmpmem(seqs, sizeof w, w, sizeof w);

  /* Duplicates are dropped. */
  static const guint16 d[] = {7, 7, 8, 8, 30, 30};
  g_assert_cmpint(build_and_parse(d, 6, out, sizeof out, seqs), ==, 3);
  static const guint16 d_want[] = {7, 8, 30};
  g_assert_cmpmem(seqs, sizeof d_want, d_want, sizeof d_want);

  /* 300 consecutive losses: 18 pairs (17 seqs each, the last with 11). */
  guint16 many[300];
  for (guint i = 0; i < 300; i++)
    many[i] = (guint16)(65000 + i);
  g_assert_cmpint(build_and_parse(many, 300, out, sizeof out, seqs), ==, 300);
  g_assert_cmpmem(seqs, sizeof many, many, sizeof many);
  g_assert_cmpuint(ar_be16(out + 2), ==, 2 + 18);
}

static void
test_refusals(void)
{
  guint8 out[64];
  static const guint16 c[] = {100, 117, 500};
  g_assert_cmpint(ar_rtcp_nack_build(out, sizeof out, 1, 2, c, 0), ==, -1);
  g_assert_cmpint(ar_rtcp_nack_build(out, 23, 1, 2, c, 3), ==, -1);
  g_assert_cmpint(ar_rtcp_nack_build(out, 24, 1, 2, c, 3), ==, 24);

  ArRtcpPacket pkt;
  ArRtcpNack nack;
  guint16 seqs[32];
  /* pion "short report": no FCI. */
  static const guint8 shrt[] = {0x81, 0xcd, 0x00, 0x02, 0x90, 0x2f, 0x9e, 0x2e, 0, 0, 0, 1};
  g_assert_true(ar_rtcp_packet_parse(&pkt, shrt, sizeof shrt));
  g_assert_cmpint(ar_rtcp_nack_parse(&pkt, &nack, seqs, 32), ==, -1);
  g_assert_cmpuint(ar_rtcp_nack_max_seqs(&pkt), ==, 0);
  /* Wrong FMT (TWCC) and wrong PT (PSFB). */
  guint8 buf[sizeof nack_pkt];
  memcpy(buf, nack_pkt, sizeof buf);
  buf[0] = 0x8f;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_cmpint(ar_rtcp_nack_parse(&pkt, &nack, seqs, 32), ==, -1);
  memcpy(buf, nack_pkt, sizeof buf);
  buf[1] = AR_RTCP_PSFB;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, sizeof buf));
  g_assert_cmpint(ar_rtcp_nack_parse(&pkt, &nack, seqs, 32), ==, -1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-nack/known", test_known);
  g_test_add_func("/rtcp-nack/pair-generation", test_pair_generation);
  g_test_add_func("/rtcp-nack/refusals", test_refusals);
  return g_test_run();
}
