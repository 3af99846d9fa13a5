/* RTCP sender report (RFC 3550 6.4.1): NTP/RTP timestamp pair for lip sync and RTT (LSR/DLSR),
 * plus report blocks. The router reads publishers' SRs and writes its own per outgoing stream. */
#pragma once
#include "rtcp_rr.h"

typedef struct {
  guint32 ssrc;
  guint64 ntp; /* 32.32 fixed-point seconds since 1900 */
  guint32 rtp_ts;
  guint32 packet_count;
  guint32 octet_count;
  guint8 n_reports;
  const guint8 *reports; /* read with ar_rtcp_sr_report(); ignored by the builder */
} ArRtcpSr;

/* FALSE unless pkt is an SR whose sender info and report blocks fit. */
gboolean ar_rtcp_sr_parse(const ArRtcpPacket *pkt, ArRtcpSr *sr);

static inline void
ar_rtcp_sr_report(const ArRtcpSr *sr, guint i, ArRtcpReportBlock *rb)
{
  ar_rtcp_report_block_read(sr->reports + (gsize)i * AR_RTCP_REPORT_BLOCK_LEN, rb);
}

/* Writes an SR from sr's sender info and n (<= 31) blocks. Bytes written, or -1. */
gssize ar_rtcp_sr_build(guint8 *out, gsize cap, const ArRtcpSr *sr, const ArRtcpReportBlock *blocks,
                        guint n);
