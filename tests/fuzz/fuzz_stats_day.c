/* Fuzzes the ?from=/?to= day parser of the staff metrics (scheduler_stats.c): whatever it
 * accepts must be exactly ten characters, a real UTC day on or after 1970, and print back as
 * the same text. */
#include "scheduler_stats.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = g_strndup((const char *)data, size);
  gint64 t;
  if (ar_scheduler_stats_parse_day(text, &t)) {
    GDateTime *dt = g_date_time_new_from_unix_utc(t);
    char *back = dt ? g_date_time_format(dt, "%Y-%m-%d") : NULL;
    if (!back || t < 0 || t % 86400 != 0 || strcmp(back, text) != 0)
      abort();
    g_free(back);
    g_date_time_unref(dt);
  }
  g_free(text);
  return 0;
}
