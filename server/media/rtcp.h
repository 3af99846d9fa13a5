/* RTCP common header (RFC 3550 6.4) and compound-packet iteration with strict bounds checks. The
 * router walks every decrypted SRTCP packet with ArRtcpIter and hands each ArRtcpPacket to the
 * per-type parsers in rtcp_<type>.h; builders of all types write into caller buffers. */
#pragma once
#include <glib.h>

#include "bytes.h"

enum {
  AR_RTCP_SR = 200,
  AR_RTCP_RR = 201,
  AR_RTCP_SDES = 202,
  AR_RTCP_BYE = 203,
  AR_RTCP_APP = 204,
  AR_RTCP_RTPFB = 205, /* transport-layer feedback: FMT 1 NACK, 15 transport-wide cc */
  AR_RTCP_PSFB = 206,  /* payload-specific feedback: FMT 1 PLI, 4 FIR, 15 AFB (REMB) */
  AR_RTCP_XR = 207,
};

enum {
  AR_RTCP_FMT_NACK = 1,
  AR_RTCP_FMT_TWCC = 15,
  AR_RTCP_FMT_PLI = 1,
  AR_RTCP_FMT_FIR = 4,
  AR_RTCP_FMT_AFB = 15,
};

#define AR_RTCP_HEADER_LEN 4
#define AR_RTCP_MAX_COUNT 31

/* One packet of a compound: `len` bytes from `data` as its length field says, of which the last
 * `pad` are padding. `body`/`body_len` is what follows the 4-byte header, padding excluded. */
typedef struct {
  const guint8 *data;
  gsize len;
  const guint8 *body;
  gsize body_len;
  guint8 pt;
  guint8 count; /* RC, SC or FMT, by type */
  guint8 pad;
} ArRtcpPacket;

/* Validates the header at buf (version 2, length within len, padding within the packet) and fills
 * pkt. len may exceed the packet: the rest is the following packets of a compound. */
gboolean ar_rtcp_packet_parse(ArRtcpPacket *pkt, const guint8 *buf, gsize len);

typedef struct {
  const guint8 *p;
  gsize remaining;
  gboolean error; /* set when iteration stopped at a malformed packet */
} ArRtcpIter;

void ar_rtcp_iter_init(ArRtcpIter *it, const guint8 *buf, gsize len);

/* Yields the next packet; FALSE at the end or at the first malformed packet (it->error then
 * TRUE, and nothing after it is trusted: lengths chain, so one bad length breaks the rest). */
gboolean ar_rtcp_iter_next(ArRtcpIter *it, ArRtcpPacket *pkt);

/* RFC 5761 4: the second byte of an RTCP packet is a PT in 192..223 (RTP uses PT < 128 with the
 * marker bit on top, so 64..95 are never negotiated). Used to demultiplex one port. */
static inline gboolean
ar_rtcp_is_rtcp(const guint8 *buf, gsize len)
{
  return len >= AR_RTCP_HEADER_LEN && (buf[0] >> 6) == 2 && buf[1] >= 192 && buf[1] <= 223;
}

/* Writes a header for a packet of total_len bytes (a multiple of 4, at most 65536*4). Builders
 * call it last, once they know the length. */
void ar_rtcp_write_header(guint8 *out, gboolean padding, guint8 count, guint8 pt, gsize total_len);

/* Pads a packet under construction to a multiple of 4 with zeros and a trailing count, as
 * libwebrtc does for transport-wide feedback (the caller then sets the P bit through
 * ar_rtcp_write_header when the result differs from len). Returns the padded length, or -1 when
 * it does not fit in cap. */
gssize ar_rtcp_pad(guint8 *out, gsize len, gsize cap);
