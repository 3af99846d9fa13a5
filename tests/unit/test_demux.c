/* Unit tests for demux.c: every RFC 7983 first-byte range boundary, the RFC 5761 RTP/RTCP split
 * and the minimum lengths. */
#include "demux.h"

static ArPacketKind
classify_byte(guint8 first, guint8 second, gsize len)
{
  guint8 buf[64] = {0};
  g_assert_cmpuint(len, <=, sizeof buf);
  buf[0] = first;
  buf[1] = second;
  return ar_demux_classify(buf, len);
}

static void
test_boundaries(void)
{
  /* Each row: first byte, expected kind, for a long packet whose second byte is 0x60 (an RTP
   * payload type 96 without marker). */
  static const struct {
    guint8 b;
    ArPacketKind kind;
  } rows[] = {
      {0, AR_PKT_STUN},     {3, AR_PKT_STUN},     {4, AR_PKT_UNKNOWN},   {15, AR_PKT_UNKNOWN},
      {16, AR_PKT_UNKNOWN}, /* ZRTP */
      {19, AR_PKT_UNKNOWN}, {20, AR_PKT_DTLS},    {22, AR_PKT_DTLS},     {63, AR_PKT_DTLS},
      {64, AR_PKT_UNKNOWN}, /* TURN channel */
      {79, AR_PKT_UNKNOWN}, {80, AR_PKT_UNKNOWN}, {127, AR_PKT_UNKNOWN}, {128, AR_PKT_RTP},
      {144, AR_PKT_RTP},    {191, AR_PKT_RTP},    {192, AR_PKT_UNKNOWN}, {255, AR_PKT_UNKNOWN},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_test_message("first byte %u", rows[i].b);
    g_assert_cmpint(classify_byte(rows[i].b, 0x60, 64), ==, rows[i].kind);
  }

  /* The full byte range agrees with the RFC's table. */
  for (guint b = 0; b < 256; b++) {
    ArPacketKind want = AR_PKT_UNKNOWN;
    if (b <= 3)
      want = AR_PKT_STUN;
    else if (b >= 20 && b <= 63)
      want = AR_PKT_DTLS;
    else if (b >= 128 && b <= 191)
      want = AR_PKT_RTP;
    g_assert_cmpint(classify_byte(b, 0x00, 64), ==, want);
  }
}

static void
test_rtp_rtcp(void)
{
  g_assert_cmpint(classify_byte(0x80, 0, 64), ==, AR_PKT_RTP);
  g_assert_cmpint(classify_byte(0x80, 127, 64), ==, AR_PKT_RTP);  /* PT 127, no marker */
  g_assert_cmpint(classify_byte(0x80, 128, 64), ==, AR_PKT_RTP);  /* marker + PT 0 */
  g_assert_cmpint(classify_byte(0x80, 191, 64), ==, AR_PKT_RTP);  /* marker + PT 63 */
  g_assert_cmpint(classify_byte(0x80, 192, 64), ==, AR_PKT_RTCP); /* FIR (192) */
  g_assert_cmpint(classify_byte(0x80, 200, 64), ==, AR_PKT_RTCP); /* SR */
  g_assert_cmpint(classify_byte(0x81, 201, 64), ==, AR_PKT_RTCP); /* RR */
  g_assert_cmpint(classify_byte(0x8f, 206, 64), ==, AR_PKT_RTCP); /* PSFB */
  g_assert_cmpint(classify_byte(0xbf, 223, 64), ==, AR_PKT_RTCP);
  g_assert_cmpint(classify_byte(0x80, 224, 64), ==, AR_PKT_RTP); /* marker + PT 96 */
  g_assert_cmpint(classify_byte(0x80, 255, 64), ==, AR_PKT_RTP);
}

static void
test_min_lengths(void)
{
  g_assert_cmpint(ar_demux_classify(NULL, 0), ==, AR_PKT_UNKNOWN);
  g_assert_cmpint(classify_byte(0, 1, 0), ==, AR_PKT_UNKNOWN);
  g_assert_cmpint(classify_byte(0, 1, 19), ==, AR_PKT_UNKNOWN);
  g_assert_cmpint(classify_byte(0, 1, 20), ==, AR_PKT_STUN);
  g_assert_cmpint(classify_byte(22, 0xfe, 12), ==, AR_PKT_UNKNOWN);
  g_assert_cmpint(classify_byte(22, 0xfe, 13), ==, AR_PKT_DTLS);
  g_assert_cmpint(classify_byte(0x80, 96, 1), ==, AR_PKT_UNKNOWN);
  g_assert_cmpint(classify_byte(0x80, 96, 11), ==, AR_PKT_UNKNOWN);
  g_assert_cmpint(classify_byte(0x80, 96, 12), ==, AR_PKT_RTP);
  g_assert_cmpint(classify_byte(0x80, 200, 7), ==, AR_PKT_UNKNOWN);
  g_assert_cmpint(classify_byte(0x80, 200, 8), ==, AR_PKT_RTCP);
}

static void
test_names(void)
{
  g_assert_cmpstr(ar_demux_kind_name(AR_PKT_STUN), ==, "stun");
  g_assert_cmpstr(ar_demux_kind_name(AR_PKT_DTLS), ==, "dtls");
  g_assert_cmpstr(ar_demux_kind_name(AR_PKT_RTP), ==, "rtp");
  g_assert_cmpstr(ar_demux_kind_name(AR_PKT_RTCP), ==, "rtcp");
  g_assert_cmpstr(ar_demux_kind_name(AR_PKT_UNKNOWN), ==, "unknown");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/demux/boundaries", test_boundaries);
  g_test_add_func("/demux/rtp-rtcp", test_rtp_rtcp);
  g_test_add_func("/demux/min-lengths", test_min_lengths);
  g_test_add_func("/demux/names", test_names);
  return g_test_run();
}
