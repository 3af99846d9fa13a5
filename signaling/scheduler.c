/* Engine shell: id mapping, rebuilding engine state from the store, the timer, and persisting
 * and delivering engine outputs. Transactions that book or free slots are in scheduler_book.c. */
#include "accounts.h"
#include "audit.h"
#include "scheduler_private.h"

#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <string.h>

G_DEFINE_QUARK(ar - scheduler - error - quark, ar_scheduler_error)

#define SEC_US G_USEC_PER_SEC
#define MAX_TIMER_MS 60000

void
ar_sched_fail(GError **error, ArSchedulerError code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, AR_SCHEDULER_ERROR, code, msg);
}

static const char *const reason_names[] = {"cancelled", "noshow", "early-finish", "published",
                                           "cascade"};

const char *
ar_sched_reason_name(ArOfferReason r)
{
  return (guint)r < G_N_ELEMENTS(reason_names) ? reason_names[r] : "published";
}

ArOfferReason
ar_sched_reason_from_name(const char *name)
{
  for (guint i = 0; name && i < G_N_ELEMENTS(reason_names); i++)
    if (g_str_equal(name, reason_names[i]))
      return (ArOfferReason)i;
  return AR_OFFER_REASON_PUBLISHED;
}

void
ar_scheduler_policy_from_config(ArOfferPolicy *p, guint wave_size, gint64 expiry_same_day_s,
                                gint64 expiry_later_s, gint64 min_answer_s, gint64 min_notice_s,
                                gint64 online_only_s)
{
  if (wave_size > 0)
    ar_offer_policy_init_fixed(p, wave_size);
  else
    ar_offer_policy_init_default(p);
  p->expiry_same_day_us = expiry_same_day_s * SEC_US;
  p->expiry_later_us = expiry_later_s * SEC_US;
  p->min_answer_us = min_answer_s * SEC_US;
  p->min_notice_us = min_notice_s * SEC_US;
  p->online_only_within_us = online_only_s * SEC_US;
  /* A live offer never gets longer to answer than a same-day one. */
  p->expiry_live_us = MIN(p->expiry_live_us, p->expiry_same_day_us);
  p->live_min_notice_us = MIN(p->live_min_notice_us, p->min_notice_us);
}

guint64
ar_sched_num(ArScheduler *s, const char *kind, const char *text_id)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store, "INSERT OR IGNORE INTO engine_id (kind, text_id) VALUES (?, ?)", NULL);
  if (!st)
    return 0;
  sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, text_id, -1, SQLITE_STATIC);
  if (!ar_store_step_done(s->store, st, NULL))
    return 0;
  st = ar_store_prepare(s->store, "SELECT num FROM engine_id WHERE kind = ? AND text_id = ?", NULL);
  if (!st)
    return 0;
  sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, text_id, -1, SQLITE_STATIC);
  guint64 num = sqlite3_step(st) == SQLITE_ROW ? (guint64)sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  return num;
}

char *
ar_sched_text(ArScheduler *s, const char *kind, guint64 num)
{
  sqlite3_stmt *st =
      ar_store_prepare(s->store, "SELECT text_id FROM engine_id WHERE kind = ? AND num = ?", NULL);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)num);
  char *text =
      sqlite3_step(st) == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
  sqlite3_reset(st);
  return text;
}

gboolean
ar_sched_slot_info(ArScheduler *s, const char *slot_id, ArSchedSlotInfo *out)
{
  memset(out, 0, sizeof *out);
  sqlite3_stmt *st =
      ar_store_prepare(s->store,
                       "SELECT sc.practitioner_id, sl.start_ts, sl.end_ts, sl.modality FROM slot sl"
                       " JOIN schedule sc ON sc.id = sl.schedule_id WHERE sl.id = ?",
                       NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, slot_id, -1, SQLITE_STATIC);
  gboolean found = sqlite3_step(st) == SQLITE_ROW;
  if (found) {
    out->slot_id = g_strdup(slot_id);
    out->practitioner_id = g_strdup((const char *)sqlite3_column_text(st, 0));
    out->start_us = sqlite3_column_int64(st, 1) * SEC_US;
    out->end_us = sqlite3_column_int64(st, 2) * SEC_US;
    out->modality = g_strdup((const char *)sqlite3_column_text(st, 3));
  }
  sqlite3_reset(st);
  return found;
}

