/* libFuzzer target for the RTP view and everything that reads an RTP payload: ar_rtp_parse, every
 * extension lookup and typed accessor, in-place rewrites, RTX wrap/unwrap, and the VP8 / VP9 /
 * H.264 keyframe parsers (on the packet's payload and on the raw input). Oracles: RTX wrap then
 * unwrap restores the packet, and rewrites change only the bytes they own. */
#include <stdlib.h>
#include <string.h>

#include "codec_h264.h"
#include "codec_vp8.h"
#include "codec_vp9.h"
#include "rtp.h"
#include "rtx.h"

static void
check_codecs(guint8 *p, gsize len)
{
  ArVp8Desc d8;
  if (ar_vp8_parse(&d8, p, len)) {
    if (d8.desc_len > len)
      abort();
    if (d8.picid_bits) {
      guint16 id = ar_vp8_picture_id(&d8, p);
      ar_vp8_set_picture_id(&d8, p, (guint16)(id + 1));
      if (ar_vp8_picture_id(&d8, p) != (guint16)((id + 1) & (d8.picid_bits == 15 ? 0x7fff : 0x7f)))
        abort();
    }
    if (d8.tl0_off)
      ar_vp8_set_tl0picidx(&d8, p, (guint8)(ar_vp8_tl0picidx(&d8, p) + 1));
  }
  (void)ar_vp8_is_keyframe(p, len);
  ArVp9Desc d9;
  if (ar_vp9_parse(&d9, p, len) && d9.desc_len > len)
    abort();
  (void)ar_h264_is_keyframe(p, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* Headroom of 2 for RTX wrap; exact-size allocation so overreads are caught by ASan. */
  guint8 *mem = malloc(size + 2);
  guint8 *buf = mem + 2;
  memcpy(buf, data, size);

  ArRtpView v;
  if (ar_rtp_parse(&v, buf, size)) {
    if (v.header_len + v.payload_len + v.pad_len != size)
      abort();
    for (guint id = 0; id < 256; id++) {
      guint8 *p;
      guint8 len;
      if (ar_rtp_find_ext(&v, (guint8)id, &p, &len)) {
        if (p < buf || p + len > buf + v.header_len)
          abort();
        guint8 tmp[256];
        memcpy(tmp, p, len);
        if (!ar_rtp_set_ext(&v, (guint8)id, tmp, len))
          abort();
      }
    }
    const char *s;
    guint8 l, level;
    guint32 ast;
    guint16 tw;
    gboolean voice;
    (void)ar_rtp_ext_string(&v, 1, &s, &l);
    if (ar_rtp_ext_abs_send_time(&v, 2, &ast))
      ar_rtp_ext_set_abs_send_time(&v, 2, ast + 1);
    if (ar_rtp_ext_twcc_seq(&v, 3, &tw))
      ar_rtp_ext_set_twcc_seq(&v, 3, (guint16)(tw + 1));
    (void)ar_rtp_ext_audio_level(&v, 4, &voice, &level);

    ar_rtp_set_seq(&v, (guint16)(ar_rtp_seq(&v) + 1));
    ar_rtp_set_ts(&v, ar_rtp_ts(&v) + 3000);
    ar_rtp_set_ssrc(&v, ~ar_rtp_ssrc(&v));
    ar_rtp_set_pt(&v, (guint8)(ar_rtp_pt(&v) ^ 1));
    if (memcmp(buf + 12, data + 12, size - 12) != 0 && v.ext_off == 0)
      abort(); /* header rewrites must not touch anything past the fixed header */

    check_codecs(ar_rtp_payload(&v), v.payload_len);

    /* RTX wrap then unwrap restores the (rewritten) packet byte for byte. */
    guint8 *before = malloc(size);
    memcpy(before, buf, size);
    guint16 seq = ar_rtp_seq(&v);
    guint8 pt = ar_rtp_pt(&v);
    guint32 ssrc = ar_rtp_ssrc(&v);
    if (!ar_rtx_wrap(&v, 2, 97, 0x5678, 1))
      abort();
    if (!ar_rtx_unwrap(&v, pt, ssrc) || v.buf != buf || ar_rtp_seq(&v) != seq ||
        memcmp(buf, before, size) != 0)
      abort();
    free(before);
  }

  memcpy(buf, data, size);
  check_codecs(buf, size);
  free(mem);
  return 0;
}
