/* One aligned slab; buffers are 64-byte aligned so SRTP's in-place crypto never straddles a
 * cache line more than it must. */
#include "pool.h"

#include <stdlib.h>

struct ArPacketPool {
  guint8 *slab;
  guint8 **free_stack;
  guint n, top;
};

ArPacketPool *
ar_pool_new(guint n_buffers)
{
  ArPacketPool *pool = g_new0(ArPacketPool, 1);
  pool->n = n_buffers;
  if (posix_memalign((void **)&pool->slab, 64, (gsize)n_buffers * AR_PACKET_CAP) != 0)
    g_error("out of memory for %u packet buffers", n_buffers);
  pool->free_stack = g_new(guint8 *, n_buffers);
  for (guint i = 0; i < n_buffers; i++)
    pool->free_stack[i] = pool->slab + (gsize)(n_buffers - 1 - i) * AR_PACKET_CAP;
  pool->top = n_buffers;
  return pool;
}

void
ar_pool_free(ArPacketPool *pool)
{
  if (!pool)
    return;
  free(pool->slab);
  g_free(pool->free_stack);
  g_free(pool);
}

guint8 *
ar_pool_get(ArPacketPool *pool)
{
  return pool->top ? pool->free_stack[--pool->top] : NULL;
}

void
ar_pool_put(ArPacketPool *pool, guint8 *buf)
{
  g_assert(buf >= pool->slab && buf < pool->slab + (gsize)pool->n * AR_PACKET_CAP);
  g_assert(pool->top < pool->n);
  pool->free_stack[pool->top++] = buf;
}

guint
ar_pool_available(const ArPacketPool *pool)
{
  return pool->top;
}

guint
ar_pool_size(const ArPacketPool *pool)
{
  return pool->n;
}