void
ar_sched_slot_info_clear(ArSchedSlotInfo *i)
{
  g_clear_pointer(&i->slot_id, g_free);
  g_clear_pointer(&i->practitioner_id, g_free);
  g_clear_pointer(&i->modality, g_free);
}

void
ar_sched_answer_clear(ArSchedAnswer *a)
{
  g_clear_pointer(&a->appointment_id, g_free);
  ar_sched_slot_info_clear(&a->slot);
  if (a->alternatives) {
    for (guint i = 0; i < a->alternatives->len; i++)
      ar_sched_slot_info_clear(&g_array_index(a->alternatives, ArSchedSlotInfo, i));
    g_array_unref(a->alternatives);
    a->alternatives = NULL;
  }
}

gboolean
ar_sched_engine_slot(ArScheduler *s, const char *slot_id, ArOfferReason reason, ArOfferSlot *out)
{
  memset(out, 0, sizeof *out);
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "SELECT sc.practitioner_id, sl.visit_type, sl.modality, sl.start_ts, sl.end_ts FROM slot sl"
      " JOIN schedule sc ON sc.id = sl.schedule_id WHERE sl.id = ?",
      NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, slot_id, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return FALSE;
  }
  g_autofree char *prac = g_strdup((const char *)sqlite3_column_text(st, 0));
  g_autofree char *vt = g_strdup((const char *)sqlite3_column_text(st, 1));
  out->modality = g_str_equal((const char *)sqlite3_column_text(st, 2), "in-person")
                      ? AR_OFFER_MODALITY_IN_PERSON
                      : AR_OFFER_MODALITY_VIDEO;
  out->start_us = sqlite3_column_int64(st, 3) * SEC_US;
  out->end_us = sqlite3_column_int64(st, 4) * SEC_US;
  sqlite3_reset(st);
  out->slot_id = ar_sched_num(s, "slot", slot_id);
  out->practitioner_id = ar_sched_num(s, "practitioner", prac);
  out->visit_type = (guint32)ar_sched_num(s, "visit_type", vt);
  out->reason = reason;
  return out->slot_id != 0;
}

void
ar_sched_open_in_engine(ArScheduler *s, const char *slot_id, ArOfferReason reason)
{
  ArOfferSlot slot;
  if (!ar_sched_engine_slot(s, slot_id, reason, &slot)) {
    g_warning("scheduler: slot %s not found to open", slot_id);
    return;
  }
  g_autoptr(GError) error = NULL;
  if (!ar_offer_engine_open_slot(s->engine, &slot, g_get_real_time(), &error))
    g_info("scheduler: slot %s not offered: %s", slot_id, error->message);
  ar_sched_drain(s);
}

/* ---- outputs ---------------------------------------------------------------------------- */

static char *
iso_utc(gint64 us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / SEC_US);
  return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("");
}

static char *
offer_link(ArScheduler *s, const char *offer_id, const char *patient_id, gint64 expires_us,
           gint64 now_us)
{
  ArTokenClaims c;
  gint64 now = now_us / SEC_US;
  gint64 ttl = MAX(expires_us / SEC_US - now, 1) + 60;
  if (!ar_token_claims_init(&c, AR_TOKEN_ROLE_OFFER, offer_id, patient_id, now, ttl,
                            AR_TOKEN_FLAG_SINGLE_USE))
    return NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = ar_token_sign(s->keys, &c, &error);
  if (!token) {
    g_warning("scheduler: cannot sign offer link: %s", error->message);
    return NULL;
  }
  return g_strdup_printf("%s/offer.html#t=%s", s->public_url, token);
}

