/* RTCP header validation and compound iteration; see rtcp.h. */
#include "rtcp.h"

#include <string.h>

gboolean
ar_rtcp_packet_parse(ArRtcpPacket *pkt, const guint8 *buf, gsize len)
{
  if (len < AR_RTCP_HEADER_LEN || (buf[0] >> 6) != 2)
    return FALSE;
  gsize plen = ((gsize)ar_be16(buf + 2) + 1) * 4;
  if (plen > len)
    return FALSE;
  guint8 pad = 0;
  if (buf[0] & 0x20) {
    /* The count includes itself and never reaches into the header. */
    pad = buf[plen - 1];
    if (pad == 0 || pad > plen - AR_RTCP_HEADER_LEN)
      return FALSE;
  }
  pkt->data = buf;
  pkt->len = plen;
  pkt->body = buf + AR_RTCP_HEADER_LEN;
  pkt->body_len = plen - AR_RTCP_HEADER_LEN - pad;
  pkt->pt = buf[1];
  pkt->count = buf[0] & 0x1f;
  pkt->pad = pad;
  return TRUE;
}

void
ar_rtcp_iter_init(ArRtcpIter *it, const guint8 *buf, gsize len)
{
  it->p = buf;
  it->remaining = buf ? len : 0;
  it->error = FALSE;
}

gboolean
ar_rtcp_iter_next(ArRtcpIter *it, ArRtcpPacket *pkt)
{
  if (it->error || it->remaining == 0)
    return FALSE;
  if (!ar_rtcp_packet_parse(pkt, it->p, it->remaining)) {
    it->error = TRUE;
    it->remaining = 0;
    return FALSE;
  }
  it->p += pkt->len;
  it->remaining -= pkt->len;
  return TRUE;
}

void
ar_rtcp_write_header(guint8 *out, gboolean padding, guint8 count, guint8 pt, gsize total_len)
{
  out[0] = (guint8)(0x80 | (padding ? 0x20 : 0) | (count & 0x1f));
  out[1] = pt;
  ar_put_be16(out + 2, (guint16)(total_len / 4 - 1));
}

gssize
ar_rtcp_pad(guint8 *out, gsize len, gsize cap)
{
  gsize padded = (len + 3) & ~(gsize)3;
  if (padded > cap)
    return -1;
  if (padded == len)
    return (gssize)len;
  memset(out + len, 0, padded - len);
  out[padded - 1] = (guint8)(padded - len);
  return (gssize)padded;
}
