/* RTP header parsing and RFC 8285 extension lookup over a caller's buffer; see rtp.h. */
#include "rtp.h"

#include <string.h>

gboolean
ar_rtp_parse(ArRtpView *v, guint8 *buf, gsize len)
{
  if (G_UNLIKELY(len < AR_RTP_FIXED_HEADER_LEN || (buf[0] >> 6) != 2))
    return FALSE;

  gsize off = AR_RTP_FIXED_HEADER_LEN + 4u * (buf[0] & 0x0f);
  guint32 ext_off = 0, ext_len = 0;
  guint16 profile = 0;
  if (buf[0] & 0x10) {
    if (G_UNLIKELY(off + 4 > len))
      return FALSE;
    profile = ar_be16(buf + off);
    ext_len = 4u * ar_be16(buf + off + 2);
    ext_off = (guint32)(off + 4);
    off += 4 + (gsize)ext_len;
  }
  if (G_UNLIKELY(off > len))
    return FALSE;

  guint8 pad = 0;
  if (buf[0] & 0x20) {
    /* RFC 3550 5.1: the last octet counts the padding, itself included, so it is at least 1 and
     * cannot reach into the header. */
    pad = buf[len - 1];
    if (G_UNLIKELY(pad == 0 || pad > len - off))
      return FALSE;
  }

  v->buf = buf;
  v->len = len;
  v->header_len = (guint32)off;
  v->ext_off = ext_off;
  v->ext_len = ext_len;
  v->ext_profile = profile;
  v->pad_len = pad;
  v->payload_len = len - off - pad;
  return TRUE;
}

/* Walks the element list; elements that would run past the block end the walk, so a lookup
 * never reads outside the extension data whatever the bytes say. */
static gboolean
find_one_byte(const guint8 *p, guint32 n, guint8 id, guint32 *val_off, guint8 *val_len)
{
  guint32 i = 0;
  while (i < n) {
    guint8 b = p[i];
    guint8 eid = b >> 4;
    if (eid == 0) { /* padding byte; libwebrtc also ignores its length nibble */
      i++;
      continue;
    }
    if (eid == 15) /* RFC 8285 4.2: reserved id, stop processing the block */
      return FALSE;
    guint8 elen = (guint8)((b & 0x0f) + 1);
    if (i + 1 + elen > n)
      return FALSE;
    if (eid == id) {
      *val_off = i + 1;
      *val_len = elen;
      return TRUE;
    }
    i += 1u + elen;
  }
  return FALSE;
}

static gboolean
find_two_byte(const guint8 *p, guint32 n, guint8 id, guint32 *val_off, guint8 *val_len)
{
  guint32 i = 0;
  while (i < n) {
    guint8 eid = p[i];
    if (eid == 0) { /* padding byte */
      i++;
      continue;
    }
    if (i + 2 > n)
      return FALSE;
    guint8 elen = p[i + 1];
    if (i + 2 + elen > n)
      return FALSE;
    if (eid == id) {
      *val_off = i + 2;
      *val_len = elen;
      return TRUE;
    }
    i += 2u + elen;
  }
  return FALSE;
}

gboolean
ar_rtp_find_ext(const ArRtpView *v, guint8 id, guint8 **ptr, guint8 *len)
{
  if (v->ext_off == 0 || id == 0)
    return FALSE;
  const guint8 *p = v->buf + v->ext_off;
  guint32 off;
  guint8 l;
  gboolean found;
  if (v->ext_profile == AR_RTP_EXT_PROFILE_ONE_BYTE)
    found = id < 15 && find_one_byte(p, v->ext_len, id, &off, &l);
  else if ((v->ext_profile & 0xfff0) == AR_RTP_EXT_PROFILE_TWO_BYTE)
    found = find_two_byte(p, v->ext_len, id, &off, &l);
  else
    return FALSE;
  if (!found)
    return FALSE;
  *ptr = v->buf + v->ext_off + off;
  *len = l;
  return TRUE;
}

gboolean
ar_rtp_set_ext(const ArRtpView *v, guint8 id, const guint8 *val, guint8 len)
{
  guint8 *p;
  guint8 l;
  if (!ar_rtp_find_ext(v, id, &p, &l) || l != len)
    return FALSE;
  memcpy(p, val, len);
  return TRUE;
}

gboolean
ar_rtp_ext_string(const ArRtpView *v, guint8 id, const char **str, guint8 *len)
{
  guint8 *p;
  guint8 l;
  if (!ar_rtp_find_ext(v, id, &p, &l))
    return FALSE;
  *str = (const char *)p;
  *len = l;
  return TRUE;
}

gboolean
ar_rtp_ext_abs_send_time(const ArRtpView *v, guint8 id, guint32 *value)
{
  guint8 *p;
  guint8 l;
  if (!ar_rtp_find_ext(v, id, &p, &l) || l != 3)
    return FALSE;
  *value = ar_be24(p);
  return TRUE;
}

gboolean
ar_rtp_ext_set_abs_send_time(const ArRtpView *v, guint8 id, guint32 value)
{
  guint8 *p;
  guint8 l;
  if (!ar_rtp_find_ext(v, id, &p, &l) || l != 3)
    return FALSE;
  ar_put_be24(p, value & 0xffffff);
  return TRUE;
}

gboolean
ar_rtp_ext_twcc_seq(const ArRtpView *v, guint8 id, guint16 *seq)
{
  guint8 *p;
  guint8 l;
  if (!ar_rtp_find_ext(v, id, &p, &l) || l != 2)
    return FALSE;
  *seq = ar_be16(p);
  return TRUE;
}

gboolean
ar_rtp_ext_set_twcc_seq(const ArRtpView *v, guint8 id, guint16 seq)
{
  guint8 *p;
  guint8 l;
  if (!ar_rtp_find_ext(v, id, &p, &l) || l != 2)
    return FALSE;
  ar_put_be16(p, seq);
  return TRUE;
}

gboolean
ar_rtp_ext_audio_level(const ArRtpView *v, guint8 id, gboolean *voice, guint8 *level)
{
  guint8 *p;
  guint8 l;
  /* RFC 6464 allows the one-byte form only, but a two-byte block may carry it padded. */
  if (!ar_rtp_find_ext(v, id, &p, &l) || l < 1)
    return FALSE;
  *voice = (p[0] & 0x80) != 0;
  *level = p[0] & 0x7f;
  return TRUE;
}
