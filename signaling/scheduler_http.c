/* The scheduler's HTTPS side. Patients: POST /api/offers/confirm and /api/offers/decline with
 * their single-use signed offer link token, and the small /offer.html page that sends it.
 * Staff (a staff session or the [scheduling] api_token): open slots, offers in flight,
 * publishing capacity (JSON or .ics), the waiting list, calendar import and each clinician's
 * visits.ics feed; metrics and the staff page's board are in scheduler_stats_http.c. JSON errors
 * are {"error": code, "message": text}. */
#include "audit.h"
#include "ical_export.h"
#include "ical_import.h"
#include "scheduler_private.h"

#include <string.h>

#define SEC_US G_USEC_PER_SEC
#define DAY_S 86400

static void
reply_json(ArHttpResponse *resp, int status, JsonBuilder *b)
{
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  char *text = json_to_string(root, FALSE);
  ar_http_response_take(resp, status, "application/json", g_bytes_new_take(text, strlen(text)));
  ar_http_response_header(resp, "Cache-Control", "no-store");
}

JsonBuilder *
ar_sched_json_object(void)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  return b;
}

static JsonBuilder *
done(JsonBuilder *b)
{
  json_builder_end_object(b);
  return b;
}

void
ar_sched_reply_object(ArHttpResponse *resp, int status, JsonBuilder *b)
{
  reply_json(resp, status, done(b));
}

void
ar_sched_reply_error(ArHttpResponse *resp, int status, const char *code, const char *message)
{
  JsonBuilder *b = ar_sched_json_object();
  json_builder_set_member_name(b, "error");
  json_builder_add_string_value(b, code);
  json_builder_set_member_name(b, "message");
  json_builder_add_string_value(b, message);
  reply_json(resp, status, done(b));
}

static int
error_status(const GError *e, const char **code)
{
  static const struct {
    int status;
    const char *code;
  } map[] = {{404, "not_found"},
             {403, "forbidden"},
             {409, "conflict"},
             {400, "invalid"},
             {500, "internal"}};
  if (e->domain == AR_SCHEDULER_ERROR && (guint)e->code < G_N_ELEMENTS(map)) {
    *code = map[e->code].code;
    return map[e->code].status;
  }
  if (e->domain == AR_ICAL_ERROR) {
    *code = "bad_calendar";
    return 422;
  }
  *code = "internal";
  return 500;
}

static void
reply_gerror(ArHttpResponse *resp, const GError *e)
{
  const char *code;
  int status = error_status(e, &code);
  ar_sched_reply_error(resp, status, code, e->message);
}

static JsonObject *
parse_body(const ArHttpRequest *req, ArHttpResponse *resp, JsonParser **keep)
{
  gsize len;
  const char *data = g_bytes_get_data(req->body, &len);
  g_autoptr(JsonParser) p = json_parser_new();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_data(p, data ? data : "", (gssize)len, &error) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
    g_autofree char *why = g_strdup_printf("the body must be a JSON object%s%s", error ? ": " : "",
                                           error ? error->message : "");
    ar_sched_reply_error(resp, 400, "bad_json", why);
    return NULL;
  }
  *keep = g_steal_pointer(&p);
  return json_node_get_object(json_parser_get_root(*keep));
}

static const char *
str_member(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
             ? json_node_get_string(n)
             : NULL;
}

/* A time as ISO 8601 (with zone) or Unix seconds; FALSE when absent or unreadable. */
gboolean
ar_sched_parse_time(JsonObject *o, const char *name, gint64 *us)
{
  JsonNode *n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n))
    return FALSE;
  if (json_node_get_value_type(n) == G_TYPE_INT64) {
    *us = json_node_get_int(n) * SEC_US;
    return TRUE;
  }
  if (json_node_get_value_type(n) != G_TYPE_STRING)
    return FALSE;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(json_node_get_string(n), utc);
  if (!dt)
    return FALSE;
  *us = g_date_time_to_unix(dt) * SEC_US;
  return TRUE;
}

/* ---- patients: the offer link ------------------------------------------------------------ */

