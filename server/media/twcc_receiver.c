/* Transport-wide cc receive side; see twcc_receiver.h. Sequence numbers are unwrapped to 64 bits
 * and kept in a ring indexed by their low bits; a slot counts only when it holds exactly the
 * unwrapped number asked for, so gaps, wraps and stale slots need no clearing. */
#include "twcc_receiver.h"

#include "rtcp_twcc.h"

#define WINDOW_MASK (AR_TWCC_RECEIVER_WINDOW - 1)
G_STATIC_ASSERT((AR_TWCC_RECEIVER_WINDOW & WINDOW_MASK) == 0);

/* Arrival times more than this apart do not fit one 16-bit delta (8.19 s); repeating an older
 * packet as the base of the next feedback is only worth it well within that. */
#define REPEAT_MAX_AGE_US 4000000

typedef struct {
  gint64 useq; /* unwrapped sequence number stored here; meaningless unless it matches */
  gint64 arrival_us;
} Slot;

struct ArTwccReceiver {
  guint32 sender_ssrc;
  guint32 media_ssrc;
  gboolean started;
  gint64 highest;       /* highest unwrapped sequence number received */
  gint64 next_fb;       /* first sequence number the next feedback covers */
  gint64 last_reported; /* last received packet put in a feedback; G_MININT64 when none */
  guint pending;        /* first arrivals since the last feedback round */
  gboolean draining;    /* a round was split over several packets and is not finished */
  gint64 last_round_us; /* when the last round finished */
  gint64 last_arrival_us;
  guint8 fb_count;
  ArTwccReceiverStats stats;
  Slot slots[AR_TWCC_RECEIVER_WINDOW];
  ArRtcpTwccArrival scratch[AR_TWCC_RECEIVER_WINDOW];
};

ArTwccReceiver *
ar_twcc_receiver_new(guint32 sender_ssrc, guint32 media_ssrc)
{
  ArTwccReceiver *r = g_new0(ArTwccReceiver, 1);
  r->sender_ssrc = sender_ssrc;
  r->media_ssrc = media_ssrc;
  r->last_reported = G_MININT64;
  for (guint i = 0; i < AR_TWCC_RECEIVER_WINDOW; i++)
    r->slots[i].useq = G_MININT64;
  return r;
}

void
ar_twcc_receiver_free(ArTwccReceiver *r)
{
  g_free(r);
}

static Slot *
slot_of(ArTwccReceiver *r, gint64 useq)
{
  return &r->slots[(guint64)useq & WINDOW_MASK];
}

static gboolean
received(ArTwccReceiver *r, gint64 useq)
{
  return slot_of(r, useq)->useq == useq;
}

/* RFC 3550 A.1 style: the 16-bit number closest to the highest one seen. */
static gint64
unwrap(const ArTwccReceiver *r, guint16 seq)
{
  return r->highest + (gint16)(guint16)(seq - (guint16)r->highest);
}

void
ar_twcc_receiver_on_packet(ArTwccReceiver *r, guint16 seq, gint64 arrival_us)
{
  gint64 useq;
  if (!r->started) {
    r->started = TRUE;
    useq = r->highest = r->next_fb = seq;
    r->last_round_us = arrival_us;
  } else {
    useq = unwrap(r, seq);
  }
  if (useq <= r->highest - AR_TWCC_RECEIVER_WINDOW) {
    r->stats.too_old++;
    return;
  }
  Slot *s = slot_of(r, useq);
  if (s->useq == useq) {
    r->stats.duplicates++;
    return;
  }
  s->useq = useq;
  s->arrival_us = arrival_us;
  if (useq > r->highest)
    r->highest = useq;
  /* A late packet was reported lost already (or is about to be): the next feedback starts again
   * from it. Senders ignore the repeats of packets they already know arrived (libwebrtc's
   * RemoteEstimatorProxy does the same). */
  if (useq < r->next_fb)
    r->next_fb = useq;
  if (r->next_fb <= r->highest - AR_TWCC_RECEIVER_WINDOW)
    r->next_fb = r->highest - AR_TWCC_RECEIVER_WINDOW + 1;
  r->last_arrival_us = arrival_us;
  /* After a quiet spell the period restarts at this packet rather than firing at once for it. */
  if (r->pending == 0 && !r->draining &&
      r->last_round_us + AR_TWCC_RECEIVER_INTERVAL_US < arrival_us)
    r->last_round_us = arrival_us;
  r->pending++;
  r->stats.packets++;
}

gint64
ar_twcc_receiver_next_timeout(const ArTwccReceiver *r)
{
  if (!r->started || (r->pending == 0 && !r->draining))
    return G_MAXINT64;
  if (r->draining || r->pending >= AR_TWCC_RECEIVER_MAX_PENDING)
    return MIN(r->last_arrival_us, r->last_round_us + AR_TWCC_RECEIVER_INTERVAL_US);
  return r->last_round_us + AR_TWCC_RECEIVER_INTERVAL_US;
}

/* The builder starts a packet at its first received entry, so losses right after the previous
 * feedback would go unreported. Starting at the last packet already reported makes them explicit
 * "not received" symbols; the repeated packet itself is ignored by the sender. */
static gint64
range_start(ArTwccReceiver *r)
{
  gint64 start = r->next_fb;
  gint64 rep = r->last_reported;
  if (!received(r, start) && rep != G_MININT64 && rep < start &&
      rep > r->highest - AR_TWCC_RECEIVER_WINDOW && received(r, rep) &&
      r->last_arrival_us - slot_of(r, rep)->arrival_us < REPEAT_MAX_AGE_US)
    start = rep;
  return start;
}

static void
finish_round(ArTwccReceiver *r, gint64 now_us)
{
  r->draining = FALSE;
  r->pending = 0;
  r->last_round_us = now_us;
}

gssize
ar_twcc_receiver_poll(ArTwccReceiver *r, gint64 now_us, guint8 *out, gsize cap)
{
  if (ar_twcc_receiver_next_timeout(r) > now_us)
    return 0;
  gint64 start = range_start(r);
  gsize n = 0;
  for (gint64 u = start; u <= r->highest; u++) {
    const Slot *s = slot_of(r, u);
    if (s->useq == u)
      r->scratch[n++] = (ArRtcpTwccArrival){(guint16)u, s->arrival_us};
  }
  if (n == 0) {
    finish_round(r, now_us);
    return 0;
  }
  gsize consumed;
  gssize len = ar_rtcp_twcc_build(out, cap, r->sender_ssrc, r->media_ssrc, r->fb_count, r->scratch,
                                  n, &consumed);
  if (len < 0)
    return -1;
  r->fb_count++;
  r->stats.feedbacks++;
  gint64 last = start + (guint16)(r->scratch[consumed - 1].seq - (guint16)start);
  /* A packet holding nothing but the repeated entry makes no progress: stop repeating. */
  r->last_reported = (start < r->next_fb && consumed == 1) ? G_MININT64 : last;
  r->next_fb = MAX(r->next_fb, last + 1);
  if (consumed == n)
    finish_round(r, now_us);
  else
    r->draining = TRUE;
  return len;
}

void
ar_twcc_receiver_get_stats(const ArTwccReceiver *r, ArTwccReceiverStats *stats)
{
  *stats = r->stats;
}
