/* Waiting-room queue model; the ordering rule and the ETA range are explained in queue_model.h.
 * One clinician sees a few dozen patients a day, so the line is re-simulated from scratch on
 * every change (O(n²) per run, three runs): simpler to trust than incremental updates. */
#include "queue_model.h"

#include <stdlib.h>
#include <string.h>

#define DURATION_MIN_S 30
#define DURATION_MAX_S (6 * 3600)
#define LATE_WINDOW 3

/* ---- durations ---- */

void
ar_queue_model_duration_init(ArDurationStats *s, gint64 default_median_s)
{
  memset(s, 0, sizeof *s);
  s->default_median_s = default_median_s > 0 ? default_median_s : AR_QUEUE_DEFAULT_MEDIAN_S;
}

gboolean
ar_queue_model_duration_add(ArDurationStats *s, gint64 duration_s)
{
  if (duration_s < DURATION_MIN_S || duration_s > DURATION_MAX_S)
    return FALSE;
  s->ring[s->next] = duration_s;
  s->next = (s->next + 1) % AR_QUEUE_DURATION_RING;
  if (s->count < AR_QUEUE_DURATION_RING)
    s->count++;
  return TRUE;
}

static int
cmp_gint64(const void *a, const void *b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return (x > y) - (x < y);
}

/* Linear interpolation between closest ranks (the "R-7" definition numpy uses by default). */
static gint64
quantile_sorted(const gint64 *v, guint n, double q)
{
  double pos = q * (n - 1);
  guint lo = (guint)pos;
  if (lo + 1 >= n)
    return v[n - 1];
  double frac = pos - lo;
  return (gint64)(v[lo] + frac * (double)(v[lo + 1] - v[lo]) + 0.5);
}

ArDurationQuantiles
ar_queue_model_duration_quantiles(const ArDurationStats *s)
{
  gint64 m = s->default_median_s > 0 ? s->default_median_s : AR_QUEUE_DEFAULT_MEDIAN_S;
  if (s->count < AR_QUEUE_DURATION_MIN_SAMPLES)
    return (ArDurationQuantiles){.p20_s = m * 2 / 3, .p50_s = m, .p80_s = m * 4 / 3};
  gint64 v[AR_QUEUE_DURATION_RING];
  memcpy(v, s->ring, s->count * sizeof v[0]);
  qsort(v, s->count, sizeof v[0], cmp_gint64);
  return (ArDurationQuantiles){.p20_s = quantile_sorted(v, s->count, 0.2),
                               .p50_s = quantile_sorted(v, s->count, 0.5),
                               .p80_s = quantile_sorted(v, s->count, 0.8)};
}

/* ---- the line ---- */

typedef enum { SCN_LOW, SCN_EXPECTED, SCN_HIGH, N_SCN } Scenario;

typedef struct {
  guint idx; /* into the input appointments */
  gboolean walk_in;
  gboolean present; /* checked in (or away within grace) */
  guint priority;
  gint64 line_time; /* scheduled start, or arrival for walk-ins */
  ArDurationQuantiles q;
} Member;

typedef struct {
  const ArQueueInput *in;
  gint64 now;
  gint64 late_s;
  Member *m;
  guint n;
  gboolean *taken;
} Line;

static ArDurationQuantiles
quantiles_for(const ArQueueInput *in, guint visit_type)
{
  if (visit_type < in->n_durations)
    return ar_queue_model_duration_quantiles(&in->durations[visit_type]);
  ArDurationStats defaults;
  ar_queue_model_duration_init(&defaults, 0);
  return ar_queue_model_duration_quantiles(&defaults);
}

static gint64
pick_quantile(const ArDurationQuantiles *q, Scenario s)
{
  return s == SCN_LOW ? q->p20_s : s == SCN_HIGH ? q->p80_s : q->p50_s;
}

static gboolean
state_present(ArQueueState st)
{
  return st == AR_QUEUE_STATE_CHECKING_DEVICES || st == AR_QUEUE_STATE_READY ||
         st == AR_QUEUE_STATE_AWAY;
}

/* Remaining time of a visit that has run elapsed_s. Once a visit outlasts its typical length we
 * still expect a little more rather than "any second now", which is the usual way ETAs lie. */
static gint64
remaining(const ArDurationQuantiles *q, gint64 elapsed_s, Scenario s)
{
  gint64 overrun = q->p50_s / 6;
  switch (s) {
  case SCN_LOW:
    return MAX(q->p20_s - elapsed_s, 0);
  case SCN_HIGH:
    return MAX(q->p80_s - elapsed_s, overrun + (q->p80_s - q->p50_s));
  default:
    return MAX(q->p50_s - elapsed_s, overrun);
  }
}

