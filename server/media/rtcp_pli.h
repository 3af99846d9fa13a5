/* Picture loss indication (RFC 4585 6.3.1): "send me a keyframe". The router builds PLIs towards a
 * publisher when a subscriber joins or switches layer, and parses subscribers' PLIs to forward. */
#pragma once
#include "rtcp.h"

#define AR_RTCP_PLI_LEN 12

typedef struct {
  guint32 sender_ssrc;
  guint32 media_ssrc;
} ArRtcpPli;

gboolean ar_rtcp_pli_parse(const ArRtcpPacket *pkt, ArRtcpPli *pli);

/* Writes the 12-byte PLI. Bytes written, or -1 when cap < 12. */
gssize ar_rtcp_pli_build(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc);
