/* The flush pacing decision: a quiet loop flushes at once, a busy one waits out a gap that
 * grows with what the last flush cost, and never more than the maximum. */
#include "fanout_pace.h"

static void
test_first_flush_is_immediate(void)
{
  ArFanoutPace p;
  ar_fanout_pace_init(&p);
  g_assert_cmpint(ar_fanout_pace_delay_us(&p, 1000000), ==, 0);
}

static void
test_min_gap_after_cheap_flush(void)
{
  ArFanoutPace p;
  ar_fanout_pace_init(&p);
  ar_fanout_pace_done(&p, 10000000, 10000100); /* 100 µs */
  /* 10 ms later: 40 ms of the 50 ms gap are left. */
  g_assert_cmpint(ar_fanout_pace_delay_us(&p, 10010000), ==, 40000);
  /* After the gap: at once. */
  g_assert_cmpint(ar_fanout_pace_delay_us(&p, 10050000), ==, 0);
  g_assert_cmpint(ar_fanout_pace_delay_us(&p, 20000000), ==, 0);
}

static void
test_gap_grows_with_cost(void)
{
  ArFanoutPace p;
  ar_fanout_pace_init(&p);
  ar_fanout_pace_done(&p, 10000000, 10030000); /* 30 ms: 4 × 30 = 120 ms gap */
  g_assert_cmpint(ar_fanout_pace_delay_us(&p, 10030000), ==, 90000);
  g_assert_cmpint(ar_fanout_pace_delay_us(&p, 10120000), ==, 0);
}

static void
test_gap_is_capped(void)
{
  ArFanoutPace p;
  ar_fanout_pace_init(&p);
  ar_fanout_pace_done(&p, 10000000, 12000000); /* 2 s: capped at 1 s from the start */
  g_assert_cmpint(ar_fanout_pace_delay_us(&p, 10500000), ==, 500000);
  g_assert_cmpint(ar_fanout_pace_delay_us(&p, 12000000), ==, 0);
}

static void
test_clock_going_backwards_is_harmless(void)
{
  ArFanoutPace p;
  ar_fanout_pace_init(&p);
  ar_fanout_pace_done(&p, 10000000, 9000000); /* end before start: cost 0 */
  g_assert_cmpint(p.last_cost_us, ==, 0);
  g_assert_cmpint(ar_fanout_pace_delay_us(&p, 10000000), ==, 50000);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fanout_pace/first_immediate", test_first_flush_is_immediate);
  g_test_add_func("/fanout_pace/min_gap", test_min_gap_after_cheap_flush);
  g_test_add_func("/fanout_pace/gap_grows_with_cost", test_gap_grows_with_cost);
  g_test_add_func("/fanout_pace/gap_capped", test_gap_is_capped);
  g_test_add_func("/fanout_pace/clock_backwards", test_clock_going_backwards_is_harmless);
  return g_test_run();
}
