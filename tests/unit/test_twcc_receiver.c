/* Unit tests for the TWCC receive side: every feedback is decoded with rtcp_twcc's parser and must
 * report exactly the recorded arrivals (across the 16-bit wrap, with loss and reordering), losses
 * as not received, and come at the right times; memory stays bounded on wild sequence jumps. */
#include <string.h>

#include "rtcp_twcc.h"
#include "twcc_receiver.h"

#define N_SEQ 4000

/* What all feedback said about each sequence number (indexed from the first one sent). */
typedef struct {
  guint16 first_seq;
  gboolean reported_received[N_SEQ];
  gboolean reported_lost[N_SEQ];
  gint64 arrival_us[N_SEQ];
  guint feedbacks;
  gint last_fb_count;
} Seen;

static void
decode(Seen *seen, const guint8 *buf, gsize len)
{
  static ArRtcpTwccStatus st[65536];
  ArRtcpPacket pkt;
  ArRtcpTwcc hdr;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, len));
  g_assert_cmpuint(pkt.len, ==, len);
  gssize n = ar_rtcp_twcc_parse(&pkt, &hdr, st, G_N_ELEMENTS(st));
  g_assert_cmpint(n, >, 0);
  g_assert_cmpuint(hdr.sender_ssrc, ==, 0x11112222);
  g_assert_cmpuint(hdr.media_ssrc, ==, 0x33334444);
  g_assert_cmpint(hdr.fb_count, ==, (guint8)(seen->last_fb_count + 1));
  seen->last_fb_count = hdr.fb_count;
  seen->feedbacks++;
  gint64 t = (gint64)hdr.ref_time * AR_TWCC_REF_TIME_US;
  for (gssize i = 0; i < n; i++) {
    guint idx = (guint16)(st[i].seq - seen->first_seq);
    g_assert_cmpuint(idx, <, N_SEQ);
    if (st[i].status == AR_TWCC_NOT_RECEIVED) {
      /* Once received, never reported lost again. */
      g_assert_false(seen->reported_received[idx]);
      seen->reported_lost[idx] = TRUE;
      continue;
    }
    t += st[i].delta_us;
    if (seen->reported_received[idx])
      g_assert_cmpint(seen->arrival_us[idx], ==, t); /* a repeat says the same */
    seen->reported_received[idx] = TRUE;
    seen->arrival_us[idx] = t;
  }
}

static void
poll_all(ArTwccReceiver *r, gint64 now, Seen *seen, gsize cap)
{
  guint8 buf[AR_TWCC_FEEDBACK_CAP];
  gssize n;
  while ((n = ar_twcc_receiver_poll(r, now, buf, cap)) > 0)
    decode(seen, buf, (gsize)n);
  g_assert_cmpint(n, ==, 0);
}

/* 4000 packets from seq 63000 (so the numbers wrap), one every 2 ms with jitter on a 250 us grid,
 * 10 % lost, 5 % delivered late (after the next two), feedback polled every millisecond. */
