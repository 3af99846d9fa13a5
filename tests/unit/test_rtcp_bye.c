/* Unit tests for RTCP BYE: known packets, reasons, round trips, refusals. */
#include <string.h>

#include "rtcp_bye.h"

static void
test_known(void)
{
  /* pion/rtcp packet_test.go realPacket(), offset 84. */
  static const guint8 bye_pkt[] = {0x81, 0xcb, 0x00, 0x01, 0x90, 0x2f, 0x9e, 0x2e};
  ArRtcpPacket pkt;
  ArRtcpBye bye;
  g_assert_true(ar_rtcp_packet_parse(&pkt, bye_pkt, sizeof bye_pkt));
  g_assert_true(ar_rtcp_bye_parse(&pkt, &bye));
  g_assert_cmpuint(bye.n_ssrcs, ==, 1);
  g_assert_cmpuint(ar_rtcp_bye_ssrc(&bye, 0), ==, 0x902f9e2e);
  g_assert_null(bye.reason);
  guint8 out[16];
  guint32 ssrc = 0x902f9e2e;
  g_assert_cmpint(ar_rtcp_bye_build(out, sizeof out, &ssrc, 1, NULL, 0), ==, 8);
  g_assert_cmpmem(out, 8, bye_pkt, 8);

  /* pion goodbye_test.go "valid" (length field corrected to 2): reason "FOO". */
  static const guint8 foo[] = {0x81, 0xcb, 0x00, 0x02, 0x90, 0x2f,
                               0x9e, 0x2e, 0x03, 0x46, 0x4f, 0x4f};
  g_assert_true(ar_rtcp_packet_parse(&pkt, foo, sizeof foo));
  g_assert_true(ar_rtcp_bye_parse(&pkt, &bye));
  g_assert_cmpmem(bye.reason, bye.reason_len, "FOO", 3);
  g_assert_cmpint(ar_rtcp_bye_build(out, sizeof out, &ssrc, 1, "FOO", 3), ==, 12);
  g_assert_cmpmem(out, 12, foo, 12);

  /* pion "invalid octet count": reason length 4 with 3 bytes left. */
  guint8 bad[sizeof foo];
  memcpy(bad, foo, sizeof bad);
  bad[8] = 4;
  g_assert_true(ar_rtcp_packet_parse(&pkt, bad, sizeof bad));
  g_assert_false(ar_rtcp_bye_parse(&pkt, &bye));
  /* pion "bad count in header": SC 2, one SSRC. */
  static const guint8 sc2[] = {0x82, 0xcb, 0x00, 0x01, 0x90, 0x2f, 0x9e, 0x2e};
  g_assert_true(ar_rtcp_packet_parse(&pkt, sc2, sizeof sc2));
  g_assert_false(ar_rtcp_bye_parse(&pkt, &bye));
  /* pion "empty packet": SC 0 is valid. */
  static const guint8 empty[] = {0x80, 0xcb, 0x00, 0x00};
  g_assert_true(ar_rtcp_packet_parse(&pkt, empty, sizeof empty));
  g_assert_true(ar_rtcp_bye_parse(&pkt, &bye));
  g_assert_cmpuint(bye.n_ssrcs, ==, 0);
}

static void
test_round_trip(void)
{
  guint32 ssrcs[31];
  for (guint i = 0; i < 31; i++)
    ssrcs[i] = 0x01020304u * (i + 1);
  static const char *reasons[] = {NULL, "", "f", "because", "session ended normally"};
  guint8 out[512];
  for (guint r = 0; r < G_N_ELEMENTS(reasons); r++) {
    for (guint n = 0; n <= 31; n += 5) {
      gsize rl = reasons[r] ? strlen(reasons[r]) : 0;
      gssize len = ar_rtcp_bye_build(out, sizeof out, ssrcs, n, reasons[r], rl);
      g_assert_cmpint(len, >, 0);
      g_assert_cmpint(len % 4, ==, 0);
      ArRtcpPacket pkt;
      ArRtcpBye bye;
      g_assert_true(ar_rtcp_packet_parse(&pkt, out, (gsize)len));
      g_assert_cmpuint(pkt.len, ==, (gsize)len);
      g_assert_true(ar_rtcp_bye_parse(&pkt, &bye));
      g_assert_cmpuint(bye.n_ssrcs, ==, n);
      for (guint i = 0; i < n; i++)
        g_assert_cmpuint(ar_rtcp_bye_ssrc(&bye, i), ==, ssrcs[i]);
      g_assert_cmpuint(bye.reason_len, ==, rl);
      if (rl)
        g_assert_cmpmem(bye.reason, rl, reasons[r], rl);
      g_assert_cmpint(ar_rtcp_bye_build(out, (gsize)len - 1, ssrcs, n, reasons[r], rl), ==, -1);
    }
  }
  char big[256];
  memset(big, 'x', sizeof big);
  g_assert_cmpint(ar_rtcp_bye_build(out, sizeof out, ssrcs, 1, big, 256), ==, -1);
  g_assert_cmpint(ar_rtcp_bye_build(out, sizeof out, ssrcs, 1, big, 255), ==, 264);
  guint32 many[32] = {0};
  g_assert_cmpint(ar_rtcp_bye_build(out, sizeof out, many, 32, NULL, 0), ==, -1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-bye/known", test_known);
  g_test_add_func("/rtcp-bye/round-trip", test_round_trip);
  return g_test_run();
}
