/* The scheduler's WebSocket side: `offer` events pushed to a patient already in the waiting
 * room, their answers (offer.confirm, offer.decline), and self-service from the patient's own
 * link (appointment.cancel, appointment.reschedule, appointment.slots). Only patient sessions
 * may send these; the appointment is always the one their link names. */
#include "scheduler_private.h"
#include "signaling_private.h"

#define SEC_US G_USEC_PER_SEC

void
ar_sched_slot_json(JsonBuilder *b, const ArSchedSlotInfo *i)
{
  g_autoptr(GDateTime) a = g_date_time_new_from_unix_utc(i->start_us / SEC_US);
  g_autoptr(GDateTime) z = g_date_time_new_from_unix_utc(i->end_us / SEC_US);
  g_autofree char *start = g_date_time_format(a, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *end = g_date_time_format(z, "%Y-%m-%dT%H:%M:%SZ");
  json_builder_begin_object(b);
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
  ArTokenClaims c;
  gint64 now = g_get_real_time() / SEC_US;
  g_autofree char *token = NULL;
  if (ar_token_claims_init(&c, AR_TOKEN_ROLE_PATIENT, moved, se->claims.subject_id, now,
                           MAX(se->claims.expires_at - now, 0) + 30 * 86400, 0))
    token = ar_token_sign(s->keys, &c, NULL);
  g_strlcpy(se->claims.visit_id, moved, sizeof se->claims.visit_id);
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

const ArSignalingRoute ar_scheduler_routes[] = {
    {"offer.confirm", handle_confirm},     {"offer.decline", handle_decline},
    {"appointment.cancel", handle_cancel}, {"appointment.reschedule", handle_reschedule},
    {"appointment.slots", handle_slots},   {NULL},
};
