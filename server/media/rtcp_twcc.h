/* Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01,
 * RTPFB FMT 15): per-packet arrival times keyed by the transport-wide sequence number. The router
 * builds it for publishers from the arrival times it records, and parses subscribers' feedback
 * for its bandwidth estimator. */
#pragma once
#include "rtcp.h"

enum {
  AR_TWCC_NOT_RECEIVED = 0,
  AR_TWCC_SMALL_DELTA = 1, /* received, delta 0..63.75 ms in one byte */
  AR_TWCC_LARGE_DELTA = 2, /* received, delta -8192..8191.75 ms in two bytes */
};

#define AR_TWCC_DELTA_US 250      /* one delta tick */
#define AR_TWCC_REF_TIME_US 64000 /* one reference-time unit */

typedef struct {
  guint32 sender_ssrc;
  guint32 media_ssrc;
  guint16 base_seq;
  guint16 status_count;
  gint32 ref_time; /* signed 24-bit count of 64 ms units */
  guint8 fb_count; /* feedback packet count, to detect lost feedback */
} ArRtcpTwcc;

typedef struct {
  guint16 seq;
  guint8 status;   /* AR_TWCC_* */
  gint32 delta_us; /* from the previous received packet (the first: from ref_time); 0 if lost */
} ArRtcpTwccStatus;

/* Reads the fixed part only (to size the status array: hdr->status_count entries). */
gboolean ar_rtcp_twcc_parse_header(const ArRtcpPacket *pkt, ArRtcpTwcc *hdr);

/* Decodes all status chunks and deltas. Returns the number of statuses written (status_count),
 * or -1 when pkt is not well-formed TWCC feedback (truncated chunks or deltas, a reserved status
 * symbol) or cap < status_count. */
gssize ar_rtcp_twcc_parse(const ArRtcpPacket *pkt, ArRtcpTwcc *hdr, ArRtcpTwccStatus *out,
                          gsize cap);

typedef struct {
  guint16 seq;       /* transport-wide sequence number */
  gint64 arrival_us; /* receive time, any monotonic microsecond clock */
} ArRtcpTwccArrival;

/* Builds one feedback packet from received packets in increasing (wrap-aware) sequence order;
 * gaps are reported as not received. Chunks are chosen as libwebrtc does (run-length when a run
 * allows, otherwise 1-bit vectors of 14 or 2-bit vectors of 7) and the packet is padded to 32
 * bits with the P bit. It stops before an entry that would not fit in cap, whose delta from the
 * previous one does not fit 16 bits, or that is not newer than the previous one; *consumed tells
 * how many entries went in, and the caller builds the rest into the next packet. Bytes written,
 * or -1 when not even the first entry fits. */
gssize ar_rtcp_twcc_build(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                          guint8 fb_count, const ArRtcpTwccArrival *pkts, gsize n, gsize *consumed);
