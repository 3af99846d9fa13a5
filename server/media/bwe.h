/* Downlink bandwidth estimator, one per receiving participant: how many bits per second we may
 * send them. Sender-side congestion control after draft-ietf-rmcat-gcc-02: a delay-based part
 * (packet groups, trendline filter, over-use detector with an adaptive threshold, AIMD rate
 * controller) and a loss-based part, the target being the smaller. Fed with the reports of
 * twcc_sender.h; a receiver that sends no transport-wide feedback is followed through its REMB
 * instead. The allocator (allocator.h) turns the target into simulcast layers. Sans-IO. */
#pragma once
#include <glib.h>

#include "twcc_sender.h"

typedef struct {
  guint64 start_bps; /* before any feedback; default 300 kbps */
  guint64 min_bps;   /* never below; default 50 kbps (audio must still fit) */
  guint64 max_bps;   /* never above; default 5 Mbps */
} ArBweConfig;

typedef enum {
  AR_BWE_NORMAL,
  AR_BWE_OVERUSE,  /* queues are growing: the AIMD controller decreases */
  AR_BWE_UNDERUSE, /* queues are draining: hold the rate until they are empty */
} ArBweSignal;

typedef struct {
  guint64 target_bps;   /* what ar_bwe_target_bps() last returned */
  guint64 delay_bps;    /* AIMD rate of the delay-based controller */
  guint64 loss_bps;     /* loss-based controller's rate */
  guint64 acked_bps;    /* throughput the receiver acknowledged, 0 until measured */
  guint64 remb_bps;     /* last REMB, 0 if none */
  ArBweSignal signal;   /* over-use detector's current hypothesis */
  double trend_ms;      /* modified trend m(i) the detector compares ... */
  double threshold_ms;  /* ... against this adaptive threshold */
  double loss_fraction; /* of the last closed loss window */
  gboolean using_remb;
} ArBweStats;

typedef struct ArBwe ArBwe;

/* cfg NULL: the defaults above. */
ArBwe *ar_bwe_new(const ArBweConfig *cfg);
void ar_bwe_free(ArBwe *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArBwe, ar_bwe_free)

/* One transport-wide feedback, already matched to our sends by ar_twcc_sender_on_feedback(). */
void ar_bwe_on_twcc_report(ArBwe *b, const ArTwccReport *report, gint64 now_us);

/* A REMB the participant sent (rtcp_remb.h). Used alone while no transport-wide feedback has come
 * for AR_BWE_TWCC_STALE_US; with it, only as a cap. */
void ar_bwe_on_remb(ArBwe *b, guint64 bitrate_bps, gint64 now_us);

/* Round-trip time from RTCP SR/RR (LSR/DLSR); paces decreases. Default 100 ms. */
void ar_bwe_on_rtt(ArBwe *b, gint64 rtt_us);

#define AR_BWE_TWCC_STALE_US 2000000

/* Current target bitrate, within [min_bps, max_bps]. now_us decides which inputs are fresh. */
guint64 ar_bwe_target_bps(ArBwe *b, gint64 now_us);

void ar_bwe_get_stats(const ArBwe *b, ArBweStats *stats);
