/* Waiting-room queue model with a fake clock: positions, ETAs and ranges as patients arrive, are
 * admitted, drop and come back, do not show, walk in; lateness; learned durations; error
 * tracking. Times are a clinic day; T(h, m) is h:m on it. */
#include "queue_model.h"

#include <string.h>

#define DAY 1717228800 /* 2024-06-01 00:00 UTC */
#define T(h, m) ((gint64)DAY + (h)*3600 + (m)*60)
#define MIN_S(x) ((gint64)(x)*60)

typedef struct {
  ArQueueAppointment a[16];
  guint n;
  ArDurationStats stats[2];
  ArQueueInput in;
  ArQueueResult out;
} Day;

static void
day_init(Day *d)
{
  memset(d, 0, sizeof *d);
  ar_queue_model_duration_init(&d->stats[0], 0);
  ar_queue_model_duration_init(&d->stats[1], 0);
}

static guint
book(Day *d, const char *id, gint64 start, ArQueueState st)
{
  g_assert_cmpuint(d->n, <, G_N_ELEMENTS(d->a));
  d->a[d->n] = (ArQueueAppointment){.id = id, .scheduled_start = start, .state = st};
  if (st != AR_QUEUE_STATE_NOT_ARRIVED)
    d->a[d->n].arrived_at = start - MIN_S(10);
  return d->n++;
}

static guint
walk_in(Day *d, const char *id, gint64 arrived, ArQueueState st)
{
  guint i = book(d, id, 0, st);
  d->a[i].walk_in = TRUE;
  d->a[i].arrived_at = arrived;
  return i;
}

static const ArQueueEstimate *
run(Day *d, gint64 now)
{
  d->in.appointments = d->a;
  d->in.n_appointments = d->n;
  d->in.durations = d->stats;
  d->in.n_durations = G_N_ELEMENTS(d->stats);
  ar_queue_model_result_init(&d->out, d->n);
  ar_queue_model_compute(&d->in, now, &d->out);
  for (guint i = 0; i < d->n; i++) {
    const ArQueueEstimate *e = &d->out.estimates[i];
    if (!e->in_line)
      continue;
    g_assert_cmpint(e->eta_low, <=, e->eta);
    g_assert_cmpint(e->eta, <=, e->eta_high);
    g_assert_cmpint(e->eta_low, >=, now);
  }
  return d->out.estimates;
}

static void
day_clear(Day *d)
{
  ar_queue_model_result_clear(&d->out);
}

static void
test_duration_stats(void)
{
  ArDurationStats s;
  ar_queue_model_duration_init(&s, 0);
  ArDurationQuantiles q = ar_queue_model_duration_quantiles(&s);
  g_assert_cmpint(q.p50_s, ==, 900);
  g_assert_cmpint(q.p20_s, ==, 600);
  g_assert_cmpint(q.p80_s, ==, 1200);

  /* Four visits are not yet history; the fifth is. Nonsense lengths are not visits. */
  g_assert_false(ar_queue_model_duration_add(&s, 5));
  g_assert_false(ar_queue_model_duration_add(&s, 10 * 3600));
  gint64 v[] = {1000, 600, 900, 700, 800};
  for (int i = 0; i < 4; i++)
    g_assert_true(ar_queue_model_duration_add(&s, v[i]));
  g_assert_cmpint(ar_queue_model_duration_quantiles(&s).p50_s, ==, 900);
  ar_queue_model_duration_add(&s, v[4]);
  q = ar_queue_model_duration_quantiles(&s);
  /* numpy.percentile([600,700,800,900,1000], [20,50,80]) = 680, 800, 920 */
  g_assert_cmpint(q.p20_s, ==, 680);
  g_assert_cmpint(q.p50_s, ==, 800);
  g_assert_cmpint(q.p80_s, ==, 920);

  /* The ring keeps the most recent visits: after 32 visits of 20 min the old ones are gone. */
  for (int i = 0; i < AR_QUEUE_DURATION_RING; i++)
    ar_queue_model_duration_add(&s, 1200);
  q = ar_queue_model_duration_quantiles(&s);
  g_assert_cmpint(q.p20_s, ==, 1200);
  g_assert_cmpint(q.p80_s, ==, 1200);

  ArDurationStats custom;
  ar_queue_model_duration_init(&custom, 30 * 60);
  g_assert_cmpint(ar_queue_model_duration_quantiles(&custom).p50_s, ==, 1800);
}