static gint64
clinician_free_at(const ArQueueInput *in, gint64 now, Scenario s)
{
  gint64 free_at = now;
  for (guint i = 0; i < in->n_appointments; i++) {
    const ArQueueAppointment *a = &in->appointments[i];
    if (a->state != AR_QUEUE_STATE_IN_VISIT)
      continue;
    gint64 started = a->started_at > 0 ? MIN(a->started_at, now) : now;
    ArDurationQuantiles q = quantiles_for(in, a->visit_type);
    free_at = MAX(free_at, now + remaining(&q, now - started, s));
  }
  return free_at;
}

/* Returns TRUE if a should be preferred over b (both candidates under the same rule). */
static gboolean
earlier(const Member *a, const Member *b)
{
  if (a->line_time != b->line_time)
    return a->line_time < b->line_time;
  return a->idx < b->idx;
}

/* Who the clinician sees next when free at time f: the rule in queue_model.h, steps 1-4. */
static guint
choose_next(const Line *l, gint64 f)
{
  gint best[4] = {-1, -1, -1, -1};
  for (guint i = 0; i < l->n; i++) {
    if (l->taken[i])
      continue;
    const Member *m = &l->m[i];
    if (m->present && m->priority > 0) {
      const Member *b = best[0] >= 0 ? &l->m[best[0]] : NULL;
      if (!b || m->priority > b->priority || (m->priority == b->priority && earlier(m, b)))
        best[0] = (gint)i;
    } else if (!m->walk_in && m->line_time <= f && (m->present || f > l->now)) {
      if (best[1] < 0 || earlier(m, &l->m[best[1]]))
        best[1] = (gint)i;
    } else if (m->walk_in) {
      if (best[2] < 0 || earlier(m, &l->m[best[2]]))
        best[2] = (gint)i;
    } else if (best[3] < 0 || earlier(m, &l->m[best[3]])) {
      best[3] = (gint)i;
    }
  }
  for (int r = 0; r < 4; r++)
    if (best[r] >= 0)
      return (guint)best[r];
  g_assert_not_reached();
}

/* Runs the line once; starts[i] is member i's start, order[k] the k-th member seen. */
static void
simulate(Line *l, Scenario s, gint64 *starts, guint *order)
{
  gint64 late = s == SCN_LOW ? 0 : l->late_s;
  gint64 f = clinician_free_at(l->in, l->now, s);
  memset(l->taken, 0, l->n * sizeof l->taken[0]);
  for (guint k = 0; k < l->n; k++) {
    guint i = choose_next(l, f);
    const Member *m = &l->m[i];
    /* Walk-ins and urgent patients have no booked time to wait for. */
    gint64 not_before =
        m->walk_in || (m->present && m->priority > 0) ? l->now : m->line_time + late;
    gint64 start = MAX(MAX(f, l->now), not_before);
    starts[i] = start;
    if (order)
      order[k] = i;
    l->taken[i] = TRUE;
    /* Low run: someone not here yet may not come at all, and then takes no time. */
    f = start + (s == SCN_LOW && !m->present ? 0 : pick_quantile(&m->q, s));
  }
}

static int
cmp_started(const void *a, const void *b)
{
  const ArQueueAppointment *x = *(const ArQueueAppointment *const *)a;
  const ArQueueAppointment *y = *(const ArQueueAppointment *const *)b;
  return (x->started_at < y->started_at) - (x->started_at > y->started_at); /* newest first */
}

gint64
ar_queue_model_running_late(const ArQueueInput *in)
{
  g_autofree const ArQueueAppointment **started =
      g_new(const ArQueueAppointment *, in->n_appointments + 1);
  guint n = 0;
  for (guint i = 0; i < in->n_appointments; i++) {
    const ArQueueAppointment *a = &in->appointments[i];
    if (!a->walk_in && a->started_at > 0 &&
        (a->state == AR_QUEUE_STATE_IN_VISIT || a->state == AR_QUEUE_STATE_DONE))
      started[n++] = a;
  }
  qsort(started, n, sizeof started[0], cmp_started);
  n = MIN(n, LATE_WINDOW);
  gint64 delay[LATE_WINDOW];
  for (guint i = 0; i < n; i++)
    delay[i] = started[i]->started_at - MAX(started[i]->scheduled_start, started[i]->arrived_at);
  qsort(delay, n, sizeof delay[0], cmp_gint64);
  gint64 late = n == 0 ? 0 : n % 2 ? delay[n / 2] : (delay[n / 2 - 1] + delay[n / 2]) / 2;
  return MAX(late, 0);
}

