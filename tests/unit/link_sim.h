/* A deterministic network path for bandwidth-estimation tests and benches: a bottleneck link
 * (capacity, drop-tail queue, base delay, random loss) and, on top of it, a closed loop that sends
 * at the estimator's target through the link to a TWCC receiver whose feedback comes back after the
 * base delay to twcc_sender + bwe. Time is simulated in 1 ms steps; nothing reads a clock.
 * Header-only so each test and bench program links its own copy. */
#pragma once
#include <glib.h>

#include "bwe.h"
#include "rtcp.h"
#include "twcc_receiver.h"
#include "twcc_sender.h"

typedef struct {
  double capacity_bps;
  gint64 base_delay_us;
  gint64 max_queue_us; /* drop-tail: a packet that would wait longer is dropped */
  double loss;         /* random loss before the queue, 0..1 */
  guint64 rng;         /* xorshift64 state: same seed, same run */
  gint64 busy_until_us;
  guint64 sent, dropped_queue, dropped_random;
} LinkSim;

static inline void
link_sim_init(LinkSim *l, double capacity_bps, gint64 base_delay_us, gint64 max_queue_us,
              double loss, guint64 seed)
{
  *l = (LinkSim){capacity_bps, base_delay_us, max_queue_us, loss, seed ? seed : 1, 0, 0, 0, 0};
}

static inline double
link_sim_uniform(LinkSim *l)
{
  l->rng ^= l->rng << 13;
  l->rng ^= l->rng >> 7;
  l->rng ^= l->rng << 17;
  return (double)(l->rng >> 11) / (double)(1ull << 53);
}

/* Queueing delay a packet entering now would see. */
static inline gint64
link_sim_queue_us(const LinkSim *l, gint64 now_us)
{
  return MAX(0, l->busy_until_us - now_us);
}

/* Arrival time at the far end of a packet of size bytes sent at now_us, or -1 when lost. */
static inline gint64
link_sim_send(LinkSim *l, gint64 now_us, guint32 size)
{
  l->sent++;
  if (l->loss > 0 && link_sim_uniform(l) < l->loss) {
    l->dropped_random++;
    return -1;
  }
  if (link_sim_queue_us(l, now_us) > l->max_queue_us) {
    l->dropped_queue++;
    return -1;
  }
  gint64 tx_us = (gint64)((double)size * 8.0 * 1e6 / l->capacity_bps);
  l->busy_until_us = MAX(now_us, l->busy_until_us) + tx_us;
  return l->busy_until_us + l->base_delay_us;
}

/* ---- closed loop: sender paced at the target, subscriber's TWCC receiver, feedback path ---- */

#define BWE_SIM_PACKET 1200
#define BWE_SIM_INFLIGHT 16384
#define BWE_SIM_FEEDBACK 256

typedef struct {
  LinkSim link;
  ArTwccSender *sender;
  ArTwccReceiver *receiver;
  ArBwe *bwe;
  gint64 now_us;
  double credit_bits;
  guint64 target_bps;
  struct {
    guint16 seq;
    gint64 arrival_us;
  } inflight[BWE_SIM_INFLIGHT]; /* FIFO: the link never reorders */
  guint in_head, in_tail;
  struct {
    gint64 at_us;
    gsize len;
    guint8 buf[AR_TWCC_FEEDBACK_CAP];
  } feedback[BWE_SIM_FEEDBACK];
  guint fb_head, fb_tail;
  guint64 feedbacks_delivered;
} BweSim;

static inline BweSim *
bwe_sim_new(double capacity_bps, gint64 base_delay_us, gint64 max_queue_us, double loss,
            guint64 seed, const ArBweConfig *cfg)
{
  BweSim *s = g_new0(BweSim, 1);
  link_sim_init(&s->link, capacity_bps, base_delay_us, max_queue_us, loss, seed);
  s->sender = ar_twcc_sender_new();
  s->receiver = ar_twcc_receiver_new(0x5eb5c1be, 0xa0d10001);
  s->bwe = ar_bwe_new(cfg);
  s->now_us = 1000000;
  s->target_bps = ar_bwe_target_bps(s->bwe, s->now_us);
  return s;
}