static char *
offer_event(const char *type, const char *offer_id, const ArSchedSlotInfo *slot, gint64 expires_us,
            const char *extra_name, const char *extra_value)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, type);
  json_builder_set_member_name(b, "offer_id");
  json_builder_add_string_value(b, offer_id);
  if (slot && slot->slot_id) {
    g_autofree char *start = iso_utc(slot->start_us), *end = iso_utc(slot->end_us);
    json_builder_set_member_name(b, "slot");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "slot_id");
    json_builder_add_string_value(b, slot->slot_id);
    json_builder_set_member_name(b, "practitioner_id");
    json_builder_add_string_value(b, slot->practitioner_id);
    json_builder_set_member_name(b, "start");
    json_builder_add_string_value(b, start);
    json_builder_set_member_name(b, "end");
    json_builder_add_string_value(b, end);
    json_builder_set_member_name(b, "modality");
    json_builder_add_string_value(b, slot->modality);
    json_builder_end_object(b);
  }
  if (expires_us) {
    g_autofree char *exp = iso_utc(expires_us);
    json_builder_set_member_name(b, "expires_at");
    json_builder_add_string_value(b, exp);
  }
  if (extra_name) {
    json_builder_set_member_name(b, extra_name);
    json_builder_add_string_value(b, extra_value);
  }
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  return json_to_string(root, FALSE);
}

/* After a restart the engine asks again: an offer to the same patient for the same slot that
 * is still pending in the store is the same offer (same link), not a new one. */
static char *
reuse_pending(ArScheduler *s, const char *slot_id, const char *patient_id, guint64 num, gint64 now)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "SELECT id FROM offer WHERE slot_id = ? AND patient_id = ? AND status = 'sent'"
      " AND expires_at > ? AND (engine_num IS NULL OR engine_num < ?)",
      NULL);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, slot_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, patient_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, now);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)s->first_offer_num);
  char *id =
      sqlite3_step(st) == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
  sqlite3_reset(st);
  if (!id)
    return NULL;
  st = ar_store_prepare(s->store, "UPDATE offer SET engine_num = ? WHERE id = ?", NULL);
  if (st) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)num);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    ar_store_step_done(s->store, st, NULL);
  }
  return id;
}

/* The gateway gets what it needs to reach the patient and nothing else: phone, language, slot
 * time, modality, expiry and the single-use link. No name, no practitioner, no visit reason. */
static char *
outbox_payload(ArScheduler *s, const char *patient_id, const char *offer_id,
               const ArSchedSlotInfo *slot, gint64 expires_us, const char *link)
{
  sqlite3_stmt *st =
      ar_store_prepare(s->store, "SELECT phone, language FROM patient WHERE id = ?", NULL);
  g_autofree char *phone = NULL, *lang = NULL;
  if (st) {
    sqlite3_bind_text(st, 1, patient_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
      phone = g_strdup((const char *)sqlite3_column_text(st, 0));
      lang = g_strdup((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
  }
  g_autofree char *start = iso_utc(slot->start_us), *exp = iso_utc(expires_us);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "kind");
  json_builder_add_string_value(b, "offer");
  json_builder_set_member_name(b, "offer_id");
  json_builder_add_string_value(b, offer_id);
  json_builder_set_member_name(b, "to");
  if (phone)
    json_builder_add_string_value(b, phone);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "language");
  json_builder_add_string_value(b, lang ? lang : "en");
  json_builder_set_member_name(b, "slot_start");
  json_builder_add_string_value(b, start);
  json_builder_set_member_name(b, "modality");
  json_builder_add_string_value(b, slot->modality);
  json_builder_set_member_name(b, "expires_at");
  json_builder_add_string_value(b, exp);
  json_builder_set_member_name(b, "link");
  json_builder_add_string_value(b, link);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  return json_to_string(root, FALSE);
}

static void
send_offer(ArScheduler *s, const ArOfferOutput *o)
{
  gint64 now = o->at_us / SEC_US;
  g_autofree char *slot_id = ar_sched_text(s, "slot", o->slot_id);
  g_autofree char *patient_id = ar_sched_text(s, "patient", o->patient_id);
  g_auto(ArSchedSlotInfo) slot = {0};
  if (!slot_id || !patient_id || !ar_sched_slot_info(s, slot_id, &slot)) {
    g_warning("scheduler: offer %" G_GUINT64_FORMAT " for unknown slot or patient", o->offer_id);
    return;
  }
  g_autofree char *offer_id = reuse_pending(s, slot_id, patient_id, o->offer_id, now);
  if (offer_id) {
    g_info("scheduler: offer %s still pending after restart; not sent again", offer_id);
    return;
  }
  offer_id = ar_store_new_id("off");
  const char *channel = o->channel == AR_OFFER_CHANNEL_LIVE ? "live" : "outbox";
  g_autoptr(GError) error = NULL;
  if (!ar_store_begin(s->store, &error))
    goto failed;
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "INSERT INTO offer (id, slot_id, patient_id, waitlist_entry_id, sent_at, expires_at, channel,"
      " status, engine_num) VALUES (?, ?, ?, (SELECT id FROM waitlist_entry WHERE patient_id = ?"
      " AND active = 1 LIMIT 1), ?, ?, ?, 'sent', ?)",
      &error);
  if (!st)
    goto rollback;
  sqlite3_bind_text(st, 1, offer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, slot_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, patient_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, patient_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, now);
  sqlite3_bind_int64(st, 6, o->expires_us / SEC_US);
  sqlite3_bind_text(st, 7, channel, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 8, (sqlite3_int64)o->offer_id);
  if (!ar_store_step_done(s->store, st, &error))
    goto rollback;
  gboolean live = FALSE;
  /* Sent only after the commit: a patient never sees an offer the store does not hold. */
  if (o->channel == AR_OFFER_CHANNEL_LIVE)
    live = ar_sched_push_live(s, patient_id, NULL);
  if (!live) {
    g_autofree char *link = offer_link(s, offer_id, patient_id, o->expires_us, o->at_us);
    g_autofree char *payload =
        link ? outbox_payload(s, patient_id, offer_id, &slot, o->expires_us, link) : NULL;
    g_autofree char *row =
        payload ? ar_outbox_add(s->store, "offer", patient_id, offer_id, payload, now, &error)
                : NULL;
    if (!row)
      goto rollback;
  }
  if (!ar_store_commit(s->store, &error))
    goto rollback;
  g_info("scheduler: offer %s slot %s patient %s via %s", offer_id, slot_id, patient_id,
         live ? "websocket" : "outbox");
  if (live)
    ar_sched_push_live(s, patient_id,
                       offer_event("offer", offer_id, &slot, o->expires_us, "reason",
                                   ar_sched_reason_name(o->reason)));
  else
    ar_outbox_kick(s->outbox);
  return;
rollback:
  ar_store_rollback(s->store);
failed:
  g_warning("scheduler: offer for slot %s not persisted: %s", slot_id,
            error ? error->message : "?");
}

