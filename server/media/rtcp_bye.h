/* RTCP BYE (RFC 3550 6.6): a participant's SSRCs leave. The router ends the matching streams and
 * sends its own BYE when it stops forwarding a stream to a subscriber. */
#pragma once
#include "rtcp.h"

typedef struct {
  guint8 n_ssrcs;
  const guint8 *ssrcs; /* read with ar_rtcp_bye_ssrc() */
  const char *reason;  /* not NUL-terminated; NULL when absent */
  guint8 reason_len;
} ArRtcpBye;

/* FALSE unless pkt is a BYE whose SSRC list and optional reason fit. */
gboolean ar_rtcp_bye_parse(const ArRtcpPacket *pkt, ArRtcpBye *bye);

static inline guint32
ar_rtcp_bye_ssrc(const ArRtcpBye *bye, guint i)
{
  return ar_be32(bye->ssrcs + 4 * (gsize)i);
}

/* Writes a BYE for n (<= 31) SSRCs with an optional reason (NULL or reason_len 0 for none).
 * Bytes written, or -1. */
gssize ar_rtcp_bye_build(guint8 *out, gsize cap, const guint32 *ssrcs, guint n, const char *reason,
                         gsize reason_len);