static inline void
bwe_sim_free(BweSim *s)
{
  ar_twcc_sender_free(s->sender);
  ar_twcc_receiver_free(s->receiver);
  ar_bwe_free(s->bwe);
  g_free(s);
}

static inline void
bwe_sim_deliver_feedback(BweSim *s)
{
  while (s->fb_head != s->fb_tail &&
         s->feedback[s->fb_head % BWE_SIM_FEEDBACK].at_us <= s->now_us) {
    const guint8 *buf = s->feedback[s->fb_head % BWE_SIM_FEEDBACK].buf;
    gsize len = s->feedback[s->fb_head % BWE_SIM_FEEDBACK].len;
    s->fb_head++;
    ArRtcpPacket pkt;
    ArTwccReport rep;
    g_assert_true(ar_rtcp_packet_parse(&pkt, buf, len));
    g_assert_true(ar_twcc_sender_on_feedback(s->sender, &pkt, s->now_us, &rep));
    ar_bwe_on_twcc_report(s->bwe, &rep, s->now_us);
    s->feedbacks_delivered++;
  }
}

/* One millisecond: send what the target allows, deliver arrivals, let the receiver build
 * feedback (sent back over a path with the same base delay, never lost), apply the feedback. */
static inline void
bwe_sim_step(BweSim *s)
{
  s->now_us += 1000;
  s->credit_bits += (double)s->target_bps / 1000.0;
  s->credit_bits = MIN(s->credit_bits, 4.0 * BWE_SIM_PACKET * 8);
  while (s->credit_bits >= BWE_SIM_PACKET * 8) {
    s->credit_bits -= BWE_SIM_PACKET * 8;
    guint16 seq = ar_twcc_sender_on_send(s->sender, BWE_SIM_PACKET, s->now_us);
    gint64 arr = link_sim_send(&s->link, s->now_us, BWE_SIM_PACKET);
    if (arr >= 0 && s->in_tail - s->in_head < BWE_SIM_INFLIGHT) {
      s->inflight[s->in_tail % BWE_SIM_INFLIGHT].seq = seq;
      s->inflight[s->in_tail % BWE_SIM_INFLIGHT].arrival_us = arr;
      s->in_tail++;
    }
  }
  while (s->in_head != s->in_tail &&
         s->inflight[s->in_head % BWE_SIM_INFLIGHT].arrival_us <= s->now_us) {
    ar_twcc_receiver_on_packet(s->receiver, s->inflight[s->in_head % BWE_SIM_INFLIGHT].seq,
                               s->inflight[s->in_head % BWE_SIM_INFLIGHT].arrival_us);
    s->in_head++;
  }
  for (;;) {
    if (s->fb_tail - s->fb_head >= BWE_SIM_FEEDBACK)
      break;
    guint slot = s->fb_tail % BWE_SIM_FEEDBACK;
    gssize n = ar_twcc_receiver_poll(s->receiver, s->now_us, s->feedback[slot].buf,
                                     sizeof s->feedback[slot].buf);
    g_assert_cmpint(n, >=, 0);
    if (n == 0)
      break;
    s->feedback[slot].len = (gsize)n;
    s->feedback[slot].at_us = s->now_us + s->link.base_delay_us;
    s->fb_tail++;
  }
  bwe_sim_deliver_feedback(s);
  s->target_bps = ar_bwe_target_bps(s->bwe, s->now_us);
}

/* Runs for ms milliseconds; returns the mean target over them. */
static inline double
bwe_sim_run(BweSim *s, guint ms)
{
  double sum = 0;
  for (guint i = 0; i < ms; i++) {
    bwe_sim_step(s);
    sum += (double)s->target_bps;
  }
  return ms ? sum / ms : (double)s->target_bps;
}
