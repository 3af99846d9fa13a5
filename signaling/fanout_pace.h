/* Pacing of the waiting room's deferred recompute-and-notify pass (the "flush"): changes only
 * mark a line dirty, and this decides when the next flush may run, so a burst of check-ins
 * costs one queue-model pass and one queue.update per patient per flush instead of one per
 * change. Sans-IO: the caller passes monotonic microseconds and arms its own timer. */
#pragma once
#include <glib.h>

typedef struct {
  gint64 min_gap_us;    /* flushes start at least this far apart (under load) */
  gint64 max_gap_us;    /* ... and never further apart than this once something is dirty */
  guint duty_factor;    /* a flush that took C µs is followed by at least C × factor of rest */
  gint64 last_start_us; /* 0: never flushed */
  gint64 last_cost_us;
} ArFanoutPace;

/* Defaults: 50 ms minimum gap, 1 s maximum, flushes at most 1/(1+4) = 20 % of the loop. */
void ar_fanout_pace_init(ArFanoutPace *p);

/* How long to wait from now before flushing a line that just became dirty: 0 when the loop
 * has been quiet (a lone change goes out in the same main-loop turn's wake-up), else what is
 * left of the gap the previous flush earned. */
gint64 ar_fanout_pace_delay_us(const ArFanoutPace *p, gint64 now_us);

/* Records a flush that ran from start_us to end_us. */
void ar_fanout_pace_done(ArFanoutPace *p, gint64 start_us, gint64 end_us);
