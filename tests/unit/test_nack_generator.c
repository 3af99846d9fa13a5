/* Unit tests for NACK generation: gaps (across the wrap) become NACKs after the reordering delay,
 * arrivals cancel them, retries follow the RTT, and the retry and age limits end them; a huge
 * gap or a restart asks for a keyframe instead. */
#include "nack_generator.h"

#define MS G_TIME_SPAN_MILLISECOND

static void
test_gap_and_recovery(void)
{
  ArNackGenerator g;
  ar_nack_generator_init(&g, 5 * MS, G_USEC_PER_SEC, 10);
  guint16 seqs[16];
  g_assert_true(ar_nack_generator_on_packet(&g, 65533, 0));
  g_assert_true(ar_nack_generator_on_packet(&g, 2, 1 * MS)); /* lost 65534, 65535, 0, 1 */
  g_assert_cmpuint(g.n, ==, 4);
  g_assert_cmpint(ar_nack_generator_next_timeout(&g), ==, 6 * MS);
  g_assert_cmpuint(ar_nack_generator_collect(&g, 5 * MS, 50 * MS, seqs, 16), ==, 0);
  g_assert_true(ar_nack_generator_on_packet(&g, 0, 5 * MS)); /* reordered, not lost */
  g_assert_cmpuint(ar_nack_generator_collect(&g, 6 * MS, 50 * MS, seqs, 16), ==, 3);
  g_assert_cmpuint(seqs[0], ==, 65534);
  g_assert_cmpuint(seqs[1], ==, 65535);
  g_assert_cmpuint(seqs[2], ==, 1);
  /* Retry after RTT + 10% = 55 ms. */
  g_assert_cmpint(ar_nack_generator_next_timeout(&g), ==, 61 * MS);
  g_assert_cmpuint(ar_nack_generator_collect(&g, 60 * MS, 50 * MS, seqs, 16), ==, 0);
  ar_nack_generator_on_packet(&g, 65535, 40 * MS); /* the retransmission */
  g_assert_cmpuint(ar_nack_generator_collect(&g, 61 * MS, 50 * MS, seqs, 16), ==, 2);
  g_assert_cmpuint(g.recovered, ==, 2);
  /* Unknown RTT: 110 ms. Short RTT: at least 20 ms. */
  g_assert_cmpint(ar_nack_generator_next_timeout(&g), ==, 116 * MS);
  g_assert_cmpuint(ar_nack_generator_collect(&g, 200 * MS, -1, seqs, 16), ==, 2);
  g_assert_cmpint(ar_nack_generator_next_timeout(&g), ==, 310 * MS);
  g_assert_cmpuint(ar_nack_generator_collect(&g, 310 * MS, 1 * MS, seqs, 16), ==, 2);
  g_assert_cmpint(ar_nack_generator_next_timeout(&g), ==, 330 * MS);
}

static void
test_limits(void)
{
  ArNackGenerator g;
  ar_nack_generator_init(&g, 0, 1000 * MS, 3);
  guint16 seqs[16];
  ar_nack_generator_on_packet(&g, 10, 0);
  ar_nack_generator_on_packet(&g, 12, 0);
  guint sent = 0;
  for (gint64 t = 0; t < 2000 * MS; t += 10 * MS)
    sent += ar_nack_generator_collect(&g, t, 20 * MS, seqs, 16);
  g_assert_cmpuint(sent, ==, 3);
  g_assert_cmpuint(g.n, ==, 0);
  g_assert_cmpuint(g.given_up, ==, 1);
  /* Age limit with generous retries. */
  ar_nack_generator_init(&g, 0, 100 * MS, 100);
  ar_nack_generator_on_packet(&g, 10, 0);
  ar_nack_generator_on_packet(&g, 12, 0);
  sent = 0;
  for (gint64 t = 0; t < 1000 * MS; t += 10 * MS)
    sent += ar_nack_generator_collect(&g, t, 40 * MS, seqs, 16);
  g_assert_cmpuint(sent, ==, 3); /* at 0, 44 and 88 ms */
  g_assert_cmpint(ar_nack_generator_next_timeout(&g), ==, G_MAXINT64);
}

static void
test_big_gap_and_restart(void)
{
  ArNackGenerator g;
  ar_nack_generator_init(&g, 0, G_USEC_PER_SEC, 10);
  ar_nack_generator_on_packet(&g, 100, 0);
  g_assert_true(ar_nack_generator_on_packet(&g, 100 + AR_NACK_GEN_MAX + 1, 0));
  g_assert_cmpuint(g.n, ==, AR_NACK_GEN_MAX);
  g_assert_false(ar_nack_generator_on_packet(&g, 1000, 0));
  g_assert_cmpuint(g.n, ==, 0);
  g_assert_false(ar_nack_generator_on_packet(&g, 1000 - 5000, 0)); /* went back: restart */
  g_assert_true(ar_nack_generator_on_packet(&g, 1000 - 4999, 0));
  g_assert_cmpuint(g.n, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/nack_generator/gap-and-recovery", test_gap_and_recovery);
  g_test_add_func("/nack_generator/limits", test_limits);
  g_test_add_func("/nack_generator/big-gap-and-restart", test_big_gap_and_restart);
  return g_test_run();
}
