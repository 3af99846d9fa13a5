/* Unit tests for the TWCC send side: sequence stamping across the wrap, matching feedback (built
 * with rtcp_twcc's builder) to sends, duplicates, late arrivals after a loss report, skipped
 * leading losses, lost feedback, the 24-bit reference-time wrap, and junk. */
#include "rtcp_twcc.h"
#include "twcc_sender.h"

/* Builds feedback for the given (seq, arrival) pairs and feeds it to s. */
static ArTwccReport
feed(ArTwccSender *s, guint8 fb_count, const ArRtcpTwccArrival *arr, gsize n, gint64 now)
{
  guint8 buf[1500];
  gsize consumed;
  gssize len = ar_rtcp_twcc_build(buf, sizeof buf, 1, 2, fb_count, arr, n, &consumed);
  g_assert_cmpint(len, >, 0);
  g_assert_cmpuint(consumed, ==, n);
  ArRtcpPacket pkt;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, (gsize)len));
  ArTwccReport rep;
  g_assert_true(ar_twcc_sender_on_feedback(s, &pkt, now, &rep));
  g_assert_cmpint(rep.feedback_us, ==, now);
  return rep;
}

static void
test_match(void)
{
  g_autoptr(ArTwccSender) s = ar_twcc_sender_new();
  for (guint i = 0; i < 10; i++)
    g_assert_cmpuint(ar_twcc_sender_on_send(s, 100 + i, 1000000 + i * 1000), ==, i);
  /* 0..9 sent; 3 and 4 lost; 6 arrives before 5. */
  ArRtcpTwccArrival arr[] = {{0, 5000000}, {1, 5001000}, {2, 5002250}, {5, 5006000},
                             {6, 5005000}, {7, 5007000}, {8, 5008000}, {9, 5009000}};
  ArTwccReport rep = feed(s, 0, arr, G_N_ELEMENTS(arr), 2000000);
  g_assert_cmpuint(rep.n, ==, 10);
  for (guint i = 0; i < 10; i++) {
    const ArTwccPacketResult *p = &rep.packets[i];
    g_assert_cmpint(p->seq, ==, i);
    g_assert_cmpint(p->send_us, ==, 1000000 + i * 1000);
    g_assert_cmpuint(p->size, ==, 100 + i);
    g_assert_false(p->was_lost);
    g_assert_cmpint(p->received, ==, i != 3 && i != 4);
  }
  /* Arrival times keep their differences exactly (250 us grid). */
  g_assert_cmpint(rep.packets[2].arrival_us - rep.packets[0].arrival_us, ==, 2250);
  g_assert_cmpint(rep.packets[6].arrival_us - rep.packets[5].arrival_us, ==, -1000);
  g_assert_cmpint(rep.packets[9].arrival_us - rep.packets[0].arrival_us, ==, 9000);

  /* The same feedback again teaches nothing; then 4 arrives late. */
  rep = feed(s, 1, arr, G_N_ELEMENTS(arr), 2100000);
  g_assert_cmpuint(rep.n, ==, 0);
  ArRtcpTwccArrival late[] = {{4, 5010000}, {9, 5009000}};
  rep = feed(s, 2, late, G_N_ELEMENTS(late), 2200000);
  g_assert_cmpuint(rep.n, ==, 1);
  g_assert_cmpint(rep.packets[0].seq, ==, 4);
  g_assert_true(rep.packets[0].received);
  g_assert_true(rep.packets[0].was_lost);

  ArTwccSenderStats st;
  ar_twcc_sender_get_stats(s, &st);
  g_assert_cmpuint(st.sent, ==, 10);
  g_assert_cmpuint(st.feedbacks, ==, 3);
  g_assert_cmpuint(st.feedbacks_lost, ==, 0);
}

static void
test_wrap(void)
{
  g_autoptr(ArTwccSender) s = ar_twcc_sender_new();
  for (guint i = 0; i < 65534; i++)
    ar_twcc_sender_on_send(s, 1000, i);
  g_assert_cmpuint(ar_twcc_sender_on_send(s, 1200, 70000000), ==, 65534);
  g_assert_cmpuint(ar_twcc_sender_on_send(s, 1201, 70001000), ==, 65535);
  g_assert_cmpuint(ar_twcc_sender_on_send(s, 1202, 70002000), ==, 0);
  g_assert_cmpuint(ar_twcc_sender_on_send(s, 1203, 70003000), ==, 1);
  ArRtcpTwccArrival arr[] = {{65534, 80000000}, {65535, 80001000}, {0, 80002000}, {1, 80003000}};
  ArTwccReport rep = feed(s, 0, arr, 4, 71000000);
  g_assert_cmpuint(rep.n, ==, 4);
  for (guint i = 0; i < 4; i++) {
    g_assert_cmpint(rep.packets[i].seq, ==, 65534 + i);
    g_assert_cmpuint(rep.packets[i].size, ==, 1200 + i);
    g_assert_cmpint(rep.packets[i].send_us, ==, 70000000 + i * 1000);
  }
  /* Feedback about numbers older than the history or never sent is counted and ignored. */
  ArRtcpTwccArrival old[] = {{2, 80004000}, {100, 80005000}};
  rep = feed(s, 1, old, 2, 71100000);
  g_assert_cmpuint(rep.n, ==, 0);
  ArTwccSenderStats st;
  ar_twcc_sender_get_stats(s, &st);
  g_assert_cmpuint(st.unknown, >=, 2);
}

