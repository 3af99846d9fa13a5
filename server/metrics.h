/* Counters and the Prometheus text format. A counter has one writer thread (the media worker or
 * the main thread that owns it), so increments are plain stores; /metrics reads them from the
 * main thread with relaxed atomic loads. No lock and no atomic read-modify-write per packet. */
#pragma once
#include <glib.h>

typedef struct {
  guint64 v;
} ArCounter;

static inline void
ar_counter_add(ArCounter *c, guint64 n)
{
  __atomic_store_n(&c->v, c->v + n, __ATOMIC_RELAXED);
}

static inline guint64
ar_counter_get(const ArCounter *c)
{
  return __atomic_load_n(&c->v, __ATOMIC_RELAXED);
}

/* Writes "# HELP" and "# TYPE" lines for one metric family. */
void ar_metrics_family(GString *out, const char *name, const char *type, const char *help);

/* Writes one sample; labels is the inside of {...} already formatted, or NULL. */
void ar_metrics_sample(GString *out, const char *name, const char *labels, double value);

/* process_* families (CPU seconds, resident memory, open fds, start time, threads) from /proc. */
void ar_metrics_process(GString *out, gint64 start_unix);