/* Closes a pending offer in the store; TRUE when this call changed it. */
static gboolean
close_offer_row(ArScheduler *s, guint64 num, const char *status, gint64 now, char **offer_id,
                char **patient_id)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store, "SELECT id, patient_id FROM offer WHERE engine_num = ? AND status = 'sent'", NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)num);
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return FALSE;
  }
  *offer_id = g_strdup((const char *)sqlite3_column_text(st, 0));
  *patient_id = g_strdup((const char *)sqlite3_column_text(st, 1));
  sqlite3_reset(st);
  st =
      ar_store_prepare(s->store, "UPDATE offer SET status = ?, answered_at = ? WHERE id = ?", NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now);
  sqlite3_bind_text(st, 3, *offer_id, -1, SQLITE_STATIC);
  return ar_store_step_done(s->store, st, NULL);
}

gboolean
ar_sched_record_response(ArScheduler *s, const char *offer_id, const char *actor,
                         const char *status, const char *comment, gint64 now, GError **error)
{
  g_autofree char *id = ar_store_new_id("apr");
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "INSERT INTO appointment_response (id, offer_id, actor_id, participant_status, comment,"
      " created_at) VALUES (?, ?, ?, ?, ?, ?)",
      error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, offer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, comment, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, now);
  return ar_store_step_done(s->store, st, error);
}

static const char *
withdraw_name(ArOfferWithdrawReason r)
{
  switch (r) {
  case AR_OFFER_WITHDRAW_TAKEN:
    return "taken";
  case AR_OFFER_WITHDRAW_BOOKED:
    return "booked-elsewhere";
  case AR_OFFER_WITHDRAW_LEFT_QUEUE:
    return "left-waiting-list";
  default:
    return "slot-gone";
  }
}

