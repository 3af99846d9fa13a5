/* RTX wrap/unwrap by moving the header, never the payload; see rtx.h. */
#include "rtx.h"

#include <string.h>

gboolean
ar_rtx_unwrap(ArRtpView *v, guint8 apt, guint32 media_ssrc)
{
  if (v->payload_len < 2)
    return FALSE;
  guint16 osn = ar_be16(v->buf + v->header_len);
  /* The header is at most a few dozen bytes, the payload up to ~1200: move the smaller part. */
  memmove(v->buf + 2, v->buf, v->header_len);
  v->buf += 2;
  v->len -= 2;
  v->payload_len -= 2; /* header_len and ext_off are relative to buf and stay valid */
  ar_rtp_set_seq(v, osn);
  ar_rtp_set_pt(v, apt);
  ar_rtp_set_ssrc(v, media_ssrc);
  return TRUE;
}

gboolean
ar_rtx_wrap(ArRtpView *v, gsize headroom, guint8 rtx_pt, guint32 rtx_ssrc, guint16 rtx_seq)
{
  if (headroom < 2)
    return FALSE;
  guint16 osn = ar_rtp_seq(v);
  memmove(v->buf - 2, v->buf, v->header_len);
  v->buf -= 2;
  v->len += 2;
  v->payload_len += 2;
  ar_put_be16(v->buf + v->header_len, osn);
  ar_rtp_set_seq(v, rtx_seq);
  ar_rtp_set_pt(v, rtx_pt);
  ar_rtp_set_ssrc(v, rtx_ssrc);
  return TRUE;
}
