/* Full intra request (RFC 5104 4.3.1): a keyframe request with a per-target command sequence
 * number, used by senders that ignore PLI. The router sends one entry per request and bumps the
 * sequence number only for a new request (a repeat keeps it, so the sender does not re-encode). */
#pragma once
#include "rtcp.h"

typedef struct {
  guint32 sender_ssrc;
  guint32 media_ssrc; /* 0 per RFC 5104; the targets are in the entries */
  guint n_entries;
  const guint8 *entries; /* read with ar_rtcp_fir_entry() */
} ArRtcpFir;

typedef struct {
  guint32 ssrc;
  guint8 seq;
} ArRtcpFirEntry;

/* FALSE unless pkt is a FIR with at least one whole 8-byte entry. */
gboolean ar_rtcp_fir_parse(const ArRtcpPacket *pkt, ArRtcpFir *fir);

static inline void
ar_rtcp_fir_entry(const ArRtcpFir *fir, guint i, ArRtcpFirEntry *e)
{
  e->ssrc = ar_be32(fir->entries + 8 * (gsize)i);
  e->seq = fir->entries[8 * (gsize)i + 4];
}

/* Writes a FIR with n >= 1 entries. Bytes written, or -1. */
gssize ar_rtcp_fir_build(guint8 *out, gsize cap, guint32 sender_ssrc, const ArRtcpFirEntry *entries,
                         gsize n);
