/* Unit tests for RTCP statistics against hand-computed values: loss, extended highest sequence
 * number and interarrival jitter (RFC 3550 A.3, A.8), LSR/DLSR, SR timestamp mapping through a
 * munger offset, RTT from a report block, and the quality score formula. */
#include "rtcp_reports.h"

#define MS G_TIME_SPAN_MILLISECOND

static void
test_loss_and_jitter(void)
{
  ArRtcpRecvStats s;
  ar_rtcp_reports_recv_init(&s, 90000);
  /* seq, ts, arrival: transit in 90 kHz units is 0, 0, 900, 0, 0 (seq 3 lost). */
  ar_rtcp_reports_recv_packet(&s, 0, 0, 0, FALSE);
  ar_rtcp_reports_recv_packet(&s, 1, 1800, 20 * MS, FALSE);
  ar_rtcp_reports_recv_packet(&s, 2, 3600, 50 * MS, FALSE);  /* J = 0 + 900 = 900 (x16) */
  ar_rtcp_reports_recv_packet(&s, 4, 7200, 80 * MS, FALSE);  /* J = 900 + 900 - 56 = 1744 */
  ar_rtcp_reports_recv_packet(&s, 5, 9000, 100 * MS, FALSE); /* J = 1744 - 109 = 1635 */
  ArRtcpSr sr = {.ssrc = 7, .ntp = 0x0001234556789abcull, .rtp_ts = 1};
  ar_rtcp_reports_recv_sr(&s, &sr, 100 * MS);
  ArRtcpReportBlock rb;
  ar_rtcp_reports_recv_block(&s, 0xabc, 600 * MS, &rb);
  g_assert_cmpuint(rb.ssrc, ==, 0xabc);
  g_assert_cmpuint(rb.highest_seq, ==, 5);
  g_assert_cmpint(rb.cumulative_lost, ==, 1);
  g_assert_cmpuint(rb.fraction_lost, ==, 42); /* 1 of 6: 256/6 */
  g_assert_cmpuint(rb.jitter, ==, 102);       /* 1635 >> 4 */
  g_assert_cmpuint(rb.lsr, ==, 0x23455678);
  g_assert_cmpuint(rb.dlsr, ==, 32768); /* 0.5 s */
  g_assert_cmpint(ar_rtcp_reports_recv_jitter_us(&s), ==, 102 * 1000000 / 90000);

  /* The retransmission of 3 arrives 150 ms late: counted, but no jitter sample. */
  ar_rtcp_reports_recv_packet(&s, 3, 5400, 150 * MS, TRUE);
  ar_rtcp_reports_recv_packet(&s, 6, 10800, 120 * MS, FALSE); /* J = 1635 - 102 = 1533 */
  ar_rtcp_reports_recv_block(&s, 0xabc, 700 * MS, &rb);
  g_assert_cmpuint(rb.highest_seq, ==, 6);
  g_assert_cmpint(rb.cumulative_lost, ==, 0);
  g_assert_cmpuint(rb.fraction_lost, ==, 0); /* 2 received of 1 expected this interval */
  g_assert_cmpuint(rb.jitter, ==, 95);
}

static void
test_wrap_and_restart(void)
{
  ArRtcpRecvStats s;
  ar_rtcp_reports_recv_init(&s, 48000);
  guint16 seqs[] = {65534, 65535, 0, 1};
  for (guint i = 0; i < G_N_ELEMENTS(seqs); i++)
    ar_rtcp_reports_recv_packet(&s, seqs[i], 960 * i, 20 * MS * i, FALSE);
  ArRtcpReportBlock rb;
  ar_rtcp_reports_recv_block(&s, 1, 0, &rb);
  g_assert_cmpuint(rb.highest_seq, ==, 65537);
  g_assert_cmpint(rb.cumulative_lost, ==, 0);
  g_assert_cmpuint(rb.lsr, ==, 0);
  g_assert_cmpuint(rb.dlsr, ==, 0);
  /* A jump: the first packet is held as suspect, the second in sequence restarts. */
  ar_rtcp_reports_recv_packet(&s, 30000, 0, 0, FALSE);
  ar_rtcp_reports_recv_block(&s, 1, 0, &rb);
  g_assert_cmpuint(rb.highest_seq, ==, 65537);
  ar_rtcp_reports_recv_packet(&s, 30001, 0, 0, FALSE);
  ar_rtcp_reports_recv_packet(&s, 30002, 0, 0, FALSE);
  ar_rtcp_reports_recv_block(&s, 1, 0, &rb);
  g_assert_cmpuint(rb.highest_seq, ==, 30002);
  g_assert_cmpint(rb.cumulative_lost, ==, 0);
}

