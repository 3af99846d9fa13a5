/* iCalendar import over libical: a line-level check first (balanced BEGIN/END, no truncation,
 * line numbers for messages), then libical's parse, then our own time-zone resolution, because
 * libical silently treats an unknown TZID as floating local time (notes/calendars.md). */
#include "ical_import.h"

#include <libical/ical.h>
#include <string.h>

#define MAX_INPUT_BYTES (8 * 1024 * 1024)
#define MAX_RRULE_STEPS 200000
#define DEFAULT_MAX_INTERVALS 20000

GQuark
ar_ical_error_quark(void)
{
  return g_quark_from_static_string("ar-ical-error-quark");
}

typedef struct {
  char *text; /* unfolded */
  guint line; /* physical line where it starts, 1-based */
} Line;

typedef struct {
  const ArIcalImportOptions *opt;
  GArray *lines; /* Line */
  icalcomponent *cal;
  icaltimezone *clinic_zone;
  GHashTable *overrides; /* uid -> GArray of gint64 recurrence ids (UTC) */
  ArIcalImport *out;
  guint max_intervals;
} Ctx;

static void
line_clear(gpointer data)
{
  g_free(((Line *)data)->text);
}

/* Splits on LF (CR before it dropped) and joins folded continuation lines (RFC 5545 3.1). */
static GArray *
unfold(const char *data, gsize len)
{
  GArray *lines = g_array_new(FALSE, FALSE, sizeof(Line));
  g_array_set_clear_func(lines, line_clear);
  GString *cur = NULL;
  guint cur_line = 0, physical = 0;
  gsize pos = 0;
  while (pos < len) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    gsize end = nl ? (gsize)(nl - data) : len;
    gsize stop = end;
    if (stop > pos && data[stop - 1] == '\r')
      stop--;
    physical++;
    const char *s = data + pos;
    gsize n = stop - pos;
    if (n > 0 && (s[0] == ' ' || s[0] == '\t') && cur) {
      g_string_append_len(cur, s + 1, n - 1);
    } else {
      if (cur) {
        Line l = {g_string_free(cur, FALSE), cur_line};
        g_array_append_val(lines, l);
      }
      cur = g_string_new_len(s, n);
      cur_line = physical;
    }
    pos = end + 1;
  }
  if (cur) {
    Line l = {g_string_free(cur, FALSE), cur_line};
    g_array_append_val(lines, l);
  }
  return lines;
}

static gboolean
starts_with_ci(const char *s, const char *prefix)
{
  return g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Balanced BEGIN/END, one VCALENDAR, every content line has a ':' -- with line numbers, which
 * libical's parser cannot give. */
static gboolean
check_structure(GArray *lines, GError **error)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new();
  g_autoptr(GArray) opened_at = g_array_new(FALSE, FALSE, sizeof(guint));
  gboolean seen_calendar = FALSE, closed = FALSE;
  for (guint i = 0; i < lines->len; i++) {
    Line *l = &g_array_index(lines, Line, i);
    const char *t = l->text;
    if (*t == '\0' || (i == 0 && g_str_has_prefix(t, "\xEF\xBB\xBF") && t[3] == '\0'))
      continue;
    if (i == 0 && g_str_has_prefix(t, "\xEF\xBB\xBF"))
      t += 3; /* UTF-8 byte order mark, as some Windows tools write */
    if (closed) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX,
                  "line %u: content after END:VCALENDAR", l->line);
      return FALSE;
    }
    if (!seen_calendar && g_ascii_strcasecmp(t, "BEGIN:VCALENDAR") != 0) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX,
                  "line %u: not an iCalendar file (expected BEGIN:VCALENDAR)", l->line);
      return FALSE;
    }
    if (!strchr(t, ':')) {
      if (i + 1 == lines->len && stack->len > 0)
        g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX,
                    "line %u: input ends mid-line inside BEGIN:%s opened at line %u (truncated "
                    "file? no END:VCALENDAR)",
                    l->line, (const char *)g_ptr_array_index(stack, stack->len - 1),
                    g_array_index(opened_at, guint, opened_at->len - 1));
      else
        g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX, "line %u: content line without ':'",
                    l->line);
      return FALSE;
    }
    if (starts_with_ci(t, "BEGIN:")) {
      seen_calendar = TRUE;
      if (stack->len >= 16) {
        g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX,
                    "line %u: components nested too deep", l->line);
        return FALSE;
      }
      g_ptr_array_add(stack, (gpointer)(t + 6));
      g_array_append_val(opened_at, l->line);
    } else if (starts_with_ci(t, "END:")) {
      if (stack->len == 0) {
        g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX,
                    "line %u: %s without a matching BEGIN", l->line, t);
        return FALSE;
      }
      const char *open = g_ptr_array_index(stack, stack->len - 1);
      if (g_ascii_strcasecmp(open, t + 4) != 0) {
        g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX,
                    "line %u: END:%s closes BEGIN:%s opened at line %u", l->line, t + 4, open,
                    g_array_index(opened_at, guint, opened_at->len - 1));
        return FALSE;
      }
      g_ptr_array_remove_index(stack, stack->len - 1);
      g_array_remove_index(opened_at, opened_at->len - 1);
      if (stack->len == 0)
        closed = TRUE;
    }
  }
  if (!seen_calendar) {
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX, "empty input: no BEGIN:VCALENDAR");
    return FALSE;
  }
  if (stack->len > 0) {
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX,
                "input ends inside BEGIN:%s opened at line %u (truncated file? no END:VCALENDAR)",
                (const char *)g_ptr_array_index(stack, stack->len - 1),
                g_array_index(opened_at, guint, opened_at->len - 1));
    return FALSE;
  }
  return TRUE;
}

