/* The staff view's read side over HTTPS: GET /api/scheduling/metrics (fill rate, offers per fill,
 * acceptance, days sooner over ?from=&to= and ?practitioner=) and GET /api/scheduling/board
 * (open slots with the offers out for each, recent outcomes, the clinicians), both computed from
 * the store by scheduler_stats.c so they hold across restarts. Access is checked by the caller. */
#include "scheduler_private.h"
#include "scheduler_stats.h"

#include <math.h>
#include <string.h>

#define DAY_S 86400
#define DEFAULT_DAYS 30
#define MAX_DAYS 3660
#define BOARD_SLOTS 200
#define BOARD_OUTCOMES 50

static void
add_int(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

/* A ratio, or null when there was nothing to divide by. */
static void
add_ratio(JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name(b, name);
  if (isnan(v))
    json_builder_add_null_value(b);
  else
    json_builder_add_double_value(b, round(v * 10000) / 10000);
}

static void
add_str(JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, v);
}

/* An instant as ISO 8601 UTC, or null for 0. */
static void
add_time(JsonBuilder *b, const char *name, gint64 unix_s)
{
  json_builder_set_member_name(b, name);
  if (!unix_s) {
    json_builder_add_null_value(b);
    return;
  }
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unix_s);
  g_autofree char *text = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("");
  json_builder_add_string_value(b, text);
}

static gboolean
parse_day_param(const ArHttpRequest *req, ArHttpResponse *resp, const char *name, gint64 *out)
{
  const char *v = ar_http_query(req, name);
  if (!v || !*v)
    return TRUE;
  if (ar_scheduler_stats_parse_day(v, out))
    return TRUE;
  g_autofree char *shown = g_utf8_make_valid(v, MIN(strlen(v), 40));
  g_autofree char *why =
      g_strdup_printf("\"%s\" must be a date as YYYY-MM-DD (a UTC day), not \"%s\"", name, shown);
  ar_sched_reply_error(resp, 400, "invalid", why);
  return FALSE;
}