static void
test_positions_update_on_admit(void)
{
  Day d;
  day_init(&d);
  guint a = book(&d, "a", T(9, 0), AR_QUEUE_STATE_READY);
  guint b = book(&d, "b", T(9, 15), AR_QUEUE_STATE_READY);
  guint c = book(&d, "c", T(9, 30), AR_QUEUE_STATE_CHECKING_DEVICES);

  gint64 now = T(8, 58);
  const ArQueueEstimate *e = run(&d, now);
  g_assert_cmpuint(d.out.line_length, ==, 3);
  g_assert_cmpuint(e[a].position, ==, 1);
  g_assert_cmpuint(e[b].position, ==, 2);
  g_assert_cmpuint(e[c].position, ==, 3);
  /* Nobody is called before their time; with 15-minute visits everyone is on time. */
  g_assert_cmpint(e[a].eta, ==, T(9, 0));
  g_assert_cmpint(e[b].eta, ==, T(9, 15));
  g_assert_cmpint(e[c].eta, ==, T(9, 30));

  /* 9:01: a is admitted. Everyone moves up. */
  now = T(9, 1);
  d.a[a].state = AR_QUEUE_STATE_IN_VISIT;
  d.a[a].started_at = now;
  e = run(&d, now);
  g_assert_false(e[a].in_line);
  g_assert_cmpuint(e[b].position, ==, 1);
  g_assert_cmpuint(e[c].position, ==, 2);
  g_assert_cmpint(d.out.clinician_free_at, ==, T(9, 16));
  g_assert_cmpint(e[b].eta, ==, T(9, 16));
  g_assert_cmpint(e[c].eta, ==, T(9, 31));

  /* 9:12: a is done early, b is admitted; c is next and still expected at their time. */
  now = T(9, 12);
  d.a[a].state = AR_QUEUE_STATE_DONE;
  d.a[b].state = AR_QUEUE_STATE_IN_VISIT;
  d.a[b].started_at = now;
  e = run(&d, now);
  g_assert_cmpuint(d.out.line_length, ==, 1);
  g_assert_cmpuint(e[c].position, ==, 1);
  g_assert_cmpint(e[c].eta, ==, T(9, 30));
  day_clear(&d);
}

static void
test_running_late_shifts_etas(void)
{
  Day d;
  day_init(&d);
  /* Three morning visits started 20, 25 and 20 minutes after their time (patients on time). */
  guint x = book(&d, "x", T(8, 0), AR_QUEUE_STATE_DONE);
  guint y = book(&d, "y", T(8, 20), AR_QUEUE_STATE_DONE);
  guint z = book(&d, "z", T(8, 40), AR_QUEUE_STATE_IN_VISIT);
  d.a[x].started_at = T(8, 20);
  d.a[y].started_at = T(8, 45);
  d.a[z].started_at = T(9, 0);
  guint p = book(&d, "p", T(9, 30), AR_QUEUE_STATE_READY);

  gint64 now = T(9, 5);
  g_assert_cmpint(ar_queue_model_running_late(&d.in), ==, 0); /* input not wired yet */
  const ArQueueEstimate *e = run(&d, now);
  g_assert_cmpint(d.out.running_late_s, ==, MIN_S(20));
  /* z ends about 9:15, but the clinician runs 20 minutes late: p is told 9:50, and the low end
   * keeps 9:30 in view because the clinician may catch up. */
  g_assert_cmpint(e[p].eta, ==, T(9, 50));
  g_assert_cmpint(e[p].eta_low, ==, T(9, 30));

  /* The same morning on time: p at 9:30. */
  d.a[x].started_at = T(8, 0);
  d.a[y].started_at = T(8, 20);
  d.a[z].started_at = T(8, 40);
  now = T(8, 45);
  e = run(&d, now);
  g_assert_cmpint(d.out.running_late_s, ==, 0);
  g_assert_cmpint(e[p].eta, ==, T(9, 30));

  /* A patient's own late arrival is not the clinician's lateness. */
  d.a[z].arrived_at = T(9, 0);
  d.a[z].started_at = T(9, 1);
  d.a[y].started_at = T(8, 21);
  e = run(&d, T(9, 2));
  g_assert_cmpint(d.out.running_late_s, ==, MIN_S(1));

  /* What the clinician announces counts when the starts do not show it yet. */
  d.in.announced_late_s = MIN_S(10);
  e = run(&d, T(9, 2));
  g_assert_cmpint(d.out.running_late_s, ==, MIN_S(10));
  g_assert_cmpint(e[p].eta, ==, T(9, 40));
  day_clear(&d);
}

