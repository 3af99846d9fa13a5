/* A token bucket over a caller-supplied clock: rate tokens per second, up to burst. Used per
 * WebSocket connection and per client address. Plain data, no allocation. */
#pragma once
#include <glib.h>

typedef struct {
  double tokens;
  double rate;  /* tokens per second */
  double burst; /* bucket size */
  gint64 last_us;
} ArRateLimit;

static inline void
ar_rate_limit_init(ArRateLimit *r, double rate, double burst, gint64 now_us)
{
  *r = (ArRateLimit){burst, rate, burst, now_us};
}

/* TRUE when one token was available and taken. */
static inline gboolean
ar_rate_limit_take(ArRateLimit *r, gint64 now_us)
{
  if (now_us > r->last_us) {
    r->tokens = MIN(r->burst, r->tokens + (double)(now_us - r->last_us) * r->rate / 1e6);
    r->last_us = now_us;
  }
  if (r->tokens < 1.0)
    return FALSE;
  r->tokens -= 1.0;
  return TRUE;
}
