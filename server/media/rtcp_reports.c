/* RTCP statistics, SR/RR values, RTT and quality; see rtcp_reports.h. */
#include "rtcp_reports.h"

#include <math.h>

#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define SEQ_MOD (1u << 16)

void
ar_rtcp_reports_recv_init(ArRtcpRecvStats *s, guint32 clock_rate)
{
  *s = (ArRtcpRecvStats){0};
  s->clock_rate = clock_rate ? clock_rate : 90000;
}

static void
init_seq(ArRtcpRecvStats *s, guint16 seq)
{
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
  s->cycles = 0;
  s->received = 0;
  s->received_prior = 0;
  s->expected_prior = 0;
  s->has_transit = FALSE;
}

/* RFC 3550 A.1 update_seq() without the initial probation: a stream we were told about (or
 * learned from mid/rid) is trusted from its first packet. */
static gboolean
update_seq(ArRtcpRecvStats *s, guint16 seq)
{
  guint16 udelta = (guint16)(seq - s->max_seq);
  if (udelta < MAX_DROPOUT) {
    if (seq < s->max_seq)
      s->cycles += SEQ_MOD;
    s->max_seq = seq;
  } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
    if (seq == s->bad_seq) {
      init_seq(s, seq); /* two sequential packets: the sender restarted */
    } else {
      s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
      return FALSE;
    }
  }
  /* else duplicate or reordered: counted */
  s->received++;
  return TRUE;
}

void
ar_rtcp_reports_recv_packet(ArRtcpRecvStats *s, guint16 seq, guint32 rtp_ts, gint64 now_us,
                            gboolean retransmission)
{
  if (!s->started) {
    init_seq(s, seq);
    s->started = TRUE;
  }
  if (!update_seq(s, seq) || retransmission)
    return;
  /* A.8: transit time in timestamp units; only differences matter, so the clock origin does
   * not. Unsigned, wrap-aware arithmetic: a hostile timestamp must not overflow anything. */
  guint32 arrival = (guint32)((guint64)MAX(now_us, 0) * s->clock_rate / G_USEC_PER_SEC);
  guint32 transit = arrival - rtp_ts;
  if (s->has_transit) {
    gint64 d = (gint32)(transit - s->transit);
    guint32 ad = (guint32)(d < 0 ? -d : d);
    s->jitter += ad - ((s->jitter + 8) >> 4);
  }
  s->transit = transit;
  s->has_transit = TRUE;
}

void
ar_rtcp_reports_recv_sr(ArRtcpRecvStats *s, const ArRtcpSr *sr, gint64 now_us)
{
  s->has_sr = TRUE;
  s->sr_ntp = sr->ntp;
  s->sr_rtp = sr->rtp_ts;
  s->sr_us = now_us;
}

void
ar_rtcp_reports_recv_block(ArRtcpRecvStats *s, guint32 ssrc, gint64 now_us, ArRtcpReportBlock *rb)
{
  guint32 extended_max = s->cycles + s->max_seq;
  guint32 expected = extended_max - s->base_seq + 1;
  gint64 lost = (gint64)expected - s->received;
  lost = CLAMP(lost, -0x800000, 0x7fffff);
  guint32 expected_interval = expected - s->expected_prior;
  guint32 received_interval = s->received - s->received_prior;
  s->expected_prior = expected;
  s->received_prior = s->received;
  gint64 lost_interval = (gint64)expected_interval - received_interval;
  guint8 fraction = 0;
  if (expected_interval != 0 && lost_interval > 0)
    fraction = (guint8)MIN((lost_interval << 8) / expected_interval, 255);

  *rb = (ArRtcpReportBlock){.ssrc = ssrc,
                            .fraction_lost = fraction,
                            .cumulative_lost = (gint32)lost,
                            .highest_seq = extended_max,
                            .jitter = s->jitter >> 4};
  if (s->has_sr) {
    rb->lsr = (guint32)(s->sr_ntp >> 16);
    rb->dlsr = (guint32)((now_us - s->sr_us) * 65536 / G_USEC_PER_SEC);
  }
}

gint64
ar_rtcp_reports_recv_jitter_us(const ArRtcpRecvStats *s)
{
  return (gint64)(s->jitter >> 4) * G_USEC_PER_SEC / s->clock_rate;
}

void
ar_rtcp_reports_send_packet(ArRtcpSendStats *s, gsize payload_len)
{
  s->packets++;
  s->octets += (guint32)payload_len;
}

guint64
ar_rtcp_reports_ntp(gint64 us)
{
  guint64 u = (guint64)MAX(us, 0);
  guint64 secs = u / G_USEC_PER_SEC;
  guint64 frac = ((u % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  return (secs << 32) | frac;
}

/* Duration in NTP 32.32 units (microseconds may be negative). */
static gint64
ntp_span(gint64 us)
{
  gboolean neg = us < 0;
  guint64 v = ar_rtcp_reports_ntp(neg ? -us : us);
  return neg ? -(gint64)v : (gint64)v;
}

void
ar_rtcp_reports_sr_mapping(const ArRtcpRecvStats *src, guint32 ts_offset, guint64 fallback_ntp,
                           guint32 last_out_ts, gint64 last_out_us, guint32 clock_rate,
                           gint64 now_us, guint64 *ntp, guint32 *rtp)
{
  if (src && src->has_sr) {
    gint64 elapsed = now_us - src->sr_us;
    *ntp = src->sr_ntp + (guint64)ntp_span(elapsed);
    *rtp = src->sr_rtp + ts_offset + (guint32)(elapsed * (gint64)src->clock_rate / G_USEC_PER_SEC);
    return;
  }
  gint64 elapsed = now_us - last_out_us;
  *ntp = fallback_ntp;
  *rtp = last_out_ts + (guint32)(elapsed * (gint64)clock_rate / G_USEC_PER_SEC);
}

void
ar_rtcp_reports_send_sr(ArRtcpSendStats *s, guint64 ntp, gint64 now_us)
{
  s->sr[s->sr_next].ntp_mid = (guint32)(ntp >> 16);
  s->sr[s->sr_next].sent_us = now_us;
  s->sr[s->sr_next].used = TRUE;
  s->sr_next = (s->sr_next + 1) % AR_RTCP_REPORTS_SR_HISTORY;
}

gint64
ar_rtcp_reports_rtt_us(const ArRtcpSendStats *s, const ArRtcpReportBlock *rb, gint64 now_us)
{
  if (rb->lsr == 0)
    return -1;
  for (guint i = 0; i < AR_RTCP_REPORTS_SR_HISTORY; i++) {
    if (s->sr[i].used && s->sr[i].ntp_mid == rb->lsr) {
      gint64 rtt = now_us - s->sr[i].sent_us - (gint64)rb->dlsr * G_USEC_PER_SEC / 65536;
      return MAX(rtt, 0);
    }
  }
  return -1;
}

guint
ar_rtcp_reports_quality(guint8 fraction_lost, gint64 rtt_us, gint64 jitter_us)
{
  double loss_pct = fraction_lost * 100.0 / 256.0;
  double d = MAX(rtt_us, 0) / 2000.0 + 2.0 * MAX(jitter_us, 0) / 1000.0 + 10.0;
  double r = 93.2 - (d < 160.0 ? d / 40.0 : (d - 120.0) / 10.0) - 4.0 * loss_pct;
  r = CLAMP(r, 0.0, 100.0);
  double mos = 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r);
  double score = round((mos - 1.0) * 5.0 / 3.5);
  return (guint)CLAMP(score, 0.0, 5.0);
}