static void
handle_output(ArScheduler *s, const ArOfferOutput *o)
{
  gint64 now = o->at_us / SEC_US;
  g_autofree char *offer_id = NULL, *patient_id = NULL;
  switch (o->kind) {
  case AR_OFFER_OUT_SEND_OFFER:
    send_offer(s, o);
    break;
  case AR_OFFER_OUT_WITHDRAWN:
    if (close_offer_row(s, o->offer_id, "withdrawn", now, &offer_id, &patient_id)) {
      g_autofree char *next = o->next_slot_id ? ar_sched_text(s, "slot", o->next_slot_id) : NULL;
      ar_sched_push_live(s, patient_id,
                         offer_event("offer.withdrawn", offer_id, NULL, 0, "reason",
                                     withdraw_name(o->withdraw_reason)));
      (void)next;
    }
    break;
  case AR_OFFER_OUT_EXPIRED:
    /* FHIR AppointmentResponse: the patient never answered (needs-action, lapsed). */
    if (close_offer_row(s, o->offer_id, "expired", now, &offer_id, &patient_id)) {
      ar_sched_record_response(s, offer_id, patient_id, ar_offer_output_fhir_status(o->kind),
                               "lapsed", now, NULL);
      ar_sched_push_live(s, patient_id,
                         offer_event("offer.withdrawn", offer_id, NULL, 0, "reason", "expired"));
    }
    break;
  case AR_OFFER_OUT_DECLINED:
    if (close_offer_row(s, o->offer_id, "declined", now, &offer_id, &patient_id))
      ar_sched_record_response(s, offer_id, patient_id, "declined", NULL, now, NULL);
    break;
  case AR_OFFER_OUT_BOOKED: /* written by the confirm transaction */
  case AR_OFFER_OUT_SLOT_UNFILLED:
    g_debug("scheduler: %s slot %" G_GUINT64_FORMAT, ar_offer_output_kind_to_string(o->kind),
            o->slot_id);
    break;
  }
}

static gboolean on_timer(gpointer user_data);

static void
rearm(ArScheduler *s)
{
  gint64 next = ar_offer_engine_next_timeout(s->engine);
  if (s->timer && next == s->timer_at_us)
    return;
  if (s->timer)
    g_source_remove(s->timer);
  s->timer = 0;
  if (next == G_MAXINT64)
    return;
  gint64 delay_ms = (next - g_get_real_time()) / 1000 + 1;
  s->timer_at_us = next;
  s->timer = g_timeout_add((guint)CLAMP(delay_ms, 0, MAX_TIMER_MS), on_timer, s);
}

void
ar_sched_drain(ArScheduler *s)
{
  ArOfferOutput o;
  while (ar_offer_engine_poll_output(s->engine, &o))
    handle_output(s, &o);
  rearm(s);
}

static gboolean
on_timer(gpointer user_data)
{
  ArScheduler *s = user_data;
  s->timer = 0;
  ar_offer_engine_handle_timeout(s->engine, g_get_real_time());
  ar_sched_drain(s);
  return G_SOURCE_REMOVE;
}

/* ---- rebuilding from the store ---------------------------------------------------------- */

#define WAITLIST_COLUMNS 9

/* A row may hold NULL columns (any practitioner): g_strfreev would stop at the first one. */
static void
free_row(gpointer p)
{
  char **r = p;
  for (int i = 0; i < WAITLIST_COLUMNS; i++)
    g_free(r[i]);
  g_free(r);
}

static gboolean
load_waitlist(ArScheduler *s, gint64 now_us, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "SELECT w.patient_id, w.practitioner_id, w.visit_type, w.earliest_ts, w.latest_ts,"
      " w.min_notice_s, w.short_notice_ok, w.in_person_ok, a.slot_id FROM waitlist_entry w"
      " LEFT JOIN appointment a ON a.id = w.appointment_id AND a.status IN " AR_SCHED_LIVE_STATUSES
      " WHERE w.active = 1 ORDER BY w.created_at, w.id",
      error);
  if (!st)
    return FALSE;
  GPtrArray *rows = g_ptr_array_new_with_free_func(free_row);
  while (sqlite3_step(st) == SQLITE_ROW) {
    char **r = g_new0(char *, WAITLIST_COLUMNS + 1);
    for (int i = 0; i < WAITLIST_COLUMNS; i++)
      r[i] = g_strdup((const char *)sqlite3_column_text(st, i));
    g_ptr_array_add(rows, r);
  }
  sqlite3_reset(st);
  for (guint i = 0; i < rows->len; i++) {
    char **r = rows->pdata[i];
    ArOfferWaitlistEntry en = {0};
    en.patient_id = ar_sched_num(s, "patient", r[0]);
    en.any_practitioner = r[1] == NULL;
    en.visit_type = (guint32)ar_sched_num(s, "visit_type", r[2]);
    en.video_ok = TRUE;
    en.window_start_us = g_ascii_strtoll(r[3], NULL, 10) * SEC_US;
    en.window_end_us = 0; /* "sooner than now" is already what current.start_us says */
    en.min_notice_us = g_ascii_strtoll(r[5], NULL, 10) * SEC_US;
    en.short_notice_ok = g_strcmp0(r[6], "1") == 0;
    en.in_person_ok = g_strcmp0(r[7], "1") == 0;
    if (r[8])
      ar_sched_engine_slot(s, r[8], AR_OFFER_REASON_CASCADE, &en.current);
    if (!en.current.slot_id && r[1])
      en.current.practitioner_id = ar_sched_num(s, "practitioner", r[1]);
    g_autoptr(GError) why = NULL;
    if (!ar_offer_engine_add_waitlist(s->engine, &en, now_us, &why))
      g_warning("scheduler: waitlist entry of %s skipped: %s", r[0], why->message);
  }
  g_ptr_array_unref(rows);
  return TRUE;
}