static void
test_no_show_drops_out(void)
{
  Day d;
  day_init(&d);
  guint a = book(&d, "a", T(9, 0), AR_QUEUE_STATE_NOT_ARRIVED);
  guint b = book(&d, "b", T(9, 10), AR_QUEUE_STATE_READY);
  guint c = book(&d, "c", T(9, 30), AR_QUEUE_STATE_READY);

  gint64 now = T(9, 5);
  const ArQueueEstimate *e = run(&d, now);
  /* a is late but still expected: ahead of b and c, and expected to take their visit. */
  g_assert_cmpuint(e[a].position, ==, 1);
  g_assert_cmpuint(e[b].position, ==, 2);
  g_assert_cmpuint(e[c].position, ==, 3);
  g_assert_cmpint(e[a].eta, ==, T(9, 5));
  g_assert_cmpint(e[b].eta, ==, T(9, 20));
  /* b's low end: a may not come at all (not: a comes and is quick, which would be 9:15). */
  g_assert_cmpint(e[b].eta_low, ==, T(9, 10));

  now = T(9, 10);
  d.a[a].state = AR_QUEUE_STATE_NO_SHOW;
  e = run(&d, now);
  g_assert_false(e[a].in_line);
  g_assert_cmpuint(d.out.line_length, ==, 2);
  g_assert_cmpuint(e[b].position, ==, 1);
  g_assert_cmpuint(e[c].position, ==, 2);
  g_assert_cmpint(e[b].eta, ==, T(9, 10));
  g_assert_cmpint(e[c].eta, ==, T(9, 30));
  day_clear(&d);
}

static void
test_away_keeps_place(void)
{
  Day d;
  day_init(&d);
  guint a = book(&d, "a", T(9, 0), AR_QUEUE_STATE_READY);
  guint b = book(&d, "b", T(9, 20), AR_QUEUE_STATE_READY);
  guint w = walk_in(&d, "w", T(8, 45), AR_QUEUE_STATE_READY);

  gint64 now = T(9, 2);
  run(&d, now);
  ArQueueEstimate ready[3];
  memcpy(ready, d.out.estimates, sizeof ready);
  g_assert_cmpuint(ready[a].position, ==, 1);
  g_assert_cmpuint(ready[w].position, ==, 2);
  g_assert_cmpuint(ready[b].position, ==, 3);

  /* a's phone drops: within the grace period nothing changes for anyone. */
  d.a[a].state = AR_QUEUE_STATE_AWAY;
  const ArQueueEstimate *e = run(&d, now);
  g_assert_cmpmem(e, sizeof ready, ready, sizeof ready);

  /* Had a been treated as gone (not arrived), the walk-in would have taken the free clinician. */
  d.a[a].state = AR_QUEUE_STATE_NOT_ARRIVED;
  e = run(&d, now);
  g_assert_cmpuint(e[w].position, ==, 1);
  g_assert_cmpuint(e[a].position, ==, 2);

  /* a rejoins: back in first place with the same estimate. */
  d.a[a].state = AR_QUEUE_STATE_READY;
  e = run(&d, now);
  g_assert_cmpmem(e, sizeof ready, ready, sizeof ready);
  day_clear(&d);
}

