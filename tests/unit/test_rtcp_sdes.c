/* Unit tests for RTCP SDES: a real CNAME from a packet dump, multi-chunk and multi-item packets,
 * CNAME build round trips, and malformed item lists. */
#include <string.h>

#include "rtcp_sdes.h"

/* pion/rtcp packet_test.go realPacket(), offset 32: CNAME "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}"
 * (Firefox's CNAME form). */
static const guint8 sdes_pkt[] = {
    0x81, 0xca, 0x00, 0x0c, 0x90, 0x2f, 0x9e, 0x2e, 0x01, 0x26, 0x7b, 0x39, 0x63,
    0x30, 0x30, 0x65, 0x62, 0x39, 0x32, 0x2d, 0x31, 0x61, 0x66, 0x62, 0x2d, 0x39,
    0x64, 0x34, 0x39, 0x2d, 0x61, 0x34, 0x37, 0x64, 0x2d, 0x39, 0x31, 0x66, 0x36,
    0x34, 0x65, 0x65, 0x65, 0x36, 0x39, 0x66, 0x35, 0x7d, 0x00, 0x00, 0x00, 0x00,
};
static const char cname[] = "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}";

static void
test_parse_real(void)
{
  ArRtcpPacket pkt;
  ArRtcpSdes sdes;
  g_assert_true(ar_rtcp_packet_parse(&pkt, sdes_pkt, sizeof sdes_pkt));
  g_assert_true(ar_rtcp_sdes_parse(&pkt, &sdes));
  g_assert_cmpuint(sdes.n_chunks, ==, 1);
  g_assert_cmpuint(sdes.chunks[0].ssrc, ==, 0x902f9e2e);
  g_assert_cmpmem(sdes.chunks[0].cname, sdes.chunks[0].cname_len, cname, strlen(cname));

  /* Building the same CNAME yields the captured bytes exactly. */
  guint8 out[64];
  gssize n = ar_rtcp_sdes_build_cname(out, sizeof out, 0x902f9e2e, cname, strlen(cname));
  g_assert_cmpint(n, ==, sizeof sdes_pkt);
  g_assert_cmpmem(out, (gsize)n, sdes_pkt, sizeof sdes_pkt);
}

static void
test_chunks_and_items(void)
{
  /* pion source_description_test.go "two chunks" and "two items" (length fields corrected to
   * the bytes present): CNAME A / CNAME BCD, and CNAME A + PHONE B in one chunk. */
  static const guint8 two_chunks[] = {0x82, 0xca, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04,
                                      0x01, 0x01, 0x41, 0x00, 0x05, 0x06, 0x07, 0x08,
                                      0x01, 0x03, 0x42, 0x43, 0x44, 0x00, 0x00, 0x00};
  static const guint8 two_items[] = {0x81, 0xca, 0x00, 0x03, 0x10, 0x00, 0x00, 0x00,
                                     0x04, 0x01, 0x42, 0x01, 0x01, 0x41, 0x00, 0x00};
  ArRtcpPacket pkt;
  ArRtcpSdes sdes;
  g_assert_true(ar_rtcp_packet_parse(&pkt, two_chunks, sizeof two_chunks));
  g_assert_true(ar_rtcp_sdes_parse(&pkt, &sdes));
  g_assert_cmpuint(sdes.n_chunks, ==, 2);
  g_assert_cmpuint(sdes.chunks[0].ssrc, ==, 0x01020304);
  g_assert_cmpmem(sdes.chunks[0].cname, sdes.chunks[0].cname_len, "A", 1);
  g_assert_cmpuint(sdes.chunks[1].ssrc, ==, 0x05060708);
  g_assert_cmpmem(sdes.chunks[1].cname, sdes.chunks[1].cname_len, "BCD", 3);

  g_assert_true(ar_rtcp_packet_parse(&pkt, two_items, sizeof two_items));
  g_assert_true(ar_rtcp_sdes_parse(&pkt, &sdes));
  g_assert_cmpuint(sdes.n_chunks, ==, 1);
  g_assert_cmpmem(sdes.chunks[0].cname, sdes.chunks[0].cname_len, "A", 1);

  /* pion "zero item chunk": END right after the SSRC, no CNAME. */
  static const guint8 none[] = {0x81, 0xca, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0};
  g_assert_true(ar_rtcp_packet_parse(&pkt, none, sizeof none));
  g_assert_true(ar_rtcp_sdes_parse(&pkt, &sdes));
  g_assert_null(sdes.chunks[0].cname);
  /* pion "no chunks": SC 0. */
  static const guint8 empty[] = {0x80, 0xca, 0x00, 0x00};
  g_assert_true(ar_rtcp_packet_parse(&pkt, empty, sizeof empty));
  g_assert_true(ar_rtcp_sdes_parse(&pkt, &sdes));
  g_assert_cmpuint(sdes.n_chunks, ==, 0);
}

