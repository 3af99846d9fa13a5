/* Shared by the micro-benchmarks: the calling thread's CPU time in ns, so time spent waiting
 * for the CPU on a busy machine does not count. */
#pragma once
#include <glib.h>
#include <time.h>

static inline gint64
ar_bench_thread_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
