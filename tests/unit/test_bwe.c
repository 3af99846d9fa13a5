/* Unit tests for the bandwidth estimator, closed loop over the simulated link of link_sim.h
 * (sender paced at the target -> bottleneck -> our TWCC receiver -> feedback -> twcc_sender -> bwe)
 * and with hand-made reports: ramp-up on a clean link, back-off at a bottleneck, tolerance of
 * random loss, reaction to heavy loss, the over-use detector, acked bitrate, REMB fallback,
 * reordering read as reordering rather than queueing. */
#include <math.h>

#include "link_sim.h"

#define QUEUE_US 400000 /* a mobile-sized drop-tail buffer */

static void
test_defaults(void)
{
  g_autoptr(ArBwe) b = ar_bwe_new(NULL);
  g_assert_cmpuint(ar_bwe_target_bps(b, 0), ==, 300000);
  g_assert_cmpuint(ar_bwe_target_bps(b, 100000000), ==, 300000); /* no input: no change */
  ArBweConfig cfg = {10000000, 80000, 2000000};
  g_autoptr(ArBwe) c = ar_bwe_new(&cfg);
  g_assert_cmpuint(ar_bwe_target_bps(c, 0), ==, 2000000); /* start clamped to max */
}

static void
test_ramp_clean(void)
{
  const double cap = 2e6;
  BweSim *s = bwe_sim_new(cap, 40000, QUEUE_US, 0, 1, NULL);
  double reached = -1;
  for (guint ms = 0; ms < 40000; ms++) {
    bwe_sim_step(s);
    if (reached < 0 && s->target_bps >= 0.8 * cap)
      reached = ms / 1000.0;
  }
  g_test_message("80%% of 2 Mbps after %.1f s", reached);
  g_assert_cmpfloat(reached, >, 0);
  g_assert_cmpfloat(reached, <, 30);
  double sum = 0, max = 0, queue = 0;
  for (guint ms = 0; ms < 20000; ms++) {
    bwe_sim_step(s);
    sum += (double)s->target_bps;
    max = MAX(max, (double)s->target_bps);
    queue += (double)link_sim_queue_us(&s->link, s->now_us);
  }
  double mean = sum / 20000;
  g_test_message("settled: mean %.0f kbps, max %.0f, queue %.1f ms", mean / 1000, max / 1000,
                 queue / 20000 / 1000);
  g_assert_cmpfloat(mean, >, 0.85 * cap);
  g_assert_cmpfloat(mean, <, 1.05 * cap);
  g_assert_cmpfloat(max, <, 1.25 * cap);
  g_assert_cmpfloat(queue / 20000, <, 50000); /* standing queue under 50 ms */
  g_assert_cmpuint(s->link.dropped_queue, ==, 0);
  bwe_sim_free(s);
}

/* Capacity falls from 3 to 1 Mbps while we send near 3: queueing delay grows at once, and the
 * estimate must fall below the new capacity within about 2 s, then settle near it. */
static void
test_bottleneck(void)
{
  BweSim *s = bwe_sim_new(3e6, 40000, QUEUE_US, 0, 2, NULL);
  bwe_sim_run(s, 45000);
  g_assert_cmpuint(s->target_bps, >, 2400000);
  s->link.capacity_bps = 1e6;
  double below = -1;
  for (guint ms = 0; ms < 5000; ms++) {
    bwe_sim_step(s);
    if (below < 0 && s->target_bps < 1000000)
      below = ms / 1000.0;
  }
  g_test_message("below capacity %.2f s after the drop", below);
  g_assert_cmpfloat(below, >=, 0);
  g_assert_cmpfloat(below, <=, 2.0);
  double mean = bwe_sim_run(s, 20000);
  g_assert_cmpfloat(mean, >, 0.7e6);
  g_assert_cmpfloat(mean, <, 1.1e6);
  bwe_sim_free(s);
}

static double
mean_with_loss(double loss, guint64 seed)
{
  BweSim *s = bwe_sim_new(2e6, 40000, QUEUE_US, loss, seed, NULL);
  bwe_sim_run(s, 40000);
  double mean = bwe_sim_run(s, 20000);
  bwe_sim_free(s);
  return mean;
}

static void
test_random_loss(void)
{
  double worst5 = G_MAXDOUBLE;
  for (guint64 seed = 1; seed <= 3; seed++)
    worst5 = MIN(worst5, mean_with_loss(0.05, seed));
  double loss20 = mean_with_loss(0.20, 1);
  g_test_message("2 Mbps link: 5%% loss %.0f kbps (worst of 3), 20%% loss %.0f kbps", worst5 / 1000,
                 loss20 / 1000);
  g_assert_cmpfloat(worst5, >, 0.75 * 2e6); /* 5 % alone does not collapse it */
  g_assert_cmpfloat(loss20, <, 0.25 * 2e6); /* 20 % does reduce it ... */
  g_assert_cmpfloat(loss20, >=, 50000);     /* ... down to the floor, not past it */
}

/* Hand-made reports: groups 10 ms apart at 1 Mbps (1250 bytes each), arrival delay growing by
 * `growth_us` per group. */
static void
feed_groups(ArBwe *b, gint64 *t, gint64 *delay, gint64 growth_us, guint groups)
{
  static ArTwccPacketResult pk[8];
  for (guint g = 0; g < groups; g += 8) {
    for (guint i = 0; i < 8; i++) {
      *t += 10000;
      *delay += growth_us;
      pk[i] = (ArTwccPacketResult){.seq = *t / 10000,
                                   .send_us = *t,
                                   .arrival_us = *t + *delay,
                                   .size = 1250,
                                   .received = TRUE};
    }
    ArTwccReport rep = {pk, 8, *t + *delay};
    ar_bwe_on_twcc_report(b, &rep, *t + *delay);
  }
}

