/* Unit tests for the load generator's sans-IO pieces (bench/loadgen): the accounting that turns
 * packets into loss, transit percentiles and jitter, the payload trailer, and the SDP answer a
 * Janus VideoRoom leg sends. The sources are compiled in here because the bench is not part of
 * the core library. */
#include <glib.h>
#include <string.h>

#include "../../bench/loadgen/lg_sdp.c"
#include "../../bench/loadgen/lg_stats.c"

static void
test_trailer_round_trip(void)
{
  guint8 buf[64] = {0};
  lg_trailer_write(buf + sizeof buf, G_GINT64_CONSTANT(123456789012345), 7, 0xfffffffe);
  gint64 t;
  guint32 stream, seq;
  g_assert_true(lg_trailer_read(buf + sizeof buf, &t, &stream, &seq));
  g_assert_cmpint(t, ==, G_GINT64_CONSTANT(123456789012345));
  g_assert_cmpuint(stream, ==, 7);
  g_assert_cmpuint(seq, ==, 0xfffffffe);
  memset(buf, 0, sizeof buf);
  g_assert_false(lg_trailer_read(buf + sizeof buf, &t, &stream, &seq)); /* no send time */
}

/* Three-party: each stream has two receivers; duplicates and packets sent outside the window
 * are not counted; a stream of another visit is foreign. */
static void
test_loss_counts_each_packet_once_per_receiver(void)
{
  LgStats *s = lg_stats_new(6, 3); /* two visits of three */
  g_assert_cmpuint(s->fanout, ==, 2);
  s->win_start_ns = 1000000;
  s->win_end_ns = 2000000;
  /* participant 0 sends 10 audio packets on stream 0 inside the window, one before it */
  lg_stats_sent(s, 0, 999999);
  for (guint32 i = 0; i < 10; i++)
    lg_stats_sent(s, 0, 1000000 + i * 1000);
  /* receiver 1 gets all ten (and one twice), receiver 2 gets nine; transit 500 µs */
  for (guint32 i = 0; i < 10; i++) {
    lg_stats_received(s, 1, 0, i, 1000000 + i * 1000, 1000000 + i * 1000 + 500000);
    if (i != 3)
      lg_stats_received(s, 2, 0, i, 1000000 + i * 1000, 1000000 + i * 1000 + 500000);
  }
  lg_stats_received(s, 1, 0, 4, 1004000, 1600000); /* duplicate */
  lg_stats_received(s, 1, 0, 99, 999999, 1600000); /* sent before the window */
  lg_stats_received(s, 4, 0, 5, 1005000, 1600000); /* receiver 4 is in the other visit */
  LgSummary sum;
  lg_stats_summary(s, &sum);
  g_assert_cmpuint(sum.sent, ==, 10);
  g_assert_cmpuint(sum.expected, ==, 20);
  g_assert_cmpuint(sum.received, ==, 19);
  g_assert_cmpuint(sum.duplicates, ==, 1);
  g_assert_cmpuint(s->foreign, ==, 1);
  g_assert_cmpfloat_with_epsilon(sum.loss_pct, 5.0, 1e-9);
  /* every packet took 500 µs: the 10 µs bucket around it */
  g_assert_cmpfloat(sum.lat_p50_us, >=, 500.0);
  g_assert_cmpfloat(sum.lat_p50_us, <, 510.0);
  g_assert_cmpfloat(sum.lat_p99_us, <, 510.0);
  /* constant transit: no jitter */
  g_assert_cmpfloat(sum.jitter_max_ms, <, 1e-9);
  lg_stats_free(s);
}

static void
test_percentiles_and_jitter(void)
{
  LgStats *s = lg_stats_new(1, 1); /* echo */
  s->win_start_ns = 0;
  s->win_end_ns = G_MAXINT64;
  for (guint32 i = 0; i < 100; i++) {
    gint64 sent = 1 + i * 20000000;
    lg_stats_sent(s, 0, sent);
    /* 98 packets at 1 ms, two at 50 ms: p50 is 1 ms, p99 is 50 ms */
    lg_stats_received(s, 0, 0, i, sent, sent + (i % 50 == 7 ? 50000000 : 1000000));
  }
  LgSummary sum;
  lg_stats_summary(s, &sum);
  g_assert_cmpfloat(sum.loss_pct, ==, 0.0);
  g_assert_cmpfloat(sum.lat_p50_us, >=, 1000.0);
  g_assert_cmpfloat(sum.lat_p50_us, <, 1010.0);
  g_assert_cmpfloat(sum.lat_p99_us, >=, 50000.0);
  g_assert_cmpfloat(sum.lat_max_us, ==, 50000.0);
  g_assert_cmpfloat(sum.jitter_mean_ms, >, 0.0);
  lg_stats_free(s);
}

static const char janus_offer[] =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=VideoRoom 1000\r\nt=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=mid:0\r\n"
    "a=rtcp-mux\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:1111 bogus/1\r\n"
    "a=candidate:1 1 udp 2015363327 127.0.0.1 40000 typ host\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=mid:1\r\n"
    "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\n"
    "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n";

static void
test_answer_receives_what_janus_offers(void)
{
  g_autofree char *a = lg_sdp_answer_for(janus_offer, "uf", "pw", "AA:BB",
                                         "a=candidate:9 1 udp 1 127.0.0.1 1 typ host\r\n");
  g_assert_nonnull(a);
  g_assert_nonnull(strstr(a, "a=group:BUNDLE 0 1\r\n")); /* the rejected mid stays out */
  g_assert_nonnull(strstr(a, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"));
  g_assert_nonnull(strstr(a, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"));
  g_assert_nonnull(strstr(a, "a=rtpmap:111 opus/48000/2\r\n"));
  g_assert_null(strstr(a, "bogus"));
  g_assert_null(strstr(a, "rtx/90000"));
  g_assert_nonnull(strstr(a, "m=application 0 "));
  g_assert_nonnull(strstr(a, "a=inactive"));
  g_assert_nonnull(strstr(a, "a=setup:active"));
  g_assert_null(strstr(a, "sendonly"));
  /* candidates once, in the first accepted m-line (before the video one) */
  const char *cand = strstr(a, "a=candidate:9");
  g_assert_nonnull(cand);
  g_assert_null(strstr(cand + 1, "a=candidate:"));
  g_assert_true(cand < strstr(a, "m=video"));
  g_autofree char *ufrag = lg_sdp_value(a, "a=ice-ufrag:");
  g_assert_cmpstr(ufrag, ==, "uf");
  g_autofree char *mid = lg_sdp_value(janus_offer, "a=mid:");
  g_assert_cmpstr(mid, ==, "0");
  g_assert_null(lg_sdp_value(janus_offer, "a=nothing:"));
  /* an attribute name inside another line is not a line */
  g_assert_null(lg_sdp_value("x=1 a=ice-pwd:no\r\n", "a=ice-pwd:"));
  /* nothing to receive: no answer */
  g_assert_null(lg_sdp_answer_for("v=0\r\nm=audio 0 RTP/AVP 0\r\n", "u", "p", "f", ""));
  g_assert_null(lg_sdp_answer_for("", "u", "p", "f", ""));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/loadgen/trailer", test_trailer_round_trip);
  g_test_add_func("/loadgen/loss-once-per-receiver",
                  test_loss_counts_each_packet_once_per_receiver);
  g_test_add_func("/loadgen/percentiles-jitter", test_percentiles_and_jitter);
  g_test_add_func("/loadgen/janus-answer", test_answer_receives_what_janus_offers);
  return g_test_run();
}
