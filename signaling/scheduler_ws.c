/* The scheduler's WebSocket side: `offer` events pushed to a patient already in the waiting
 * room, their answers (offer.confirm, offer.decline), and self-service from the patient's own
 * link (appointment.cancel, appointment.reschedule, appointment.slots). Only patient sessions
 * may send these; the appointment is always the one their link names. Clinicians and staff
 * see their open slots and the offers out for them (lobby.slots, the console's panel). */
#include "scheduler_private.h"
#include "signaling_private.h"

#define SEC_US G_USEC_PER_SEC

static void
slot_members(JsonBuilder *b, const ArSchedSlotInfo *i)
{
  g_autoptr(GDateTime) a = g_date_time_new_from_unix_utc(i->start_us / SEC_US);
  g_autoptr(GDateTime) z = g_date_time_new_from_unix_utc(i->end_us / SEC_US);
  g_autofree char *start = g_date_time_format(a, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *end = g_date_time_format(z, "%Y-%m-%dT%H:%M:%SZ");
  json_builder_set_member_name(b, "slot_id");
  json_builder_add_string_value(b, i->slot_id);
  json_builder_set_member_name(b, "practitioner_id");
  json_builder_add_string_value(b, i->practitioner_id);
  json_builder_set_member_name(b, "start");
  json_builder_add_string_value(b, start);
  json_builder_set_member_name(b, "end");
  json_builder_add_string_value(b, end);
  json_builder_set_member_name(b, "modality");
  json_builder_add_string_value(b, i->modality);
}

void
ar_sched_slot_json(JsonBuilder *b, const ArSchedSlotInfo *i)
{
  json_builder_begin_object(b);
  slot_members(b, i);
  json_builder_end_object(b);
}

void
ar_sched_slots_json(JsonBuilder *b, const char *name, GArray *slots)
{
  json_builder_set_member_name(b, name);
  json_builder_begin_array(b);
  for (guint i = 0; slots && i < slots->len; i++)
    ar_sched_slot_json(b, &g_array_index(slots, ArSchedSlotInfo, i));
  json_builder_end_array(b);
}

const char *
ar_sched_answer_message(ArOfferAnswer a)
{
  switch (a) {
  case AR_OFFER_WON:
    return "the appointment is yours";
  case AR_OFFER_RECORDED:
    return "thank you; we will not hold this slot for you";
  case AR_OFFER_TAKEN:
    return "sorry, someone else took this slot a moment ago; these are still open";
  case AR_OFFER_EXPIRED:
    return "this offer has expired or was already answered";
  case AR_OFFER_NOT_YOURS:
    return "this offer was made to someone else";
  default:
    return "there is no such offer";
  }
}

gboolean
ar_sched_push_live(ArScheduler *sched, const char *patient_id, char *json)
{
  ArSignaling *s = sched->signaling;
  gboolean sent = FALSE;
  if (s && patient_id) {
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, s->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
      ArSession *se = value;
      if (se->joined && se->claims.role == AR_TOKEN_ROLE_PATIENT &&
          g_str_equal(se->claims.subject_id, patient_id)) {
        if (json)
          ar_ws_conn_send(se->conn, json, -1);
        sent = TRUE;
      }
    }
  }
  g_free(json);
  return sent;
}

void
ar_scheduler_set_signaling(ArScheduler *sched, struct ArSignaling *signaling)
{
  sched->signaling = signaling;
  if (signaling)
    signaling->scheduler = sched;
}

void
ar_signaling_scheduler_presence(ArSignaling *s, ArSession *se, gboolean present)
{
  if (!s->scheduler || !se->joined || se->claims.role != AR_TOKEN_ROLE_PATIENT)
    return;
  if (!present) {
    /* Still online while another of their sessions is open. */
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, s->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
      ArSession *o = value;
      if (o != se && o->joined && o->claims.role == AR_TOKEN_ROLE_PATIENT &&
          g_str_equal(o->claims.subject_id, se->claims.subject_id))
        return;
    }
  }
  ar_scheduler_patient_online(s->scheduler, se->claims.subject_id, present);
}

static gboolean
require_patient(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!ar_signaling_require_join(s, se, m))
    return FALSE;
  if (!s->scheduler) {
    ar_signaling_error(s, se, m->id, "unavailable", "scheduling is not enabled on this server");
    return FALSE;
  }
  if (se->claims.role != AR_TOKEN_ROLE_PATIENT) {
    ar_signaling_error(s, se, m->id, "forbidden", "only the patient's own link can do this");
    return FALSE;
  }
  return TRUE;
}

static const char *
answer_code(ArOfferAnswer a)
{
  switch (a) {
  case AR_OFFER_EXPIRED:
    return "offer_expired";
  case AR_OFFER_NOT_YOURS:
    return "forbidden";
  default:
    return "not_found";
  }
}

/* The link names an appointment that is released now: this connection continues as the new
 * appointment, and the page gets a link token for it (reloads, reconnects, bookmarks). */
