/* Picture loss indication; see rtcp_pli.h. */
#include "rtcp_pli.h"

gboolean
ar_rtcp_pli_parse(const ArRtcpPacket *pkt, ArRtcpPli *pli)
{
  /* RFC 4585 6.3.1: no FCI; extra bytes are tolerated as some senders append them. */
  if (pkt->pt != AR_RTCP_PSFB || pkt->count != AR_RTCP_FMT_PLI || pkt->body_len < 8)
    return FALSE;
  pli->sender_ssrc = ar_be32(pkt->body);
  pli->media_ssrc = ar_be32(pkt->body + 4);
  return TRUE;
}

gssize
ar_rtcp_pli_build(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc)
{
  if (cap < AR_RTCP_PLI_LEN)
    return -1;
  ar_rtcp_write_header(out, FALSE, AR_RTCP_FMT_PLI, AR_RTCP_PSFB, AR_RTCP_PLI_LEN);
  ar_put_be32(out + 4, sender_ssrc);
  ar_put_be32(out + 8, media_ssrc);
  return AR_RTCP_PLI_LEN;
}