static void
test_detector(void)
{
  g_autoptr(ArBwe) b = ar_bwe_new(NULL);
  ArBweStats st;
  gint64 t = 0, delay = 50000;
  feed_groups(b, &t, &delay, 0, 400); /* 4 s of steady delay */
  ar_bwe_get_stats(b, &st);
  g_assert_cmpint(st.signal, ==, AR_BWE_NORMAL);
  g_assert_cmpuint(st.acked_bps, >, 950000);
  g_assert_cmpuint(st.acked_bps, <, 1050000);
  guint64 before = st.delay_bps;
  g_assert_cmpuint(before, >, 300000);  /* increased meanwhile */
  feed_groups(b, &t, &delay, 1000, 40); /* queues grow 1 ms per 10 ms */
  ar_bwe_get_stats(b, &st);
  g_assert_cmpint(st.signal, ==, AR_BWE_OVERUSE);
  g_assert_cmpfloat(st.trend_ms, >, st.threshold_ms);
  /* Decrease to beta * acked = 0.85 Mbps (at most; the first report after the switch). */
  g_assert_cmpuint(st.delay_bps, <=, 860000);
  feed_groups(b, &t, &delay, -1000, 40); /* draining */
  ar_bwe_get_stats(b, &st);
  g_assert_cmpint(st.signal, ==, AR_BWE_UNDERUSE);
  guint64 held = st.delay_bps;
  feed_groups(b, &t, &delay, -1000, 16);
  ar_bwe_get_stats(b, &st);
  g_assert_cmpuint(st.delay_bps, ==, held); /* under-use holds */
}

/* Packets 20 ms apart (audio-like) on a link without queues where one in ten arrives right
 * after its successor (reordering, as the net-faults relay does): no over-use is read and the
 * delay-based rate does not fall. In sequence order each held packet read as a 20 ms spike. */
static void
test_reordering(void)
{
  g_autoptr(ArBwe) b = ar_bwe_new(NULL);
  ArTwccPacketResult pk[10];
  ArBweStats st;
  gint64 t = 0;
  guint64 start = ar_bwe_target_bps(b, 0);
  for (guint round = 0; round < 40; round++) { /* 8 s */
    for (guint i = 0; i < 10; i++) {
      t += 20000;
      pk[i] = (ArTwccPacketResult){.seq = (guint16)(t / 20000),
                                   .send_us = t,
                                   .arrival_us = t + 30000,
                                   .size = 1200,
                                   .received = TRUE};
    }
    pk[4].arrival_us = pk[5].arrival_us + 1000; /* held until the next one went out */
    ArTwccReport rep = {pk, 10, t + 40000};
    ar_bwe_on_twcc_report(b, &rep, t + 40000);
    ar_bwe_get_stats(b, &st);
    g_assert_cmpint(st.signal, !=, AR_BWE_OVERUSE);
  }
  g_assert_cmpuint(st.delay_bps, >=, start);
}

static void
test_remb_fallback(void)
{
  ArBweConfig cfg = {300000, 50000, 3000000};
  g_autoptr(ArBwe) b = ar_bwe_new(&cfg);
  ArBweStats st;
  ar_bwe_on_remb(b, 800000, 1000000);
  g_assert_cmpuint(ar_bwe_target_bps(b, 1000000), ==, 800000);
  ar_bwe_get_stats(b, &st);
  g_assert_true(st.using_remb);
  ar_bwe_on_remb(b, 120000, 2000000);
  g_assert_cmpuint(ar_bwe_target_bps(b, 2000000), ==, 120000);
  ar_bwe_on_remb(b, 10, 3000000);
  g_assert_cmpuint(ar_bwe_target_bps(b, 3000000), ==, 50000); /* clamped */
  ar_bwe_on_remb(b, G_MAXUINT64, 4000000);
  g_assert_cmpuint(ar_bwe_target_bps(b, 4000000), ==, 3000000);
  /* A REMB going stale keeps its last value while nothing else comes. */
  g_assert_cmpuint(ar_bwe_target_bps(b, 60000000), ==, 3000000);

  /* Transport-wide feedback takes over; a fresh REMB still caps it. */
  gint64 t = 4000000, delay = 30000;
  ar_bwe_on_remb(b, 200000, 4000000);
  feed_groups(b, &t, &delay, 0, 8);
  g_assert_cmpuint(ar_bwe_target_bps(b, t), ==, 200000);
  ar_bwe_get_stats(b, &st);
  g_assert_false(st.using_remb);
  /* REMB stale (5 s), feedback fresh: the delay-based estimate alone. */
  feed_groups(b, &t, &delay, 0, 600);
  g_assert_cmpuint(ar_bwe_target_bps(b, t + delay), >, 300000);
  /* Feedback stops for more than AR_BWE_TWCC_STALE_US while REMBs keep coming: REMB again. */
  gint64 later = t + delay + AR_BWE_TWCC_STALE_US + 1000;
  ar_bwe_on_remb(b, 400000, later);
  g_assert_cmpuint(ar_bwe_target_bps(b, later), ==, 400000);
  ar_bwe_get_stats(b, &st);
  g_assert_true(st.using_remb);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/bwe/defaults", test_defaults);
  g_test_add_func("/bwe/ramp-clean-2M", test_ramp_clean);
  g_test_add_func("/bwe/bottleneck", test_bottleneck);
  g_test_add_func("/bwe/random-loss", test_random_loss);
  g_test_add_func("/bwe/detector", test_detector);
  g_test_add_func("/bwe/reordering", test_reordering);
  g_test_add_func("/bwe/remb-fallback", test_remb_fallback);
  return g_test_run();
}