static void
test_walk_ins(void)
{
  Day d;
  day_init(&d);
  guint a = book(&d, "a", T(9, 0), AR_QUEUE_STATE_READY);
  guint b = book(&d, "b", T(9, 30), AR_QUEUE_STATE_READY);
  guint w2 = walk_in(&d, "w2", T(8, 55), AR_QUEUE_STATE_READY);
  guint w1 = walk_in(&d, "w1", T(8, 50), AR_QUEUE_STATE_CHECKING_DEVICES);
  guint gone = walk_in(&d, "gone", T(8, 40), AR_QUEUE_STATE_NOT_ARRIVED);

  const ArQueueEstimate *e = run(&d, T(9, 0));
  /* a is due and goes first; w1 (first to arrive) takes the 9:15 gap; b keeps 9:30; w2 after. */
  g_assert_false(e[gone].in_line);
  g_assert_cmpuint(d.out.line_length, ==, 4);
  g_assert_cmpuint(e[a].position, ==, 1);
  g_assert_cmpuint(e[w1].position, ==, 2);
  g_assert_cmpuint(e[b].position, ==, 3);
  g_assert_cmpuint(e[w2].position, ==, 4);
  g_assert_cmpint(e[w1].eta, ==, T(9, 15));
  g_assert_cmpint(e[b].eta, ==, T(9, 30));
  g_assert_cmpint(e[w2].eta, ==, T(9, 45));

  /* An urgent walk-in goes ahead of everyone present. */
  d.a[w2].priority = 1;
  e = run(&d, T(9, 0));
  g_assert_cmpuint(e[w2].position, ==, 1);
  g_assert_cmpint(e[w2].eta, ==, T(9, 0));
  g_assert_cmpuint(e[a].position, ==, 2);
  day_clear(&d);
}

static void
test_ranges_widen_with_people_ahead(void)
{
  Day d;
  day_init(&d);
  /* The clinician is an hour behind: four patients, all here, all past their time. */
  guint p[4];
  for (int i = 0; i < 4; i++)
    p[i] = book(&d, "p", T(9, 15 * i), AR_QUEUE_STATE_READY);
  const ArQueueEstimate *e = run(&d, T(10, 0));
  gint64 prev_width = -1;
  for (int i = 0; i < 4; i++) {
    g_assert_cmpuint(e[p[i]].position, ==, (guint)i + 1);
    g_assert_cmpint(e[p[i]].eta, ==, T(10, 15 * i));
    gint64 width = e[p[i]].eta_high - e[p[i]].eta_low;
    g_assert_cmpint(width, >, prev_width);
    prev_width = width;
  }
  /* Three default visits ahead: 3 x p20 (10 min) to 3 x p80 (20 min). */
  g_assert_cmpint(e[p[3]].eta_low, ==, T(10, 30));
  g_assert_cmpint(e[p[3]].eta_high, ==, T(11, 0));

  /* With a visit in progress even the first in line gets a range, and it is not zero at the
   * low end: the visit may end sooner. */
  d.a[p[0]].state = AR_QUEUE_STATE_IN_VISIT;
  d.a[p[0]].started_at = T(10, 0);
  e = run(&d, T(10, 5));
  g_assert_cmpint(e[p[1]].eta, ==, T(10, 15));
  g_assert_cmpint(e[p[1]].eta_low, ==, T(10, 10));
  g_assert_cmpint(e[p[1]].eta_high, ==, T(10, 20));
  day_clear(&d);
}

static void
test_visit_overrun(void)
{
  Day d;
  day_init(&d);
  guint a = book(&d, "a", T(9, 0), AR_QUEUE_STATE_IN_VISIT);
  guint b = book(&d, "b", T(9, 15), AR_QUEUE_STATE_READY);
  d.a[a].started_at = T(9, 0);
  /* 9:25: a has run 25 minutes of a 15-minute visit. b is not told "now": a few more minutes,
   * with a range that still allows for longer. */
  const ArQueueEstimate *e = run(&d, T(9, 25));
  g_assert_cmpint(e[b].eta, ==, T(9, 25) + 150); /* p50 / 6 */
  g_assert_cmpint(e[b].eta_low, ==, T(9, 25));
  g_assert_cmpint(e[b].eta_high, >, e[b].eta);
  day_clear(&d);
}

