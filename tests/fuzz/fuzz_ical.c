/* Fuzzes the iCalendar import (structure check, libical parse, zone resolution, RRULE
 * expansion, FREEBUSY lists). Whatever imports must export and import back to the same
 * intervals, so the two halves agree on every input the fuzzer finds. */
#include "ical_export.h"
#include "ical_import.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2026-01-01 .. 2027-01-01 UTC */
#define WINDOW_START ((gint64)1767225600 * G_USEC_PER_SEC)
#define WINDOW_END ((gint64)1798761600 * G_USEC_PER_SEC)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(ArIcalImport *imp, const ArIcalImportOptions *opt)
{
  guint n = imp->busy->len;
  g_autofree ArIcalVisit *visits = g_new0(ArIcalVisit, n ? n : 1);
  g_autoptr(GPtrArray) uids = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < n; i++) {
    ArIcalBusy *b = &g_array_index(imp->busy, ArIcalBusy, i);
    char *uid = g_strdup_printf("i%u@fuzz", i);
    g_ptr_array_add(uids, uid);
    visits[i] = (ArIcalVisit){uid, b->start_us, b->end_us, NULL, FALSE};
  }
  g_autoptr(GError) error = NULL;
  g_autofree char *ics = ar_ical_export_visits(visits, n, WINDOW_START, &error);
  if (!ics) {
    fprintf(stderr, "export refused imported intervals: %s\n", error->message);
    abort(); /* imported intervals always have a start before their end */
  }
  g_autoptr(ArIcalImport) back = ar_ical_import(ics, strlen(ics), opt, &error);
  if (!back || back->busy->len != n) {
    fprintf(stderr, "re-import: %s (%u of %u)\n", back ? "count differs" : error->message,
            back ? back->busy->len : 0, n);
    abort();
  }
  for (guint i = 0; i < n; i++) {
    ArIcalBusy *a = &g_array_index(imp->busy, ArIcalBusy, i);
    ArIcalBusy *b = &g_array_index(back->busy, ArIcalBusy, i);
    /* export has whole-second resolution, as iCalendar does */
    if (a->start_us / G_USEC_PER_SEC != b->start_us / G_USEC_PER_SEC ||
        a->end_us / G_USEC_PER_SEC != b->end_us / G_USEC_PER_SEC)
      abort();
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *zones[] = {NULL, "Europe/London"};
  for (guint z = 0; z < G_N_ELEMENTS(zones); z++) {
    ArIcalImportOptions opt = {.window_start_us = WINDOW_START,
                               .window_end_us = WINDOW_END,
                               .clinic_tzid = zones[z],
                               .max_intervals = 2000};
    g_autoptr(GError) error = NULL;
    g_autoptr(ArIcalImport) imp = ar_ical_import((const char *)data, size, &opt, &error);
    if (!imp) {
      if (!error || error->domain != AR_ICAL_ERROR || !error->message[0])
        abort(); /* every refusal names its problem */
      continue;
    }
    round_trip(imp, &opt);
  }
  return 0;
}