static GPtrArray *
select_ids(ArScheduler *s, const char *sql, gint64 arg, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(s->store, sql, error);
  if (!st)
    return NULL;
  sqlite3_bind_int64(st, 1, arg);
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  while (sqlite3_step(st) == SQLITE_ROW) {
    g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 0)));
    if (sqlite3_column_count(st) > 1)
      g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 1)));
  }
  sqlite3_reset(st);
  return ids;
}

static gboolean
rebuild(ArScheduler *s, GError **error)
{
  gint64 now_us = g_get_real_time();
  gint64 now = now_us / SEC_US;
  /* Offers that lapsed while we were down: recorded as such before anything else. */
  g_autoptr(GPtrArray) lapsed = select_ids(
      s, "SELECT id, patient_id FROM offer WHERE status = 'sent' AND expires_at <= ?", now, error);
  if (!lapsed)
    return FALSE;
  for (guint i = 0; i + 1 < lapsed->len; i += 2) {
    sqlite3_stmt *st = ar_store_prepare(
        s->store, "UPDATE offer SET status = 'expired', answered_at = ? WHERE id = ?", error);
    if (!st)
      return FALSE;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, lapsed->pdata[i], -1, SQLITE_STATIC);
    if (!ar_store_step_done(s->store, st, error) ||
        !ar_sched_record_response(s, lapsed->pdata[i], lapsed->pdata[i + 1], "needs-action",
                                  "lapsed", now, error))
      return FALSE;
  }
  if (!load_waitlist(s, now_us, error))
    return FALSE;
  g_autoptr(GPtrArray) open = select_ids(
      s,
      "SELECT sl.id, sl.opened_reason FROM slot sl WHERE sl.status = 'free' AND sl.start_ts > ?"
      " AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.slot_id = sl.id AND a.status "
      "IN " AR_SCHED_LIVE_STATUSES ") ORDER BY sl.start_ts",
      now, error);
  if (!open)
    return FALSE;
  for (guint i = 0; i + 1 < open->len; i += 2)
    ar_sched_open_in_engine(s, open->pdata[i], ar_sched_reason_from_name(open->pdata[i + 1]));
  g_message("scheduler: %u open slots, %u pending offers lapsed while stopped",
            ar_offer_engine_open_slot_count(s->engine), lapsed->len / 2);
  return TRUE;
}

static gboolean
rebuild_idle(gpointer user_data)
{
  ArScheduler *s = user_data;
  s->rebuild_source = 0;
  g_autoptr(GError) error = NULL;
  if (!rebuild(s, &error))
    g_critical("scheduler: state could not be rebuilt from the store: %s", error->message);
  ar_outbox_kick(s->outbox);
  return G_SOURCE_REMOVE;
}

void
ar_scheduler_rebuild_now(ArScheduler *s)
{
  if (s->rebuild_source) {
    g_source_remove(s->rebuild_source);
    rebuild_idle(s);
  }
}

