/* Full intra request; see rtcp_fir.h. */
#include "rtcp_fir.h"

#include <string.h>

gboolean
ar_rtcp_fir_parse(const ArRtcpPacket *pkt, ArRtcpFir *fir)
{
  if (pkt->pt != AR_RTCP_PSFB || pkt->count != AR_RTCP_FMT_FIR || pkt->body_len < 16 ||
      (pkt->body_len - 8) % 8 != 0)
    return FALSE;
  fir->sender_ssrc = ar_be32(pkt->body);
  fir->media_ssrc = ar_be32(pkt->body + 4);
  fir->n_entries = (guint)((pkt->body_len - 8) / 8);
  fir->entries = pkt->body + 8;
  return TRUE;
}

gssize
ar_rtcp_fir_build(guint8 *out, gsize cap, guint32 sender_ssrc, const ArRtcpFirEntry *entries,
                  gsize n)
{
  gsize len = 12 + 8 * n;
  if (n == 0 || len > cap || len > 4 * 65536)
    return -1;
  ar_rtcp_write_header(out, FALSE, AR_RTCP_FMT_FIR, AR_RTCP_PSFB, len);
  ar_put_be32(out + 4, sender_ssrc);
  ar_put_be32(out + 8, 0);
  for (gsize i = 0; i < n; i++) {
    guint8 *e = out + 12 + 8 * i;
    ar_put_be32(e, entries[i].ssrc);
    e[4] = entries[i].seq;
    memset(e + 5, 0, 3);
  }
  return (gssize)len;
}
