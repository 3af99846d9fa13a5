/* iCalendar export through libical, which writes CRLF, escapes text and folds at 75 octets. */
#include "ical_export.h"

#include "ical_import.h" /* AR_ICAL_ERROR */

#include <libical/ical.h>

#define VISIT_SUMMARY "Video visit"

static struct icaltimetype
utc_time(gint64 us)
{
  return icaltime_from_timet_with_zone((time_t)(us / G_USEC_PER_SEC), 0,
                                       icaltimezone_get_utc_timezone());
}

char *
ar_ical_export_visits(const ArIcalVisit *visits, guint n, gint64 now_us, GError **error)
{
  for (guint i = 0; i < n; i++) {
    if (!visits[i].uid || !*visits[i].uid || visits[i].end_us <= visits[i].start_us) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE,
                  "visit %u (UID %s): needs a UID and an end after its start", i,
                  visits[i].uid ? visits[i].uid : "-");
      return NULL;
    }
  }
  icalcomponent *cal = icalcomponent_vanew(
      ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
      icalproperty_new_prodid("-//anteroom//visits//EN"), icalproperty_new_calscale("GREGORIAN"),
      icalproperty_new_method(ICAL_METHOD_PUBLISH), (void *)0);
  for (guint i = 0; i < n; i++) {
    const ArIcalVisit *v = &visits[i];
    icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(ev, icalproperty_new_uid(v->uid));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(now_us)));
    icalcomponent_add_property(ev, icalproperty_new_dtstart(utc_time(v->start_us)));
    icalcomponent_add_property(ev, icalproperty_new_dtend(utc_time(v->end_us)));
    icalcomponent_add_property(ev, icalproperty_new_summary(VISIT_SUMMARY));
    icalcomponent_add_property(
        ev, icalproperty_new_status(v->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
    if (v->url && *v->url)
      icalcomponent_add_property(ev, icalproperty_new_url(v->url));
    icalcomponent_add_component(cal, ev);
  }
  char *ics = icalcomponent_as_ical_string_r(cal);
  icalcomponent_free(cal);
  /* libical allocates with malloc; hand back GLib-owned memory. */
  char *out = g_strdup(ics);
  free(ics);
  return out;
}