static void
run_pattern(gsize cap, guint32 seed)
{
  g_autoptr(ArTwccReceiver) r = ar_twcc_receiver_new(0x11112222, 0x33334444);
  g_autofree Seen *seen = g_new0(Seen, 1);
  g_autoptr(GRand) rnd = g_rand_new_with_seed(seed);
  seen->first_seq = 63000;
  seen->last_fb_count = -1;
  gboolean lost[N_SEQ];
  gint64 arrival[N_SEQ];
  guint order[N_SEQ];
  for (guint i = 0; i < N_SEQ; i++) {
    lost[i] = g_rand_double(rnd) < 0.10;
    order[i] = i;
  }
  for (guint i = 0; i + 2 < N_SEQ; i++)
    if (g_rand_double(rnd) < 0.05) { /* i is delivered after i+1 and i+2 */
      order[i] = i + 1;
      order[i + 1] = i + 2;
      order[i + 2] = i;
      i += 2;
    }
  for (guint k = 0; k < N_SEQ; k++) /* in delivery order, so arrivals never go back */
    arrival[order[k]] = 1000000 + k * 2000 + 250 * g_rand_int_range(rnd, 0, 4);
  guint next = 0;
  gint64 now;
  for (now = 1000000; now < 1000000 + N_SEQ * 2000 + 200000; now += 1000) {
    while (next < N_SEQ && arrival[order[next]] <= now) {
      guint i = order[next++];
      if (!lost[i])
        ar_twcc_receiver_on_packet(r, (guint16)(seen->first_seq + i), arrival[i]);
    }
    poll_all(r, now, seen, cap);
  }
  guint first = 0, last = N_SEQ - 1;
  while (lost[first])
    first++;
  while (lost[last])
    last--;
  for (guint i = 0; i < N_SEQ; i++) {
    if (!lost[i]) {
      g_assert_true(seen->reported_received[i]);
      g_assert_cmpint(seen->arrival_us[i], ==, arrival[i]);
    } else {
      g_assert_false(seen->reported_received[i]);
      if (i > first && i < last)
        g_assert_true(seen->reported_lost[i]);
    }
  }
  ArTwccReceiverStats stats;
  ar_twcc_receiver_get_stats(r, &stats);
  g_assert_cmpuint(stats.feedbacks, ==, seen->feedbacks);
  g_assert_cmpuint(stats.duplicates, ==, 0);
  /* About one feedback per 50 ms of 8 s, more when split by a small cap. */
  g_assert_cmpuint(seen->feedbacks, >=, 150);
  if (cap >= AR_TWCC_FEEDBACK_CAP)
    g_assert_cmpuint(seen->feedbacks, <=, 200);
}

static void
test_exact_content(void)
{
  for (guint32 seed = 1; seed <= 3; seed++)
    run_pattern(AR_TWCC_FEEDBACK_CAP, seed);
}

static void
test_small_packets(void)
{
  run_pattern(48, 9); /* a few statuses per packet: rounds are split and continued */
}

static void
test_timing(void)
{
  g_autoptr(ArTwccReceiver) r = ar_twcc_receiver_new(0x11112222, 0x33334444);
  guint8 buf[AR_TWCC_FEEDBACK_CAP];
  g_assert_cmpint(ar_twcc_receiver_next_timeout(r), ==, G_MAXINT64);
  g_assert_cmpint(ar_twcc_receiver_poll(r, 5000000, buf, sizeof buf), ==, 0);

  ar_twcc_receiver_on_packet(r, 10, 1000000);
  g_assert_cmpint(ar_twcc_receiver_next_timeout(r), ==, 1050000);
  g_assert_cmpint(ar_twcc_receiver_poll(r, 1049999, buf, sizeof buf), ==, 0);
  g_assert_cmpint(ar_twcc_receiver_poll(r, 1050000, buf, sizeof buf), >, 0);
  g_assert_cmpint(ar_twcc_receiver_poll(r, 1050000, buf, sizeof buf), ==, 0);
  /* Nothing new: no feedback however long we wait. */
  g_assert_cmpint(ar_twcc_receiver_next_timeout(r), ==, G_MAXINT64);
  g_assert_cmpint(ar_twcc_receiver_poll(r, 9000000, buf, sizeof buf), ==, 0);

  /* 100 packets within 10 ms make feedback due at once. */
  for (guint i = 0; i < 99; i++)
    ar_twcc_receiver_on_packet(r, (guint16)(11 + i), 9000000 + i * 100);
  g_assert_cmpint(ar_twcc_receiver_next_timeout(r), ==, 9050000);
  ar_twcc_receiver_on_packet(r, 110, 9010000);
  g_assert_cmpint(ar_twcc_receiver_next_timeout(r), <=, 9010000);
  gssize n = ar_twcc_receiver_poll(r, 9010000, buf, sizeof buf);
  g_assert_cmpint(n, >, 0);
  ArRtcpPacket pkt;
  ArRtcpTwcc hdr;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, (gsize)n));
  g_assert_true(ar_rtcp_twcc_parse_header(&pkt, &hdr));
  g_assert_cmpuint(hdr.base_seq, ==, 11);
  g_assert_cmpuint(hdr.status_count, ==, 100);
  g_assert_cmpuint(hdr.fb_count, ==, 1);
  /* The next round is an interval after this one. */
  ar_twcc_receiver_on_packet(r, 111, 9011000);
  g_assert_cmpint(ar_twcc_receiver_next_timeout(r), ==, 9060000);
}