static void
test_build_round_trip(void)
{
  guint8 out[300];
  ArRtcpPacket pkt;
  ArRtcpSdes sdes;
  char text[256];
  memset(text, 'x', sizeof text);
  /* Every length from empty to 255: always a multiple of 4, always at least one END octet. */
  for (gsize len = 0; len <= 255; len++) {
    gssize n = ar_rtcp_sdes_build_cname(out, sizeof out, 42, text, len);
    g_assert_cmpint(n, >=, (gssize)(11 + len));
    g_assert_cmpint(n % 4, ==, 0);
    g_assert_true(ar_rtcp_packet_parse(&pkt, out, (gsize)n));
    g_assert_cmpuint(pkt.len, ==, (gsize)n);
    g_assert_true(ar_rtcp_sdes_parse(&pkt, &sdes));
    g_assert_cmpuint(sdes.chunks[0].ssrc, ==, 42);
    g_assert_cmpuint(sdes.chunks[0].cname_len, ==, len);
    g_assert_cmpmem(sdes.chunks[0].cname, len, text, len);
    g_assert_cmpint(ar_rtcp_sdes_build_cname(out, (gsize)n - 1, 42, text, len), ==, -1);
  }
  g_assert_cmpint(ar_rtcp_sdes_build_cname(out, sizeof out, 42, text, 256), ==, -1);
}

static void
test_malformed(void)
{
  ArRtcpPacket pkt;
  ArRtcpSdes sdes;
  /* pion "missing type" / "short cname" / "bad cname length" / "no end", re-framed so the header
   * length is right and only the item list is wrong. */
  static const guint8 no_item[] = {0x81, 0xca, 0x00, 0x01, 0, 0, 0, 0};
  static const guint8 cut_len[] = {0x81, 0xca, 0x00, 0x02, 0, 0, 0, 0, 0x01, 0x05, 0x41, 0x42};
  static const guint8 no_end[] = {0x81, 0xca, 0x00, 0x02, 0, 0, 0, 0, 0x01, 0x02, 0x41, 0x42};
  static const guint8 missing_chunk[] = {0x82, 0xca, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0};
  const guint8 *bad[] = {no_item, cut_len, no_end, missing_chunk};
  const gsize lens[] = {sizeof no_item, sizeof cut_len, sizeof no_end, sizeof missing_chunk};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_true(ar_rtcp_packet_parse(&pkt, bad[i], lens[i]));
    g_assert_false(ar_rtcp_sdes_parse(&pkt, &sdes));
  }
  /* pion "wrong type". */
  g_assert_true(ar_rtcp_packet_parse(&pkt, sdes_pkt, sizeof sdes_pkt));
  pkt.pt = AR_RTCP_SR;
  g_assert_false(ar_rtcp_sdes_parse(&pkt, &sdes));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-sdes/parse-real", test_parse_real);
  g_test_add_func("/rtcp-sdes/chunks-and-items", test_chunks_and_items);
  g_test_add_func("/rtcp-sdes/build-round-trip", test_build_round_trip);
  g_test_add_func("/rtcp-sdes/malformed", test_malformed);
  return g_test_run();
}
