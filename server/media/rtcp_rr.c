/* RTCP receiver report and report blocks; see rtcp_rr.h. */
#include "rtcp_rr.h"

void
ar_rtcp_report_block_read(const guint8 *p, ArRtcpReportBlock *rb)
{
  rb->ssrc = ar_be32(p);
  rb->fraction_lost = p[4];
  guint32 lost = ar_be24(p + 5);
  rb->cumulative_lost = (lost & 0x800000) ? (gint32)(lost | 0xff000000u) : (gint32)lost;
  rb->highest_seq = ar_be32(p + 8);
  rb->jitter = ar_be32(p + 12);
  rb->lsr = ar_be32(p + 16);
  rb->dlsr = ar_be32(p + 20);
}

void
ar_rtcp_report_block_write(guint8 *p, const ArRtcpReportBlock *rb)
{
  /* RFC 3550 6.4.1: the cumulative count saturates rather than wraps. */
  gint32 lost = CLAMP(rb->cumulative_lost, -0x800000, 0x7fffff);
  ar_put_be32(p, rb->ssrc);
  p[4] = rb->fraction_lost;
  ar_put_be24(p + 5, (guint32)lost & 0xffffff);
  ar_put_be32(p + 8, rb->highest_seq);
  ar_put_be32(p + 12, rb->jitter);
  ar_put_be32(p + 16, rb->lsr);
  ar_put_be32(p + 20, rb->dlsr);
}

gboolean
ar_rtcp_rr_parse(const ArRtcpPacket *pkt, ArRtcpRr *rr)
{
  if (pkt->pt != AR_RTCP_RR || pkt->body_len < 4 + (gsize)pkt->count * AR_RTCP_REPORT_BLOCK_LEN)
    return FALSE;
  rr->ssrc = ar_be32(pkt->body);
  rr->n_reports = pkt->count;
  rr->reports = pkt->body + 4;
  return TRUE;
}

gssize
ar_rtcp_rr_build(guint8 *out, gsize cap, guint32 ssrc, const ArRtcpReportBlock *blocks, guint n)
{
  gsize len = 8 + (gsize)n * AR_RTCP_REPORT_BLOCK_LEN;
  if (n > AR_RTCP_MAX_COUNT || len > cap)
    return -1;
  ar_rtcp_write_header(out, FALSE, (guint8)n, AR_RTCP_RR, len);
  ar_put_be32(out + 4, ssrc);
  for (guint i = 0; i < n; i++)
    ar_rtcp_report_block_write(out + 8 + i * AR_RTCP_REPORT_BLOCK_LEN, &blocks[i]);
  return (gssize)len;
}
