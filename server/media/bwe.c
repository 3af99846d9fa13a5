/* Bandwidth estimation; see bwe.h. Each stage is one small function and cites where its formula
 * comes from: "gcc" is draft-ietf-rmcat-gcc-02, "libwebrtc" the modules of
 * modules/congestion_controller/goog_cc whose constants the draft leaves open or has since
 * replaced (the trendline filter replaced the draft's Kalman filter in 2017).
 *
 *   report ──▶ group_packet ──▶ trendline_update ──▶ detect ──┐
 *      │                                                       ▼
 *      ├──▶ acked_add ─────────────── acked_bps ─────────▶ aimd_update ──▶ delay rate ─┐
 *      └──▶ loss_update ──────────────────────────────────────────────▶ loss rate ──── min ─▶
 * target
 */
#include "bwe.h"

#include <math.h>
#include <string.h>

/* gcc 5.2: packets sent within burst_time form one group. */
#define BURST_TIME_US 5000
#define MAX_BURST_US 100000      /* libwebrtc inter_arrival: kMaxBurstDuration */
#define ARRIVAL_OFFSET_MS 3000.0 /* libwebrtc: a larger jump is a clock change, reset */
#define TREND_WINDOW 20          /* libwebrtc trendline: window_size */
#define TREND_SMOOTHING 0.9      /* libwebrtc trendline: smoothing_coef */
#define TREND_GAIN 4.0           /* libwebrtc trendline: threshold_gain */
#define TREND_MAX_DELTAS 60      /* libwebrtc trendline: kMinNumDeltas */
#define OVERUSE_TIME_MS 10.0     /* gcc 5.4: overuse_time_th */
#define THRESHOLD_INIT_MS 12.5   /* gcc 5.4: del_var_th initial */
#define THRESHOLD_K_UP 0.0087    /* libwebrtc trendline; gcc 5.4 has K_u = 0.01 for its Kalman m */
#define THRESHOLD_K_DOWN 0.039   /* libwebrtc trendline; gcc 5.4 has K_d = 0.00018 */
#define THRESHOLD_MAX_OFFSET_MS 15.0 /* gcc 5.4: skip updates on spikes */
#define BETA 0.85                    /* gcc 5.5: multiplicative decrease */
#define ETA 1.08                     /* gcc 5.5: multiplicative increase per second */
#define ACKED_CAP_FACTOR 1.5         /* gcc 5.5: A_hat < 1.5 * R_hat */
#define LOSS_HIGH 0.10               /* gcc 6 */
#define LOSS_LOW 0.02                /* gcc 6 */
#define LOSS_WINDOW_PACKETS 20       /* libwebrtc send_side_bwe: kLimitNumPackets */
#define LOSS_WINDOW_US 200000
#define LOSS_TIME_CONSTANT_US 1200000 /* smoothing: random loss is noisy over 20 packets */
#define LOSS_DECREASE_US 300000       /* libwebrtc send_side_bwe: kBweDecreaseInterval (+ rtt) */
#define ACKED_BIN_US 50000
#define ACKED_BINS 10 /* a 500 ms window, libwebrtc's steady-state window */
#define ACKED_RING 16
#define REMB_STALE_US 5000000
#define REORDER_SPAN 64 /* packets: real reordering is a few places deep */

typedef struct {
  gboolean valid;
  gint64 first_send_us, last_send_us;
  gint64 first_arrival_us, last_arrival_us;
} Group;

typedef enum { HOLD, INCREASE, DECREASE } AimdState;

struct ArBwe {
  ArBweConfig cfg;
  gint64 rtt_us;

  Group cur, prev; /* inter-arrival groups */

  struct {
    int num_deltas;
    gboolean have_first;
    double first_arrival_ms;
    double accumulated_ms, smoothed_ms;
    double x[TREND_WINDOW], y[TREND_WINDOW];
    int n, head;
    double trend, prev_trend, modified;
  } tl;

  struct {
    double threshold_ms;
    double last_update_ms;
    gboolean have_update;
    double time_over_using_ms; /* -1: not over-using */
    int overuse_count;
    ArBweSignal hypothesis;
  } det;