static void
test_sr_mapping_and_rtt(void)
{
  ArRtcpRecvStats src;
  ar_rtcp_reports_recv_init(&src, 90000);
  ArRtcpSr sr = {.ntp = 16ull << 32, .rtp_ts = 1000};
  guint64 ntp;
  guint32 rtp;
  /* No SR from the publisher yet: our clock, and the last output timestamp moved on. */
  ar_rtcp_reports_sr_mapping(&src, 5000, 0x42, 7000, 10400 * MS, 90000, 10500 * MS, &ntp, &rtp);
  g_assert_cmpuint(ntp, ==, 0x42);
  g_assert_cmpuint(rtp, ==, 7000 + 9000);
  ar_rtcp_reports_recv_sr(&src, &sr, 10000 * MS);
  ar_rtcp_reports_sr_mapping(&src, 5000, 0x42, 7000, 10400 * MS, 90000, 10500 * MS, &ntp, &rtp);
  g_assert_cmpuint(ntp, ==, (16ull << 32) | 0x80000000u); /* 16.5 s */
  g_assert_cmpuint(rtp, ==, 1000 + 5000 + 45000);
  g_assert_cmpuint(ar_rtcp_reports_ntp(1500 * MS), ==, (1ull << 32) | 0x80000000u);

  ArRtcpSendStats s = {0};
  ar_rtcp_reports_send_packet(&s, 1000);
  ar_rtcp_reports_send_packet(&s, 200);
  g_assert_cmpuint(s.packets, ==, 2);
  g_assert_cmpuint(s.octets, ==, 1200);
  ar_rtcp_reports_send_sr(&s, (10ull << 32) | 0x80000000u, 2000 * MS);
  ar_rtcp_reports_send_sr(&s, (11ull << 32), 3000 * MS);
  ArRtcpReportBlock rb = {.lsr = 0x000a8000, .dlsr = 6554}; /* 100.006 ms */
  g_assert_cmpint(ar_rtcp_reports_rtt_us(&s, &rb, 2300 * MS), ==, 300000 - 100006);
  rb.lsr = 0x000b0000;
  rb.dlsr = 0;
  g_assert_cmpint(ar_rtcp_reports_rtt_us(&s, &rb, 3040 * MS), ==, 40000);
  rb.lsr = 0x000c0000;
  g_assert_cmpint(ar_rtcp_reports_rtt_us(&s, &rb, 3040 * MS), ==, -1);
  rb.lsr = 0;
  g_assert_cmpint(ar_rtcp_reports_rtt_us(&s, &rb, 3040 * MS), ==, -1);
}

static void
test_quality(void)
{
  g_assert_cmpuint(ar_rtcp_reports_quality(0, 50 * MS, 0), ==, 5);
  g_assert_cmpuint(ar_rtcp_reports_quality(13, 0, 0), ==, 4); /* 5% loss */
  g_assert_cmpuint(ar_rtcp_reports_quality(26, 0, 0), ==, 2); /* 10% */
  g_assert_cmpuint(ar_rtcp_reports_quality(51, 0, 0), ==, 0); /* 20% */
  g_assert_cmpuint(ar_rtcp_reports_quality(0, G_USEC_PER_SEC, 0), ==, 3);
  /* d = 610 ms: R = 44.2, MOS = 2.27, score round(1.82) = 2 */
  g_assert_cmpuint(ar_rtcp_reports_quality(0, 0, 300 * MS), ==, 2);
  g_assert_cmpuint(ar_rtcp_reports_quality(255, 5 * G_USEC_PER_SEC, G_USEC_PER_SEC), ==, 0);
  /* Monotonic in each input. */
  for (guint f = 1; f < 256; f++)
    g_assert_cmpuint(ar_rtcp_reports_quality((guint8)f, 0, 0), <=,
                     ar_rtcp_reports_quality((guint8)(f - 1), 0, 0));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp_reports/loss-and-jitter", test_loss_and_jitter);
  g_test_add_func("/rtcp_reports/wrap-and-restart", test_wrap_and_restart);
  g_test_add_func("/rtcp_reports/sr-mapping-and-rtt", test_sr_mapping_and_rtt);
  g_test_add_func("/rtcp_reports/quality", test_quality);
  return g_test_run();
}
