/* iCalendar import/export: each fixture's exact UTC intervals (Outlook Windows zones, Google
 * series with EXDATE and overridden instances, Apple floating times, FREEBUSY lists, weeks that
 * cross US and EU daylight-saving changes), the refusals, and an export that imports back. */
#include "ical_export.h"
#include "ical_import.h"

#include <glib.h>
#include <string.h>

typedef struct {
  const char *start; /* ISO 8601 UTC */
  const char *end;
} Expect;

static gint64
iso(const char *s)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(s, NULL);
  g_assert_nonnull(dt);
  return g_date_time_to_unix(dt) * G_USEC_PER_SEC;
}

static char *
fixture(const char *name, gsize *len)
{
  const char *dir = g_getenv("AR_TEST_DATA");
  g_assert_nonnull(dir);
  g_autofree char *path = g_build_filename(dir, "ics", name, NULL);
  char *data = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_get_contents(path, &data, len, &error));
  return data;
}

static ArIcalImportOptions
options(const char *zone)
{
  return (ArIcalImportOptions){.window_start_us = iso("2026-01-01T00:00:00Z"),
                               .window_end_us = iso("2027-01-01T00:00:00Z"),
                               .clinic_tzid = zone};
}

static ArIcalImport *
import_ok(const char *name, const ArIcalImportOptions *opt)
{
  gsize len;
  g_autofree char *data = fixture(name, &len);
  g_autoptr(GError) error = NULL;
  ArIcalImport *imp = ar_ical_import(data, len, opt, &error);
  g_assert_no_error(error);
  g_assert_nonnull(imp);
  return imp;
}

static void
assert_intervals(ArIcalImport *imp, const Expect *want, guint n)
{
  for (guint i = 0; i < MIN(n, imp->busy->len); i++) {
    ArIcalBusy *b = &g_array_index(imp->busy, ArIcalBusy, i);
    if (b->start_us != iso(want[i].start) || b->end_us != iso(want[i].end)) {
      g_autoptr(GDateTime) s = g_date_time_new_from_unix_utc(b->start_us / G_USEC_PER_SEC);
      g_autoptr(GDateTime) e = g_date_time_new_from_unix_utc(b->end_us / G_USEC_PER_SEC);
      g_autofree char *ss = g_date_time_format_iso8601(s);
      g_autofree char *es = g_date_time_format_iso8601(e);
      g_error("interval %u: got %s..%s, want %s..%s", i, ss, es, want[i].start, want[i].end);
    }
  }
  g_assert_cmpuint(imp->busy->len, ==, n);
}

static ArIcalBusy *
busy(ArIcalImport *imp, guint i)
{
  return &g_array_index(imp->busy, ArIcalBusy, i);
}

static void
test_outlook(void)
{
  ArIcalImportOptions opt = options("America/New_York");
  g_autoptr(ArIcalImport) imp = import_ok("outlook.ics", &opt);
  /* "Eastern Standard Time" is defined by the file's own VTIMEZONE; the weekly clinic crosses
   * the US spring change (2026-03-08): 14:00 local is 19:00Z, then 18:00Z. */
  const Expect want[] = {
      {"2026-03-03T19:00:00Z", "2026-03-03T21:00:00Z"}, /* clinic, EST */
      {"2026-03-10T13:00:00Z", "2026-03-10T14:00:00Z"}, /* admin block (folded TZID) */
      {"2026-03-10T18:00:00Z", "2026-03-10T20:00:00Z"}, /* clinic, EDT */
      {"2026-03-12T04:00:00Z", "2026-03-13T04:00:00Z"}, /* all-day, clinic zone */
      {"2026-03-17T18:00:00Z", "2026-03-17T20:00:00Z"},
  };
  assert_intervals(imp, want, G_N_ELEMENTS(want));
  g_assert_cmpuint(imp->n_skipped, ==, 1); /* TRANSP:TRANSPARENT / BUSYSTATUS:FREE lunch */
  g_assert_true(busy(imp, 3)->all_day);
  g_assert_cmpint(busy(imp, 3)->status, ==, AR_ICAL_BUSY_UNAVAILABLE); /* OOF */
  g_assert_true(imp->used_clinic_zone);
  g_assert_cmpuint(imp->overlaps->len, ==, 0);
  /* the folded UID is joined back */
  g_assert_cmpstr(busy(imp, 1)->uid, ==,
                  "040000008200E00074C5B7101A82E00800000000A0F3B2C1D4E5D90100000000000000001000"
                  "000051F2A3B4C5D6E7F8091A2B3C4D5E6F70");
  /* no summary text kept, only an opaque hash that differs between summaries */
  g_assert_cmpuint(busy(imp, 1)->summary_hash, !=, 0);
  g_assert_cmpuint(busy(imp, 1)->summary_hash, !=, busy(imp, 0)->summary_hash);
}