static gboolean
practitioner_exists(ArScheduler *s, const char *id)
{
  sqlite3_stmt *st = ar_store_prepare(s->store, "SELECT 1 FROM practitioner WHERE id = ?", NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  gboolean found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  return found;
}

/* ?from=&to= are UTC days, both included; the default is the last 30 days up to today. */
static gboolean
query_from(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp, ArSchedStatsQuery *q)
{
  q->now = g_get_real_time() / G_USEC_PER_SEC;
  gint64 today = q->now - q->now % DAY_S, from_day = 0, to_day = today;
  if (!parse_day_param(req, resp, "to", &to_day) || !parse_day_param(req, resp, "from", &from_day))
    return FALSE;
  if (!ar_http_query(req, "from") || !*ar_http_query(req, "from"))
    from_day = to_day - (DEFAULT_DAYS - 1) * DAY_S;
  if (from_day > to_day) {
    ar_sched_reply_error(resp, 400, "invalid", "\"from\" is after \"to\"");
    return FALSE;
  }
  if ((to_day - from_day) / DAY_S >= MAX_DAYS) {
    ar_sched_reply_error(resp, 400, "invalid", "the period is longer than ten years");
    return FALSE;
  }
  q->from = from_day;
  q->to = to_day + DAY_S;
  q->practitioner_id = ar_http_query(req, "practitioner");
  if (q->practitioner_id && !*q->practitioner_id)
    q->practitioner_id = NULL;
  if (q->practitioner_id && !practitioner_exists(s, q->practitioner_id)) {
    ar_sched_reply_error(resp, 404, "not_found", "no such practitioner");
    return FALSE;
  }
  return TRUE;
}

static void
add_period(JsonBuilder *b, const ArSchedStatsQuery *q)
{
  json_builder_set_member_name(b, "period");
  json_builder_begin_object(b);
  add_time(b, "from", q->from);
  add_time(b, "to", q->to);
  json_builder_set_member_name(b, "practitioner_id");
  if (q->practitioner_id)
    json_builder_add_string_value(b, q->practitioner_id);
  else
    json_builder_add_null_value(b);
  json_builder_end_object(b);
}

void
ar_sched_http_metrics(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp)
{
  ArSchedStatsQuery q;
  if (!query_from(s, req, resp, &q))
    return;
  ArSchedStats m;
  g_autoptr(GError) error = NULL;
  if (!ar_scheduler_stats_compute(s->store, &q, &m, &error)) {
    g_warning("scheduler: metrics: %s", error->message);
    ar_sched_reply_error(resp, 500, "internal", "metrics could not be read");
    return;
  }
  JsonBuilder *b = ar_sched_json_object();
  add_period(b, &q);
  add_ratio(b, "fill_rate", m.fill_rate);
  add_ratio(b, "offers_per_fill", m.offers_per_fill);
  add_ratio(b, "acceptance", m.acceptance);
  add_ratio(b, "median_days_sooner", m.median_days_sooner);
  add_int(b, "slots_opened", m.slots_opened);
  add_int(b, "slots_opened_cascade", m.opened_by_reason[AR_SCHED_OPENED_CASCADE]);
  json_builder_set_member_name(b, "opened_by_reason");
  json_builder_begin_object(b);
  for (int r = 0; r < AR_SCHED_OPENED_N; r++)
    add_int(b, ar_scheduler_stats_reason_name(r), m.opened_by_reason[r]);
  json_builder_end_object(b);
  add_int(b, "slots_filled", m.slots_filled);
  add_int(b, "slots_unfilled", m.slots_unfilled);
  add_int(b, "slots_still_open", m.slots_still_open);
  add_int(b, "offers_for_opened", m.offers_for_opened);
  add_int(b, "offers_sent", m.offers_sent);
  add_int(b, "offers_delivered", m.offers_delivered);
  add_int(b, "accepted", m.accepted);
  add_int(b, "declined", m.declined);
  add_int(b, "expired", m.expired);
  add_int(b, "withdrawn", m.withdrawn);
  add_int(b, "pending", m.pending);
  add_int(b, "bookings", m.bookings);
  add_int(b, "days_sooner_samples", m.days_sooner_samples);
  add_int(b, "open_slots", m.open_slots);
  add_int(b, "offers_in_flight", m.offers_in_flight);
  /* Not stored (a "yes" that came too late changes nothing in the store): since start-up. */
  ArOfferMetrics live;
  ar_scheduler_get_metrics(s, &live);
  add_int(b, "taken_replies_since_start", (gint64)live.wasted_yes);
  ar_sched_reply_object(resp, 200, b);
}

static void
board_slots(JsonBuilder *b, GArray *slots)
{
  json_builder_set_member_name(b, "open_slots");
  json_builder_begin_array(b);
  for (guint i = 0; i < slots->len; i++) {
    const ArSchedOpenSlot *o = &g_array_index(slots, ArSchedOpenSlot, i);
    json_builder_begin_object(b);
    add_str(b, "slot_id", o->slot_id);
    add_str(b, "practitioner_id", o->practitioner_id);
    add_str(b, "practitioner_name", o->practitioner_name);
    add_time(b, "start", o->start);
    add_time(b, "end", o->end);
    add_str(b, "modality", o->modality);
    add_str(b, "reason", o->reason);
    add_time(b, "opened_at", o->opened_at);
    add_int(b, "offers_in_flight", o->offers_in_flight);
    add_int(b, "offers_made", o->offers_made);
    add_time(b, "next_expiry", o->next_expiry);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void
board_outcomes(JsonBuilder *b, GArray *outcomes)
{
  json_builder_set_member_name(b, "outcomes");
  json_builder_begin_array(b);
  for (guint i = 0; i < outcomes->len; i++) {
    const ArSchedOutcome *o = &g_array_index(outcomes, ArSchedOutcome, i);
    json_builder_begin_object(b);
    add_str(b, "result", ar_scheduler_stats_outcome_name(o->kind));
    add_time(b, "at", o->at);
    add_str(b, "slot_id", o->slot_id);
    add_str(b, "practitioner_id", o->practitioner_id);
    add_str(b, "practitioner_name", o->practitioner_name);
    add_time(b, "slot_start", o->slot_start);
    add_str(b, "modality", o->modality);
    add_ratio(b, "days_sooner", o->days_sooner);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void
board_clinicians(JsonBuilder *b, GPtrArray *c)
{
  json_builder_set_member_name(b, "clinicians");
  json_builder_begin_array(b);
  for (guint i = 0; i + 1 < c->len; i += 2) {
    json_builder_begin_object(b);
    add_str(b, "id", c->pdata[i]);
    add_str(b, "name", c->pdata[i + 1]);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

void
ar_sched_http_board(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp)
{
  ArSchedStatsQuery q;
  if (!query_from(s, req, resp, &q))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) slots = ar_scheduler_stats_open_slots(s->store, &q, BOARD_SLOTS, &error);
  g_autoptr(GArray) outcomes =
      slots ? ar_scheduler_stats_outcomes(s->store, &q, BOARD_OUTCOMES, &error) : NULL;
  g_autoptr(GPtrArray) clinicians =
      outcomes ? ar_scheduler_stats_clinicians(s->store, &error) : NULL;
  if (!clinicians) {
    g_warning("scheduler: board: %s", error->message);
    ar_sched_reply_error(resp, 500, "internal", "the board could not be read");
    return;
  }
  JsonBuilder *b = ar_sched_json_object();
  add_time(b, "now", q.now);
  add_period(b, &q);
  board_slots(b, slots);
  board_outcomes(b, outcomes);
  board_clinicians(b, clinicians);
  ar_sched_reply_object(resp, 200, b);
}
