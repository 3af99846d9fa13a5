/* RFC 7983 demultiplexing: every packet that arrives on a participant's ICE component (STUN,
 * DTLS, SRTP, SRTCP) is classified by its first byte before it is handed to the right module.
 * Called by the libnice receive path for each packet; pure, allocation-free. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  AR_PKT_UNKNOWN = 0, /* empty, too short, ZRTP, TURN channel data or an unassigned range */
  AR_PKT_STUN,        /* first byte 0..3, at least a 20-byte STUN header */
  AR_PKT_DTLS,        /* first byte 20..63, at least a 13-byte record header */
  AR_PKT_RTP,         /* first byte 128..191, at least 12 bytes */
  AR_PKT_RTCP,        /* first byte 128..191, second byte 192..223 (RFC 5761), at least 8 bytes */
} ArPacketKind;

ArPacketKind ar_demux_classify(const guint8 *buf, gsize len);

/* A stable lower-case name for metrics labels and logs. */
const char *ar_demux_kind_name(ArPacketKind kind);

G_END_DECLS