static void
test_google(void)
{
  ArIcalImportOptions opt = options(NULL);
  g_autoptr(ArIcalImport) imp = import_ok("google.ics", &opt);
  /* Mondays 09:00 Berlin: 10-05 (CEST), 10-12 EXDATE, 10-19 cancelled instance, 10-26 (CET,
   * after the EU change on 10-25), 11-02 moved to 11:00. */
  const Expect want[] = {
      {"2026-10-05T07:00:00Z", "2026-10-05T08:00:00Z"},
      {"2026-10-07T13:00:00Z", "2026-10-07T14:00:00Z"},
      {"2026-10-26T08:00:00Z", "2026-10-26T09:00:00Z"},
      {"2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z"},
  };
  assert_intervals(imp, want, G_N_ELEMENTS(want));
  g_assert_cmpint(busy(imp, 1)->status, ==, AR_ICAL_BUSY_TENTATIVE);
  g_assert_cmpint(busy(imp, 3)->recurrence_id_us, ==, iso("2026-11-02T08:00:00Z"));
  g_assert_cmpint(busy(imp, 0)->recurrence_id_us, ==, 0);
  g_assert_cmpstr(busy(imp, 0)->uid, ==, "5q2n8c1v7k0e4r6t9m3b1x8z2a@google.com");
  g_assert_cmpuint(imp->n_skipped, ==, 1);
  g_assert_false(imp->used_clinic_zone);

  /* the window clips the series */
  ArIcalImportOptions narrow = options(NULL);
  narrow.window_start_us = iso("2026-10-20T00:00:00Z");
  narrow.window_end_us = iso("2026-10-30T00:00:00Z");
  g_autoptr(ArIcalImport) clipped = import_ok("google.ics", &narrow);
  const Expect one[] = {{"2026-10-26T08:00:00Z", "2026-10-26T09:00:00Z"}};
  assert_intervals(clipped, one, 1);
}

static void
test_apple_floating(void)
{
  ArIcalImportOptions opt = options("Europe/London");
  g_autoptr(ArIcalImport) imp = import_ok("apple.ics", &opt);
  const Expect want[] = {
      {"2026-04-15T09:00:00Z", "2026-04-15T09:30:00Z"}, /* 10:00 floating -> London BST */
      {"2026-04-15T23:00:00Z", "2026-04-17T23:00:00Z"}, /* 16th-17th all day, London */
  };
  assert_intervals(imp, want, G_N_ELEMENTS(want));
  g_assert_true(busy(imp, 0)->floating);
  g_assert_false(busy(imp, 1)->floating);
  g_assert_true(busy(imp, 1)->all_day);
  g_assert_true(imp->used_clinic_zone);

  /* the clinic zone decides: the same file read for a New York clinic */
  ArIcalImportOptions ny = options("America/New_York");
  g_autoptr(ArIcalImport) imp2 = import_ok("apple.ics", &ny);
  g_assert_cmpint(busy(imp2, 0)->start_us, ==, iso("2026-04-15T14:00:00Z"));

  /* without a clinic zone the import refuses instead of guessing */
  ArIcalImportOptions none = options(NULL);
  gsize len;
  g_autofree char *data = fixture("apple.ics", &len);
  g_autoptr(GError) error = NULL;
  g_assert_null(ar_ical_import(data, len, &none, &error));
  g_assert_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_FLOATING);
  g_assert_nonnull(strstr(error->message, "6F3C1E2A-9B7D-4C51-8E0F-2A4B6C8D0E1F"));
}

static void
test_freebusy(void)
{
  ArIcalImportOptions opt = options(NULL);
  g_autoptr(ArIcalImport) imp = import_ok("freebusy.ics", &opt);
  const Expect want[] = {
      {"2026-10-06T08:00:00Z", "2026-10-06T09:00:00Z"},
      {"2026-10-06T09:30:00Z", "2026-10-06T10:00:00Z"}, /* second period on the same line */
      {"2026-10-06T13:00:00Z", "2026-10-06T14:00:00Z"},
      {"2026-10-06T16:00:00Z", "2026-10-06T17:00:00Z"},
  };
  assert_intervals(imp, want, G_N_ELEMENTS(want));
  g_assert_cmpint(busy(imp, 0)->status, ==, AR_ICAL_BUSY);
  g_assert_cmpint(busy(imp, 2)->status, ==, AR_ICAL_BUSY_TENTATIVE);
  g_assert_cmpint(busy(imp, 3)->status, ==, AR_ICAL_BUSY_UNAVAILABLE);
  g_assert_null(busy(imp, 0)->uid);
  g_assert_cmpuint(imp->n_skipped, ==, 1); /* FBTYPE=FREE */
}

