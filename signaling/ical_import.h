/* iCalendar import: turns a clinician's exported calendar (Outlook, Google, Apple, FREEBUSY)
 * into busy intervals in UTC, refusing what would silently shift times (unknown TZID, floating
 * times without a clinic zone). The scheduler calls it when a clinician uploads or syncs a
 * calendar; nothing is stored unless the whole file imports cleanly. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AR_ICAL_ERROR (ar_ical_error_quark())
GQuark ar_ical_error_quark(void);

typedef enum {
  AR_ICAL_ERROR_SYNTAX,       /* not iCalendar, truncated, unbalanced BEGIN/END */
  AR_ICAL_ERROR_UNKNOWN_TZID, /* TZID with no VTIMEZONE in the file and no IANA zone */
  AR_ICAL_ERROR_BAD_DATE,     /* unparseable date, end before start, missing DTSTART */
  AR_ICAL_ERROR_FLOATING,     /* floating time or all-day date and no clinic zone given */
  AR_ICAL_ERROR_OVERLAP,      /* overlapping intervals where they are published capacity */
  AR_ICAL_ERROR_TOO_LARGE,    /* input or expansion over the limits */
} ArIcalError;

typedef enum {
  AR_ICAL_BUSY,             /* VEVENT confirmed (or no STATUS), FREEBUSY BUSY */
  AR_ICAL_BUSY_TENTATIVE,   /* VEVENT STATUS:TENTATIVE, FREEBUSY BUSY-TENTATIVE */
  AR_ICAL_BUSY_UNAVAILABLE, /* FREEBUSY BUSY-UNAVAILABLE */
} ArIcalBusyStatus;

typedef struct {
  gint64 start_us; /* UTC microseconds since the epoch */
  gint64 end_us;
  char *uid;               /* NULL for FREEBUSY periods */
  gint64 recurrence_id_us; /* original start of this instance of a series (UTC), 0 = none */
  ArIcalBusyStatus status;
  guint64 summary_hash; /* opaque (keyed) hash of SUMMARY, 0 without one: no text kept */
  gboolean all_day;
  gboolean floating; /* times had no zone and took the clinic zone */
} ArIcalBusy;

typedef struct {
  guint first; /* indexes into busy */
  guint second;
} ArIcalOverlap;

typedef struct {
  GArray *busy;              /* ArIcalBusy sorted by start, then end */
  GArray *overlaps;          /* ArIcalOverlap: reported, not an error for busy blocks */
  gboolean used_clinic_zone; /* some floating or all-day times took options.clinic_tzid */
  guint n_skipped;           /* cancelled, transparent or FREE items that block nothing */
} ArIcalImport;

typedef struct {
  gint64 window_start_us; /* recurrences are expanded over [start, end) */
  gint64 window_end_us;
  const char *clinic_tzid; /* IANA zone for floating times and all-day dates; NULL refuses them */
  gboolean as_capacity;    /* the intervals are published slots: overlaps are an error */
  const guint8 *hash_key;  /* key for summary_hash (HMAC-SHA256); NULL = unkeyed SHA-256 */
  gsize hash_key_len;
  guint max_intervals; /* 0 = 20000 */
} ArIcalImportOptions;

/* data need not be NUL-terminated. On error nothing is returned (no partial result) and the
 * message names the problem: line, UID, TZID or value. */
ArIcalImport *ar_ical_import(const char *data, gsize len, const ArIcalImportOptions *options,
                             GError **error);
void ar_ical_import_free(ArIcalImport *import);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArIcalImport, ar_ical_import_free)

G_END_DECLS
