/* The flush pacing decision (fanout_pace.h). The gap after a flush grows with what the flush
 * cost, so at 10,000 waiting patients a check-in storm cannot turn the main loop into a
 * queue.update pump: the rest of the server (joins, media signaling) keeps most of the loop. */
#include "fanout_pace.h"

#define DEFAULT_MIN_GAP_US (50 * 1000)
#define DEFAULT_MAX_GAP_US (1000 * 1000)
#define DEFAULT_DUTY_FACTOR 4

void
ar_fanout_pace_init(ArFanoutPace *p)
{
  *p = (ArFanoutPace){DEFAULT_MIN_GAP_US, DEFAULT_MAX_GAP_US, DEFAULT_DUTY_FACTOR, 0, 0};
}

gint64
ar_fanout_pace_delay_us(const ArFanoutPace *p, gint64 now_us)
{
  if (p->last_start_us == 0)
    return 0;
  gint64 gap = MAX(p->min_gap_us, p->last_cost_us * (gint64)p->duty_factor);
  gap = MIN(gap, p->max_gap_us);
  gint64 next = p->last_start_us + gap;
  return next > now_us ? next - now_us : 0;
}

void
ar_fanout_pace_done(ArFanoutPace *p, gint64 start_us, gint64 end_us)
{
  p->last_start_us = start_us > 0 ? start_us : 1;
  p->last_cost_us = MAX(end_us - start_us, 0);
}
