/* RTCP SDES; see rtcp_sdes.h. */
#include "rtcp_sdes.h"

#include <string.h>

gboolean
ar_rtcp_sdes_parse(const ArRtcpPacket *pkt, ArRtcpSdes *sdes)
{
  if (pkt->pt != AR_RTCP_SDES)
    return FALSE;
  const guint8 *b = pkt->body;
  gsize n = pkt->body_len, off = 0;
  sdes->n_chunks = 0;
  for (guint c = 0; c < pkt->count; c++) {
    if (off + 4 > n)
      return FALSE;
    ArRtcpSdesChunk *chunk = &sdes->chunks[c];
    chunk->ssrc = ar_be32(b + off);
    chunk->cname = NULL;
    chunk->cname_len = 0;
    off += 4;
    for (;;) {
      if (off >= n)
        return FALSE; /* no END item */
      guint8 type = b[off];
      if (type == 0) {
        /* END, then null octets up to the next 32-bit boundary (body starts on one). */
        off = (off + 4) & ~(gsize)3;
        if (off > n)
          return FALSE;
        break;
      }
      if (off + 2 > n || off + 2 + b[off + 1] > n)
        return FALSE;
      if (type == AR_RTCP_SDES_CNAME) {
        chunk->cname = (const char *)b + off + 2;
        chunk->cname_len = b[off + 1];
      }
      off += 2u + b[off + 1];
    }
    sdes->n_chunks = (guint8)(c + 1);
  }
  return TRUE;
}

gssize
ar_rtcp_sdes_build_cname(guint8 *out, gsize cap, guint32 ssrc, const char *cname, gsize cname_len)
{
  /* header, SSRC, CNAME type+len+text, at least one END octet, rounded up to 32 bits */
  gsize len = (AR_RTCP_HEADER_LEN + 4 + 2 + cname_len + 1 + 3) & ~(gsize)3;
  if (cname_len > 255 || len > cap)
    return -1;
  ar_rtcp_write_header(out, FALSE, 1, AR_RTCP_SDES, len);
  ar_put_be32(out + 4, ssrc);
  out[8] = AR_RTCP_SDES_CNAME;
  out[9] = (guint8)cname_len;
  memcpy(out + 10, cname, cname_len);
  memset(out + 10 + cname_len, 0, len - 10 - cname_len);
  return (gssize)len;
}