/* First line whose text contains needle, for messages; 0 if none. */
static guint
find_line(Ctx *cx, const char *needle)
{
  for (guint i = 0; i < cx->lines->len; i++) {
    Line *l = &g_array_index(cx->lines, Line, i);
    if (strstr(l->text, needle))
      return l->line;
  }
  return 0;
}

static const char *
uid_of(icalcomponent *c)
{
  const char *uid = icalcomponent_get_uid(c);
  return uid && *uid ? uid : "(no UID)";
}

/* Properties whose loss would change which times are busy. */
static const char *const timing_props[] = {"DTSTART", "DTEND", "DURATION",      "RRULE",
                                           "EXDATE",  "RDATE", "RECURRENCE-ID", "FREEBUSY",
                                           "STATUS",  "TRANSP"};

/* libical records what it could not parse as X-LIC-ERROR properties and drops the value. An
 * empty LOCATION or DESCRIPTION (Outlook and Google write them) is harmless; a dropped time
 * property would silently change the calendar, so that fails the import. */
static gboolean
check_parse_errors(Ctx *cx, icalcomponent *c, GError **error)
{
  for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
    const char *what = icalproperty_get_xlicerror(p);
    if (!what)
      continue;
    gboolean matters = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(timing_props) && !matters; i++) {
      g_autofree char *word = g_strdup_printf(" %s ", timing_props[i]);
      g_autofree char *word2 = g_strdup_printf("%s:", timing_props[i]);
      matters = strstr(what, word) || strstr(what, word2);
    }
    if (!matters)
      continue;
    /* The message ends with the offending line's text; point at it when we can. */
    const char *colon = strchr(what, ':');
    g_autofree char *tail = g_strstrip(g_strdup(colon ? colon + 1 : ""));
    guint line = *tail ? find_line(cx, tail) : 0;
    if (line)
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE, "line %u (UID %s): %s", line,
                  uid_of(c), what);
    else
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE, "UID %s: %s", uid_of(c), what);
    return FALSE;
  }
  for (icalcomponent *sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); sub;
       sub = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
    if (!check_parse_errors(cx, sub, error))
      return FALSE;
  }
  return TRUE;
}

typedef struct {
  icaltimezone *zone;
  gboolean floating;
  gboolean is_date;
} Zone;

/* Which zone a DATE-TIME/DATE property is in: the file's VTIMEZONE, then a known IANA zone, and
 * never libical's silent "local" fallback. */
