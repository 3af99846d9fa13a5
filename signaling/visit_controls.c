/* In-visit controls: a clinician entering a visit, chat, mute (enforced by the router for
 * audio), removing a participant and ending the visit. Who may send what is decided in roles.c;
 * here we check the target: the participant must be in the caller's own visit, or it is
 * `not_found` (never "forbidden", so ids of other visits cannot be probed). Chat text is PHI: it
 * is relayed, never logged. */
#include "signaling_private.h"

#include <string.h>

#define CHAT_MAX_CHARS 2000

static gboolean
require_visit(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (se->appointment_id)
    return TRUE;
  ar_signaling_error(s, se, m->id, "bad_state", "not in a visit (clinicians: visit.join first)");
  return FALSE;
}

/* The participant of the caller's visit named by the message's participant_id, or NULL (and
 * the error sent). */
static ArSession *
target_in_visit(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *pid = ar_msg_string(m, "participant_id");
  if (!pid) {
    ar_signaling_error(s, se, m->id, "bad_message", "needs \"participant_id\" (a string)");
    return NULL;
  }
  ArSession *t = g_hash_table_lookup(s->by_participant, pid);
  if (!t || g_strcmp0(t->appointment_id, se->appointment_id) != 0) {
    ar_signaling_error(s, se, m->id, "not_found", "no such participant in this visit");
    return NULL;
  }
  return t;
}

typedef struct {
  JsonBuilder *b;
} ListCtx;

static void
add_participant(ArSession *p, gpointer user_data)
{
  ListCtx *ctx = user_data;
  json_builder_begin_object(ctx->b);
  json_builder_set_member_name(ctx->b, "participant_id");
  json_builder_add_string_value(ctx->b, p->participant_id);
  json_builder_set_member_name(ctx->b, "role");
  json_builder_add_string_value(ctx->b, ar_token_role_to_string(p->claims.role));
  json_builder_set_member_name(ctx->b, "connected");
  json_builder_add_boolean_value(ctx->b, p->conn != NULL);
  json_builder_end_object(ctx->b);
}

static void
handle_visit_join(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *ap = ar_msg_string(m, "appointment_id");
  if (!ap) {
    ar_signaling_error(s, se, m->id, "bad_message", "visit.join needs \"appointment_id\"");
    return;
  }
  if (!ar_invites_may_act_on(s, se, ap)) {
    ar_signaling_audit(s, se->claims.subject_id, "visit.join", "appointment", ap, "not_found",
                       NULL);
    ar_signaling_error(s, se, m->id, "not_found", "no such appointment in your clinic");
    return;
  }
  if (se->media_room && se->appointment_id && !g_str_equal(se->appointment_id, ap))
    ar_signaling_media_session_closed(s, se);
  ar_signaling_enter_visit(s, se, ap);
  g_autofree char *detail = g_strdup_printf("{\"participant\":\"%s\"}", se->participant_id);
  ar_signaling_audit(s, se->claims.subject_id, "visit.join", "appointment", ap, "success", detail);
  JsonBuilder *b = ar_protocol_begin("visit.joined", m->id);
  json_builder_set_member_name(b, "appointment_id");
  json_builder_add_string_value(b, ap);
  json_builder_set_member_name(b, "participants");
  json_builder_begin_array(b);
  ListCtx ctx = {b};
  ar_roster_foreach(s->roster, ap, add_participant, &ctx);
  json_builder_end_array(b);
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
handle_chat_send(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *text = ar_msg_string(m, "text");
  if (!text || !*text || !g_utf8_validate(text, -1, NULL) ||
      g_utf8_strlen(text, -1) > CHAT_MAX_CHARS) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "chat.send needs \"text\": 1 to 2000 characters");
    return;
  }
  if (!require_visit(s, se, m))
    return;
  JsonBuilder *b = ar_protocol_begin("chat.message", 0);
  json_builder_set_member_name(b, "from");
  json_builder_add_string_value(b, se->participant_id);
  json_builder_set_member_name(b, "role");
  json_builder_add_string_value(b, ar_token_role_to_string(se->claims.role));
  json_builder_set_member_name(b, "text");
  json_builder_add_string_value(b, text);
  json_builder_set_member_name(b, "at");
  json_builder_add_int_value(b, g_get_real_time() / G_USEC_PER_SEC);
  g_autofree char *ev = ar_protocol_finish(b);
  ar_roster_broadcast(s->roster, se->appointment_id, ev, se);
  ar_signaling_ok(se, m->id);
}