/* Leading losses a receiver skipped are inferred when the feedback count is consecutive, and not
 * when a feedback packet went missing in between. */
static void
test_gaps(void)
{
  g_autoptr(ArTwccSender) s = ar_twcc_sender_new();
  for (guint i = 0; i < 30; i++)
    ar_twcc_sender_on_send(s, 500, i * 1000);
  ArRtcpTwccArrival a[] = {{0, 100000}, {1, 101000}, {2, 102000}};
  g_assert_cmpuint(feed(s, 7, a, 3, 200000).n, ==, 3);
  ArRtcpTwccArrival b[] = {{5, 105000}, {6, 106000}};
  ArTwccReport rep = feed(s, 8, b, 2, 300000);
  g_assert_cmpuint(rep.n, ==, 4);
  g_assert_cmpint(rep.packets[0].seq, ==, 3);
  g_assert_false(rep.packets[0].received);
  g_assert_cmpint(rep.packets[1].seq, ==, 4);
  g_assert_false(rep.packets[1].received);
  /* Count 9 is missing: 7..9 may have been in it, so they are not declared lost. */
  ArRtcpTwccArrival c[] = {{10, 110000}};
  rep = feed(s, 10, c, 1, 400000);
  g_assert_cmpuint(rep.n, ==, 1);
  g_assert_cmpint(rep.packets[0].seq, ==, 10);
  ArTwccSenderStats st;
  ar_twcc_sender_get_stats(s, &st);
  g_assert_cmpuint(st.feedbacks_lost, ==, 1);
}

/* The receiver's 24-bit reference time wraps after 12.4 days: arrivals stay continuous. */
static void
test_reference_wrap(void)
{
  g_autoptr(ArTwccSender) s = ar_twcc_sender_new();
  ar_twcc_sender_on_send(s, 500, 0);
  ar_twcc_sender_on_send(s, 500, 1000);
  gint64 wrap = (gint64)0x1000000 * AR_TWCC_REF_TIME_US;
  ArRtcpTwccArrival a[] = {{0, wrap - 10000}};
  ArRtcpTwccArrival b[] = {{1, wrap + 20000}};
  ArTwccReport r1 = feed(s, 0, a, 1, 100000);
  gint64 t0 = r1.packets[0].arrival_us;
  ArTwccReport r2 = feed(s, 1, b, 1, 200000);
  g_assert_cmpint(r2.packets[0].arrival_us - t0, ==, 30000);
}

static void
test_malformed(void)
{
  g_autoptr(ArTwccSender) s = ar_twcc_sender_new();
  ar_twcc_sender_on_send(s, 500, 0);
  /* A TWCC header claiming 5 statuses with no chunks; then a PLI. */
  const guint8 trunc[] = {0x8f, 205, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0};
  const guint8 pli[] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
  ArRtcpPacket pkt;
  ArTwccReport rep;
  g_assert_true(ar_rtcp_packet_parse(&pkt, trunc, sizeof trunc));
  g_assert_false(ar_twcc_sender_on_feedback(s, &pkt, 0, &rep));
  g_assert_true(ar_rtcp_packet_parse(&pkt, pli, sizeof pli));
  g_assert_false(ar_twcc_sender_on_feedback(s, &pkt, 0, &rep));
  ArTwccSenderStats st;
  ar_twcc_sender_get_stats(s, &st);
  g_assert_cmpuint(st.malformed, ==, 2);
  g_assert_cmpuint(st.feedbacks, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/twcc-sender/match", test_match);
  g_test_add_func("/twcc-sender/wrap", test_wrap);
  g_test_add_func("/twcc-sender/gaps", test_gaps);
  g_test_add_func("/twcc-sender/reference-wrap", test_reference_wrap);
  g_test_add_func("/twcc-sender/malformed", test_malformed);
  return g_test_run();
}