static gboolean
resolve_zone(Ctx *cx, icalcomponent *c, icalproperty *p, struct icaltimetype t, Zone *z,
             GError **error)
{
  memset(z, 0, sizeof(*z));
  z->is_date = t.is_date;
  icalparameter *param = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
  const char *tzid = param ? icalparameter_get_tzid(param) : NULL;
  if (t.is_date || (!tzid && !icaltime_is_utc(t))) {
    if (!cx->clinic_zone) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_FLOATING,
                  "UID %s: %s has %s and no clinic time zone was given to apply", uid_of(c),
                  icalproperty_kind_to_string(icalproperty_isa(p)),
                  t.is_date ? "an all-day date" : "a floating time (no TZID, no Z)");
      return FALSE;
    }
    z->zone = cx->clinic_zone;
    z->floating = !t.is_date;
    return TRUE;
  }
  if (!tzid) {
    z->zone = icaltimezone_get_utc_timezone();
    return TRUE;
  }
  z->zone = icalcomponent_get_timezone(cx->cal, tzid);
  if (!z->zone)
    z->zone = icaltimezone_get_builtin_timezone(tzid);
  if (!z->zone) {
    g_autofree char *needle = g_strdup_printf("TZID=%s", tzid);
    g_autofree char *quoted = g_strdup_printf("TZID=\"%s\"", tzid);
    guint line = find_line(cx, needle);
    if (!line)
      line = find_line(cx, quoted);
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_UNKNOWN_TZID,
                "line %u (UID %s): TZID \"%s\" has no VTIMEZONE in the file and is not a known "
                "IANA zone; refusing to guess (times would shift by hours)",
                line, uid_of(c), tzid);
    return FALSE;
  }
  return TRUE;
}

static gint64
to_us(struct icaltimetype t, icaltimezone *zone)
{
  if (t.is_date) {
    t.is_date = 0;
    t.hour = t.minute = t.second = 0;
  }
  t.zone = NULL;
  return (gint64)icaltime_as_timet_with_zone(t, zone) * G_USEC_PER_SEC;
}

static gboolean
valid_time(struct icaltimetype t)
{
  if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
    return FALSE;
  if (t.year < 1900 || t.year > 2200 || t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > icaltime_days_in_month(t.month, t.year))
    return FALSE;
  return t.is_date || (t.hour < 24 && t.minute < 60 && t.second < 61);
}

static guint64
summary_hash(Ctx *cx, const char *summary)
{
  if (!summary || !*summary)
    return 0;
  guint8 digest[32];
  gsize dlen = sizeof(digest);
  if (cx->opt->hash_key && cx->opt->hash_key_len) {
    g_autoptr(GHmac) h = g_hmac_new(G_CHECKSUM_SHA256, cx->opt->hash_key, cx->opt->hash_key_len);
    g_hmac_update(h, (const guchar *)summary, -1);
    g_hmac_get_digest(h, digest, &dlen);
  } else {
    g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(c, (const guchar *)summary, -1);
    g_checksum_get_digest(c, digest, &dlen);
  }
  guint64 v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | digest[i];
  return v ? v : 1;
}

static gboolean
add_busy(Ctx *cx, const ArIcalBusy *b, GError **error)
{
  if (b->end_us <= cx->opt->window_start_us || b->start_us >= cx->opt->window_end_us)
    return TRUE;
  if (cx->out->busy->len >= cx->max_intervals) {
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_TOO_LARGE,
                "more than %u busy intervals in the window (UID %s)", cx->max_intervals,
                b->uid ? b->uid : "-");
    return FALSE;
  }
  ArIcalBusy copy = *b;
  copy.uid = g_strdup(b->uid);
  g_array_append_val(cx->out->busy, copy);
  if (b->floating || b->all_day)
    cx->out->used_clinic_zone = TRUE;
  return TRUE;
}

static ArIcalBusyStatus
event_status(icalcomponent *ev, gboolean *blocks)
{
  *blocks = TRUE;
  icalproperty *tp = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY);
  if (tp && icalproperty_get_transp(tp) == ICAL_TRANSP_TRANSPARENT)
    *blocks = FALSE;
  ArIcalBusyStatus st = AR_ICAL_BUSY;
  if (icalcomponent_get_status(ev) == ICAL_STATUS_TENTATIVE)
    st = AR_ICAL_BUSY_TENTATIVE;
  /* Outlook's own busy status is what the clinician chose ("Show as"). */
  for (icalproperty *x = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY); x;
       x = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
    const char *name = icalproperty_get_x_name(x);
    const char *val = icalproperty_get_x(x);
    if (!name || !val || g_ascii_strcasecmp(name, "X-MICROSOFT-CDO-BUSYSTATUS") != 0)
      continue;
    if (g_ascii_strcasecmp(val, "FREE") == 0)
      *blocks = FALSE;
    else if (g_ascii_strcasecmp(val, "TENTATIVE") == 0)
      st = AR_ICAL_BUSY_TENTATIVE;
    else if (g_ascii_strcasecmp(val, "OOF") == 0)
      st = AR_ICAL_BUSY_UNAVAILABLE;
  }
  return st;
}