void
ar_queue_model_result_init(ArQueueResult *out, guint n)
{
  if (!out->estimates || out->n_estimates < n)
    out->estimates = g_renew(ArQueueEstimate, out->estimates, MAX(n, 1));
  out->n_estimates = n;
  memset(out->estimates, 0, MAX(n, 1) * sizeof out->estimates[0]);
  out->line_length = 0;
}

void
ar_queue_model_result_clear(ArQueueResult *out)
{
  g_clear_pointer(&out->estimates, g_free);
  memset(out, 0, sizeof *out);
}

void
ar_queue_model_compute(const ArQueueInput *in, gint64 now_unix, ArQueueResult *out)
{
  g_return_if_fail(out->estimates && out->n_estimates >= in->n_appointments);
  memset(out->estimates, 0, in->n_appointments * sizeof out->estimates[0]);

  Line l = {.in = in, .now = now_unix};
  l.late_s = MAX(ar_queue_model_running_late(in), MAX(in->announced_late_s, 0));
  g_autofree Member *members = g_new0(Member, in->n_appointments + 1);
  l.m = members;
  for (guint i = 0; i < in->n_appointments; i++) {
    const ArQueueAppointment *a = &in->appointments[i];
    gboolean present = state_present(a->state);
    if (a->state == AR_QUEUE_STATE_IN_VISIT)
      out->estimates[i].eta = out->estimates[i].eta_low = out->estimates[i].eta_high =
          a->started_at;
    if (!present && !(a->state == AR_QUEUE_STATE_NOT_ARRIVED && !a->walk_in))
      continue;
    Member *m = &members[l.n++];
    m->idx = i;
    m->walk_in = a->walk_in;
    m->present = present;
    m->priority = a->priority;
    m->line_time = a->walk_in ? (a->arrived_at > 0 ? a->arrived_at : now_unix) : a->scheduled_start;
    m->q = quantiles_for(in, a->visit_type);
  }

  g_autofree gboolean *taken = g_new0(gboolean, l.n + 1);
  g_autofree gint64 *starts = g_new0(gint64, (gsize)N_SCN * (l.n + 1));
  g_autofree guint *order = g_new0(guint, l.n + 1);
  l.taken = taken;
  for (int s = 0; s < N_SCN; s++)
    simulate(&l, s, starts + (gsize)s * l.n, s == SCN_EXPECTED ? order : NULL);

  for (guint k = 0; k < l.n; k++) {
    guint i = order[k];
    ArQueueEstimate *e = &out->estimates[members[i].idx];
    e->in_line = TRUE;
    e->position = k + 1;
    e->eta = starts[SCN_EXPECTED * l.n + i];
    /* The runs can order walk-ins differently; keep the range around the expected value. */
    e->eta_low = MIN(starts[SCN_LOW * l.n + i], e->eta);
    e->eta_high = MAX(starts[SCN_HIGH * l.n + i], e->eta);
  }
  out->line_length = l.n;
  out->running_late_s = l.late_s;
  out->clinician_free_at = clinician_free_at(in, now_unix, SCN_EXPECTED);
}

/* ---- ETA error tracking ---- */

void
ar_queue_model_error_init(ArQueueErrorStats *stats)
{
  memset(stats, 0, sizeof *stats);
}

void
ar_queue_model_record_start(ArQueueErrorStats *stats, const ArQueueEstimate *estimate,
                            gint64 actual_start_unix)
{
  stats->error_s[stats->next] = actual_start_unix - estimate->eta;
  stats->in_range[stats->next] =
      actual_start_unix >= estimate->eta_low && actual_start_unix <= estimate->eta_high;
  stats->next = (stats->next + 1) % AR_QUEUE_ERROR_RING;
  if (stats->count < AR_QUEUE_ERROR_RING)
    stats->count++;
  stats->total++;
}

void
ar_queue_model_error_summary(const ArQueueErrorStats *stats, ArQueueErrorSummary *out)
{
  memset(out, 0, sizeof *out);
  guint n = stats->count;
  if (n == 0)
    return;
  gint64 abs_err[AR_QUEUE_ERROR_RING];
  gint64 sum_abs = 0, sum = 0;
  guint hits = 0;
  for (guint i = 0; i < n; i++) {
    abs_err[i] = ABS(stats->error_s[i]);
    sum_abs += abs_err[i];
    sum += stats->error_s[i];
    hits += stats->in_range[i] ? 1 : 0;
  }
  qsort(abs_err, n, sizeof abs_err[0], cmp_gint64);
  out->samples = n;
  out->mae_s = sum_abs / n;
  out->bias_s = sum / (gint64)n;
  out->p90_abs_s = abs_err[(9 * n + 9) / 10 - 1]; /* nearest rank: ceil(0.9 n) */
  out->in_range_frac = (double)hits / n;
}