static void
handle_visit_mute(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!require_visit(s, se, m))
    return;
  ArSession *t = se;
  if (ar_msg_string(m, "participant_id")) {
    t = target_in_visit(s, se, m);
    if (!t)
      return;
  }
  const char *kind = ar_msg_string(m, "kind");
  if (!kind)
    kind = "audio";
  if (!g_str_equal(kind, "audio") && !g_str_equal(kind, "video")) {
    ar_signaling_error(s, se, m->id, "bad_message", "\"kind\" must be \"audio\" or \"video\"");
    return;
  }
  gboolean muted = TRUE;
  if (json_object_has_member(m->body, "muted") && !ar_msg_bool(m, "muted", &muted)) {
    ar_signaling_error(s, se, m->id, "bad_message", "\"muted\" must be a boolean");
    return;
  }
  if (t != se && se->claims.role != AR_TOKEN_ROLE_CLINICIAN) {
    ar_signaling_error(s, se, m->id, "forbidden", "only a clinician may mute others");
    return;
  }
  if (t != se && !muted) {
    /* Turning someone's microphone on is theirs to do. */
    ar_signaling_error(s, se, m->id, "forbidden", "others can only be muted, not unmuted");
    return;
  }
  JsonBuilder *b = ar_protocol_begin("participant.muted", 0);
  json_builder_set_member_name(b, "participant_id");
  json_builder_add_string_value(b, t->participant_id);
  json_builder_set_member_name(b, "kind");
  json_builder_add_string_value(b, kind);
  json_builder_set_member_name(b, "muted");
  json_builder_add_boolean_value(b, muted);
  json_builder_set_member_name(b, "by");
  json_builder_add_string_value(b, se->participant_id);
  g_autofree char *ev = ar_protocol_finish(b);
  ar_roster_broadcast(s->roster, se->appointment_id, ev, NULL);
  /* Audio is enforced: the router stops forwarding it, whatever the target's client does, until
   * the participant unmutes itself (others cannot unmute it, above). */
  if (g_str_equal(kind, "audio") && t->media_room)
    ar_visits_set_muted(s->visits, t->media_room, t->participant_id, muted);
  if (t != se) {
    g_autofree char *detail =
        g_strdup_printf("{\"participant\":\"%s\",\"kind\":\"%s\"}", t->participant_id, kind);
    ar_signaling_audit(s, se->claims.subject_id, "visit.mute", "appointment", se->appointment_id,
                       "success", detail);
  }
  ar_signaling_ok(se, m->id);
}

static void
handle_visit_remove(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!require_visit(s, se, m))
    return;
  ArSession *t = target_in_visit(s, se, m);
  if (!t)
    return;
  if (t == se) {
    ar_signaling_error(s, se, m->id, "bad_state", "use visit.end or close the connection");
    return;
  }
  g_autofree char *ap = g_strdup(se->appointment_id);
  g_autofree char *detail =
      g_strdup_printf("{\"participant\":\"%s\",\"subject\":\"%s\",\"token_id\":\"%s\"}",
                      t->participant_id, t->claims.subject_id, t->token_id);
  /* Its link stops working for this visit: a removed guest cannot simply rejoin. A clinic-wide
   * link (another clinician, staff) is not this visit's to revoke. */
  if (t->token_id[0] && g_str_equal(t->claims.visit_id, ap))
    ar_invites_revoke(s, t->token_id, "removed");
  ar_signaling_audit(s, se->claims.subject_id, "visit.remove", "appointment", ap, "success",
                     detail);
  ar_signaling_end_participant(s, t, "removed");
  ar_signaling_ok(se, m->id);
}

typedef struct {
  ArSignaling *s;
  ArSession *by;
} EndCtx;

static void
end_one(ArSession *p, gpointer user_data)
{
  EndCtx *ctx = user_data;
  if (!p->conn && p != ctx->by) { /* parked: nothing to come back to */
    ar_signaling_end_participant(ctx->s, p, "visit_ended");
    return;
  }
  ar_signaling_media_session_closed(ctx->s, p);
  ar_roster_remove(ctx->s->roster, p->appointment_id, p);
  g_clear_pointer(&p->appointment_id, g_free);
}

static void
handle_visit_end(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!require_visit(s, se, m))
    return;
  g_autofree char *ap = g_strdup(se->appointment_id);
  JsonBuilder *b = ar_protocol_begin("visit.ended", 0);
  json_builder_set_member_name(b, "appointment_id");
  json_builder_add_string_value(b, ap);
  json_builder_set_member_name(b, "by");
  json_builder_add_string_value(b, se->participant_id);
  g_autofree char *ev = ar_protocol_finish(b);
  ar_roster_broadcast(s->roster, ap, ev, NULL);
  EndCtx ctx = {s, se};
  ar_roster_foreach(s->roster, ap, end_one, &ctx);
  ar_signaling_audit(s, se->claims.subject_id, "visit.end", "appointment", ap, "success", NULL);
  ar_lobby_visit_ended(s, ap);
  ar_signaling_ok(se, m->id);
}

const ArSignalingRoute ar_visit_routes[] = {
    {"visit.join", handle_visit_join}, {"chat.send", handle_chat_send},
    {"visit.mute", handle_visit_mute}, {"visit.remove", handle_visit_remove},
    {"visit.end", handle_visit_end},   {NULL},
};
