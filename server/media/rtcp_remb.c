/* REMB; see rtcp_remb.h. */
#include "rtcp_remb.h"

#define REMB_FIXED_LEN 20 /* header, sender SSRC, media SSRC 0, "REMB", num/exp/mantissa */

gboolean
ar_rtcp_remb_parse(const ArRtcpPacket *pkt, ArRtcpRemb *remb)
{
  const guint8 *b = pkt->body;
  if (pkt->pt != AR_RTCP_PSFB || pkt->count != AR_RTCP_FMT_AFB || pkt->body_len < 16 ||
      b[8] != 'R' || b[9] != 'E' || b[10] != 'M' || b[11] != 'B')
    return FALSE;
  guint8 n = b[12];
  if (pkt->body_len < 16 + 4 * (gsize)n)
    return FALSE;
  guint exp = b[13] >> 2;
  guint64 mantissa = ((guint64)(b[13] & 0x03) << 16) | ar_be16(b + 14);
  /* exp goes up to 63 but mantissa has 18 bits: shifting past 64 bits saturates. */
  if (mantissa && exp > 46 && (mantissa >> (64 - exp)) != 0)
    remb->bitrate_bps = G_MAXUINT64;
  else
    remb->bitrate_bps = mantissa << exp;
  remb->sender_ssrc = ar_be32(b);
  remb->n_ssrcs = n;
  remb->ssrcs = b + 16;
  return TRUE;
}

gssize
ar_rtcp_remb_build(guint8 *out, gsize cap, guint32 sender_ssrc, guint64 bitrate_bps,
                   const guint32 *ssrcs, guint n)
{
  gsize len = REMB_FIXED_LEN + 4 * (gsize)n;
  if (n > 255 || len > cap)
    return -1;
  guint exp = 0;
  while ((bitrate_bps >> exp) > 0x3ffff)
    exp++;
  guint32 mantissa = (guint32)(bitrate_bps >> exp);
  ar_rtcp_write_header(out, FALSE, AR_RTCP_FMT_AFB, AR_RTCP_PSFB, len);
  ar_put_be32(out + 4, sender_ssrc);
  ar_put_be32(out + 8, 0);
  out[12] = 'R';
  out[13] = 'E';
  out[14] = 'M';
  out[15] = 'B';
  out[16] = (guint8)n;
  out[17] = (guint8)((exp << 2) | (mantissa >> 16));
  ar_put_be16(out + 18, (guint16)mantissa);
  for (guint i = 0; i < n; i++)
    ar_put_be32(out + REMB_FIXED_LEN + 4 * i, ssrcs[i]);
  return (gssize)len;
}