static char *
move_session(ArSignaling *s, ArSession *se, const char *appointment)
{
  ArTokenClaims c;
  gint64 now = g_get_real_time() / SEC_US;
  char *token = NULL;
  if (ar_token_claims_init(&c, AR_TOKEN_ROLE_PATIENT, appointment, se->claims.subject_id, now,
                           MAX(se->claims.expires_at - now, 0) + 30 * 86400, 0))
    token = ar_token_sign(s->keys, &c, NULL);
  g_strlcpy(se->claims.visit_id, appointment, sizeof se->claims.visit_id);
  return token;
}

static void
reply_answer(ArSignaling *s, ArSession *se, const ArMsg *m, ArSchedAnswer *a)
{
  if (a->answer != AR_OFFER_WON && a->answer != AR_OFFER_TAKEN && a->answer != AR_OFFER_RECORDED) {
    ar_signaling_error(s, se, m->id, answer_code(a->answer), ar_sched_answer_message(a->answer));
    return;
  }
  if (a->answer == AR_OFFER_RECORDED) {
    ar_signaling_ok(se, m->id);
    return;
  }
  JsonBuilder *b =
      ar_protocol_begin(a->answer == AR_OFFER_WON ? "offer.booked" : "offer.taken", m->id);
  json_builder_set_member_name(b, "message");
  json_builder_add_string_value(b, ar_sched_answer_message(a->answer));
  if (a->answer == AR_OFFER_WON) {
    json_builder_set_member_name(b, "appointment_id");
    json_builder_add_string_value(b, a->appointment_id);
    g_autofree char *token = move_session(s, se, a->appointment_id);
    json_builder_set_member_name(b, "token");
    json_builder_add_string_value(b, token ? token : "");
    if (a->slot.slot_id) {
      json_builder_set_member_name(b, "slot");
      ar_sched_slot_json(b, &a->slot);
    }
  } else {
    ar_sched_slots_json(b, "alternatives", a->alternatives);
  }
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
handle_answer(ArSignaling *s, ArSession *se, const ArMsg *m, gboolean confirm)
{
  if (!require_patient(s, se, m))
    return;
  const char *offer = ar_msg_string(m, "offer_id");
  if (!offer) {
    ar_signaling_error(s, se, m->id, "bad_message", "needs \"offer_id\" (a string)");
    return;
  }
  g_auto(ArSchedAnswer) a = {0};
  g_autoptr(GError) error = NULL;
  gboolean ok =
      confirm ? ar_scheduler_confirm(s->scheduler, offer, se->claims.subject_id, "ws", &a, &error)
              : ar_scheduler_decline(s->scheduler, offer, se->claims.subject_id, "ws", &a, &error);
  if (!ok) {
    g_warning("scheduler: answer to %s failed: %s", offer, error->message);
    ar_signaling_error(s, se, m->id, "internal", "the answer could not be saved; try again");
    return;
  }
  reply_answer(s, se, m, &a);
}

static void
handle_confirm(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  handle_answer(s, se, m, TRUE);
}

static void
handle_decline(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  handle_answer(s, se, m, FALSE);
}

static const char *
error_code(const GError *e)
{
  if (e->domain != AR_SCHEDULER_ERROR)
    return "internal";
  switch (e->code) {
  case AR_SCHEDULER_ERROR_NOT_FOUND:
    return "not_found";
  case AR_SCHEDULER_ERROR_FORBIDDEN:
    return "forbidden";
  case AR_SCHEDULER_ERROR_CONFLICT:
    return "conflict";
  case AR_SCHEDULER_ERROR_INVALID:
    return "bad_message";
  default:
    return "internal";
  }
}

/* The appointment named in the message must be the one the link is for. */
static const char *
own_appointment(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *given = ar_msg_string(m, "appointment_id");
  if (given && !g_str_equal(given, se->claims.visit_id)) {
    ar_signaling_error(s, se, m->id, "forbidden", "this link is for another appointment");
    return NULL;
  }
  return se->claims.visit_id;
}

static void
handle_cancel(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!require_patient(s, se, m))
    return;
  const char *appointment = own_appointment(s, se, m);
  if (!appointment)
    return;
  g_autoptr(GError) error = NULL;
  if (!ar_scheduler_cancel_appointment(s->scheduler, appointment, se->claims.subject_id, &error)) {
    ar_signaling_error(s, se, m->id, error_code(error), error->message);
    return;
  }
  ar_signaling_ok(se, m->id);
}

static void
handle_slots(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!require_patient(s, se, m))
    return;
  GArray *slots = ar_scheduler_open_slots(s->scheduler, ar_msg_string(m, "practitioner_id"), 20);
  JsonBuilder *b = ar_protocol_begin("appointment.slots", m->id);
  ar_sched_slots_json(b, "slots", slots);
  ar_signaling_send(se, ar_protocol_finish(b));
  for (guint i = 0; i < slots->len; i++)
    ar_sched_slot_info_clear(&g_array_index(slots, ArSchedSlotInfo, i));
  g_array_unref(slots);
}

