/* iCalendar export: a clinician's video visits as a VCALENDAR feed (.ics) their own calendar
 * can subscribe to. Times in UTC, a generic summary and the visit URL only: no patient name or
 * reason ever leaves in a feed. Called by the HTTP layer for /clinicians/<id>/visits.ics. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *uid; /* stable, opaque (e.g. "visit-<id>@host"); required */
  gint64 start_us; /* UTC microseconds since the epoch */
  gint64 end_us;
  const char *url; /* link to the visit (clinician console), may be NULL */
  gboolean cancelled;
} ArIcalVisit;

/* The feed as CRLF text with folded lines. now_us stamps DTSTAMP. NULL with AR_ICAL_ERROR
 * (AR_ICAL_ERROR_BAD_DATE) if a visit has no UID, or its end is not after its start. */
char *ar_ical_export_visits(const ArIcalVisit *visits, guint n_visits, gint64 now_us,
                            GError **error);

G_END_DECLS
