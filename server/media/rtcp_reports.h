/* RTCP reception and transmission statistics (RFC 3550 6.4, A.1, A.3, A.8) and what the router
 * derives from them: report blocks for its RRs towards publishers, NTP/RTP mappings for its SRs
 * towards subscribers (the publisher's SR carried through the munger's timestamp offset), RTT
 * from subscribers' report blocks, and a 0-5 network quality score per participant. */
#pragma once
#include "rtcp_rr.h"
#include "rtcp_sr.h"

/* What we know about one stream we receive. */
typedef struct {
  guint32 clock_rate;
  gboolean started;
  guint16 max_seq;
  guint32 cycles; /* shifted count of sequence number cycles */
  guint32 base_seq;
  guint32 bad_seq;
  guint32 received;
  guint32 expected_prior;
  guint32 received_prior;
  gboolean has_transit;
  guint32 transit;
  guint32 jitter; /* RFC 3550 A.8 estimate scaled by 16 */
  gboolean has_sr;
  guint64 sr_ntp;
  guint32 sr_rtp;
  gint64 sr_us; /* arrival of the last SR */
} ArRtcpRecvStats;

void ar_rtcp_reports_recv_init(ArRtcpRecvStats *s, guint32 clock_rate);

/* Counts one packet (A.1 with its two-packet probation after a jump). Jitter (A.8) uses only
 * packets sent once: retransmissions left the sender late on purpose. */
void ar_rtcp_reports_recv_packet(ArRtcpRecvStats *s, guint16 seq, guint32 rtp_ts, gint64 now_us,
                                 gboolean retransmission);

/* Remembers the publisher's SR for LSR/DLSR and for timestamp mapping. */
void ar_rtcp_reports_recv_sr(ArRtcpRecvStats *s, const ArRtcpSr *sr, gint64 now_us);

/* Fills a report block about this stream as of now_us (A.3), and starts a new interval for the
 * fraction lost. */
void ar_rtcp_reports_recv_block(ArRtcpRecvStats *s, guint32 ssrc, gint64 now_us,
                                ArRtcpReportBlock *rb);

/* Jitter in microseconds. */
gint64 ar_rtcp_reports_recv_jitter_us(const ArRtcpRecvStats *s);

#define AR_RTCP_REPORTS_SR_HISTORY 4

/* What we sent on one outgoing stream, and the SRs we sent on it (to match LSR in RRs). */
typedef struct {
  guint32 packets;
  guint32 octets; /* payload octets */
  struct {
    guint32 ntp_mid; /* middle 32 bits of the NTP time it carried */
    gint64 sent_us;
    gboolean used;
  } sr[AR_RTCP_REPORTS_SR_HISTORY];
  guint sr_next;
} ArRtcpSendStats;

void ar_rtcp_reports_send_packet(ArRtcpSendStats *s, gsize payload_len);

/* The NTP/RTP pair an outgoing SR carries at now_us. With the source's SR known: its NTP time and
 * RTP timestamp advanced by the time since it arrived, the latter moved by ts_offset into the
 * subscriber's timeline, so lip sync between a publisher's audio and video survives. Without it:
 * fallback_ntp and the last output timestamp advanced by the time since it was sent. */
void ar_rtcp_reports_sr_mapping(const ArRtcpRecvStats *src, guint32 ts_offset, guint64 fallback_ntp,
                                guint32 last_out_ts, gint64 last_out_us, guint32 clock_rate,
                                gint64 now_us, guint64 *ntp, guint32 *rtp);

/* Records an SR we send, for RTT. */
void ar_rtcp_reports_send_sr(ArRtcpSendStats *s, guint64 ntp, gint64 now_us);

/* RTT from a report block about this stream: now - (time we sent the SR named by LSR) - DLSR.
 * -1 when LSR is 0 or names no SR we remember. */
gint64 ar_rtcp_reports_rtt_us(const ArRtcpSendStats *s, const ArRtcpReportBlock *rb, gint64 now_us);

/* Microseconds to/from 32.32 NTP format (offset_us: microseconds since 1900 at time 0). */
guint64 ar_rtcp_reports_ntp(gint64 us);

/* Network quality 0 (unusable) .. 5 (excellent), from the simplified ITU-T G.107 E-model:
 *   d  = rtt/2 + 2 * jitter + 10 ms                               (effective one-way delay)
 *   R  = 93.2 - (d < 160 ms ? d/40 : (d - 120)/10) - 4 * loss%    (4 per %: video suffers more
 *                                                                  than the voice model's 2.5)
 *   MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R), R clamped to 0..100
 *   score = round((MOS - 1) * 5 / 3.5), clamped to 0..5
 * so 0% loss, 50 ms RTT scores 5; 5% loss 4; 10% loss 2; 20% loss 0; 1 s RTT alone 3.
 * fraction_lost is the RTCP 8-bit fraction (loss% = fraction * 100 / 256). */
guint ar_rtcp_reports_quality(guint8 fraction_lost, gint64 rtt_us, gint64 jitter_us);