static const char *
token_from(const ArHttpRequest *req, JsonObject *body)
{
  const char *t = body ? str_member(body, "token") : NULL;
  if (!t && req->authorization && g_str_has_prefix(req->authorization, "Bearer "))
    t = req->authorization + 7;
  return t;
}

static gboolean
burn_token(ArScheduler *s, const ArTokenClaims *c, gint64 now, const char **why)
{
  char tid[2 * AR_TOKEN_ID_BYTES + 1];
  ar_token_id_to_hex(c, tid);
  sqlite3_stmt *st =
      ar_store_prepare(s->store, "SELECT 1 FROM token_revocation WHERE token_id = ?", NULL);
  if (!st) {
    *why = "the offer could not be checked; try again";
    return FALSE;
  }
  sqlite3_bind_text(st, 1, tid, -1, SQLITE_STATIC);
  gboolean revoked = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  if (revoked) {
    *why = "this offer link has been withdrawn";
    return FALSE;
  }
  st = ar_store_prepare(s->store, "INSERT INTO token_use (token_id, used_at) VALUES (?, ?)", NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, tid, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now);
  if (!ar_store_step_done(s->store, st, NULL)) {
    *why = "this offer link has already been used";
    return FALSE;
  }
  return TRUE;
}

static void
handle_offer_answer(const ArHttpRequest *req, ArHttpResponse *resp, ArScheduler *s,
                    gboolean confirm)
{
  if (!g_str_equal(req->method, "POST")) {
    ar_sched_reply_error(resp, 405, "method_not_allowed", "use POST");
    return;
  }
  g_autoptr(JsonParser) keep = NULL;
  JsonObject *body = g_bytes_get_size(req->body) ? parse_body(req, resp, &keep) : NULL;
  if (g_bytes_get_size(req->body) && !body)
    return;
  const char *token = token_from(req, body);
  gint64 now = g_get_real_time() / SEC_US;
  ArTokenClaims c;
  g_autoptr(GError) error = NULL;
  if (!token) {
    ar_sched_reply_error(resp, 400, "invalid_token",
                         "send the offer link's token as {\"token\": ...}");
    return;
  }
  if (!ar_token_verify(s->keys, token, now, &c, &error)) {
    ar_sched_reply_error(resp, error->code == AR_TOKEN_ERROR_EXPIRED ? 410 : 401,
                         error->code == AR_TOKEN_ERROR_EXPIRED ? "offer_expired" : "invalid_token",
                         error->code == AR_TOKEN_ERROR_EXPIRED ? "this offer has expired"
                                                               : "this is not a valid offer link");
    return;
  }
  if (c.role != AR_TOKEN_ROLE_OFFER) {
    ar_sched_reply_error(resp, 403, "forbidden", "this link is not an offer link");
    return;
  }
  const char *why = NULL;
  if ((c.flags & AR_TOKEN_FLAG_SINGLE_USE) && !burn_token(s, &c, now, &why)) {
    ar_sched_reply_error(resp, 409, "used", why ? why : "this offer link has already been used");
    return;
  }
  g_auto(ArSchedAnswer) a = {0};
  gboolean ok = confirm ? ar_scheduler_confirm(s, c.visit_id, c.subject_id, "link", &a, &error)
                        : ar_scheduler_decline(s, c.visit_id, c.subject_id, "link", &a, &error);
  if (!ok) {
    g_warning("scheduler: answer to %s failed: %s", c.visit_id, error->message);
    ar_sched_reply_error(resp, 500, "internal", "the answer could not be saved; try again");
    return;
  }
  static const int status[] = {
      [AR_OFFER_WON] = 200,     [AR_OFFER_RECORDED] = 200, [AR_OFFER_TAKEN] = 409,
      [AR_OFFER_EXPIRED] = 410, [AR_OFFER_UNKNOWN] = 404,  [AR_OFFER_NOT_YOURS] = 403,
  };
  static const char *const result[] = {
      [AR_OFFER_WON] = "booked",        [AR_OFFER_RECORDED] = "declined",
      [AR_OFFER_TAKEN] = "taken",       [AR_OFFER_EXPIRED] = "offer_expired",
      [AR_OFFER_UNKNOWN] = "not_found", [AR_OFFER_NOT_YOURS] = "forbidden",
  };
  JsonBuilder *b = ar_sched_json_object();
  json_builder_set_member_name(b, a.answer == AR_OFFER_WON || a.answer == AR_OFFER_RECORDED ||
                                          a.answer == AR_OFFER_TAKEN
                                      ? "result"
                                      : "error");
  json_builder_add_string_value(b, result[a.answer]);
  json_builder_set_member_name(b, "message");
  json_builder_add_string_value(b, ar_sched_answer_message(a.answer));
  json_builder_set_member_name(b, "offer_id");
  json_builder_add_string_value(b, c.visit_id);
  if (a.appointment_id) {
    json_builder_set_member_name(b, "appointment_id");
    json_builder_add_string_value(b, a.appointment_id);
  }
  if (a.slot.slot_id) {
    json_builder_set_member_name(b, "slot");
    ar_sched_slot_json(b, &a.slot);
  }
  if (a.answer == AR_OFFER_TAKEN)
    ar_sched_slots_json(b, "alternatives", a.alternatives);
  reply_json(resp, status[a.answer], done(b));
}