/* Start, zone and length of a VEVENT. Length is in days for all-day events. */
typedef struct {
  struct icaltimetype start;
  Zone zone;
  gint64 start_us;
  gint64 length_us; /* timed events */
  int days;         /* all-day events */
} Span;

static gboolean
event_span(Ctx *cx, icalcomponent *ev, Span *sp, GError **error)
{
  icalproperty *ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
  if (!ps) {
    guint line = find_line(cx, uid_of(ev));
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE,
                "line %u (UID %s): VEVENT without a valid DTSTART", line, uid_of(ev));
    return FALSE;
  }
  sp->start = icalproperty_get_dtstart(ps);
  if (!valid_time(sp->start)) {
    const char *v = icaltime_as_ical_string(sp->start);
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE,
                "line %u (UID %s): invalid DTSTART \"%s\"", find_line(cx, v), uid_of(ev), v);
    return FALSE;
  }
  if (!resolve_zone(cx, ev, ps, sp->start, &sp->zone, error))
    return FALSE;
  sp->start_us = to_us(sp->start, sp->zone.zone);
  sp->length_us = 0;
  sp->days = sp->start.is_date ? 1 : 0;
  icalproperty *pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
  icalproperty *pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
  if (pe) {
    struct icaltimetype end = icalproperty_get_dtend(pe);
    Zone ez;
    if (!valid_time(end) || end.is_date != sp->start.is_date) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE,
                  "UID %s: invalid DTEND \"%s\" (or DATE mixed with DATE-TIME)", uid_of(ev),
                  icaltime_as_ical_string(end));
      return FALSE;
    }
    if (!resolve_zone(cx, ev, pe, end, &ez, error))
      return FALSE;
    gint64 end_us = to_us(end, ez.zone);
    if (end_us < sp->start_us) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE,
                  "UID %s: DTEND %s is before DTSTART %s", uid_of(ev), icaltime_as_ical_string(end),
                  icaltime_as_ical_string(sp->start));
      return FALSE;
    }
    /* An all-day DTEND equal to DTSTART (some exporters write it for one-day events) is
     * read as that one day. */
    if (sp->start.is_date)
      sp->days = MAX(1, (int)((end_us - sp->start_us + (gint64)12 * 3600 * G_USEC_PER_SEC) /
                              ((gint64)24 * 3600 * G_USEC_PER_SEC)));
    else
      sp->length_us = end_us - sp->start_us;
  } else if (pd) {
    struct icaldurationtype d = icalproperty_get_duration(pd);
    int secs = icaldurationtype_as_int(d);
    if (secs < 0) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE, "UID %s: negative DURATION",
                  uid_of(ev));
      return FALSE;
    }
    if (sp->start.is_date)
      sp->days = MAX(1, secs / (24 * 3600));
    else
      sp->length_us = (gint64)secs * G_USEC_PER_SEC;
  }
  return TRUE;
}

/* End of one occurrence starting at local time `occ`: all-day ends at local midnight N days
 * later (23 or 25 hours on a DST day), timed events keep their length. */
static gint64
occurrence_end(const Span *sp, struct icaltimetype occ, gint64 occ_us)
{
  if (!sp->start.is_date)
    return occ_us + sp->length_us;
  icaltime_adjust(&occ, sp->days, 0, 0, 0);
  return to_us(occ, sp->zone.zone);
}

static gboolean
contains_us(GArray *a, gint64 v)
{
  for (guint i = 0; a && i < a->len; i++)
    if (g_array_index(a, gint64, i) == v)
      return TRUE;
  return FALSE;
}

static gboolean
collect_times(Ctx *cx, icalcomponent *ev, icalproperty_kind kind, GArray *out, GError **error)
{
  for (icalproperty *p = icalcomponent_get_first_property(ev, kind); p;
       p = icalcomponent_get_next_property(ev, kind)) {
    struct icaltimetype t =
        kind == ICAL_EXDATE_PROPERTY ? icalproperty_get_exdate(p) : icalproperty_get_rdate(p).time;
    if (icaltime_is_null_time(t))
      continue; /* RDATE as PERIOD: not used by the exporters we read */
    if (!valid_time(t)) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE, "UID %s: invalid %s \"%s\"",
                  uid_of(ev), icalproperty_kind_to_string(kind), icaltime_as_ical_string(t));
      return FALSE;
    }
    Zone z;
    if (!resolve_zone(cx, ev, p, t, &z, error))
      return FALSE;
    gint64 us = to_us(t, z.zone);
    g_array_append_val(out, us);
  }
  return TRUE;
}

