/* Packet buffers for one media worker: a fixed slab carved into equal buffers at start-up and a
 * free stack, so the packet path takes and returns buffers without calling malloc. Not
 * thread-safe by design: each worker owns its pool. */
#pragma once
#include <glib.h>

/* Room for a full-MTU packet plus the largest SRTP/SRTCP overhead and RTX/header headroom. */
#define AR_PACKET_CAP 1536

typedef struct ArPacketPool ArPacketPool;

ArPacketPool *ar_pool_new(guint n_buffers);
void ar_pool_free(ArPacketPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArPacketPool, ar_pool_free)

/* NULL when every buffer is in use (the caller drops the packet and counts it). */
guint8 *ar_pool_get(ArPacketPool *pool);
void ar_pool_put(ArPacketPool *pool, guint8 *buf);
guint ar_pool_available(const ArPacketPool *pool);
guint ar_pool_size(const ArPacketPool *pool);
