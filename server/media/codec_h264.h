/* H.264 RTP payload (RFC 6184) keyframe detection for the router's "forward from a keyframe"
 * rule: single NAL unit, STAP-A and FU-A packets that carry or start an IDR slice or an SPS. */
#pragma once
#include <glib.h>

enum {
  AR_H264_NAL_IDR = 5,
  AR_H264_NAL_SPS = 7,
  AR_H264_NAL_STAP_A = 24,
  AR_H264_NAL_FU_A = 28,
};

/* TRUE when the payload is a single IDR/SPS NAL unit, a STAP-A aggregating one, or the first
 * fragment (S bit) of an FU-A of one. Malformed STAP-A sizes end the scan with FALSE. */
gboolean ar_h264_is_keyframe(const guint8 *payload, gsize len);
