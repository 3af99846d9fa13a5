/* RTCP BYE; see rtcp_bye.h. */
#include "rtcp_bye.h"

#include <string.h>

gboolean
ar_rtcp_bye_parse(const ArRtcpPacket *pkt, ArRtcpBye *bye)
{
  gsize list = 4 * (gsize)pkt->count;
  if (pkt->pt != AR_RTCP_BYE || pkt->body_len < list)
    return FALSE;
  bye->n_ssrcs = pkt->count;
  bye->ssrcs = pkt->body;
  bye->reason = NULL;
  bye->reason_len = 0;
  if (pkt->body_len > list) {
    guint8 rlen = pkt->body[list];
    if (list + 1 + rlen > pkt->body_len)
      return FALSE;
    bye->reason = (const char *)pkt->body + list + 1;
    bye->reason_len = rlen;
  }
  return TRUE;
}

gssize
ar_rtcp_bye_build(guint8 *out, gsize cap, const guint32 *ssrcs, guint n, const char *reason,
                  gsize reason_len)
{
  if (!reason)
    reason_len = 0;
  gsize list_end = AR_RTCP_HEADER_LEN + 4 * (gsize)n;
  gsize len = reason_len ? (list_end + 1 + reason_len + 3) & ~(gsize)3 : list_end;
  if (n > AR_RTCP_MAX_COUNT || reason_len > 255 || len > cap)
    return -1;
  ar_rtcp_write_header(out, FALSE, (guint8)n, AR_RTCP_BYE, len);
  for (guint i = 0; i < n; i++)
    ar_put_be32(out + AR_RTCP_HEADER_LEN + 4 * i, ssrcs[i]);
  if (reason_len) {
    out[list_end] = (guint8)reason_len;
    memcpy(out + list_end + 1, reason, reason_len);
    memset(out + list_end + 1 + reason_len, 0, len - list_end - 1 - reason_len);
  }
  return (gssize)len;
}