/* Losses right after a feedback are reported explicitly in the next one, and a packet that
 * arrives after it was reported lost is reported again as received. */
static void
test_leading_loss_and_late(void)
{
  g_autoptr(ArTwccReceiver) r = ar_twcc_receiver_new(0x11112222, 0x33334444);
  g_autofree Seen *seen = g_new0(Seen, 1);
  seen->first_seq = 65530;
  seen->last_fb_count = -1;
  for (guint i = 0; i < 5; i++)
    ar_twcc_receiver_on_packet(r, (guint16)(65530 + i), 1000000 + i * 1000);
  poll_all(r, 1100000, seen, AR_TWCC_FEEDBACK_CAP);
  g_assert_cmpuint(seen->feedbacks, ==, 1);
  /* 5, 6, 7 (seq 65535, 0, 1) missing; 8.. arrive. */
  for (guint i = 8; i < 12; i++)
    ar_twcc_receiver_on_packet(r, (guint16)(65530 + i), 1100000 + i * 1000);
  poll_all(r, 1200000, seen, AR_TWCC_FEEDBACK_CAP);
  g_assert_cmpuint(seen->feedbacks, ==, 2);
  for (guint i = 5; i < 8; i++) {
    g_assert_true(seen->reported_lost[i]);
    g_assert_false(seen->reported_received[i]);
  }
  /* 6 turns up late: reported as received from then on. */
  ar_twcc_receiver_on_packet(r, 0, 1210000);
  poll_all(r, 1300000, seen, AR_TWCC_FEEDBACK_CAP);
  g_assert_cmpuint(seen->feedbacks, ==, 3);
  g_assert_true(seen->reported_received[6]);
  g_assert_cmpint(seen->arrival_us[6], ==, 1210000);
}

static void
test_bounded(void)
{
  g_autoptr(ArTwccReceiver) r = ar_twcc_receiver_new(0x11112222, 0x33334444);
  guint8 buf[AR_TWCC_FEEDBACK_CAP];
  ArRtcpPacket pkt;
  ArRtcpTwcc hdr;
  ar_twcc_receiver_on_packet(r, 100, 1000000);
  ar_twcc_receiver_on_packet(r, 100, 1000500);   /* duplicate */
  ar_twcc_receiver_on_packet(r, 30000, 1001000); /* a jump far beyond the window */
  gssize n = ar_twcc_receiver_poll(r, 1100000, buf, sizeof buf);
  g_assert_cmpint(n, >, 0);
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, (gsize)n));
  g_assert_true(ar_rtcp_twcc_parse_header(&pkt, &hdr));
  g_assert_cmpuint(hdr.status_count, <=, AR_TWCC_RECEIVER_WINDOW);
  g_assert_cmpuint(hdr.base_seq, ==, 30000);
  g_assert_cmpint(ar_twcc_receiver_poll(r, 1100000, buf, sizeof buf), ==, 0);
  ar_twcc_receiver_on_packet(r, 101, 1200000); /* older than the window now */
  ArTwccReceiverStats st;
  ar_twcc_receiver_get_stats(r, &st);
  g_assert_cmpuint(st.packets, ==, 2);
  g_assert_cmpuint(st.duplicates, ==, 1);
  g_assert_cmpuint(st.too_old, ==, 1);
  /* A cap below one entry fails without consuming anything. */
  ar_twcc_receiver_on_packet(r, 30001, 1200000);
  g_assert_cmpint(ar_twcc_receiver_poll(r, 1300000, buf, 16), ==, -1);
  g_assert_cmpint(ar_twcc_receiver_poll(r, 1300000, buf, sizeof buf), >, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/twcc-receiver/exact-content", test_exact_content);
  g_test_add_func("/twcc-receiver/small-packets", test_small_packets);
  g_test_add_func("/twcc-receiver/timing", test_timing);
  g_test_add_func("/twcc-receiver/leading-loss-and-late", test_leading_loss_and_late);
  g_test_add_func("/twcc-receiver/bounded", test_bounded);
  return g_test_run();
}