  struct {
    double rate_bps;
    AimdState state;
    gint64 last_change_us;
    gboolean have_change;
    gboolean link_valid; /* link capacity estimate at past decreases, kbps */
    double link_kbps, link_var;
  } aimd;

  struct {
    gboolean any;
    gint64 head; /* bin index of the newest arrival */
    gint64 first;
    guint64 bytes[ACKED_RING];
  } acked;

  struct {
    double rate_bps;
    gint lost, total;
    gint64 window_start_us;
    gint64 last_decrease_us;
    gboolean have_decrease;
    double fraction; /* smoothed over windows */
    gboolean have_fraction;
  } loss;

  gboolean have_twcc, have_remb;
  gint64 twcc_us, remb_us;
  guint64 remb_bps;
  guint64 target_bps;
  gboolean using_remb;
};

static double
clamp_rate(const ArBwe *b, double bps)
{
  return CLAMP(bps, (double)b->cfg.min_bps, (double)b->cfg.max_bps);
}

ArBwe *
ar_bwe_new(const ArBweConfig *cfg)
{
  ArBwe *b = g_new0(ArBwe, 1);
  b->cfg = cfg ? *cfg : (ArBweConfig){300000, 50000, 5000000};
  if (b->cfg.min_bps == 0)
    b->cfg.min_bps = 1;
  if (b->cfg.max_bps < b->cfg.min_bps)
    b->cfg.max_bps = b->cfg.min_bps;
  b->rtt_us = 100000;
  b->det.threshold_ms = THRESHOLD_INIT_MS;
  b->det.time_over_using_ms = -1;
  b->aimd.rate_bps = clamp_rate(b, (double)b->cfg.start_bps);
  b->aimd.state = INCREASE;
  b->aimd.link_var = 0.4;
  b->loss.rate_bps = (double)b->cfg.max_bps;
  b->target_bps = (guint64)b->aimd.rate_bps;
  return b;
}

void
ar_bwe_free(ArBwe *b)
{
  g_free(b);
}

void
ar_bwe_on_rtt(ArBwe *b, gint64 rtt_us)
{
  if (rtt_us > 0 && rtt_us < 10000000)
    b->rtt_us = rtt_us;
}

/* ---- acknowledged bitrate: bytes the receiver got, binned by its arrival clock -------------- */

static void
acked_add(ArBwe *b, gint64 arrival_us, guint32 size)
{
  gint64 bin = arrival_us >= 0 ? arrival_us / ACKED_BIN_US : (arrival_us + 1) / ACKED_BIN_US - 1;
  if (!b->acked.any || bin > b->acked.head + ACKED_RING || bin < b->acked.head - 4 * ACKED_RING) {
    memset(b->acked.bytes, 0, sizeof b->acked.bytes); /* first packet, or a clock jump */
    b->acked.any = TRUE;
    b->acked.head = b->acked.first = bin;
  }
  while (b->acked.head < bin)
    b->acked.bytes[(guint64)++b->acked.head % ACKED_RING] = 0;
  if (bin <= b->acked.head - ACKED_RING)
    return; /* too late to count */
  b->acked.bytes[(guint64)bin % ACKED_RING] += size;
}

/* Throughput over the last ACKED_BINS complete bins (the newest one is still filling). Unknown
 * (0) until three complete bins exist. */
static double
acked_bps(const ArBwe *b)
{
  if (!b->acked.any)
    return 0;
  gint64 complete = MIN((gint64)ACKED_BINS, b->acked.head - b->acked.first);
  if (complete < 3)
    return 0;
  guint64 sum = 0;
  for (gint64 i = 1; i <= complete; i++)
    sum += b->acked.bytes[(guint64)(b->acked.head - i) % ACKED_RING];
  return (double)sum * 8.0 * 1e6 / (double)(complete * ACKED_BIN_US);
}

/* ---- gcc 5.2: pre-filtering into groups ------------------------------------------------------ */

