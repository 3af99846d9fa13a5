/* Resume: a participant whose WebSocket drops (network change, phone locked, page reload) is
 * parked, not ended: its participant id, roster place and media transport stay for
 * grace_seconds. A new connection that sends `resume` with the same link token (or the same
 * session cookie) and the participant id gets all of it back; the client then restarts ICE
 * with a new media.offer if its transport did not survive. After the grace it is gone. */
#include "accounts.h"
#include "ice_servers.h"
#include "limiter.h"
#include "signaling_private.h"

#include <string.h>

typedef struct {
  ArSignaling *s;
  char *participant_id;
} GraceCtx;

static void
grace_ctx_free(gpointer data)
{
  GraceCtx *g = data;
  g_free(g->participant_id);
  g_free(g);
}

static gboolean
grace_over(gpointer user_data)
{
  GraceCtx *g = user_data;
  ArSignaling *s = g->s;
  ArSession *se = g_hash_table_lookup(s->parked, g->participant_id);
  if (se) {
    se->grace_timer = 0; /* this source ends when we return */
    ar_signaling_participant_gone(s, se, "timeout");
    g_hash_table_remove(s->by_participant, se->participant_id);
    g_hash_table_remove(s->parked, g->participant_id);
  }
  return G_SOURCE_REMOVE;
}

static char *
away_event(const char *type, ArSession *se)
{
  JsonBuilder *b = ar_protocol_begin(type, 0);
  json_builder_set_member_name(b, "participant_id");
  json_builder_add_string_value(b, se->participant_id);
  return ar_protocol_finish(b);
}

gboolean
ar_resume_park(ArSignaling *s, ArSession *se)
{
  if (!se->joined || !se->participant_id)
    return FALSE;
  if (!s->parked)
    s->parked = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, ar_signaling_session_free);
  se->conn = NULL;
  GraceCtx *g = g_new0(GraceCtx, 1);
  g->s = s;
  g->participant_id = g_strdup(se->participant_id);
  se->grace_timer = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, s->opts.grace_seconds,
                                               grace_over, g, grace_ctx_free);
  g_hash_table_insert(s->parked, se->participant_id, se);
  if (se->appointment_id) {
    g_autofree char *ev = away_event("participant.away", se);
    ar_roster_broadcast(s->roster, se->appointment_id, ev, se);
  }
  g_info("participant=%s parked for %u s", se->participant_id, s->opts.grace_seconds);
  return TRUE;
}

void
ar_resume_free_parked(ArSignaling *s)
{
  if (!s->parked)
    return;
  g_clear_pointer(&s->parked, g_hash_table_unref);
}

/* Does the new connection prove to be the parked participant? Same link token id (valid and
 * not revoked now), or the same live cookie session. */
static gboolean
same_identity(ArSignaling *s, ArSession *fresh, ArSession *old, const char *token)
{
  if (old->cookie_session) {
    g_autofree char *key = NULL;
    return s->opts.accounts &&
           ar_accounts_lookup(s->opts.accounts, ar_ws_conn_cookie(fresh->conn),
                              g_get_real_time() / 1000, TRUE, NULL, &key) &&
           g_str_equal(key, old->cookie_session);
  }
  if (!token)
    return FALSE;
  ArTokenClaims c;
  if (!ar_token_verify(s->keys, token, g_get_real_time() / G_USEC_PER_SEC, &c, NULL))
    return FALSE;
  char tid[2 * AR_TOKEN_ID_BYTES + 1];
  ar_token_id_to_hex(&c, tid);
  return g_str_equal(tid, old->token_id) && !ar_invites_token_revoked(s, tid);
}

static void
add_roster_entry(ArSession *p, gpointer user_data)
{
  JsonBuilder *b = user_data;
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "participant_id");
  json_builder_add_string_value(b, p->participant_id);
  json_builder_set_member_name(b, "role");
  json_builder_add_string_value(b, ar_token_role_to_string(p->claims.role));
  json_builder_set_member_name(b, "connected");
  json_builder_add_boolean_value(b, p->conn != NULL);
  json_builder_end_object(b);
}

/* Everything `joined` told the page, plus where it was: a reloaded page has forgotten it all
 * and must put the person back on the right screen (waiting room or visit) with the roster. */
