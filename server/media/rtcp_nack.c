/* Generic NACK; see rtcp_nack.h. */
#include "rtcp_nack.h"

#define FB_HEADER_LEN 8 /* sender SSRC + media SSRC */

static gboolean
is_nack(const ArRtcpPacket *pkt)
{
  return pkt->pt == AR_RTCP_RTPFB && pkt->count == AR_RTCP_FMT_NACK &&
         pkt->body_len >= FB_HEADER_LEN + 4 && (pkt->body_len - FB_HEADER_LEN) % 4 == 0;
}

gsize
ar_rtcp_nack_max_seqs(const ArRtcpPacket *pkt)
{
  return is_nack(pkt) ? (pkt->body_len - FB_HEADER_LEN) / 4 * 17 : 0;
}

gssize
ar_rtcp_nack_parse(const ArRtcpPacket *pkt, ArRtcpNack *nack, guint16 *seqs, gsize cap)
{
  if (!is_nack(pkt))
    return -1;
  const guint8 *b = pkt->body;
  nack->sender_ssrc = ar_be32(b);
  nack->media_ssrc = ar_be32(b + 4);
  nack->n_pairs = (guint)((pkt->body_len - FB_HEADER_LEN) / 4);
  gsize n = 0;
  for (guint i = 0; i < nack->n_pairs; i++) {
    const guint8 *pair = b + FB_HEADER_LEN + 4 * i;
    guint16 pid = ar_be16(pair);
    guint16 blp = ar_be16(pair + 2);
    if (n + 1 + (gsize)__builtin_popcount(blp) > cap)
      return -1;
    seqs[n++] = pid;
    for (; blp; blp &= (guint16)(blp - 1))
      seqs[n++] = (guint16)(pid + 1 + __builtin_ctz(blp));
  }
  return (gssize)n;
}

gssize
ar_rtcp_nack_build(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                   const guint16 *seqs, gsize n)
{
  if (n == 0 || cap < AR_RTCP_HEADER_LEN + FB_HEADER_LEN + 4)
    return -1;
  gsize len = AR_RTCP_HEADER_LEN + FB_HEADER_LEN;
  gsize i = 0;
  while (i < n) {
    guint16 pid = seqs[i++];
    guint16 blp = 0;
    for (; i < n; i++) {
      guint16 d = (guint16)(seqs[i] - pid);
      if (d == 0) /* duplicate of the PID */
        continue;
      if (d > 16)
        break;
      blp |= (guint16)(1u << (d - 1));
    }
    if (len + 4 > cap)
      return -1;
    ar_put_be16(out + len, pid);
    ar_put_be16(out + len + 2, blp);
    len += 4;
  }
  ar_rtcp_write_header(out, FALSE, AR_RTCP_FMT_NACK, AR_RTCP_RTPFB, len);
  ar_put_be32(out + 4, sender_ssrc);
  ar_put_be32(out + 8, media_ssrc);
  return (gssize)len;
}
