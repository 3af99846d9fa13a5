/* RFC 7983 packet demultiplexing; see demux.h. */
#include "demux.h"

/* Smallest well-formed packet of each kind; anything shorter cannot be parsed by its module. */
#define AR_DEMUX_MIN_STUN 20 /* RFC 5389 header */
#define AR_DEMUX_MIN_DTLS 13 /* DTLSPlaintext header */
#define AR_DEMUX_MIN_RTP 12  /* RFC 3550 fixed header */
#define AR_DEMUX_MIN_RTCP 8  /* common header + sender SSRC */

ArPacketKind
ar_demux_classify(const guint8 *buf, gsize len)
{
  if (len == 0 || !buf)
    return AR_PKT_UNKNOWN;
  guint8 b = buf[0];
  if (b <= 3)
    return len >= AR_DEMUX_MIN_STUN ? AR_PKT_STUN : AR_PKT_UNKNOWN;
  if (b >= 20 && b <= 63)
    return len >= AR_DEMUX_MIN_DTLS ? AR_PKT_DTLS : AR_PKT_UNKNOWN;
  if (b >= 128 && b <= 191) {
    /* RFC 5761 section 4: RTCP packet types 192..223 share the byte RTP uses for marker +
     * payload type, and RTP payload types 64..95 are kept free so the two cannot collide. */
    if (len >= 2 && buf[1] >= 192 && buf[1] <= 223)
      return len >= AR_DEMUX_MIN_RTCP ? AR_PKT_RTCP : AR_PKT_UNKNOWN;
    return len >= AR_DEMUX_MIN_RTP ? AR_PKT_RTP : AR_PKT_UNKNOWN;
  }
  /* 16..19 ZRTP and 64..79 TURN channels are not used on an ICE-only SFU path. */
  return AR_PKT_UNKNOWN;
}

const char *
ar_demux_kind_name(ArPacketKind kind)
{
  switch (kind) {
  case AR_PKT_STUN:
    return "stun";
  case AR_PKT_DTLS:
    return "dtls";
  case AR_PKT_RTP:
    return "rtp";
  case AR_PKT_RTCP:
    return "rtcp";
  case AR_PKT_UNKNOWN:
    break;
  }
  return "unknown";
}
