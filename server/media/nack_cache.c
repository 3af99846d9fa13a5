/* Ring of packet slots and per-stream seq index; see nack_cache.h. */
#include "nack_cache.h"

#include <string.h>

ArNackRing *
ar_nack_ring_new(guint n_slots)
{
  ArNackRing *ring = g_new0(ArNackRing, 1);
  ring->n_slots = MAX(n_slots, 1);
  ring->slots = g_new0(ArNackSlot, ring->n_slots);
  return ring;
}

void
ar_nack_ring_free(ArNackRing *ring)
{
  if (!ring)
    return;
  g_free(ring->slots);
  g_free(ring);
}

const guint8 *
ar_nack_ring_get(const ArNackRing *ring, guint32 slot, guint32 gen, gsize *len)
{
  if (slot >= ring->n_slots || gen == 0 || ring->slots[slot].gen != gen)
    return NULL;
  *len = ring->slots[slot].len;
  return ring->slots[slot].data;
}

void
ar_nack_cache_init(ArNackCache *c, ArNackRing *ring, guint cap, gint64 max_age_us)
{
  *c = (ArNackCache){0};
  c->ring = ring;
  c->owner = ++ring->next_owner;
  guint p = 1;
  while (p * 2 <= MIN(MAX(cap, 1), AR_NACK_CACHE_MAX))
    p *= 2;
  c->cap = p;
  c->max_age_us = max_age_us > 0 ? max_age_us : AR_NACK_CACHE_DEFAULT_AGE_US;
  c->index = g_new0(ArNackIndexEntry, c->cap);
}

void
ar_nack_cache_clear(ArNackCache *c)
{
  g_clear_pointer(&c->index, g_free);
}

void
ar_nack_cache_reset(ArNackCache *c)
{
  if (c->index)
    memset(c->index, 0, sizeof *c->index * c->cap);
}

const guint8 *
ar_nack_cache_store(ArNackCache *c, guint16 seq, const guint8 *pkt, gsize len, gint64 now_us,
                    guint32 *slot, guint32 *gen)
{
  if (len > AR_NACK_SLOT_BYTES || !c->index)
    return NULL;
  ArNackRing *ring = c->ring;
  guint32 i = ring->next;
  ring->next = (ring->next + 1) % ring->n_slots;
  ArNackSlot *s = &ring->slots[i];
  s->gen++;
  if (s->gen == 0) /* 0 means "never used" */
    s->gen = 1;
  s->owner = c->owner;
  s->seq = seq;
  s->len = (guint16)len;
  s->stored_us = now_us;
  memcpy(s->data, pkt, len);
  c->index[seq & (c->cap - 1)] = (ArNackIndexEntry){.slot = i, .gen = s->gen};
  c->stored++;
  *slot = i;
  *gen = s->gen;
  return s->data;
}

const guint8 *
ar_nack_cache_get(ArNackCache *c, guint16 seq, gint64 now_us, gsize *len, guint32 *slot,
                  guint32 *gen)
{
  if (c->index) {
    ArNackIndexEntry e = c->index[seq & (c->cap - 1)];
    const ArNackSlot *s = e.gen ? &c->ring->slots[e.slot] : NULL;
    /* The slot may since hold another stream's packet, or this stream's newer one. */
    if (s && s->gen == e.gen && s->owner == c->owner && s->seq == seq &&
        now_us - s->stored_us <= c->max_age_us) {
      c->hits++;
      *len = s->len;
      *slot = e.slot;
      *gen = e.gen;
      return s->data;
    }
  }
  c->misses++;
  return NULL;
}