static void
handle_reschedule(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!require_patient(s, se, m))
    return;
  const char *appointment = own_appointment(s, se, m);
  const char *slot = ar_msg_string(m, "slot_id");
  if (!appointment)
    return;
  if (!slot) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "needs \"slot_id\" (a string; appointment.slots lists open ones)");
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autofree char *moved =
      ar_scheduler_reschedule(s->scheduler, appointment, se->claims.subject_id, slot, &error);
  if (!moved) {
    ar_signaling_error(s, se, m->id, error_code(error), error->message);
    return;
  }
  /* The old link names a cancelled appointment now: hand out one for the new appointment. */
  g_autofree char *token = move_session(s, se, moved);
  g_auto(ArSchedSlotInfo) info = {0};
  ar_sched_slot_info(s->scheduler, slot, &info);
  JsonBuilder *b = ar_protocol_begin("appointment.rescheduled", m->id);
  json_builder_set_member_name(b, "appointment_id");
  json_builder_add_string_value(b, moved);
  json_builder_set_member_name(b, "slot");
  ar_sched_slot_json(b, &info);
  json_builder_set_member_name(b, "token");
  json_builder_add_string_value(b, token ? token : "");
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
add_count(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

/* lobby.slots: the console's "open slots and offers" panel. Slots still to come that are open
 * (or were opened and then filled from the waiting list), of the clinician's own schedule or,
 * for staff, of their clinic, with the offers out for each. Counts only: no patient appears. */
static void
handle_lobby_slots(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!s->scheduler) {
    ar_signaling_error(s, se, m->id, "unavailable", "scheduling is not enabled on this server");
    return;
  }
  sqlite3_stmt *st = ar_store_prepare(
      ar_scheduler_store(s->scheduler),
      "SELECT sl.id, sc.practitioner_id, sl.start_ts, sl.end_ts, sl.modality,"
      " sl.opened_reason,"
      " (SELECT COUNT(*) FROM offer o WHERE o.slot_id = sl.id AND o.status = 'sent'"
      "   AND o.expires_at > ?1),"
      " (SELECT COUNT(*) FROM offer o WHERE o.slot_id = sl.id),"
      " EXISTS (SELECT 1 FROM offer o WHERE o.slot_id = sl.id AND o.status = 'accepted')"
      " FROM slot sl JOIN schedule sc ON sc.id = sl.schedule_id"
      " JOIN practitioner p ON p.id = sc.practitioner_id"
      " WHERE sl.start_ts > ?1 AND p.clinic_id = ?2 AND (?3 IS NULL OR sc.practitioner_id = ?3)"
      " AND ((sl.status = 'free' AND NOT EXISTS (SELECT 1 FROM appointment a WHERE"
      " a.slot_id = sl.id AND a.status IN " AR_SCHED_LIVE_STATUSES "))"
      " OR EXISTS (SELECT 1 FROM offer o WHERE o.slot_id = sl.id AND o.status = 'accepted'))"
      " ORDER BY sl.start_ts, sl.id LIMIT 50",
      NULL);
  if (!st) {
    ar_signaling_error(s, se, m->id, "internal", "the slots could not be read");
    return;
  }
  sqlite3_bind_int64(st, 1, g_get_real_time() / SEC_US);
  sqlite3_bind_text(st, 2, se->claims.visit_id, -1, SQLITE_TRANSIENT);
  if (se->claims.role == AR_TOKEN_ROLE_CLINICIAN)
    sqlite3_bind_text(st, 3, se->claims.subject_id, -1, SQLITE_TRANSIENT);
  JsonBuilder *b = ar_protocol_begin("lobby.slots", m->id);
  json_builder_set_member_name(b, "slots");
  json_builder_begin_array(b);
  while (sqlite3_step(st) == SQLITE_ROW) {
    ArSchedSlotInfo i = {(char *)sqlite3_column_text(st, 0), (char *)sqlite3_column_text(st, 1),
                         sqlite3_column_int64(st, 2) * SEC_US, sqlite3_column_int64(st, 3) * SEC_US,
                         (char *)sqlite3_column_text(st, 4)};
    const char *reason = (const char *)sqlite3_column_text(st, 5);
    json_builder_begin_object(b);
    slot_members(b, &i);
    json_builder_set_member_name(b, "reason");
    if (reason)
      json_builder_add_string_value(b, reason);
    else
      json_builder_add_null_value(b);
    add_count(b, "offers_out", sqlite3_column_int64(st, 6));
    add_count(b, "offered", sqlite3_column_int64(st, 7));
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, sqlite3_column_int(st, 8) ? "filled" : "open");
    json_builder_end_object(b);
  }
  sqlite3_reset(st);
  json_builder_end_array(b);
  ar_signaling_send(se, ar_protocol_finish(b));
}

const ArSignalingRoute ar_scheduler_routes[] = {
    {"offer.confirm", handle_confirm},
    {"offer.decline", handle_decline},
    {"appointment.cancel", handle_cancel},
    {"appointment.reschedule", handle_reschedule},
    {"appointment.slots", handle_slots},
    {"lobby.slots", handle_lobby_slots},
    {NULL},
};
