/* Bandwidth estimation on simulated paths (tests/unit/link_sim.h): prints, per scenario, how the
 * target follows the capacity (time to 80 % of it, mean and queueing delay once settled, reaction
 * to a capacity drop) and the CPU cost of the whole loop per simulated second. With --trace NAME,
 * prints that scenario's trace every 100 ms as CSV for plotting. */
#include <stdio.h>
#include <string.h>

#include "tests/unit/link_sim.h"

typedef struct {
  const char *name;
  double capacity_bps;
  double drop_to_bps; /* capacity after drop_at_s, 0 for none */
  double drop_at_s;
  double loss;
  gint64 base_delay_us;
  double seconds;
} Scenario;

static const Scenario scenarios[] = {
    {"clean-2M", 2e6, 0, 0, 0, 40000, 60},         {"clean-600k-mobile", 600e3, 0, 0, 0, 80000, 60},
    {"drop-3M-to-1M", 3e6, 1e6, 40, 0, 40000, 60}, {"loss-5%", 2e6, 0, 0, 0.05, 40000, 60},
    {"loss-20%", 2e6, 0, 0, 0.20, 40000, 60},
};

static void
run(const Scenario *sc, gboolean trace)
{
  BweSim *s = bwe_sim_new(sc->capacity_bps, sc->base_delay_us, 400000, sc->loss, 7, NULL);
  guint ms = (guint)(sc->seconds * 1000);
  double first80 = -1, drop_react = -1, sum_late = 0, q_late = 0;
  guint n_late = 0;
  gint64 t0 = g_get_monotonic_time();
  for (guint i = 1; i <= ms; i++) {
    double t = i / 1000.0;
    if (sc->drop_to_bps > 0 && i == (guint)(sc->drop_at_s * 1000))
      s->link.capacity_bps = sc->drop_to_bps;
    bwe_sim_step(s);
    double cap = s->link.capacity_bps;
    if (first80 < 0 && s->target_bps >= 0.8 * cap)
      first80 = t;
    if (sc->drop_to_bps > 0 && t > sc->drop_at_s && drop_react < 0 && s->target_bps < cap)
      drop_react = t - sc->drop_at_s;
    if (t > sc->seconds - 20) {
      sum_late += (double)s->target_bps;
      q_late += (double)link_sim_queue_us(&s->link, s->now_us) / 1000.0;
      n_late++;
    }
    if (trace && i % 100 == 0) {
      ArBweStats st;
      ar_bwe_get_stats(s->bwe, &st);
      printf("%.1f,%.0f,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
             ",%" G_GUINT64_FORMAT ",%.1f,%d,%.2f,%.2f,%.3f\n",
             t, cap, st.target_bps, st.acked_bps, st.delay_bps, st.loss_bps,
             link_sim_queue_us(&s->link, s->now_us) / 1000.0, st.signal, st.trend_ms,
             st.threshold_ms, st.loss_fraction);
    }
  }
  gint64 cpu_us = g_get_monotonic_time() - t0;
  if (!trace)
    printf("%-18s cap %5.0f kbps  80%% at %5.1f s  last 20 s: mean %5.0f kbps (%3.0f%%), queue "
           "%5.1f ms  drop->below %5.2f s  loop %.0f us per simulated s\n",
           sc->name, s->link.capacity_bps / 1000, first80, sum_late / n_late / 1000,
           100 * sum_late / n_late / s->link.capacity_bps, q_late / n_late, drop_react,
           (double)cpu_us / sc->seconds);
  bwe_sim_free(s);
}

int
main(int argc, char **argv)
{
  const char *trace = argc > 2 && strcmp(argv[1], "--trace") == 0 ? argv[2] : NULL;
  if (trace)
    printf("t_s,capacity,target,acked,delay,loss,queue_ms,signal,trend,threshold,loss_frac\n");
  for (gsize i = 0; i < G_N_ELEMENTS(scenarios); i++)
    if (!trace || strcmp(trace, scenarios[i].name) == 0)
      run(&scenarios[i], trace != NULL);
  return 0;
}