static void
handle_offers(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  if (g_str_equal(req->path, "/api/offers/confirm"))
    handle_offer_answer(req, resp, user_data, TRUE);
  else if (g_str_equal(req->path, "/api/offers/decline"))
    handle_offer_answer(req, resp, user_data, FALSE);
  else
    ar_sched_reply_error(resp, 404, "not_found", "no such offer endpoint");
}

/* The page an SMS link opens: shows nothing private, asks, and posts the token once. */
static const char offer_page[] =
    "<!doctype html><html lang=en><meta charset=utf-8>"
    "<meta name=viewport content='width=device-width,initial-scale=1'>"
    "<title>An earlier appointment</title><link rel=stylesheet href=/css/app.css>"
    "<main><h1>An earlier appointment is free</h1><p id=msg>Would you like it?</p>"
    "<button id=yes>Yes, book it</button> <button id=no>No, thanks</button></main>"
    "<script src=/offer.js></script></html>";
static const char offer_js[] =
    "const t=new URLSearchParams(location.hash.slice(1)).get('t');"
    "const msg=document.getElementById('msg');"
    "async function send(what){document.querySelectorAll('button').forEach(b=>b.disabled=true);"
    "const r=await fetch('/api/offers/'+what,{method:'POST',headers:{'Content-Type':"
    "'application/json'},body:JSON.stringify({token:t})});const j=await r.json();"
    "msg.textContent=j.message+(j.slot?' ('+new Date(j.slot.start).toLocaleString()+')':'');}"
    "document.getElementById('yes').onclick=()=>send('confirm');"
    "document.getElementById('no').onclick=()=>send('decline');";

static void
handle_offer_page(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  gboolean js = g_str_equal(req->path, "/offer.js");
  ar_http_response_set(resp, 200, js ? "text/javascript" : "text/html; charset=utf-8",
                       js ? offer_js : offer_page, -1);
  ar_http_response_header(resp, "Cache-Control", "no-store");
}

/* ---- staff ------------------------------------------------------------------------------- */

static gboolean
staff_as(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp,
         char actor[AR_SCHED_ACTOR_MAX])
{
  switch (ar_scheduler_staff_access(s, req, actor)) {
  case AR_SCHED_STAFF_OK:
    return TRUE;
  case AR_SCHED_STAFF_FORBIDDEN:
    ar_sched_reply_error(resp, 403, "forbidden", "the scheduling API is for clinic staff only");
    return FALSE;
  default:
    ar_http_response_header(resp, "WWW-Authenticate", "Bearer realm=\"anteroom\"");
    ar_sched_reply_error(
        resp, 401, "unauthenticated",
        "staff API: sign in as staff (POST /api/login) or send Authorization: Bearer"
        " <[scheduling] api_token>");
    return FALSE;
  }
}