static void
group_start(Group *g, gint64 send_us, gint64 arrival_us)
{
  *g = (Group){TRUE, send_us, send_us, arrival_us, arrival_us};
}

/* A packet joins the current group when sent within burst_time of the group's first packet, or
 * when it arrived within burst_time of the previous one with a negative delay variation (gcc 5.2:
 * a burst the network compressed). */
static gboolean
same_group(const Group *g, gint64 send_us, gint64 arrival_us)
{
  if (send_us - g->first_send_us <= BURST_TIME_US)
    return TRUE;
  gint64 arrival_delta = arrival_us - g->last_arrival_us;
  gint64 send_delta = send_us - g->last_send_us;
  return arrival_delta >= 0 && arrival_delta <= BURST_TIME_US && arrival_delta - send_delta < 0 &&
         arrival_us - g->first_arrival_us < MAX_BURST_US;
}

static void trendline_reset(ArBwe *b);

/* Feeds one received packet. When it starts a new group and two complete groups exist, returns
 * TRUE with the inter-group deltas (gcc 5.2): send delta T(i)-T(i-1), arrival delta t(i)-t(i-1),
 * each group represented by its last packet. */
static gboolean
group_packet(ArBwe *b, gint64 send_us, gint64 arrival_us, double *send_delta_ms,
             double *arrival_delta_ms, double *arrival_ms)
{
  Group *c = &b->cur;
  if (!c->valid) {
    group_start(c, send_us, arrival_us);
    return FALSE;
  }
  if (send_us < c->first_send_us)
    return FALSE; /* reordered behind the current group: libwebrtc drops it too */
  if (same_group(c, send_us, arrival_us)) {
    c->last_send_us = MAX(c->last_send_us, send_us);
    c->last_arrival_us = MAX(c->last_arrival_us, arrival_us);
    return FALSE;
  }
  gboolean have = FALSE;
  if (b->prev.valid) {
    *send_delta_ms = (double)(c->last_send_us - b->prev.last_send_us) / 1000.0;
    *arrival_delta_ms = (double)(c->last_arrival_us - b->prev.last_arrival_us) / 1000.0;
    *arrival_ms = (double)c->last_arrival_us / 1000.0;
    have = *arrival_delta_ms >= 0;
    if (*arrival_delta_ms - *send_delta_ms >= ARRIVAL_OFFSET_MS ||
        *arrival_delta_ms - *send_delta_ms <= -ARRIVAL_OFFSET_MS) {
      trendline_reset(b); /* receiver clock jumped */
      have = FALSE;
    }
  }
  b->prev = *c;
  group_start(c, send_us, arrival_us);
  return have;
}

/* ---- trendline filter (libwebrtc trendline_estimator.cc, replacing gcc 5.3) ------------------ */

static void
trendline_reset(ArBwe *b)
{
  memset(&b->tl, 0, sizeof b->tl);
}

/* Least-squares slope of the smoothed accumulated delay over arrival time: how fast queues grow. */
static gboolean
linear_fit_slope(const ArBwe *b, double *slope)
{
  double sx = 0, sy = 0;
  for (int i = 0; i < b->tl.n; i++) {
    sx += b->tl.x[i];
    sy += b->tl.y[i];
  }
  double mx = sx / b->tl.n, my = sy / b->tl.n, num = 0, den = 0;
  for (int i = 0; i < b->tl.n; i++) {
    num += (b->tl.x[i] - mx) * (b->tl.y[i] - my);
    den += (b->tl.x[i] - mx) * (b->tl.x[i] - mx);
  }
  if (den == 0)
    return FALSE;
  *slope = num / den;
  return TRUE;
}

/* d(i) = (t(i)-t(i-1)) - (T(i)-T(i-1)) (gcc 5.3), accumulated and exponentially smoothed; the
 * trend is the slope over the last TREND_WINDOW groups. */
