/* RTCP source description (RFC 3550 6.5). anteroom only needs CNAME: it builds one chunk with its
 * own CNAME per stream and, when parsing, returns each chunk's CNAME and skips other items. */
#pragma once
#include "rtcp.h"

#define AR_RTCP_SDES_CNAME 1

typedef struct {
  guint32 ssrc;
  const char *cname; /* not NUL-terminated; NULL when the chunk has no CNAME item */
  guint8 cname_len;
} ArRtcpSdesChunk;

typedef struct {
  guint8 n_chunks;
  ArRtcpSdesChunk chunks[AR_RTCP_MAX_COUNT];
} ArRtcpSdes;

/* FALSE unless pkt is an SDES whose SC chunks each end with an END item inside the packet. */
gboolean ar_rtcp_sdes_parse(const ArRtcpPacket *pkt, ArRtcpSdes *sdes);

/* Writes an SDES with one chunk holding one CNAME item. Bytes written, or -1 when cap is too
 * small or cname_len > 255. */
gssize ar_rtcp_sdes_build_cname(guint8 *out, gsize cap, guint32 ssrc, const char *cname,
                                gsize cname_len);