static gboolean
import_event(Ctx *cx, icalcomponent *ev, GError **error)
{
  gboolean blocks;
  ArIcalBusyStatus status = event_status(ev, &blocks);
  icalproperty *rid = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
  gboolean cancelled = icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED;
  Span sp;
  if (!event_span(cx, ev, &sp, error))
    return FALSE;
  if (cancelled || !blocks) {
    cx->out->n_skipped++;
    return TRUE;
  }
  ArIcalBusy b = {.uid = (char *)icalcomponent_get_uid(ev),
                  .status = status,
                  .summary_hash = summary_hash(cx, icalcomponent_get_summary(ev)),
                  .all_day = sp.start.is_date,
                  .floating = sp.zone.floating};
  if (rid) {
    struct icaltimetype r = icalproperty_get_recurrenceid(rid);
    Zone rz;
    if (!valid_time(r) || !resolve_zone(cx, ev, rid, r, &rz, error)) {
      if (error && !*error)
        g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE, "UID %s: invalid RECURRENCE-ID",
                    uid_of(ev));
      return FALSE;
    }
    b.recurrence_id_us = to_us(r, rz.zone);
  }
  icalproperty *rr = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
  if (!sp.start.is_date && sp.length_us == 0) {
    cx->out->n_skipped++; /* no DTEND or DURATION: an instant blocks nothing (RFC 5545 3.6.1) */
    return TRUE;
  }
  if (rid || !rr) {
    b.start_us = sp.start_us;
    b.end_us = occurrence_end(&sp, sp.start, sp.start_us);
    return add_busy(cx, &b, error);
  }

  g_autoptr(GArray) exdates = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GArray) rdates = g_array_new(FALSE, FALSE, sizeof(gint64));
  if (!collect_times(cx, ev, ICAL_EXDATE_PROPERTY, exdates, error) ||
      !collect_times(cx, ev, ICAL_RDATE_PROPERTY, rdates, error))
    return FALSE;
  GArray *overridden = b.uid ? g_hash_table_lookup(cx->overrides, b.uid) : NULL;
  struct icalrecurrencetype rule = icalproperty_get_rrule(rr);
  struct icaltimetype dt = sp.start;
  dt.zone = NULL;
  icalrecur_iterator *it = icalrecur_iterator_new(rule, dt);
  if (!it) {
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE,
                "line %u (UID %s): RRULE cannot be expanded", find_line(cx, "RRULE"), uid_of(ev));
    return FALSE;
  }
  gboolean ok = TRUE;
  guint steps = 0;
  for (struct icaltimetype occ = icalrecur_iterator_next(it); !icaltime_is_null_time(occ);
       occ = icalrecur_iterator_next(it)) {
    if (++steps > MAX_RRULE_STEPS) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_TOO_LARGE,
                  "UID %s: RRULE needs more than %u steps to cover the window", uid_of(ev),
                  MAX_RRULE_STEPS);
      ok = FALSE;
      break;
    }
    gint64 s = to_us(occ, sp.zone.zone);
    if (s >= cx->opt->window_end_us)
      break;
    if (contains_us(exdates, s) || contains_us(overridden, s))
      continue;
    b.start_us = s;
    b.end_us = occurrence_end(&sp, occ, s);
    if (!add_busy(cx, &b, error)) {
      ok = FALSE;
      break;
    }
  }
  icalrecur_iterator_free(it);
  for (guint i = 0; ok && i < rdates->len; i++) {
    gint64 s = g_array_index(rdates, gint64, i);
    if (contains_us(exdates, s) || contains_us(overridden, s))
      continue;
    b.start_us = s;
    b.end_us = s + (sp.start.is_date ? (gint64)sp.days * 86400 * G_USEC_PER_SEC : sp.length_us);
    ok = add_busy(cx, &b, error);
  }
  return ok;
}

/* Google exports a moved or cancelled instance as its own VEVENT with the series' UID and a
 * RECURRENCE-ID; the series must skip those instances. */