static void
trendline_update(ArBwe *b, double send_delta_ms, double arrival_delta_ms, double arrival_ms)
{
  double d = arrival_delta_ms - send_delta_ms;
  b->tl.num_deltas = MIN(b->tl.num_deltas + 1, 1000);
  if (!b->tl.have_first) {
    b->tl.have_first = TRUE;
    b->tl.first_arrival_ms = arrival_ms;
  }
  b->tl.accumulated_ms += d;
  b->tl.smoothed_ms =
      TREND_SMOOTHING * b->tl.smoothed_ms + (1 - TREND_SMOOTHING) * b->tl.accumulated_ms;
  int slot = (b->tl.head + b->tl.n) % TREND_WINDOW;
  if (b->tl.n == TREND_WINDOW) {
    slot = b->tl.head;
    b->tl.head = (b->tl.head + 1) % TREND_WINDOW;
  } else {
    b->tl.n++;
  }
  b->tl.x[slot] = arrival_ms - b->tl.first_arrival_ms;
  b->tl.y[slot] = b->tl.smoothed_ms;
  double slope;
  if (b->tl.n == TREND_WINDOW && linear_fit_slope(b, &slope))
    b->tl.trend = slope;
}

/* ---- gcc 5.4: over-use detector with adaptive threshold -------------------------------------- */

/* del_var_th(i) = del_var_th(i-1) + dt * K(i) * (|m(i)| - del_var_th(i-1)), K = K_d below the
 * threshold and K_u above, dt capped at 100 ms, the result kept in [6, 600] ms; spikes more than
 * 15 ms over it are not learnt from (they would open the threshold to real congestion). */
static void
threshold_update(ArBwe *b, double m, double now_ms)
{
  if (!b->det.have_update) {
    b->det.have_update = TRUE;
    b->det.last_update_ms = now_ms;
  }
  if (fabs(m) > b->det.threshold_ms + THRESHOLD_MAX_OFFSET_MS) {
    b->det.last_update_ms = now_ms;
    return;
  }
  double k = fabs(m) < b->det.threshold_ms ? THRESHOLD_K_DOWN : THRESHOLD_K_UP;
  double dt = CLAMP(now_ms - b->det.last_update_ms, 0.0, 100.0);
  b->det.threshold_ms += k * (fabs(m) - b->det.threshold_ms) * dt;
  b->det.threshold_ms = CLAMP(b->det.threshold_ms, 6.0, 600.0);
  b->det.last_update_ms = now_ms;
}

/* m(i) = min(num_deltas, 60) * trend * gain is compared with +-del_var_th. Over-use is signalled
 * only when it lasted overuse_time_th and m did not fall (gcc 5.4, libwebrtc). */
static void
detect(ArBwe *b, double send_delta_ms, double now_ms)
{
  if (b->tl.num_deltas < 2) {
    b->det.hypothesis = AR_BWE_NORMAL;
    return;
  }
  double m = MIN(b->tl.num_deltas, TREND_MAX_DELTAS) * b->tl.trend * TREND_GAIN;
  b->tl.modified = m;
  if (m > b->det.threshold_ms) {
    if (b->det.time_over_using_ms < 0)
      b->det.time_over_using_ms = send_delta_ms / 2; /* first sample: half its interval */
    else
      b->det.time_over_using_ms += send_delta_ms;
    b->det.overuse_count++;
    if (b->det.time_over_using_ms > OVERUSE_TIME_MS && b->det.overuse_count > 1 &&
        b->tl.trend >= b->tl.prev_trend) {
      b->det.time_over_using_ms = 0;
      b->det.overuse_count = 0;
      b->det.hypothesis = AR_BWE_OVERUSE;
    }
  } else if (m < -b->det.threshold_ms) {
    b->det.time_over_using_ms = -1;
    b->det.overuse_count = 0;
    b->det.hypothesis = AR_BWE_UNDERUSE;
  } else {
    b->det.time_over_using_ms = -1;
    b->det.overuse_count = 0;
    b->det.hypothesis = AR_BWE_NORMAL;
  }
  b->tl.prev_trend = b->tl.trend;
  threshold_update(b, m, now_ms);
}

/* ---- gcc 5.5: AIMD rate controller ---------------------------------------------------------- */