static void
test_dst_us(void)
{
  ArIcalImportOptions opt = options(NULL);
  g_autoptr(ArIcalImport) imp = import_ok("dst-us.ics", &opt);
  /* 09:00 New York every day: EDT (-4) until 2026-11-01 02:00, then EST (-5) */
  const Expect want[] = {
      {"2026-10-29T13:00:00Z", "2026-10-29T13:30:00Z"},
      {"2026-10-30T13:00:00Z", "2026-10-30T13:30:00Z"},
      {"2026-10-31T13:00:00Z", "2026-10-31T13:30:00Z"},
      {"2026-11-01T14:00:00Z", "2026-11-01T14:30:00Z"},
      {"2026-11-02T14:00:00Z", "2026-11-02T14:30:00Z"},
      {"2026-11-03T14:00:00Z", "2026-11-03T14:30:00Z"},
      {"2026-11-04T14:00:00Z", "2026-11-04T14:30:00Z"},
  };
  assert_intervals(imp, want, G_N_ELEMENTS(want));
}

static void
test_dst_eu(void)
{
  ArIcalImportOptions opt = options(NULL);
  g_autoptr(ArIcalImport) imp = import_ok("dst-eu.ics", &opt);
  /* 08:30 Paris every day: CEST (+2) until 2026-10-25 03:00, then CET (+1) */
  const Expect want[] = {
      {"2026-10-22T06:30:00Z", "2026-10-22T07:00:00Z"},
      {"2026-10-23T06:30:00Z", "2026-10-23T07:00:00Z"},
      {"2026-10-24T06:30:00Z", "2026-10-24T07:00:00Z"},
      {"2026-10-25T07:30:00Z", "2026-10-25T08:00:00Z"},
      {"2026-10-26T07:30:00Z", "2026-10-26T08:00:00Z"},
      {"2026-10-27T07:30:00Z", "2026-10-27T08:00:00Z"},
      {"2026-10-28T07:30:00Z", "2026-10-28T08:00:00Z"},
  };
  assert_intervals(imp, want, G_N_ELEMENTS(want));
}

static void
test_overlap(void)
{
  ArIcalImportOptions opt = options(NULL);
  g_autoptr(ArIcalImport) imp = import_ok("capacity-overlap.ics", &opt);
  g_assert_cmpuint(imp->busy->len, ==, 3);
  g_assert_cmpuint(imp->overlaps->len, ==, 1); /* reported for busy blocks, not an error */
  ArIcalOverlap *o = &g_array_index(imp->overlaps, ArIcalOverlap, 0);
  g_assert_cmpstr(busy(imp, o->first)->uid, ==, "slot-1@clinic.example");
  g_assert_cmpstr(busy(imp, o->second)->uid, ==, "slot-2@clinic.example");

  opt.as_capacity = TRUE;
  gsize len;
  g_autofree char *data = fixture("capacity-overlap.ics", &len);
  g_autoptr(GError) error = NULL;
  g_assert_null(ar_ical_import(data, len, &opt, &error));
  g_assert_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_OVERLAP);
  g_assert_nonnull(strstr(error->message, "slot-1@clinic.example"));
  g_assert_nonnull(strstr(error->message, "slot-2@clinic.example"));
}

static void
expect_error(const char *name, const char *zone, gint code, const char *const *needles)
{
  ArIcalImportOptions opt = options(zone);
  gsize len;
  g_autofree char *data = fixture(name, &len);
  g_autoptr(GError) error = NULL;
  ArIcalImport *imp = ar_ical_import(data, len, &opt, &error);
  g_assert_null(imp);
  g_assert_error(error, AR_ICAL_ERROR, code);
  g_test_message("%s: %s", name, error->message);
  for (guint i = 0; needles[i]; i++) {
    if (!strstr(error->message, needles[i]))
      g_error("%s: message \"%s\" does not name \"%s\"", name, error->message, needles[i]);
  }
}

