/* Send side of transport-wide congestion control, one per receiving participant (downlink). The
 * router stamps every RTP packet it sends to that participant with the sequence number
 * ar_twcc_sender_on_send() returns (ar_rtp_ext_set_twcc_seq), and hands the participant's
 * transport-wide feedback to ar_twcc_sender_on_feedback(), which matches reported arrivals to the
 * recorded sends and yields a report for the bandwidth estimator (bwe.h). Fixed memory. */
#pragma once
#include <glib.h>

#include "rtcp.h"

#define AR_TWCC_SENDER_HISTORY 2048    /* sends remembered; a power of two (~4 s at 4 Mbps) */
#define AR_TWCC_SENDER_MAX_STATUS 2048 /* statuses accepted in one feedback packet */

typedef struct {
  gint64 seq;        /* unwrapped transport-wide sequence number */
  gint64 send_us;    /* our clock */
  gint64 arrival_us; /* the receiver's clock (only differences mean anything); 0 if lost */
  guint32 size;      /* bytes as sent (RTP header and payload) */
  gboolean received;
  gboolean was_lost; /* received, but an earlier feedback had reported it lost */
} ArTwccPacketResult;

/* What one feedback packet taught us: each packet we sent appears once as lost and once as
 * received at most (a late arrival after a loss report comes back with was_lost), in sequence
 * order. Packets the feedback skipped between the previous feedback and its base count as lost.
 * Points into the sender; valid until its next call. */
typedef struct {
  const ArTwccPacketResult *packets;
  gsize n;
  gint64 feedback_us; /* when the feedback arrived */
} ArTwccReport;

typedef struct {
  guint64 sent;
  guint64 feedbacks;      /* well-formed feedback packets */
  guint64 malformed;      /* rejected: not parseable, or more than AR_TWCC_SENDER_MAX_STATUS */
  guint64 feedbacks_lost; /* gaps in the feedback packet count */
  guint64 unknown;        /* statuses for packets not (or no longer) in the history */
} ArTwccSenderStats;

typedef struct ArTwccSender ArTwccSender;

ArTwccSender *ar_twcc_sender_new(void);
void ar_twcc_sender_free(ArTwccSender *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArTwccSender, ar_twcc_sender_free)

/* Records a packet of `size` bytes sent at now_us and returns the transport-wide sequence number to
 * write into its header extension. */
guint16 ar_twcc_sender_on_send(ArTwccSender *s, guint32 size, gint64 now_us);

/* Matches one RTPFB/FMT 15 packet against the history. TRUE with *report filled (possibly with
 * n == 0 when everything in it was known already); FALSE when pkt is not well-formed feedback. */
gboolean ar_twcc_sender_on_feedback(ArTwccSender *s, const ArRtcpPacket *pkt, gint64 now_us,
                                    ArTwccReport *report);

void ar_twcc_sender_get_stats(const ArTwccSender *s, ArTwccSenderStats *stats);