/* Link capacity seen at past decreases, as an exponential average with a normalised variance
 * (libwebrtc link_capacity_estimator.cc). Near it the increase turns additive (gcc 5.5: "close
 * to the average ... within three standard deviations"). */
static double
link_deviation_kbps(const ArBwe *b)
{
  return sqrt(b->aimd.link_var * b->aimd.link_kbps);
}

static void
link_update(ArBwe *b, double acked_kbps)
{
  const double alpha = 0.05;
  if (!b->aimd.link_valid) {
    b->aimd.link_valid = TRUE;
    b->aimd.link_kbps = acked_kbps;
  } else {
    b->aimd.link_kbps = (1 - alpha) * b->aimd.link_kbps + alpha * acked_kbps;
  }
  double norm = MAX(b->aimd.link_kbps, 1.0);
  double err = b->aimd.link_kbps - acked_kbps;
  b->aimd.link_var = (1 - alpha) * b->aimd.link_var + alpha * err * err / norm;
  b->aimd.link_var = CLAMP(b->aimd.link_var, 0.4, 2.5);
}

/* eta = 1.08^min(dt, 1 s): about 8 % per second while far from the known capacity. */
static double
multiplicative_increase(double rate, double dt_s)
{
  double eta = pow(ETA, MIN(dt_s, 1.0));
  return MAX(rate * (eta - 1.0), 1000.0);
}

/* Near capacity, about one packet per response time (100 ms + rtt) (gcc 5.5), the packet size
 * being a 30 fps frame split into packets of at most 1200 bytes (libwebrtc aimd_rate_control). */
static double
additive_increase(double rate, double rtt_s, double dt_s)
{
  double frame_bits = rate / 30.0;
  double packets = ceil(frame_bits / (1200.0 * 8.0));
  double packet_bits = packets > 0 ? frame_bits / packets : frame_bits;
  double per_second = MAX(4000.0, packet_bits / (0.1 + rtt_s));
  return per_second * dt_s;
}

/* After a decrease the next one waits one rtt (10..200 ms), unless we still send more than twice
 * what gets through (libwebrtc TimeToReduceFurther). */
static gboolean
may_decrease(const ArBwe *b, double acked, gint64 now_us)
{
  gint64 interval = CLAMP(b->rtt_us, 10000, 200000);
  if (!b->aimd.have_change || now_us - b->aimd.last_change_us >= interval)
    return TRUE;
  return acked > 0 && acked < b->aimd.rate_bps / 2;
}

/* State machine (gcc 5.5, its state table): over-use -> decrease, under-use -> hold, normal ->
 * increase from hold. Decrease: A = beta * R_hat. Increase: bounded by 1.5 * R_hat + 10 kbps. */
static void
aimd_update(ArBwe *b, gint64 now_us)
{
  double acked = acked_bps(b);
  double rate = b->aimd.rate_bps;
  double dt_s = b->aimd.have_change ? MAX(0, now_us - b->aimd.last_change_us) / 1e6 : 0;

  switch (b->det.hypothesis) {
  case AR_BWE_OVERUSE:
    if (!may_decrease(b, acked, now_us))
      return;
    b->aimd.state = DECREASE;
    break;
  case AR_BWE_UNDERUSE:
    b->aimd.state = HOLD;
    break;
  case AR_BWE_NORMAL:
    if (b->aimd.state != INCREASE) {
      b->aimd.state = INCREASE;
      dt_s = 0; /* time spent holding is not time to increase over */
      b->aimd.last_change_us = now_us;
      b->aimd.have_change = TRUE;
    }
    break;
  }

  if (b->aimd.state == INCREASE) {
    double acked_kbps = acked / 1000.0;
    if (b->aimd.link_valid && acked > 0 &&
        acked_kbps > b->aimd.link_kbps + 3 * link_deviation_kbps(b))
      b->aimd.link_valid = FALSE; /* the link got faster: probe multiplicatively again */
    double next = rate + (b->aimd.link_valid ? additive_increase(rate, b->rtt_us / 1e6, dt_s)
                                             : multiplicative_increase(rate, dt_s));
    if (acked > 0) {
      double limit = ACKED_CAP_FACTOR * acked + 10000.0;
      if (next > limit)
        next = MAX(limit, MIN(rate, next));
    }
    rate = next;
  } else if (b->aimd.state == DECREASE) {
    double next = BETA * (acked > 0 ? acked : rate);
    if (acked > 0) {
      double acked_kbps = acked / 1000.0;
      if (b->aimd.link_valid && acked_kbps < b->aimd.link_kbps - 3 * link_deviation_kbps(b))
        b->aimd.link_valid = FALSE; /* the link got slower: forget the old capacity */
      link_update(b, acked_kbps);
    }
    rate = MIN(next, rate); /* a decrease never raises the rate */
    b->aimd.state = HOLD;
  } else {
    return; /* HOLD: rate and clock unchanged */
  }
  b->aimd.rate_bps = clamp_rate(b, rate);
  b->aimd.last_change_us = now_us;
  b->aimd.have_change = TRUE;
}

