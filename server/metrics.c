/* Prometheus text exposition (version 0.0.4) helpers and process metrics from /proc/self. */
#include "metrics.h"

#include <unistd.h>

void
ar_metrics_family(GString *out, const char *name, const char *type, const char *help)
{
  g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
ar_metrics_sample(GString *out, const char *name, const char *labels, double value)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd(num, sizeof num, "%.17g", value);
  if (labels && *labels)
    g_string_append_printf(out, "%s{%s} %s\n", name, labels, num);
  else
    g_string_append_printf(out, "%s %s\n", name, num);
}

static gboolean
read_proc_stat(double *cpu_seconds, long *threads)
{
  g_autofree char *stat = NULL;
  if (!g_file_get_contents("/proc/self/stat", &stat, NULL, NULL))
    return FALSE;
  /* The command name may contain spaces; fields restart after the last ')'. */
  const char *p = strrchr(stat, ')');
  if (!p)
    return FALSE;
  g_auto(GStrv) f = g_strsplit(p + 2, " ", -1);
  if (g_strv_length(f) < 20)
    return FALSE;
  long tck = sysconf(_SC_CLK_TCK);
  /* After ')' field 0 is state (field 3 of stat); utime/stime are fields 14/15, threads 20. */
  *cpu_seconds = (g_ascii_strtod(f[11], NULL) + g_ascii_strtod(f[12], NULL)) / (double)tck;
  *threads = strtol(f[17], NULL, 10);
  return TRUE;
}

static double
read_rss_bytes(void)
{
  g_autofree char *statm = NULL;
  if (!g_file_get_contents("/proc/self/statm", &statm, NULL, NULL))
    return 0;
  g_auto(GStrv) f = g_strsplit(statm, " ", -1);
  return g_strv_length(f) > 1 ? g_ascii_strtod(f[1], NULL) * (double)sysconf(_SC_PAGESIZE) : 0;
}

static double
count_open_fds(void)
{
  g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
  double n = 0;
  while (dir && g_dir_read_name(dir))
    n++;
  return n;
}

void
ar_metrics_process(GString *out, gint64 start_unix)
{
  double cpu = 0;
  long threads = 0;
  read_proc_stat(&cpu, &threads);
  ar_metrics_family(out, "process_cpu_seconds_total", "counter", "User and system CPU time.");
  ar_metrics_sample(out, "process_cpu_seconds_total", NULL, cpu);
  ar_metrics_family(out, "process_resident_memory_bytes", "gauge", "Resident memory size.");
  ar_metrics_sample(out, "process_resident_memory_bytes", NULL, read_rss_bytes());
  ar_metrics_family(out, "process_open_fds", "gauge", "Open file descriptors.");
  ar_metrics_sample(out, "process_open_fds", NULL, count_open_fds());
  ar_metrics_family(out, "process_threads", "gauge", "Threads in the process.");
  ar_metrics_sample(out, "process_threads", NULL, (double)threads);
  ar_metrics_family(out, "process_start_time_seconds", "gauge", "Start time, Unix seconds.");
  ar_metrics_sample(out, "process_start_time_seconds", NULL, (double)start_unix);
}
