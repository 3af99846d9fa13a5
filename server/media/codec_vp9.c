/* VP9 payload descriptor parsing; see codec_vp9.h. */
#include "codec_vp9.h"

#include "bytes.h"

gboolean
ar_vp9_parse(ArVp9Desc *d, const guint8 *p, gsize len)
{
  if (len < 1)
    return FALSE;
  ArVp9Desc r = {0};
  guint8 b = p[0];
  r.inter = (b & 0x40) != 0;
  r.flexible = (b & 0x10) != 0;
  r.begin = (b & 0x08) != 0;
  r.end = (b & 0x04) != 0;
  r.has_ss = (b & 0x02) != 0;
  gsize off = 1;
  if (b & 0x80) { /* I: PictureID, M bit selects 15 bits */
    if (off >= len)
      return FALSE;
    r.picid_off = (guint8)off;
    r.picid_bits = (p[off] & 0x80) ? 15 : 7;
    off += r.picid_bits == 15 ? 2 : 1;
  }
  gboolean has_l = (b & 0x20) != 0;
  if (has_l) { /* L: TID(3) U(1) SID(3) D(1), plus TL0PICIDX in non-flexible mode */
    if (off >= len)
      return FALSE;
    r.tid = p[off] >> 5;
    r.sid = (p[off] >> 1) & 0x07;
    off += r.flexible ? 1 : 2;
  }
  if (off > len)
    return FALSE;
  r.desc_len = (guint8)off;
  /* A keyframe starts at the base spatial layer; upper layers of it may still be inter-layer
   * predicted, so only SID 0 decides. */
  r.keyframe = !r.inter && r.begin && (!has_l || r.sid == 0);
  *d = r;
  return TRUE;
}

gboolean
ar_vp9_is_keyframe(const guint8 *payload, gsize len)
{
  ArVp9Desc d;
  return ar_vp9_parse(&d, payload, len) && d.keyframe;
}
