/* Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03), an application-layer
 * feedback PSFB with "REMB". The router reads subscribers' estimates for layer choice and sends a
 * REMB to publishers to cap what they send when transport-cc is not negotiated. */
#pragma once
#include "rtcp.h"

typedef struct {
  guint32 sender_ssrc;
  guint64 bitrate_bps; /* mantissa << exp, saturated at G_MAXUINT64 */
  guint8 n_ssrcs;
  const guint8 *ssrcs; /* read with ar_rtcp_remb_ssrc() */
} ArRtcpRemb;

/* FALSE unless pkt is a PSFB/AFB whose FCI starts with "REMB" and holds its SSRC list. */
gboolean ar_rtcp_remb_parse(const ArRtcpPacket *pkt, ArRtcpRemb *remb);

static inline guint32
ar_rtcp_remb_ssrc(const ArRtcpRemb *remb, guint i)
{
  return ar_be32(remb->ssrcs + 4 * (gsize)i);
}

/* Writes a REMB for n (<= 255) SSRCs. The bitrate is rounded down to what an 18-bit mantissa and
 * 6-bit exponent can carry. Bytes written, or -1. */
gssize ar_rtcp_remb_build(guint8 *out, gsize cap, guint32 sender_ssrc, guint64 bitrate_bps,
                          const guint32 *ssrcs, guint n);
