/* RTCP receiver report (RFC 3550 6.4.2) and the report block it shares with the sender report.
 * The router reads subscribers' RRs for loss/RTT and sends its own for the streams it receives. */
#pragma once
#include "rtcp.h"

#define AR_RTCP_REPORT_BLOCK_LEN 24

typedef struct {
  guint32 ssrc;
  guint8 fraction_lost;
  gint32 cumulative_lost; /* 24-bit signed on the wire */
  guint32 highest_seq;    /* extended highest sequence number received */
  guint32 jitter;
  guint32 lsr;  /* middle 32 bits of the last SR's NTP time */
  guint32 dlsr; /* delay since that SR, 1/65536 s */
} ArRtcpReportBlock;

void ar_rtcp_report_block_read(const guint8 *p, ArRtcpReportBlock *rb);
void ar_rtcp_report_block_write(guint8 *p, const ArRtcpReportBlock *rb);

typedef struct {
  guint32 ssrc;
  guint8 n_reports;
  const guint8 *reports; /* n_reports blocks of 24 bytes; read with ar_rtcp_rr_report() */
} ArRtcpRr;

/* FALSE unless pkt is an RR whose report blocks fit; profile extensions after them are ignored. */
gboolean ar_rtcp_rr_parse(const ArRtcpPacket *pkt, ArRtcpRr *rr);

static inline void
ar_rtcp_rr_report(const ArRtcpRr *rr, guint i, ArRtcpReportBlock *rb)
{
  ar_rtcp_report_block_read(rr->reports + (gsize)i * AR_RTCP_REPORT_BLOCK_LEN, rb);
}

/* Writes an RR with n (<= 31) blocks. Returns bytes written, -1 when cap is too small or n > 31. */
gssize ar_rtcp_rr_build(guint8 *out, gsize cap, guint32 ssrc, const ArRtcpReportBlock *blocks,
                        guint n);