static gboolean
staff(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp)
{
  return staff_as(s, req, resp, NULL);
}

static void
free_slots(GArray *a)
{
  for (guint i = 0; i < a->len; i++)
    ar_sched_slot_info_clear(&g_array_index(a, ArSchedSlotInfo, i));
  g_array_unref(a);
}

static void
get_open_slots(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp)
{
  GArray *slots = ar_scheduler_open_slots(s, ar_http_query(req, "practitioner"), 1000);
  JsonBuilder *b = ar_sched_json_object();
  ar_sched_slots_json(b, "slots", slots);
  free_slots(slots);
  reply_json(resp, 200, done(b));
}

static void
get_offers(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp)
{
  sqlite3_stmt *st =
      ar_store_prepare(s->store,
                       "SELECT id, slot_id, patient_id, sent_at, expires_at, channel FROM offer"
                       " WHERE status = 'sent' AND expires_at > ? ORDER BY sent_at, id",
                       NULL);
  if (!st) {
    ar_sched_reply_error(resp, 500, "internal", "offers could not be read");
    return;
  }
  sqlite3_bind_int64(st, 1, g_get_real_time() / SEC_US);
  JsonBuilder *b = ar_sched_json_object();
  json_builder_set_member_name(b, "offers");
  json_builder_begin_array(b);
  static const char *const cols[] = {"offer_id", "slot_id",    "patient_id",
                                     "sent_at",  "expires_at", "channel"};
  while (sqlite3_step(st) == SQLITE_ROW) {
    json_builder_begin_object(b);
    for (int i = 0; i < 6; i++) {
      json_builder_set_member_name(b, cols[i]);
      if (i == 3 || i == 4)
        json_builder_add_int_value(b, sqlite3_column_int64(st, i));
      else
        json_builder_add_string_value(b, (const char *)sqlite3_column_text(st, i));
    }
    json_builder_end_object(b);
  }
  sqlite3_reset(st);
  json_builder_end_array(b);
  reply_json(resp, 200, done(b));
}

static void
add_int(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

static void
reply_ids(ArHttpResponse *resp, const char *name, GPtrArray *ids)
{
  JsonBuilder *b = ar_sched_json_object();
  json_builder_set_member_name(b, name);
  json_builder_begin_array(b);
  for (guint i = 0; i < ids->len; i++)
    json_builder_add_string_value(b, ids->pdata[i]);
  json_builder_end_array(b);
  reply_json(resp, 201, done(b));
}

static gboolean
is_calendar(const ArHttpRequest *req)
{
  return req->content_type && g_str_has_prefix(req->content_type, "text/calendar");
}

static char *
clinic_zone(ArScheduler *s, const char *practitioner_id)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "SELECT c.timezone FROM practitioner p JOIN clinic c ON c.id = p.clinic_id WHERE p.id = ?",
      NULL);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, practitioner_id, -1, SQLITE_STATIC);
  char *tz =
      sqlite3_step(st) == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
  sqlite3_reset(st);
  return tz;
}

static ArIcalImport *
import_body(ArScheduler *s, const ArHttpRequest *req, const char *practitioner, gboolean capacity,
            GError **error)
{
  gint64 now = g_get_real_time();
  g_autofree char *tz = clinic_zone(s, practitioner);
  ArIcalImportOptions o = {
      .window_start_us = now - 365 * (gint64)DAY_S * SEC_US,
      .window_end_us = now + 365 * (gint64)DAY_S * SEC_US,
      .clinic_tzid = tz,
      .as_capacity = capacity,
  };
  gsize len;
  const char *data = g_bytes_get_data(req->body, &len);
  return ar_ical_import(data ? data : "", len, &o, error);
}

