/* RTCP sender report; see rtcp_sr.h. */
#include "rtcp_sr.h"

#define SENDER_INFO_LEN 24 /* SSRC + NTP + RTP ts + packet and octet counts */

gboolean
ar_rtcp_sr_parse(const ArRtcpPacket *pkt, ArRtcpSr *sr)
{
  if (pkt->pt != AR_RTCP_SR ||
      pkt->body_len < SENDER_INFO_LEN + (gsize)pkt->count * AR_RTCP_REPORT_BLOCK_LEN)
    return FALSE;
  const guint8 *b = pkt->body;
  sr->ssrc = ar_be32(b);
  sr->ntp = ((guint64)ar_be32(b + 4) << 32) | ar_be32(b + 8);
  sr->rtp_ts = ar_be32(b + 12);
  sr->packet_count = ar_be32(b + 16);
  sr->octet_count = ar_be32(b + 20);
  sr->n_reports = pkt->count;
  sr->reports = b + SENDER_INFO_LEN;
  return TRUE;
}

gssize
ar_rtcp_sr_build(guint8 *out, gsize cap, const ArRtcpSr *sr, const ArRtcpReportBlock *blocks,
                 guint n)
{
  gsize len = AR_RTCP_HEADER_LEN + SENDER_INFO_LEN + (gsize)n * AR_RTCP_REPORT_BLOCK_LEN;
  if (n > AR_RTCP_MAX_COUNT || len > cap)
    return -1;
  ar_rtcp_write_header(out, FALSE, (guint8)n, AR_RTCP_SR, len);
  guint8 *b = out + AR_RTCP_HEADER_LEN;
  ar_put_be32(b, sr->ssrc);
  ar_put_be32(b + 4, (guint32)(sr->ntp >> 32));
  ar_put_be32(b + 8, (guint32)sr->ntp);
  ar_put_be32(b + 12, sr->rtp_ts);
  ar_put_be32(b + 16, sr->packet_count);
  ar_put_be32(b + 20, sr->octet_count);
  for (guint i = 0; i < n; i++)
    ar_rtcp_report_block_write(b + SENDER_INFO_LEN + i * AR_RTCP_REPORT_BLOCK_LEN, &blocks[i]);
  return (gssize)len;
}