/* ---- gcc 6: loss-based controller ----------------------------------------------------------- */

/* Over windows of at least 20 packets and 200 ms: loss above 10 % sets As = A * (1 - 0.5 p) (at
 * most once per 300 ms + rtt, as libwebrtc), below 2 % As = 1.05 As, in between As holds. A is
 * the current target, so the controller acts on what is actually sent (libwebrtc). p is smoothed
 * exponentially with a 1.2 s time constant, so that 5 % random loss does not read as 10 % by
 * chance; the increase is 5 % per 200 ms of window, so that long windows at low rates (few
 * packets) do not slow the recovery.
 * Two guards make it usable for layer allocation: a decrease needs the window that just closed to
 * be lossy too, and cuts by that window's loss when it is the smaller (the smoothed p stays high
 * for seconds after the sender backed off, and would otherwise keep cutting the target down to
 * the minimum on every keyframe a policer clips), and an increase is capped at 1.5x the
 * acknowledged rate, as the delay-based one is (gcc 5.5): the estimate only grows past what we
 * send when we send more (probing), else a policed link reads as free once its loss stops. */
static void
loss_update(ArBwe *b, gint lost, gint total, gint64 now_us)
{
  if (b->loss.total == 0)
    b->loss.window_start_us = now_us;
  b->loss.lost = MAX(0, b->loss.lost + lost);
  b->loss.total += total;
  gint64 span_us = now_us - b->loss.window_start_us;
  if (b->loss.total < LOSS_WINDOW_PACKETS || span_us < LOSS_WINDOW_US)
    return;
  double w = MIN(1.0, (double)b->loss.lost / b->loss.total);
  double alpha = 1.0 - exp(-(double)span_us / LOSS_TIME_CONSTANT_US);
  double p = b->loss.have_fraction ? (1 - alpha) * b->loss.fraction + alpha * w : w;
  b->loss.fraction = p;
  b->loss.have_fraction = TRUE;
  b->loss.lost = b->loss.total = 0;
  if (p > LOSS_HIGH && w > LOSS_HIGH) {
    if (b->loss.have_decrease && now_us - b->loss.last_decrease_us < LOSS_DECREASE_US + b->rtt_us)
      return;
    b->loss.rate_bps = clamp_rate(b, (double)b->target_bps * (1.0 - 0.5 * MIN(p, w)));
    b->loss.last_decrease_us = now_us;
    b->loss.have_decrease = TRUE;
  } else if (p < LOSS_LOW) {
    double steps = (double)MIN(span_us, 1000000) / LOSS_WINDOW_US;
    double next = b->loss.rate_bps * pow(1.05, steps);
    double acked = acked_bps(b);
    if (acked > 0 && next > ACKED_CAP_FACTOR * acked + 10000.0)
      next = MAX(ACKED_CAP_FACTOR * acked + 10000.0, MIN(b->loss.rate_bps, next));
    b->loss.rate_bps = clamp_rate(b, next);
  }
}

/* ---- inputs and output --------------------------------------------------------------------- */