static void
post_capacity(ArScheduler *s, const char *actor, const ArHttpRequest *req, ArHttpResponse *resp)
{
  const char *prac = ar_http_query(req, "practitioner");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) caps = g_array_new(FALSE, TRUE, sizeof(ArSchedCapacity));
  g_autoptr(JsonParser) keep = NULL;
  g_autoptr(ArIcalImport) ics = NULL;
  if (is_calendar(req)) {
    if (!prac) {
      ar_sched_reply_error(resp, 400, "invalid", "?practitioner= is required with a calendar body");
      return;
    }
    ics = import_body(s, req, prac, TRUE, &error);
    if (!ics) {
      reply_gerror(resp, error);
      return;
    }
    for (guint i = 0; i < ics->busy->len; i++) {
      const ArIcalBusy *bz = &g_array_index(ics->busy, ArIcalBusy, i);
      ArSchedCapacity c = {bz->start_us, bz->end_us, "video", NULL};
      g_array_append_val(caps, c);
    }
  } else {
    JsonObject *body = parse_body(req, resp, &keep);
    if (!body)
      return;
    prac = str_member(body, "practitioner_id") ? str_member(body, "practitioner_id") : prac;
    JsonNode *list = json_object_get_member(body, "slots");
    if (!prac || !list || !JSON_NODE_HOLDS_ARRAY(list)) {
      ar_sched_reply_error(resp, 400, "invalid",
                           "needs \"practitioner_id\" and \"slots\" (an array)");
      return;
    }
    JsonArray *a = json_node_get_array(list);
    for (guint i = 0; i < json_array_get_length(a); i++) {
      JsonNode *n = json_array_get_element(a, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
      ArSchedCapacity c = {0};
      if (!o || !ar_sched_parse_time(o, "start", &c.start_us) ||
          !ar_sched_parse_time(o, "end", &c.end_us)) {
        g_autofree char *why = g_strdup_printf(
            "slot %u needs \"start\" and \"end\" (ISO 8601 with a zone, or Unix seconds)", i + 1);
        ar_sched_reply_error(resp, 400, "invalid", why);
        return;
      }
      c.modality = str_member(o, "modality");
      c.visit_type = str_member(o, "visit_type");
      g_array_append_val(caps, c);
    }
  }
  g_autoptr(GPtrArray) ids = ar_scheduler_publish_capacity_by(
      s, actor, prac, (ArSchedCapacity *)caps->data, caps->len, &error);
  if (!ids) {
    reply_gerror(resp, error);
    return;
  }
  reply_ids(resp, "slot_ids", ids);
}

static void
post_waitlist(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp)
{
  g_autoptr(JsonParser) keep = NULL;
  JsonObject *b = parse_body(req, resp, &keep);
  if (!b)
    return;
  ArSchedWaitlistRequest r = {
      .patient_id = str_member(b, "patient_id"),
      .display_name = str_member(b, "display_name"),
      .phone = str_member(b, "phone"),
      .language = str_member(b, "language"),
      .appointment_id = str_member(b, "appointment_id"),
      .practitioner_id = str_member(b, "practitioner_id"),
      .visit_type = str_member(b, "visit_type"),
      .min_notice_s = json_object_get_int_member_with_default(b, "min_notice_s", 0),
      .short_notice_ok = json_object_get_boolean_member_with_default(b, "short_notice_ok", FALSE),
      .in_person_ok = json_object_get_boolean_member_with_default(b, "in_person_ok", FALSE),
  };
  gint64 us;
  if (ar_sched_parse_time(b, "earliest", &us))
    r.earliest_unix = us / SEC_US;
  if (ar_sched_parse_time(b, "latest", &us))
    r.latest_unix = us / SEC_US;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = ar_scheduler_add_waitlist(s, &r, &error);
  if (!id) {
    reply_gerror(resp, error);
    return;
  }
  JsonBuilder *o = ar_sched_json_object();
  json_builder_set_member_name(o, "waitlist_entry_id");
  json_builder_add_string_value(o, id);
  reply_json(resp, 201, done(o));
}

