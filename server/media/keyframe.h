/* Keyframe requests towards one published stream (one simulcast layer): PLI or FIR, rate-limited
 * so that a room full of joining subscribers, layer switches and subscribers' own PLIs costs the
 * publisher at most one keyframe per interval. The router owns one ArKeyframe per layer. */
#pragma once
#include <glib.h>

#define AR_KEYFRAME_DEFAULT_INTERVAL_US (300 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  gint64 min_interval_us;
  gint64 last_sent_us; /* G_MININT64 until the first request goes out */
  gboolean pending;    /* asked for while rate-limited, and no keyframe seen since */
  guint8 fir_seq;      /* RFC 5104 command sequence number, one per new request */
  guint32 requested;   /* calls to ar_keyframe_request() */
  guint32 sent;        /* requests that went out */
} ArKeyframe;

void ar_keyframe_init(ArKeyframe *k, gint64 min_interval_us);

/* Somebody needs a keyframe (a subscriber joined, switched layer or sent PLI/FIR). TRUE when a
 * request may go out now (it is counted as sent); FALSE when one went out less than the interval
 * ago: the request is remembered and ar_keyframe_poll() releases it once the interval has passed,
 * unless a keyframe arrives first. */
gboolean ar_keyframe_request(ArKeyframe *k, gint64 now_us);

/* TRUE when a deferred request is due at now_us (it is then counted as sent). */
gboolean ar_keyframe_poll(ArKeyframe *k, gint64 now_us);

/* When the deferred request falls due, or G_MAXINT64 when nothing is pending. */
gint64 ar_keyframe_next_timeout(const ArKeyframe *k);

/* The publisher sent a keyframe: a deferred request is no longer needed. */
void ar_keyframe_received(ArKeyframe *k);

/* Writes the request that just went out: a PLI, or a FIR when the publisher negotiated only
 * ccm fir. Each FIR carries a fresh command sequence number. Bytes written, or -1. */
gssize ar_keyframe_build(ArKeyframe *k, guint8 *out, gsize cap, gboolean use_fir,
                         guint32 sender_ssrc, guint32 media_ssrc);
