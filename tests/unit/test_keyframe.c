/* Unit tests for keyframe requests: at most one per interval per stream, a request made during
 * the interval is deferred and released once (unless a keyframe arrives), PLI and FIR on the
 * wire with FIR sequence numbers advancing. */
#include "keyframe.h"
#include "rtcp_fir.h"
#include "rtcp_pli.h"

#define MS G_TIME_SPAN_MILLISECOND

static void
test_rate_limit(void)
{
  ArKeyframe k;
  ar_keyframe_init(&k, 300 * MS);
  g_assert_cmpint(ar_keyframe_next_timeout(&k), ==, G_MAXINT64);
  g_assert_true(ar_keyframe_request(&k, 1000 * MS));
  /* A join, a layer switch and a subscriber PLI within 300 ms: one deferred request. */
  g_assert_false(ar_keyframe_request(&k, 1050 * MS));
  g_assert_false(ar_keyframe_request(&k, 1100 * MS));
  g_assert_false(ar_keyframe_request(&k, 1299 * MS));
  g_assert_cmpint(ar_keyframe_next_timeout(&k), ==, 1300 * MS);
  g_assert_false(ar_keyframe_poll(&k, 1299 * MS));
  g_assert_true(ar_keyframe_poll(&k, 1300 * MS));
  g_assert_false(ar_keyframe_poll(&k, 1700 * MS)); /* released once */
  g_assert_cmpuint(k.sent, ==, 2);
  g_assert_cmpuint(k.requested, ==, 4);
  /* Over 10 s of a request every 10 ms, at most 1 + 10 s / 300 ms go out. */
  guint sent = 0;
  for (gint64 t = 2000 * MS; t < 12000 * MS; t += 10 * MS) {
    sent += ar_keyframe_request(&k, t);
    sent += ar_keyframe_poll(&k, t);
  }
  g_assert_cmpuint(sent, ==, 34);
}

static void
test_keyframe_cancels_deferred(void)
{
  ArKeyframe k;
  ar_keyframe_init(&k, 300 * MS);
  g_assert_true(ar_keyframe_request(&k, 0));
  g_assert_false(ar_keyframe_request(&k, 100 * MS));
  ar_keyframe_received(&k);
  g_assert_cmpint(ar_keyframe_next_timeout(&k), ==, G_MAXINT64);
  g_assert_false(ar_keyframe_poll(&k, 400 * MS));
  g_assert_true(ar_keyframe_request(&k, 400 * MS));
}

static void
test_build(void)
{
  ArKeyframe k;
  ar_keyframe_init(&k, 0);
  g_assert_cmpint(k.min_interval_us, ==, AR_KEYFRAME_DEFAULT_INTERVAL_US);
  guint8 buf[64];
  ArRtcpPacket pkt;
  gssize n = ar_keyframe_build(&k, buf, sizeof buf, FALSE, 0x11, 0x22);
  g_assert_cmpint(n, ==, AR_RTCP_PLI_LEN);
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, (gsize)n));
  ArRtcpPli pli;
  g_assert_true(ar_rtcp_pli_parse(&pkt, &pli));
  g_assert_cmpuint(pli.sender_ssrc, ==, 0x11);
  g_assert_cmpuint(pli.media_ssrc, ==, 0x22);
  for (guint8 want = 1; want <= 2; want++) {
    n = ar_keyframe_build(&k, buf, sizeof buf, TRUE, 0x11, 0x22);
    g_assert_cmpint(n, >, 0);
    g_assert_true(ar_rtcp_packet_parse(&pkt, buf, (gsize)n));
    ArRtcpFir fir;
    g_assert_true(ar_rtcp_fir_parse(&pkt, &fir));
    ArRtcpFirEntry e;
    ar_rtcp_fir_entry(&fir, 0, &e);
    g_assert_cmpuint(e.ssrc, ==, 0x22);
    g_assert_cmpuint(e.seq, ==, want);
  }
  g_assert_cmpint(ar_keyframe_build(&k, buf, 8, FALSE, 1, 2), ==, -1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/keyframe/rate-limit", test_rate_limit);
  g_test_add_func("/keyframe/keyframe-cancels-deferred", test_keyframe_cancels_deferred);
  g_test_add_func("/keyframe/build", test_build);
  return g_test_run();
}
