/* Unit tests for the retransmission cache: hits return the stored bytes, misses are counted for
 * packets never stored, overwritten in the shared ring, replaced by a newer packet with the same
 * index, older than the age limit, or stored by another stream; oversized packets are not kept. */
#include <string.h>

#include "nack_cache.h"

#define MS G_TIME_SPAN_MILLISECOND

static void
fill(guint8 *p, gsize len, guint8 tag)
{
  for (gsize i = 0; i < len; i++)
    p[i] = (guint8)(tag + i);
}

static void
test_hits_and_misses(void)
{
  ArNackRing *ring = ar_nack_ring_new(64);
  ArNackCache c;
  ar_nack_cache_init(&c, ring, 500, G_USEC_PER_SEC); /* rounded down to 256 */
  g_assert_cmpuint(c.cap, ==, 256);
  guint8 pkt[1200];
  guint32 slot, gen;
  for (guint i = 0; i < 10; i++) {
    fill(pkt, sizeof pkt, (guint8)i);
    g_assert_nonnull(
        ar_nack_cache_store(&c, (guint16)(65530 + i), pkt, 1200 - i, i * MS, &slot, &gen));
  }
  gsize len;
  const guint8 *d = ar_nack_cache_get(&c, 65535, 20 * MS, &len, &slot, &gen);
  g_assert_nonnull(d);
  g_assert_cmpuint(len, ==, 1195);
  fill(pkt, sizeof pkt, 5);
  g_assert_cmpmem(d, len, pkt, 1195);
  g_assert_true(ar_nack_ring_get(ring, slot, gen, &len) == d);
  d = ar_nack_cache_get(&c, 3, 20 * MS, &len, &slot, &gen); /* after the wrap */
  g_assert_nonnull(d);
  g_assert_cmpuint(d[0], ==, 9);
  g_assert_null(ar_nack_cache_get(&c, 4, 20 * MS, &len, &slot, &gen));     /* never stored */
  g_assert_null(ar_nack_cache_get(&c, 65529, 20 * MS, &len, &slot, &gen)); /* never stored */
  g_assert_cmpuint(c.hits, ==, 2);
  g_assert_cmpuint(c.misses, ==, 2);
  /* Too old. */
  g_assert_null(ar_nack_cache_get(&c, 65535, 1006 * MS, &len, &slot, &gen));
  g_assert_nonnull(ar_nack_cache_get(&c, 65535, 1005 * MS, &len, &slot, &gen));
  /* Too big to cache. */
  guint8 big[AR_NACK_SLOT_BYTES + 1] = {0};
  g_assert_null(ar_nack_cache_store(&c, 100, big, sizeof big, 0, &slot, &gen));
  ar_nack_cache_clear(&c);
  ar_nack_ring_free(ring);
}

static void
test_ring_overwrite_and_isolation(void)
{
  ArNackRing *ring = ar_nack_ring_new(8);
  ArNackCache a, b;
  ar_nack_cache_init(&a, ring, 512, G_USEC_PER_SEC);
  ar_nack_cache_init(&b, ring, 512, G_USEC_PER_SEC);
  guint8 pkt[100];
  guint32 slot, gen, slot0, gen0;
  fill(pkt, sizeof pkt, 1);
  ar_nack_cache_store(&a, 10, pkt, sizeof pkt, 0, &slot0, &gen0);
  gsize len;
  /* b's packet with the same seq lives elsewhere; a's is still a's. */
  fill(pkt, sizeof pkt, 2);
  ar_nack_cache_store(&b, 10, pkt, sizeof pkt, 0, &slot, &gen);
  g_assert_cmpuint(ar_nack_cache_get(&a, 10, 0, &len, &slot, &gen)[0], ==, 1);
  g_assert_cmpuint(ar_nack_cache_get(&b, 10, 0, &len, &slot, &gen)[0], ==, 2);
  /* Eight more packets of b overwrite the whole ring: a's packet is gone. */
  for (guint i = 0; i < 8; i++)
    ar_nack_cache_store(&b, (guint16)(11 + i), pkt, sizeof pkt, 0, &slot, &gen);
  g_assert_null(ar_nack_cache_get(&a, 10, 0, &len, &slot, &gen));
  g_assert_null(ar_nack_ring_get(ring, slot0, gen0, &len));
  /* b's seq 10+512 maps to the same index as 10: the index entry now names 522, not 10. */
  ar_nack_cache_store(&b, 522, pkt, sizeof pkt, 0, &slot, &gen);
  g_assert_null(ar_nack_cache_get(&b, 10, 0, &len, &slot, &gen));
  g_assert_nonnull(ar_nack_cache_get(&b, 522, 0, &len, &slot, &gen));
  ar_nack_cache_reset(&b);
  g_assert_null(ar_nack_cache_get(&b, 522, 0, &len, &slot, &gen));
  ar_nack_cache_clear(&a);
  ar_nack_cache_clear(&b);
  ar_nack_ring_free(ring);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/nack_cache/hits-and-misses", test_hits_and_misses);
  g_test_add_func("/nack_cache/ring-overwrite-and-isolation", test_ring_overwrite_and_isolation);
  return g_test_run();
}