ArScheduler *
ar_scheduler_new(const ArSchedulerOptions *opts, GError **error)
{
  ArScheduler *s = g_new0(ArScheduler, 1);
  s->store = opts->store;
  s->keys = opts->keys;
  s->public_url = g_strdup(opts->public_url ? opts->public_url : "");
  s->api_token = g_strdup(opts->api_token ? opts->api_token : "");
  s->accounts = opts->accounts;
  s->policy = opts->policy;
  sqlite3_stmt *st =
      ar_store_prepare(s->store, "SELECT COALESCE(MAX(engine_num), 0) FROM offer", error);
  if (!st) {
    ar_scheduler_free(s);
    return NULL;
  }
  s->first_offer_num = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) + 1 : 1;
  sqlite3_reset(st);
  s->policy.first_offer_id = s->first_offer_num;
  s->engine = ar_offer_engine_new(&s->policy);
  s->outbox = ar_outbox_new(s->store, opts->webhook_url, opts->webhook_max_attempts);
  /* Rebuilt when the main loop starts, ahead of any request: whatever start-up writes to the
   * store first (the demo clinic) is then part of it. */
  s->rebuild_source = g_idle_add_full(G_PRIORITY_HIGH, rebuild_idle, s, NULL);
  return s;
}

void
ar_scheduler_free(ArScheduler *s)
{
  if (!s)
    return;
  if (s->timer)
    g_source_remove(s->timer);
  if (s->rebuild_source)
    g_source_remove(s->rebuild_source);
  g_clear_pointer(&s->outbox, ar_outbox_free);
  g_clear_pointer(&s->engine, ar_offer_engine_free);
  g_free(s->public_url);
  g_free(s->api_token);
  g_free(s);
}

ArStore *
ar_scheduler_store(ArScheduler *s)
{
  return s->store;
}

void
ar_scheduler_patient_online(ArScheduler *s, const char *patient_id, gboolean online)
{
  if (!s)
    return;
  guint64 num = ar_sched_num(s, "patient", patient_id);
  if (num && ar_offer_engine_set_online(s->engine, num, online, g_get_real_time()))
    ar_sched_drain(s);
}

void
ar_scheduler_get_metrics(ArScheduler *s, ArOfferMetrics *m)
{
  ar_offer_engine_get_metrics(s->engine, m);
}

static gboolean
is_api_token(ArScheduler *s, const char *given)
{
  if (!*s->api_token || !given)
    return FALSE;
  gsize n = strlen(s->api_token);
  /* Length is not secret; the contents are compared in constant time. */
  return strlen(given) == n && CRYPTO_memcmp(given, s->api_token, n) == 0;
}

ArSchedStaffAccess
ar_scheduler_staff_access(ArScheduler *s, const ArHttpRequest *req, char actor[AR_SCHED_ACTOR_MAX])
{
  char unused[AR_SCHED_ACTOR_MAX];
  actor = actor ? actor : unused;
  const char *given = NULL;
  if (req->authorization && g_str_has_prefix(req->authorization, "Bearer "))
    given = req->authorization + 7;
  else if (g_str_has_suffix(req->path, ".ics"))
    given = ar_http_query(req, "token"); /* calendar apps cannot send headers */
  if (is_api_token(s, given)) {
    g_strlcpy(actor, "staff", AR_SCHED_ACTOR_MAX);
    return AR_SCHED_STAFF_OK;
  }
  ArAccountIdentity id;
  if (!given && s->accounts && req->cookie &&
      ar_accounts_lookup(s->accounts, req->cookie, g_get_real_time() / 1000, TRUE, &id, NULL)) {
    if (id.role != AR_TOKEN_ROLE_STAFF)
      return AR_SCHED_STAFF_FORBIDDEN;
    g_strlcpy(actor, id.practitioner_id, AR_SCHED_ACTOR_MAX);
    return AR_SCHED_STAFF_OK;
  }
  /* A genuine link token (a patient's, a clinician's invite...) is someone, just not staff. */
  ArTokenClaims c;
  if (given && s->keys &&
      ar_token_verify(s->keys, given, g_get_real_time() / G_USEC_PER_SEC, &c, NULL))
    return AR_SCHED_STAFF_FORBIDDEN;
  return AR_SCHED_STAFF_UNAUTHENTICATED;
}

gboolean
ar_scheduler_staff_authorized(ArScheduler *s, const ArHttpRequest *req)
{
  return ar_scheduler_staff_access(s, req, NULL) == AR_SCHED_STAFF_OK;
}