static void
test_broken(void)
{
  expect_error("broken-truncated.ics", NULL, AR_ICAL_ERROR_SYNTAX,
               (const char *const[]){"truncated", "VEVENT", "line 47", "line 42", NULL});
  expect_error("broken-no-end.ics", NULL, AR_ICAL_ERROR_SYNTAX,
               (const char *const[]){"no END:VCALENDAR", "line 1", NULL});
  /* libical alone would read this as local time; we refuse and name line, UID and TZID */
  expect_error(
      "broken-unknown-tzid.ics", NULL, AR_ICAL_ERROR_UNKNOWN_TZID,
      (const char *const[]){"line 7", "unknown-tz@clinic.example", "Clinic Local Time", NULL});
  expect_error("broken-bad-date.ics", NULL, AR_ICAL_ERROR_BAD_DATE,
               (const char *const[]){"bad-date@clinic.example", "line 7", "DTSTART", NULL});

  const char *not_ics = "hello\r\nworld\r\n";
  g_autoptr(GError) error = NULL;
  ArIcalImportOptions opt = options(NULL);
  g_assert_null(ar_ical_import(not_ics, strlen(not_ics), &opt, &error));
  g_assert_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX);
  g_clear_error(&error);
  const char *mismatch = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VTODO\nEND:VCALENDAR\n";
  g_assert_null(ar_ical_import(mismatch, strlen(mismatch), &opt, &error));
  g_assert_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX);
  g_assert_nonnull(strstr(error->message, "line 3"));
  g_clear_error(&error);
  ArIcalImportOptions bad_zone = options("Mars/Olympus_Mons");
  gsize len;
  g_autofree char *data = fixture("apple.ics", &len);
  g_assert_null(ar_ical_import(data, len, &bad_zone, &error));
  g_assert_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_UNKNOWN_TZID);
  g_clear_error(&error);
  /* an RRULE that would flood the store */
  const char *flood = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:flood\r\n"
                      "DTSTART:20260101T000000Z\r\nDTEND:20260101T000001Z\r\n"
                      "RRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  g_assert_null(ar_ical_import(flood, strlen(flood), &opt, &error));
  g_assert_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_TOO_LARGE);
}

static void
test_export_round_trip(void)
{
  g_autofree char *long_url =
      g_strdup_printf("https://clinic.example/console/visits/%s", "0123456789abcdef0123456789abcdef"
                                                                  "0123456789abcdef");
  const ArIcalVisit visits[] = {
      {"visit-17@clinic.example", iso("2026-10-06T08:00:00Z"), iso("2026-10-06T08:20:00Z"),
       long_url, FALSE},
      {"visit-18@clinic.example", iso("2026-10-06T08:20:00Z"), iso("2026-10-06T08:40:00Z"), NULL,
       TRUE},
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *ics =
      ar_ical_export_visits(visits, G_N_ELEMENTS(visits), iso("2026-10-01T00:00:00Z"), &error);
  g_assert_no_error(error);
  g_assert_nonnull(strstr(ics, "BEGIN:VCALENDAR\r\n"));
  g_assert_nonnull(strstr(ics, "SUMMARY:Video visit\r\n"));
  g_assert_nonnull(strstr(ics, "DTSTART:20261006T080000Z\r\n"));
  g_assert_nonnull(strstr(ics, "DTEND:20261006T082000Z\r\n"));
  g_assert_nonnull(strstr(ics, "STATUS:CANCELLED\r\n"));
  /* lines are folded at 75 octets */
  g_auto(GStrv) lines = g_strsplit(ics, "\r\n", 0);
  for (guint i = 0; lines[i]; i++)
    g_assert_cmpuint(strlen(lines[i]), <=, 75);

  ArIcalImportOptions opt = options(NULL);
  g_autoptr(ArIcalImport) imp = ar_ical_import(ics, strlen(ics), &opt, &error);
  g_assert_no_error(error);
  const Expect want[] = {{"2026-10-06T08:00:00Z", "2026-10-06T08:20:00Z"}};
  assert_intervals(imp, want, 1); /* the cancelled visit blocks nothing */
  g_assert_cmpstr(busy(imp, 0)->uid, ==, "visit-17@clinic.example");

  const ArIcalVisit bad = {"v@x", iso("2026-10-06T08:00:00Z"), iso("2026-10-06T08:00:00Z"), NULL,
                           FALSE};
  g_autofree char *none = ar_ical_export_visits(&bad, 1, 0, &error);
  g_assert_null(none);
  g_assert_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ical/outlook", test_outlook);
  g_test_add_func("/ical/google", test_google);
  g_test_add_func("/ical/apple-floating", test_apple_floating);
  g_test_add_func("/ical/freebusy", test_freebusy);
  g_test_add_func("/ical/dst-us", test_dst_us);
  g_test_add_func("/ical/dst-eu", test_dst_eu);
  g_test_add_func("/ical/overlap", test_overlap);
  g_test_add_func("/ical/broken", test_broken);
  g_test_add_func("/ical/export-round-trip", test_export_round_trip);
  return g_test_run();
}