static void
reply_resumed(ArSignaling *s, ArSession *se, const ArMsg *m, const char *waiting_state,
              gboolean media)
{
  gboolean clinic_wide =
      se->claims.role == AR_TOKEN_ROLE_CLINICIAN || se->claims.role == AR_TOKEN_ROLE_STAFF;
  JsonBuilder *b = ar_protocol_begin("resumed", m->id);
  json_builder_set_member_name(b, "participant_id");
  json_builder_add_string_value(b, se->participant_id);
  json_builder_set_member_name(b, "role");
  json_builder_add_string_value(b, ar_token_role_to_string(se->claims.role));
  json_builder_set_member_name(b, "appointment_id");
  if (se->appointment_id)
    json_builder_add_string_value(b, se->appointment_id);
  else
    json_builder_add_null_value(b);
  if (clinic_wide) {
    json_builder_set_member_name(b, "clinic_id");
    json_builder_add_string_value(b, se->claims.visit_id);
  }
  if (waiting_state) {
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, waiting_state);
  }
  json_builder_set_member_name(b, "media");
  json_builder_add_boolean_value(b, media);
  json_builder_set_member_name(b, "ice_restart");
  json_builder_add_boolean_value(b, media);
  json_builder_set_member_name(b, "grace_seconds");
  json_builder_add_int_value(b, s->opts.grace_seconds);
  json_builder_set_member_name(b, "ice_servers");
  ar_ice_servers_build(s->opts.ice_servers, b, se->participant_id,
                       g_get_real_time() / G_USEC_PER_SEC);
  if (se->appointment_id) {
    json_builder_set_member_name(b, "participants");
    json_builder_begin_array(b);
    ar_roster_foreach(s->roster, se->appointment_id, add_roster_entry, b);
    json_builder_end_array(b);
  }
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
handle_resume(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *pid = ar_msg_string(m, "participant_id");
  const char *token = ar_msg_string(m, "token");
  if (!pid) {
    ar_signaling_error(s, se, m->id, "bad_message", "resume needs \"participant_id\"");
    return;
  }
  if (se->joined) {
    ar_signaling_error(s, se, m->id, "bad_state", "this connection has already joined");
    return;
  }
  ArSession *old = g_hash_table_lookup(s->by_participant, pid);
  if (!old || old == se) {
    ar_signaling_error(s, se, m->id, "not_found",
                       "that participant is gone (grace period over); join again");
    return;
  }
  if (!same_identity(s, se, old, token)) {
    ar_signaling_audit(s, old->claims.subject_id, "visit.resume", "participant", pid,
                       "invalid_token", NULL);
    ar_signaling_error(s, se, m->id, "invalid_token", "this link does not own that participant");
    return;
  }
  if (old->conn) {
    /* The old socket is not known dead yet (e.g. a network change): this one takes over. */
    g_hash_table_steal(s->sessions, old->conn);
    if (s->limits && old->peer_ip)
      ar_limiter_disconnect(s->limits, old->peer_ip);
    ar_ws_conn_close(old->conn, 4002, "resumed on another connection");
  } else {
    g_hash_table_steal(s->parked, pid);
    if (old->grace_timer)
      g_source_remove(old->grace_timer);
    old->grace_timer = 0;
  }
  /* The parked session takes over this connection; the fresh one is dropped. */
  ArWsConn *c = se->conn;
  g_free(old->peer_ip);
  old->peer_ip = g_steal_pointer(&se->peer_ip);
  old->rate = se->rate;
  old->errors = 0;
  old->conn = c;
  g_hash_table_replace(s->sessions, c, old); /* frees se */
  /* The waiting room takes the patient back first (the reply says where they are); its
   * place in line and kept clinic messages follow the reply, as after `joined`, so a page
   * that only starts listening once `resumed` arrived does not miss them. */
  const char *waiting_state = ar_lobby_joined(s, old);
  gboolean media = old->media_room != NULL;
  g_autofree char *detail =
      g_strdup_printf("{\"participant\":\"%s\",\"media\":%s}", pid, media ? "true" : "false");
  ar_signaling_audit(
      s, old->claims.subject_id, "visit.resume", old->appointment_id ? "appointment" : "clinic",
      old->appointment_id ? old->appointment_id : old->claims.visit_id, "success", detail);
  if (old->appointment_id) {
    g_autofree char *ev = away_event("participant.back", old);
    ar_roster_broadcast(s->roster, old->appointment_id, ev, old);
  }
  reply_resumed(s, old, m, waiting_state, media);
  ar_lobby_welcome(s, old);
  ar_signaling_scheduler_presence(s, old, TRUE);
}

/* A deliberate goodbye: no grace period, the place is given up at once. */
static void
handle_leave(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!ar_signaling_require_join(s, se, m))
    return;
  ar_signaling_participant_gone(s, se, "left");
  g_hash_table_remove(s->by_participant, se->participant_id);
  g_clear_pointer(&se->participant_id, g_free);
  g_clear_pointer(&se->cookie_session, g_free);
  ar_signaling_ok(se, m->id);
}

void
ar_resume_end_parked(ArSignaling *s)
{
  if (!s->parked)
    return;
  g_autoptr(GList) ids = g_hash_table_get_keys(s->parked);
  for (GList *l = ids; l; l = l->next) {
    ArSession *se = g_hash_table_lookup(s->parked, l->data);
    ar_signaling_participant_gone(s, se, "shutdown");
    g_hash_table_remove(s->by_participant, se->participant_id);
    g_hash_table_remove(s->parked, l->data);
  }
}

const ArSignalingRoute ar_resume_routes[] = {
    {"resume", handle_resume},
    {"leave", handle_leave},
    {NULL},
};
