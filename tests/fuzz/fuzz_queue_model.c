/* Fuzzes the queue model with arbitrary days (states, times, walk-ins, priorities, learned
 * durations) and checks the promises the waiting room relies on: positions are 1..n without
 * gaps, exactly the right patients are in line, nobody is told a time before now or (unless
 * urgent or a walk-in) before their booking, ranges contain the estimate, and the same input
 * gives the same answer. Input: byte 0 = appointment count, then 8 bytes per appointment
 * (u16 scheduled, u16 arrived, u16 started, in minutes of the day; u8 state; u8 type/flags),
 * then durations in minutes for the two visit types' histories. */
#include "queue_model.h"

#include "bytes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DAY 1717200000
#define N_MAX 24

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 3)
    return 0;
  ArQueueAppointment a[N_MAX];
  memset(a, 0, sizeof a);
  gint64 now = DAY + 60 * (gint64)(ar_be16(data) % 1440);
  guint n = data[2] % (N_MAX + 1);
  size_t off = 3;
  guint got = 0;
  for (; got < n && off + 8 <= size; got++, off += 8) {
    const uint8_t *p = data + off;
    a[got].scheduled_start = DAY + 60 * (gint64)(ar_be16(p) % 1440);
    a[got].arrived_at = ar_be16(p + 2) % 1441 == 0 ? 0 : DAY + 60 * (gint64)(ar_be16(p + 2) % 1441);
    a[got].started_at = ar_be16(p + 4) % 1441 == 0 ? 0 : DAY + 60 * (gint64)(ar_be16(p + 4) % 1441);
    a[got].state = p[6] % 7;
    a[got].visit_type = p[7] & 3; /* 2 and 3: unknown types, default statistics */
    a[got].walk_in = (p[7] >> 2) & 1;
    a[got].priority = (p[7] >> 3) & 3;
  }
  ArDurationStats stats[2];
  ar_queue_model_duration_init(&stats[0], 0);
  ar_queue_model_duration_init(&stats[1], 20 * 60);
  for (size_t i = off; i < size; i++)
    ar_queue_model_duration_add(&stats[i & 1], 60 * (gint64)data[i]);

  ArQueueInput in = {.appointments = a,
                     .n_appointments = got,
                     .durations = stats,
                     .n_durations = 2,
                     .announced_late_s = 60 * (gint64)(data[2] >> 5)};
  ArQueueResult r = {0}, r2 = {0};
  ar_queue_model_result_init(&r, got);
  ar_queue_model_result_init(&r2, got);
  ar_queue_model_compute(&in, now, &r);
  ar_queue_model_compute(&in, now, &r2);
  if (memcmp(r.estimates, r2.estimates, got * sizeof r.estimates[0]) != 0)
    abort();

  guint seen[N_MAX + 1] = {0};
  guint in_line = 0;
  for (guint i = 0; i < got; i++) {
    const ArQueueEstimate *e = &r.estimates[i];
    ArQueueState st = a[i].state;
    gboolean present = st == AR_QUEUE_STATE_CHECKING_DEVICES || st == AR_QUEUE_STATE_READY ||
                       st == AR_QUEUE_STATE_AWAY;
    gboolean should = present || (st == AR_QUEUE_STATE_NOT_ARRIVED && !a[i].walk_in);
    if (e->in_line != should)
      abort();
    if (!e->in_line)
      continue;
    in_line++;
    if (e->position < 1 || e->position > got || seen[e->position]++)
      abort();
    if (e->eta_low < now || e->eta_low > e->eta || e->eta > e->eta_high)
      abort();
    if (!a[i].walk_in && !(present && a[i].priority > 0) && e->eta_low < a[i].scheduled_start)
      abort();
  }
  if (in_line != r.line_length)
    abort();
  for (guint k = 1; k <= in_line; k++)
    if (seen[k] != 1)
      abort();
  ar_queue_model_result_clear(&r);
  ar_queue_model_result_clear(&r2);
  return 0;
}