static gboolean
collect_overrides(Ctx *cx, GError **error)
{
  for (icalcomponent *ev = icalcomponent_get_first_component(cx->cal, ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(cx->cal, ICAL_VEVENT_COMPONENT)) {
    icalproperty *rid = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
    const char *uid = icalcomponent_get_uid(ev);
    if (!rid || !uid)
      continue;
    struct icaltimetype r = icalproperty_get_recurrenceid(rid);
    if (!valid_time(r)) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE, "UID %s: invalid RECURRENCE-ID",
                  uid);
      return FALSE;
    }
    Zone z;
    if (!resolve_zone(cx, ev, rid, r, &z, error))
      return FALSE;
    GArray *a = g_hash_table_lookup(cx->overrides, uid);
    if (!a) {
      a = g_array_new(FALSE, FALSE, sizeof(gint64));
      g_hash_table_insert(cx->overrides, g_strdup(uid), a);
    }
    gint64 us = to_us(r, z.zone);
    g_array_append_val(a, us);
  }
  return TRUE;
}

/* FREEBUSY values are UTC periods, possibly several separated by commas on one line. */
static gboolean
import_freebusy(Ctx *cx, icalcomponent *fb, GError **error)
{
  for (icalproperty *p = icalcomponent_get_first_property(fb, ICAL_FREEBUSY_PROPERTY); p;
       p = icalcomponent_get_next_property(fb, ICAL_FREEBUSY_PROPERTY)) {
    icalparameter *tp = icalproperty_get_first_parameter(p, ICAL_FBTYPE_PARAMETER);
    icalparameter_fbtype fbt = tp ? icalparameter_get_fbtype(tp) : ICAL_FBTYPE_BUSY;
    ArIcalBusyStatus st = AR_ICAL_BUSY;
    if (fbt == ICAL_FBTYPE_FREE) {
      cx->out->n_skipped++;
      continue;
    }
    if (fbt == ICAL_FBTYPE_BUSYTENTATIVE)
      st = AR_ICAL_BUSY_TENTATIVE;
    else if (fbt == ICAL_FBTYPE_BUSYUNAVAILABLE)
      st = AR_ICAL_BUSY_UNAVAILABLE;
    const char *value = icalproperty_get_value_as_string(p);
    g_auto(GStrv) periods = g_strsplit(value ? value : "", ",", 0);
    for (guint i = 0; periods[i]; i++) {
      struct icalperiodtype per = icalperiodtype_from_string(periods[i]);
      if (icalperiodtype_is_null_period(per) || !valid_time(per.start) ||
          !icaltime_is_utc(per.start)) {
        guint line = find_line(cx, periods[i]);
        g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE,
                    "line %u: FREEBUSY period \"%s\" is not a UTC start/end or start/duration",
                    line, periods[i]);
        return FALSE;
      }
      ArIcalBusy b = {.status = st};
      b.start_us = to_us(per.start, icaltimezone_get_utc_timezone());
      if (!icaltime_is_null_time(per.end))
        b.end_us = to_us(per.end, icaltimezone_get_utc_timezone());
      else
        b.end_us = b.start_us + (gint64)icaldurationtype_as_int(per.duration) * G_USEC_PER_SEC;
      if (b.end_us <= b.start_us) {
        g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_BAD_DATE,
                    "line %u: FREEBUSY period \"%s\" ends before it starts",
                    find_line(cx, periods[i]), periods[i]);
        return FALSE;
      }
      if (!add_busy(cx, &b, error))
        return FALSE;
    }
  }
  return TRUE;
}

static gint
cmp_busy(gconstpointer a, gconstpointer b)
{
  const ArIcalBusy *x = a, *y = b;
  if (x->start_us != y->start_us)
    return x->start_us < y->start_us ? -1 : 1;
  if (x->end_us != y->end_us)
    return x->end_us < y->end_us ? -1 : 1;
  return g_strcmp0(x->uid, y->uid);
}