static void
post_slot_opened(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp)
{
  g_autoptr(JsonParser) keep = NULL;
  JsonObject *b = parse_body(req, resp, &keep);
  if (!b)
    return;
  const char *slot = str_member(b, "slot_id");
  const char *reason = str_member(b, "reason");
  if (!slot) {
    ar_sched_reply_error(resp, 400, "invalid", "needs \"slot_id\"");
    return;
  }
  g_autoptr(GError) error = NULL;
  if (!ar_scheduler_slot_opened(s, slot, ar_sched_reason_from_name(reason), &error)) {
    reply_gerror(resp, error);
    return;
  }
  reply_json(resp, 202, done(ar_sched_json_object()));
}

/* Busy blocks from a clinician's own calendar: replaces what the previous import of that
 * calendar wrote, in one transaction; a broken file writes nothing. */
static void
post_ical_import(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp)
{
  const char *prac = ar_http_query(req, "practitioner");
  if (!prac) {
    ar_sched_reply_error(resp, 400, "invalid", "?practitioner= is required");
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(ArIcalImport) ics = import_body(s, req, prac, FALSE, &error);
  if (!ics) {
    reply_gerror(resp, error);
    return;
  }
  if (!ar_store_begin(s->store, &error)) {
    reply_gerror(resp, error);
    return;
  }
  g_autofree char *sched = ar_sched_schedule_for(s, prac, &error);
  sqlite3_stmt *st = sched ? ar_store_prepare(s->store,
                                              "DELETE FROM slot WHERE schedule_id = ? AND source ="
                                              " 'ical' AND id NOT IN (SELECT slot_id FROM"
                                              " appointment WHERE slot_id IS NOT NULL)",
                                              &error)
                           : NULL;
  if (st)
    sqlite3_bind_text(st, 1, sched, -1, SQLITE_STATIC);
  gboolean ok = st && ar_store_step_done(s->store, st, &error);
  static const char *const status[] = {"busy", "busy-tentative", "busy-unavailable"};
  for (guint i = 0; ok && i < ics->busy->len; i++) {
    const ArIcalBusy *bz = &g_array_index(ics->busy, ArIcalBusy, i);
    g_autofree char *id = ar_store_new_id("slot");
    st = ar_store_prepare(s->store,
                          "INSERT INTO slot (id, schedule_id, start_ts, end_ts, status, modality,"
                          " source) VALUES (?, ?, ?, ?, ?, 'in-person', 'ical')",
                          &error);
    if (!st) {
      ok = FALSE;
      break;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sched, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, bz->start_us / SEC_US);
    sqlite3_bind_int64(st, 4, bz->end_us / SEC_US);
    sqlite3_bind_text(st, 5, status[bz->status], -1, SQLITE_STATIC);
    ok = ar_store_step_done(s->store, st, &error);
  }
  g_autofree char *detail = g_strdup_printf("{\"busy\":%u}", ics->busy->len);
  ArAuditEvent ev = {"staff", "calendar.import", "schedule", sched ? sched : prac, "success",
                     detail};
  if (!ok || !ar_audit_append(s->store, g_get_real_time() / SEC_US, &ev, &error) ||
      !ar_store_commit(s->store, &error)) {
    ar_store_rollback(s->store);
    reply_gerror(resp, error);
    return;
  }
  JsonBuilder *b = ar_sched_json_object();
  add_int(b, "imported", ics->busy->len);
  add_int(b, "overlaps", ics->overlaps->len);
  add_int(b, "skipped", ics->n_skipped);
  json_builder_set_member_name(b, "used_clinic_zone");
  json_builder_add_boolean_value(b, ics->used_clinic_zone);
  reply_json(resp, 201, done(b));
}

static void
handle_scheduling(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ArScheduler *s = user_data;
  char actor[AR_SCHED_ACTOR_MAX];
  if (!staff_as(s, req, resp, actor))
    return;
  const char *p = req->path + strlen("/api/scheduling/");
  gboolean get = g_str_equal(req->method, "GET"), post = g_str_equal(req->method, "POST");
  if (get && g_str_equal(p, "metrics"))
    ar_sched_http_metrics(s, req, resp);
  else if (get && g_str_equal(p, "board"))
    ar_sched_http_board(s, req, resp);
  else if (get && g_str_equal(p, "open-slots"))
    get_open_slots(s, req, resp);
  else if (get && g_str_equal(p, "offers"))
    get_offers(s, req, resp);
  else if (post && g_str_equal(p, "capacity"))
    post_capacity(s, actor, req, resp);
  else if (post && g_str_equal(p, "waitlist"))
    post_waitlist(s, req, resp);
  else if (post && g_str_equal(p, "slot-opened"))
    post_slot_opened(s, req, resp);
  else if (post && g_str_equal(p, "ical-import"))
    post_ical_import(s, req, resp);
  else
    ar_sched_reply_error(resp, 404, "not_found", "no such scheduling endpoint (see docs/api.md)");
}

/* GET /api/practitioners/{id}/visits.ics: the clinician's visits, 30 days back to a year on. */
static void
handle_practitioners(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ArScheduler *s = user_data;
  if (!staff(s, req, resp))
    return;
  g_auto(GStrv) parts = g_strsplit(req->path + strlen("/api/practitioners/"), "/", -1);
  if (g_strv_length(parts) != 2 || !g_str_equal(parts[1], "visits.ics")) {
    ar_sched_reply_error(resp, 404, "not_found", "try /api/practitioners/{id}/visits.ics");
    return;
  }
  gint64 now = g_get_real_time() / SEC_US;
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "SELECT id, start_ts, end_ts, status FROM appointment WHERE practitioner_id = ?"
      " AND start_ts >= ? AND start_ts < ? AND status NOT IN ('entered-in-error','waitlist')"
      " ORDER BY start_ts, id",
      NULL);
  if (!st) {
    ar_sched_reply_error(resp, 500, "internal", "visits could not be read");
    return;
  }
  sqlite3_bind_text(st, 1, parts[0], -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now - 30 * DAY_S);
  sqlite3_bind_int64(st, 3, now + 365 * DAY_S);
  GArray *visits = g_array_new(FALSE, TRUE, sizeof(ArIcalVisit));
  GPtrArray *strings = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *url = g_strdup_printf("%s/clinician.html", s->public_url);
  while (sqlite3_step(st) == SQLITE_ROW) {
    char *uid = g_strdup_printf("visit-%s@anteroom", (const char *)sqlite3_column_text(st, 0));
    g_ptr_array_add(strings, uid);
    ArIcalVisit v = {uid, sqlite3_column_int64(st, 1) * SEC_US,
                     sqlite3_column_int64(st, 2) * SEC_US, url,
                     g_str_equal((const char *)sqlite3_column_text(st, 3), "cancelled")};
    g_array_append_val(visits, v);
  }
  sqlite3_reset(st);
  g_autoptr(GError) error = NULL;
  char *feed =
      ar_ical_export_visits((ArIcalVisit *)visits->data, visits->len, g_get_real_time(), &error);
  g_array_unref(visits);
  g_ptr_array_unref(strings);
  ArAuditEvent ev = {"staff",  "calendar.export",          "practitioner",
                     parts[0], feed ? "success" : "error", NULL};
  ar_audit_append(s->store, now, &ev, NULL);
  if (!feed) {
    ar_sched_reply_error(resp, 500, "internal", error->message);
    return;
  }
  ar_http_response_take(resp, 200, "text/calendar; charset=utf-8",
                        g_bytes_new_take(feed, strlen(feed)));
  ar_http_response_header(resp, "Cache-Control", "no-store");
}

void
ar_scheduler_register_routes(ArScheduler *s, ArHttpServer *http)
{
  ar_http_server_route(http, "/api/offers/", TRUE, handle_offers, s);
  ar_http_server_route(http, "/offer.html", FALSE, handle_offer_page, s);
  ar_http_server_route(http, "/offer.js", FALSE, handle_offer_page, s);
  ar_http_server_route(http, "/api/scheduling/", TRUE, handle_scheduling, s);
  ar_http_server_route(http, "/api/practitioners/", TRUE, handle_practitioners, s);
  ar_fhir_register_routes(s, http);
}