static void
test_learned_durations_change_estimate(void)
{
  Day d;
  day_init(&d);
  guint a = book(&d, "a", T(9, 0), AR_QUEUE_STATE_READY);
  guint b = book(&d, "b", T(9, 0), AR_QUEUE_STATE_READY); /* double-booked */
  d.a[a].visit_type = 1;
  const ArQueueEstimate *e = run(&d, T(9, 0));
  g_assert_cmpint(e[b].eta, ==, T(9, 15));

  /* This clinician's new-patient visits (type 1) take about 30 minutes. */
  for (int i = 0; i < 10; i++)
    ar_queue_model_duration_add(&d.stats[1], MIN_S(28 + i % 5));
  e = run(&d, T(9, 0));
  g_assert_cmpint(e[b].eta, ==, T(9, 30));
  /* Learned history is also tighter than the default guess. */
  g_assert_cmpint(e[b].eta_high - e[b].eta_low, <, MIN_S(10));

  /* An unknown visit type falls back to the defaults. */
  d.a[a].visit_type = 99;
  e = run(&d, T(9, 0));
  g_assert_cmpint(e[b].eta, ==, T(9, 15));
  day_clear(&d);
}

static void
test_error_tracking(void)
{
  ArQueueErrorStats s;
  ar_queue_model_error_init(&s);
  ArQueueErrorSummary sum;
  ar_queue_model_error_summary(&s, &sum);
  g_assert_cmpuint(sum.samples, ==, 0);

  ArQueueEstimate e = {.in_line = TRUE, .eta = T(9, 30), .eta_low = T(9, 20), .eta_high = T(9, 45)};
  gint64 offsets[] = {60, -120, 300, 0, 30, 600, -60, 90, 120, 1200};
  for (gsize i = 0; i < G_N_ELEMENTS(offsets); i++)
    ar_queue_model_record_start(&s, &e, e.eta + offsets[i]);
  ar_queue_model_error_summary(&s, &sum);
  g_assert_cmpuint(sum.samples, ==, 10);
  g_assert_cmpint(sum.mae_s, ==, (60 + 120 + 300 + 0 + 30 + 600 + 60 + 90 + 120 + 1200) / 10);
  g_assert_cmpint(sum.bias_s, ==, (60 - 120 + 300 + 0 + 30 + 600 - 60 + 90 + 120 + 1200) / 10);
  g_assert_cmpint(sum.p90_abs_s, ==, 600); /* 9th of 10 sorted absolute errors */
  /* Inside [-600, +900]: all but +1200. */
  g_assert_cmpfloat_with_epsilon(sum.in_range_frac, 0.9, 1e-9);

  /* The window keeps the latest AR_QUEUE_ERROR_RING starts. */
  for (int i = 0; i < AR_QUEUE_ERROR_RING; i++)
    ar_queue_model_record_start(&s, &e, e.eta + 10);
  ar_queue_model_error_summary(&s, &sum);
  g_assert_cmpuint(sum.samples, ==, AR_QUEUE_ERROR_RING);
  g_assert_cmpuint(s.total, ==, AR_QUEUE_ERROR_RING + 10);
  g_assert_cmpint(sum.mae_s, ==, 10);
  g_assert_cmpint(sum.p90_abs_s, ==, 10);
  g_assert_cmpfloat_with_epsilon(sum.in_range_frac, 1.0, 1e-9);
}

/* A morning replayed minute by minute against a made-up "truth": the model's ranges should
 * contain most actual starts, and error tracking reports it. */