static gboolean
find_overlaps(Ctx *cx, GError **error)
{
  GArray *busy = cx->out->busy;
  g_array_sort(busy, cmp_busy);
  guint latest = 0; /* index of the interval reaching furthest so far */
  for (guint i = 1; i < busy->len; i++) {
    ArIcalBusy *prev = &g_array_index(busy, ArIcalBusy, latest);
    ArIcalBusy *cur = &g_array_index(busy, ArIcalBusy, i);
    if (cur->start_us < prev->end_us) {
      if (cx->opt->as_capacity) {
        g_autoptr(GDateTime) a = g_date_time_new_from_unix_utc(prev->start_us / G_USEC_PER_SEC);
        g_autoptr(GDateTime) c = g_date_time_new_from_unix_utc(cur->start_us / G_USEC_PER_SEC);
        g_autofree char *as = g_date_time_format_iso8601(a);
        g_autofree char *cs = g_date_time_format_iso8601(c);
        g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_OVERLAP,
                    "published slots overlap: UID %s at %s and UID %s at %s",
                    prev->uid ? prev->uid : "-", as, cur->uid ? cur->uid : "-", cs);
        return FALSE;
      }
      ArIcalOverlap o = {latest, i};
      g_array_append_val(cx->out->overlaps, o);
    }
    if (cur->end_us > prev->end_us)
      latest = i;
  }
  return TRUE;
}

static void
busy_clear(gpointer data)
{
  g_free(((ArIcalBusy *)data)->uid);
}

void
ar_ical_import_free(ArIcalImport *imp)
{
  if (!imp)
    return;
  g_array_unref(imp->busy);
  g_array_unref(imp->overlaps);
  g_free(imp);
}

static gboolean
import_all(Ctx *cx, GError **error)
{
  if (!collect_overrides(cx, error))
    return FALSE;
  for (icalcomponent *c = icalcomponent_get_first_component(cx->cal, ICAL_ANY_COMPONENT); c;
       c = icalcomponent_get_next_component(cx->cal, ICAL_ANY_COMPONENT)) {
    icalcomponent_kind k = icalcomponent_isa(c);
    if (k == ICAL_VEVENT_COMPONENT && !import_event(cx, c, error))
      return FALSE;
    if (k == ICAL_VFREEBUSY_COMPONENT && !import_freebusy(cx, c, error))
      return FALSE;
  }
  return find_overlaps(cx, error);
}

ArIcalImport *
ar_ical_import(const char *data, gsize len, const ArIcalImportOptions *opt, GError **error)
{
  if (len > MAX_INPUT_BYTES) {
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_TOO_LARGE,
                "calendar is %" G_GSIZE_FORMAT " bytes, the limit is %d", len, MAX_INPUT_BYTES);
    return NULL;
  }
  if (memchr(data, '\0', len)) {
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX, "NUL byte in calendar text");
    return NULL;
  }
  if (opt->window_end_us <= opt->window_start_us) {
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_TOO_LARGE, "empty import window");
    return NULL;
  }
  Ctx cx = {.opt = opt};
  g_autofree char *text = NULL;
  cx.max_intervals = opt->max_intervals ? opt->max_intervals : DEFAULT_MAX_INTERVALS;
  cx.lines = unfold(data, len);
  ArIcalImport *result = NULL;
  if (!check_structure(cx.lines, error))
    goto out;
  if (opt->clinic_tzid) {
    cx.clinic_zone = icaltimezone_get_builtin_timezone(opt->clinic_tzid);
    if (!cx.clinic_zone) {
      g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_UNKNOWN_TZID,
                  "clinic time zone \"%s\" is not a known IANA zone", opt->clinic_tzid);
      goto out;
    }
  }
  text = g_strndup(data, len);
  cx.cal = icalparser_parse_string(text);
  if (!cx.cal || icalcomponent_isa(cx.cal) != ICAL_VCALENDAR_COMPONENT) {
    g_set_error(error, AR_ICAL_ERROR, AR_ICAL_ERROR_SYNTAX, "libical could not parse a VCALENDAR");
    goto out;
  }
  if (!check_parse_errors(&cx, cx.cal, error))
    goto out;
  cx.overrides =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
  cx.out = g_new0(ArIcalImport, 1);
  cx.out->busy = g_array_new(FALSE, FALSE, sizeof(ArIcalBusy));
  g_array_set_clear_func(cx.out->busy, busy_clear);
  cx.out->overlaps = g_array_new(FALSE, FALSE, sizeof(ArIcalOverlap));
  if (import_all(&cx, error)) {
    result = cx.out;
    cx.out = NULL;
  }
out:
  ar_ical_import_free(cx.out);
  g_clear_pointer(&cx.overrides, g_hash_table_unref);
  if (cx.cal)
    icalcomponent_free(cx.cal);
  g_array_unref(cx.lines);
  return result;
}
