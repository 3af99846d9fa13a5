/* NACK generation from sequence gaps; see nack_generator.h. */
#include "nack_generator.h"

#include <string.h>

#include "bytes.h"

/* A packet this far behind the highest one is not late but a restarted stream. */
#define AR_NACK_GEN_MAX_REORDER 1000

void
ar_nack_generator_init(ArNackGenerator *g, gint64 delay_us, gint64 max_age_us, guint max_retries)
{
  *g = (ArNackGenerator){0};
  g->delay_us = MAX(delay_us, 0);
  g->max_age_us = max_age_us > 0 ? max_age_us : G_USEC_PER_SEC;
  g->max_retries = max_retries ? max_retries : 10;
}

static void
remove_at(ArNackGenerator *g, guint i)
{
  memmove(&g->missing[i], &g->missing[i + 1], (g->n - i - 1) * sizeof g->missing[0]);
  g->n--;
}

gboolean
ar_nack_generator_on_packet(ArNackGenerator *g, guint16 seq, gint64 now_us)
{
  if (!g->started) {
    g->started = TRUE;
    g->highest = seq;
    return TRUE;
  }
  gint d = (gint16)(guint16)(seq - g->highest);
  if (d < -AR_NACK_GEN_MAX_REORDER) { /* the publisher restarted its sequence further back */
    g->highest = seq;
    g->n = 0;
    return FALSE;
  }
  if (d <= 0) {
    for (guint i = 0; i < g->n; i++) {
      if (g->missing[i].seq == seq) {
        remove_at(g, i);
        g->recovered++;
        break;
      }
    }
    return TRUE;
  }
  guint16 gap = (guint16)(seq - g->highest - 1);
  g->highest = seq;
  if (gap > AR_NACK_GEN_MAX) {
    g->n = 0;
    return FALSE;
  }
  for (guint16 i = 0; i < gap; i++) {
    if (g->n == AR_NACK_GEN_MAX) /* the oldest are the least likely to still help */
      remove_at(g, 0);
    g->missing[g->n++] = (ArNackMissing){
        .seq = (guint16)(seq - gap + i), .first_us = now_us, .next_us = now_us + g->delay_us};
  }
  return TRUE;
}

gsize
ar_nack_generator_collect(ArNackGenerator *g, gint64 now_us, gint64 rtt_us, guint16 *seqs,
                          gsize cap)
{
  gint64 interval = (rtt_us > 0 ? rtt_us : 100 * G_TIME_SPAN_MILLISECOND) * 11 / 10;
  interval = CLAMP(interval, 20 * G_TIME_SPAN_MILLISECOND, 500 * G_TIME_SPAN_MILLISECOND);
  gsize n = 0;
  guint i = 0;
  while (i < g->n) {
    ArNackMissing *m = &g->missing[i];
    if (m->retries >= g->max_retries || now_us - m->first_us > g->max_age_us) {
      g->given_up++;
      remove_at(g, i);
      continue;
    }
    if (m->next_us <= now_us && n < cap) {
      seqs[n++] = m->seq;
      m->retries++;
      m->next_us = now_us + interval;
      g->requested++;
    }
    i++;
  }
  return n;
}

gint64
ar_nack_generator_next_timeout(const ArNackGenerator *g)
{
  gint64 t = G_MAXINT64;
  for (guint i = 0; i < g->n; i++)
    t = MIN(t, g->missing[i].next_us);
  return t;
}