/* The received packets of a report in arrival order (insertion sort: feedback is nearly in
 * order already), as libwebrtc's delay-based estimator takes them. In sequence order a packet
 * that arrived after its successor (reordering) would start a group later than the next one and
 * read as a delay spike; in arrival order it is behind the current group and dropped. A packet
 * moves back at most REORDER_SPAN places, which bounds the work a hostile receiver can cause. */
static gsize
by_arrival(const ArTwccReport *report, guint16 *order)
{
  gsize n = 0;
  for (gsize i = 0; i < report->n && n < AR_TWCC_SENDER_MAX_STATUS; i++) {
    if (!report->packets[i].received)
      continue;
    gint64 at = report->packets[i].arrival_us;
    gsize j = n++, stop = j > REORDER_SPAN ? j - REORDER_SPAN : 0;
    for (; j > stop && report->packets[order[j - 1]].arrival_us > at; j--)
      order[j] = order[j - 1];
    order[j] = (guint16)i;
  }
  return n;
}

void
ar_bwe_on_twcc_report(ArBwe *b, const ArTwccReport *report, gint64 now_us)
{
  gint lost = 0, total = 0;
  for (gsize i = 0; i < report->n; i++) {
    const ArTwccPacketResult *p = &report->packets[i];
    if (!p->received) {
      lost++;
      total++;
      continue;
    }
    if (p->was_lost)
      lost--; /* counted as lost before; it arrived after all */
    else
      total++;
    acked_add(b, p->arrival_us, p->size);
  }
  guint16 order[AR_TWCC_SENDER_MAX_STATUS];
  gsize n = by_arrival(report, order);
  for (gsize k = 0; k < n; k++) {
    const ArTwccPacketResult *p = &report->packets[order[k]];
    double send_delta, arrival_delta, arrival_ms;
    if (group_packet(b, p->send_us, p->arrival_us, &send_delta, &arrival_delta, &arrival_ms)) {
      trendline_update(b, send_delta, arrival_delta, arrival_ms);
      detect(b, send_delta, arrival_ms);
    }
  }
  b->have_twcc = TRUE;
  b->twcc_us = now_us;
  loss_update(b, lost, total, now_us);
  aimd_update(b, now_us);
  ar_bwe_target_bps(b, now_us);
}

void
ar_bwe_on_remb(ArBwe *b, guint64 bitrate_bps, gint64 now_us)
{
  b->have_remb = TRUE;
  b->remb_us = now_us;
  b->remb_bps = (guint64)clamp_rate(b, (double)bitrate_bps);
  ar_bwe_target_bps(b, now_us);
}

guint64
ar_bwe_target_bps(ArBwe *b, gint64 now_us)
{
  gboolean twcc_fresh = b->have_twcc && now_us - b->twcc_us <= AR_BWE_TWCC_STALE_US;
  gboolean remb_fresh = b->have_remb && now_us - b->remb_us <= REMB_STALE_US;
  double t;
  if (b->have_twcc && (twcc_fresh || !b->have_remb)) {
    t = MIN(b->aimd.rate_bps, b->loss.rate_bps);
    if (remb_fresh)
      t = MIN(t, (double)b->remb_bps); /* the receiver's own cap still holds */
    b->using_remb = FALSE;
  } else if (b->have_remb) {
    t = (double)b->remb_bps;
    b->using_remb = TRUE;
  } else {
    t = b->aimd.rate_bps;
    b->using_remb = FALSE;
  }
  b->target_bps = (guint64)clamp_rate(b, t);
  return b->target_bps;
}

void
ar_bwe_get_stats(const ArBwe *b, ArBweStats *st)
{
  *st = (ArBweStats){
      .target_bps = b->target_bps,
      .delay_bps = (guint64)b->aimd.rate_bps,
      .loss_bps = (guint64)b->loss.rate_bps,
      .acked_bps = (guint64)acked_bps(b),
      .remb_bps = b->have_remb ? b->remb_bps : 0,
      .signal = b->det.hypothesis,
      .trend_ms = b->tl.modified,
      .threshold_ms = b->det.threshold_ms,
      .loss_fraction = b->loss.fraction,
      .using_remb = b->using_remb,
  };
}