static void
test_replayed_morning(void)
{
  Day d;
  day_init(&d);
  gint64 actual_len[] = {MIN_S(12), MIN_S(22), MIN_S(15), MIN_S(9), MIN_S(18), MIN_S(14)};
  guint n = G_N_ELEMENTS(actual_len);
  for (guint i = 0; i < n; i++)
    book(&d, "p", T(9, 15 * i), AR_QUEUE_STATE_READY);
  ArQueueErrorStats err;
  ar_queue_model_error_init(&err);
  ArQueueEstimate told[G_N_ELEMENTS(actual_len)];
  run(&d, T(8, 50)); /* what everyone is told at check-in */
  memcpy(told, d.out.estimates, sizeof told);

  guint next = 0;
  gint64 visit_end = 0;
  for (gint64 now = T(8, 50); next < n || visit_end > now; now += 60) {
    if (next > 0 && d.a[next - 1].state == AR_QUEUE_STATE_IN_VISIT && now >= visit_end) {
      d.a[next - 1].state = AR_QUEUE_STATE_DONE;
      ar_queue_model_duration_add(&d.stats[0], actual_len[next - 1]);
    }
    gboolean busy = next > 0 && d.a[next - 1].state == AR_QUEUE_STATE_IN_VISIT;
    if (!busy && next < n && now >= d.a[next].scheduled_start) {
      const ArQueueEstimate *e = run(&d, now);
      g_assert_cmpuint(e[next].position, ==, 1);
      d.a[next].state = AR_QUEUE_STATE_IN_VISIT;
      d.a[next].started_at = now;
      ar_queue_model_record_start(&err, &told[next], now);
      visit_end = now + actual_len[next];
      next++;
    }
    if (next < n) {
      const ArQueueEstimate *e = run(&d, now);
      g_assert_cmpuint(e[next].position, ==, 1);
      g_assert_cmpuint(e[n - 1].position, ==, n - next);
    }
  }
  ArQueueErrorSummary sum;
  ar_queue_model_error_summary(&err, &sum);
  g_assert_cmpuint(sum.samples, ==, n);
  g_assert_cmpfloat(sum.in_range_frac, >=, 5.0 / 6);
  g_assert_cmpint(sum.mae_s, <, MIN_S(10));
  g_test_message("replayed morning: MAE %" G_GINT64_FORMAT " s, p90 %" G_GINT64_FORMAT
                 " s, in range %.0f%%",
                 sum.mae_s, sum.p90_abs_s, 100 * sum.in_range_frac);
  day_clear(&d);
}

static void
test_result_reuse(void)
{
  Day d;
  day_init(&d);
  book(&d, "a", T(9, 0), AR_QUEUE_STATE_READY);
  run(&d, T(9, 0));
  ArQueueEstimate *first = d.out.estimates;
  book(&d, "b", T(9, 15), AR_QUEUE_STATE_DONE);
  run(&d, T(9, 0));
  first = d.out.estimates;
  g_assert_cmpuint(d.out.n_estimates, ==, 2);
  g_assert_false(d.out.estimates[1].in_line);
  d.n = 1;
  run(&d, T(9, 0));
  g_assert_true(d.out.estimates == first); /* big enough: reused, not reallocated */
  g_assert_cmpuint(d.out.n_estimates, ==, 1);
  /* Empty line. */
  d.n = 0;
  run(&d, T(9, 0));
  g_assert_cmpuint(d.out.line_length, ==, 0);
  day_clear(&d);
  g_assert_null(d.out.estimates);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/queue-model/duration-stats", test_duration_stats);
  g_test_add_func("/queue-model/positions-update-on-admit", test_positions_update_on_admit);
  g_test_add_func("/queue-model/running-late-shifts-etas", test_running_late_shifts_etas);
  g_test_add_func("/queue-model/no-show-drops-out", test_no_show_drops_out);
  g_test_add_func("/queue-model/away-keeps-place", test_away_keeps_place);
  g_test_add_func("/queue-model/walk-ins", test_walk_ins);
  g_test_add_func("/queue-model/ranges-widen-with-people-ahead",
                  test_ranges_widen_with_people_ahead);
  g_test_add_func("/queue-model/visit-overrun", test_visit_overrun);
  g_test_add_func("/queue-model/learned-durations-change-estimate",
                  test_learned_durations_change_estimate);
  g_test_add_func("/queue-model/error-tracking", test_error_tracking);
  g_test_add_func("/queue-model/replayed-morning", test_replayed_morning);
  g_test_add_func("/queue-model/result-reuse", test_result_reuse);
  return g_test_run();
}
