/* Generic NACK (RFC 4585 6.2.1): lists of lost RTP sequence numbers as PID + 16-bit BLP pairs.
 * The router parses subscribers' NACKs into sequence numbers to retransmit from its history, and
 * builds NACKs towards publishers from its own loss detection. */
#pragma once
#include "rtcp.h"

typedef struct {
  guint32 sender_ssrc;
  guint32 media_ssrc;
  guint n_pairs;
} ArRtcpNack;

/* Upper bound of sequence numbers a NACK packet can name (17 per pair), to size parse output. */
gsize ar_rtcp_nack_max_seqs(const ArRtcpPacket *pkt);

/* Expands every PID+BLP pair into seqs (in packet order, duplicates across pairs kept). Returns
 * the number written, or -1 when pkt is not a well-formed NACK or cap is too small. */
gssize ar_rtcp_nack_parse(const ArRtcpPacket *pkt, ArRtcpNack *nack, guint16 *seqs, gsize cap);

/* Packs n sequence numbers, sorted in RTP order (wrap-aware ascending, as a loss detector emits
 * them), into as few pairs as possible. Duplicates are dropped. Bytes written, or -1 when cap is
 * too small or n is 0. */
gssize ar_rtcp_nack_build(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                          const guint16 *seqs, gsize n);
