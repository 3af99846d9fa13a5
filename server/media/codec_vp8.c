/* VP8 payload descriptor parsing and in-place picture-id rewriting; see codec_vp8.h. */
#include "codec_vp8.h"

#include "bytes.h"

gboolean
ar_vp8_parse(ArVp8Desc *d, const guint8 *p, gsize len)
{
  if (len < 1)
    return FALSE;
  ArVp8Desc r = {0};
  r.non_ref = (p[0] & 0x20) != 0;
  r.start = (p[0] & 0x10) != 0;
  r.partition = p[0] & 0x07;
  gsize off = 1;
  if (p[0] & 0x80) { /* X: extension byte I L T K */
    if (len < 2)
      return FALSE;
    guint8 x = p[1];
    off = 2;
    if (x & 0x80) { /* I: PictureID, M bit selects 15 bits */
      if (off >= len)
        return FALSE;
      r.picid_off = (guint8)off;
      if (p[off] & 0x80) {
        r.picid_bits = 15;
        off += 2;
      } else {
        r.picid_bits = 7;
        off += 1;
      }
    }
    if (x & 0x40) { /* L: TL0PICIDX */
      r.tl0_off = (guint8)off;
      off += 1;
    }
    if (x & 0x30) { /* T or K: TID|Y|KEYIDX */
      if (off >= len)
        return FALSE;
      if (x & 0x20) {
        r.tid = p[off] >> 6;
        r.layer_sync = (p[off] & 0x20) != 0;
      }
      off += 1;
    }
    if (off > len)
      return FALSE;
  }
  r.desc_len = (guint8)off;
  /* RFC 6386 9.1: bit 0 of the frame tag is the inverse key-frame flag; it is only present at the
   * start of partition 0. */
  r.keyframe = r.start && r.partition == 0 && off < len && (p[off] & 0x01) == 0;
  *d = r;
  return TRUE;
}

gboolean
ar_vp8_keyframe_size(const ArVp8Desc *d, const guint8 *p, gsize len, guint16 *width,
                     guint16 *height)
{
  gsize off = d->desc_len;
  if (!d->keyframe || len < off + 10)
    return FALSE;
  const guint8 *h = p + off + 3; /* after the 3-byte frame tag */
  if (h[0] != 0x9d || h[1] != 0x01 || h[2] != 0x2a)
    return FALSE;
  *width = (guint16)((h[3] | (h[4] << 8)) & 0x3fff);
  *height = (guint16)((h[5] | (h[6] << 8)) & 0x3fff);
  return TRUE;
}

gboolean
ar_vp8_is_keyframe(const guint8 *payload, gsize len)
{
  ArVp8Desc d;
  return ar_vp8_parse(&d, payload, len) && d.keyframe;
}

guint16
ar_vp8_picture_id(const ArVp8Desc *d, const guint8 *payload)
{
  const guint8 *p = payload + d->picid_off;
  if (d->picid_bits == 15)
    return ar_be16(p) & 0x7fff;
  return p[0] & 0x7f;
}

void
ar_vp8_set_picture_id(const ArVp8Desc *d, guint8 *payload, guint16 picture_id)
{
  guint8 *p = payload + d->picid_off;
  if (d->picid_bits == 15)
    ar_put_be16(p, (guint16)(0x8000 | (picture_id & 0x7fff)));
  else
    p[0] = picture_id & 0x7f;
}

guint8
ar_vp8_tl0picidx(const ArVp8Desc *d, const guint8 *payload)
{
  return payload[d->tl0_off];
}

void
ar_vp8_set_tl0picidx(const ArVp8Desc *d, guint8 *payload, guint8 tl0picidx)
{
  payload[d->tl0_off] = tl0picidx;
}
