/* Receive side of transport-wide congestion control (transport-wide-cc-extensions-01), one per
 * publishing participant's transport. The router records the transport-wide sequence number and
 * arrival time of every RTP packet it receives, then polls for RTCP feedback (about every 50 ms, or
 * sooner after 100 packets) so the browser's send-side estimator can ramp its send rate.
 * Sans-IO, fixed memory: a ring of the last AR_TWCC_RECEIVER_WINDOW sequence numbers. */
#pragma once
#include <glib.h>

#define AR_TWCC_RECEIVER_WINDOW 1024 /* sequence numbers remembered; a power of two */
#define AR_TWCC_RECEIVER_INTERVAL_US 50000
#define AR_TWCC_RECEIVER_MAX_PENDING 100 /* packets that make feedback due before the interval */

typedef struct ArTwccReceiver ArTwccReceiver;

typedef struct {
  guint64 packets;    /* first arrivals recorded */
  guint64 duplicates; /* arrivals of a sequence number already recorded */
  guint64 too_old;    /* arrivals older than the window, dropped */
  guint64 feedbacks;  /* feedback packets built */
} ArTwccReceiverStats;

/* sender_ssrc: our RTCP SSRC towards this participant; media_ssrc: one of its media SSRCs (browsers
 * ignore it, libwebrtc copies the first media SSRC). */
ArTwccReceiver *ar_twcc_receiver_new(guint32 sender_ssrc, guint32 media_ssrc);
void ar_twcc_receiver_free(ArTwccReceiver *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArTwccReceiver, ar_twcc_receiver_free)

/* Records one received RTP packet: seq from its transport-wide-cc header extension
 * (ar_rtp_ext_twcc_seq), arrival_us on the monotonic clock. Reordered packets are accepted as long
 * as they are within the window; a late one makes the next feedback start again from it. */
void ar_twcc_receiver_on_packet(ArTwccReceiver *r, guint16 seq, gint64 arrival_us);

/* When the next feedback is due (G_MAXINT64 when nothing is waiting to be reported). */
gint64 ar_twcc_receiver_next_timeout(const ArTwccReceiver *r);

/* Writes one feedback packet (RTPFB FMT 15) into out when one is due at now_us. Call again until it
 * returns 0: when the arrivals do not fit one packet (cap, or a delta beyond 16 bits) the rest
 * follows in further packets. Returns bytes written, 0 when nothing is due, -1 when cap is too
 * small for even one entry (nothing is consumed then). AR_TWCC_FEEDBACK_CAP bytes are plenty. */
gssize ar_twcc_receiver_poll(ArTwccReceiver *r, gint64 now_us, guint8 *out, gsize cap);

#define AR_TWCC_FEEDBACK_CAP 1200

void ar_twcc_receiver_get_stats(const ArTwccReceiver *r, ArTwccReceiverStats *stats);
