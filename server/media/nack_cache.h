/* Retransmission cache: a per-router ring of fixed packet slots, sized once at router
 * construction, and per published video stream an index from RTP sequence number to slot. The
 * router stores each incoming video packet once (the only copy it makes besides the one per
 * subscriber) and answers subscribers' NACKs from it; the oldest packets are overwritten. */
#pragma once
#include <glib.h>

#define AR_NACK_SLOT_BYTES 1500 /* larger packets are forwarded but not cached */
#define AR_NACK_CACHE_MAX 512
#define AR_NACK_CACHE_DEFAULT_AGE_US G_USEC_PER_SEC

typedef struct {
  guint32 gen;   /* bumped each time the slot is reused; 0 = never used */
  guint32 owner; /* the ArNackCache that stored it */
  guint16 seq;
  guint16 len;
  gint64 stored_us;
  guint8 data[AR_NACK_SLOT_BYTES];
} ArNackSlot;

typedef struct {
  guint n_slots;
  guint next;
  guint32 next_owner;
  ArNackSlot *slots;
} ArNackRing;

ArNackRing *ar_nack_ring_new(guint n_slots);
void ar_nack_ring_free(ArNackRing *ring);

/* The slot's bytes if it still holds generation `gen`, else NULL. */
const guint8 *ar_nack_ring_get(const ArNackRing *ring, guint32 slot, guint32 gen, gsize *len);

typedef struct {
  guint32 slot;
  guint32 gen;
} ArNackIndexEntry;

typedef struct {
  ArNackRing *ring;
  guint32 owner;
  guint cap; /* power of two, <= AR_NACK_CACHE_MAX */
  gint64 max_age_us;
  ArNackIndexEntry *index;
  guint32 stored, hits, misses;
} ArNackCache;

/* Allocates the index (at publish time). cap is rounded down to a power of two, at most 512. */
void ar_nack_cache_init(ArNackCache *c, ArNackRing *ring, guint cap, gint64 max_age_us);
void ar_nack_cache_clear(ArNackCache *c);
/* Forgets every stored packet (the publisher restarted the stream). */
void ar_nack_cache_reset(ArNackCache *c);

/* Copies the packet into the next ring slot. Returns the stored copy (valid until the slot is
 * reused; *slot and *gen name it), or NULL when len exceeds AR_NACK_SLOT_BYTES. */
const guint8 *ar_nack_cache_store(ArNackCache *c, guint16 seq, const guint8 *pkt, gsize len,
                                  gint64 now_us, guint32 *slot, guint32 *gen);

/* The stored packet with sequence number `seq` if it is still there and younger than the
 * maximum age; counts a hit or a miss. */
const guint8 *ar_nack_cache_get(ArNackCache *c, guint16 seq, gint64 now_us, gsize *len,
                                guint32 *slot, guint32 *gen);
