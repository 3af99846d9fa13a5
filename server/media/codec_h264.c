/* H.264 keyframe detection over an RTP payload; see codec_h264.h. */
#include "codec_h264.h"

#include "bytes.h"

static inline gboolean
is_key_nal(guint8 type)
{
  return type == AR_H264_NAL_IDR || type == AR_H264_NAL_SPS;
}

gboolean
ar_h264_is_keyframe(const guint8 *p, gsize len)
{
  if (len < 1)
    return FALSE;
  guint8 type = p[0] & 0x1f;
  if (type >= 1 && type <= 23)
    return is_key_nal(type);
  if (type == AR_H264_NAL_STAP_A) {
    gsize off = 1;
    while (off + 2 < len) {
      gsize size = ar_be16(p + off);
      if (size == 0 || off + 2 + size > len)
        return FALSE;
      if (is_key_nal(p[off + 2] & 0x1f))
        return TRUE;
      off += 2 + size;
    }
    return FALSE;
  }
  if (type == AR_H264_NAL_FU_A)
    return len >= 2 && (p[1] & 0x80) && is_key_nal(p[1] & 0x1f);
  return FALSE;
}
