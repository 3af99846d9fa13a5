/* Media negotiation messages: offers are parsed here (so a bad SDP gets its error at once and
 * nothing reaches the media worker), then handed to the participant's room; answers,
 * candidates, transport state and device-check stats come back as room events. */
#include "audit.h"
#include "signaling_private.h"

static void
send_answer(ArSignaling *s, ArSession *se, const ArRoomEvent *ev)
{
  if (ev->error) {
    gboolean full = g_error_matches(ev->error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
    ar_signaling_error(s, se, ev->request_id, full ? "visit_full" : "bad_sdp",
                       ev->error->message);
    return;
  }
  JsonBuilder *b = ar_protocol_begin("media.answer", ev->request_id);
  json_builder_set_member_name(b, "sdp");
  json_builder_add_string_value(b, ev->text);
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
send_candidate(ArSession *se, const ArRoomEvent *ev)
{
  JsonBuilder *b = ar_protocol_begin("media.candidate", 0);
  json_builder_set_member_name(b, "candidate");
  json_builder_add_string_value(b, *ev->text ? ev->text : "");
  json_builder_set_member_name(b, "mid");
  json_builder_add_string_value(b, ev->mid ? ev->mid : "0");
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
send_state(ArSignaling *s, ArSession *se, const ArRoomEvent *ev)
{
  JsonBuilder *b = ar_protocol_begin("media.state", 0);
  json_builder_set_member_name(b, "state");
  json_builder_add_string_value(b, ar_transport_state_name(ev->state));
  if (ev->state == AR_TRANSPORT_CONNECTED && ev->detail) {
    json_builder_set_member_name(b, "srtp_profile");
    json_builder_add_string_value(b, ev->detail);
  } else if (ev->detail) {
    json_builder_set_member_name(b, "reason");
    json_builder_add_string_value(b, ev->detail);
  }
  ar_signaling_send(se, ar_protocol_finish(b));
  if (ev->state >= AR_TRANSPORT_FAILED)
    g_info("media transport %s participant=%s reason=%s", ar_transport_state_name(ev->state),
           se->participant_id, ev->detail ? ev->detail : "none");
  if (ev->state == AR_TRANSPORT_FAILED && g_strcmp0(ev->detail, "fingerprint_mismatch") == 0) {
    ArAuditEvent a = {se->claims.subject_id, "media.dtls", "participant", se->participant_id,
                      "fingerprint_mismatch", NULL};
    ar_audit_append(s->store, g_get_real_time() / G_USEC_PER_SEC, &a, NULL);
  }
}

static const char *
verdict(const ArRoomStats *st)
{
  if (st->loss_pct < 2 && st->rtt_ms < 150 && st->jitter_ms < 30)
    return "good";
  if (st->loss_pct < 8 && st->rtt_ms < 400 && st->jitter_ms < 80)
    return "fair";
  return "poor";
}

static void
send_stats(ArSignaling *s, ArSession *se, const ArRoomEvent *ev)
{
  const ArRoomStats *st = &ev->stats;
  JsonBuilder *b = ar_protocol_begin("media.stats", 0);
  json_builder_set_member_name(b, "rtt_ms");
  json_builder_add_double_value(b, st->rtt_ms);
  json_builder_set_member_name(b, "loss_pct");
  json_builder_add_double_value(b, st->loss_pct);
  json_builder_set_member_name(b, "jitter_ms");
  json_builder_add_double_value(b, st->jitter_ms);
  json_builder_set_member_name(b, "packets");
  json_builder_add_int_value(b, (gint64)st->packets);
  json_builder_set_member_name(b, "downlink_kbps");
  json_builder_add_int_value(b, (gint64)st->downlink_kbps);
  json_builder_set_member_name(b, "verdict");
  json_builder_add_string_value(b, verdict(st));
  ar_signaling_send(se, ar_protocol_finish(b));
  ar_lobby_media_verdict(s, se, verdict(st));
}

static void
send_router_event(ArSession *se, const ArRoomEvent *ev)
{
  if (se->conn)
    ar_ws_conn_send(se->conn, ev->text, -1);
}

void
ar_signaling_room_event(const ArRoomEvent *ev, gpointer user_data)
{
  ArSignaling *s = user_data;
  if (ev->kind == AR_ROOM_EVENT_RECORDING) {
    ar_signaling_recording_room_event(s, ev);
    return;
  }
  ArSession *se = g_hash_table_lookup(s->by_participant, ev->participant_id);
  if (!se)
    return; /* the participant has gone; its room is being torn down */
  switch (ev->kind) {
  case AR_ROOM_EVENT_ANSWER:
    send_answer(s, se, ev);
    if (!ev->error)
      ar_signaling_recording_media_joined(s, se);
    break;
  case AR_ROOM_EVENT_CANDIDATE:
    send_candidate(se, ev);
    break;
  case AR_ROOM_EVENT_STATE:
    send_state(s, se, ev);
    break;
  case AR_ROOM_EVENT_STATS:
    send_stats(s, se, ev);
    break;
  case AR_ROOM_EVENT_ROUTER:
    send_router_event(se, ev);
    break;
  case AR_ROOM_EVENT_RECORDING:
    break;
  }
}

/* One room per appointment: the patient's device check runs in it (echo), so admitting only
 * switches forwarding on. Patients and guests use their link's appointment; clinicians and
 * staff name one of their clinic's appointments. */
static char *
media_room_for(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  gboolean clinic_wide = se->claims.role == AR_TOKEN_ROLE_CLINICIAN ||
                         se->claims.role == AR_TOKEN_ROLE_STAFF;
  if (!clinic_wide)
    return g_strdup(se->claims.visit_id);
  const char *appointment = ar_msg_string(m, "appointment_id");
  if (!appointment && se->appointment_id)
    return g_strdup(se->appointment_id); /* the visit entered with visit.join */
  if (!appointment) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "a clinician's media.offer needs \"appointment_id\"");
    return NULL;
  }
  sqlite3_stmt *st = ar_store_prepare(
    s->store,
    "SELECT 1 FROM appointment a JOIN practitioner p ON p.id = a.practitioner_id"
    " WHERE a.id = ? AND p.clinic_id = ?",
    NULL);
  gboolean ok = FALSE;
  if (st) {
    sqlite3_bind_text(st, 1, appointment, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, se->claims.visit_id, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
  }
  if (!ok) {
    ar_signaling_error(s, se, m->id, "not_found", "no such appointment in your clinic");
    return NULL;
  }
  /* A clinician whose media is in a visit is one of its participants (chat, roster, controls)
   * without a separate visit.join. */
  if (g_strcmp0(se->appointment_id, appointment) != 0)
    ar_signaling_enter_visit(s, se, appointment);
  return g_strdup(appointment);
}

static void
handle_media_offer(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!ar_signaling_require_join(s, se, m))
    return;
  const char *sdp = ar_msg_string(m, "sdp");
  const char *purpose = ar_msg_string(m, "purpose");
  if (!sdp || !purpose) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "media.offer needs \"sdp\" and \"purpose\" (strings)");
    return;
  }
  ArRoomPurpose p;
  if (g_str_equal(purpose, "device_check"))
    p = AR_ROOM_PURPOSE_DEVICE_CHECK;
  else if (g_str_equal(purpose, "visit"))
    p = AR_ROOM_PURPOSE_VISIT;
  else {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "\"purpose\" must be \"device_check\" or \"visit\"");
    return;
  }
  g_autofree char *room = media_room_for(s, se, m);
  if (!room)
    return;
  p = ar_lobby_media_purpose(s, se, p);
  g_autoptr(GError) error = NULL;
  ArSdpSession *offer = ar_sdp_parse(sdp, &error);
  if (!offer) {
    ar_signaling_error(s, se, m->id, "bad_sdp", error->message);
    return;
  }
  if (se->media_room && !g_str_equal(se->media_room, room))
    ar_visits_leave(s->visits, se->media_room, se->participant_id);
  g_free(se->media_room);
  se->media_room = g_strdup(room);
  ar_visits_offer(s->visits, room, se->participant_id, offer, p, m->id);
}

static void
handle_media_candidate(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!ar_signaling_require_join(s, se, m))
    return;
  const char *candidate = ar_msg_string(m, "candidate");
  if (!candidate) {
    ar_signaling_error(s, se, m->id, "bad_message", "media.candidate needs \"candidate\"");
    return;
  }
  if (!se->media_room) {
    ar_signaling_error(s, se, m->id, "bad_state", "send media.offer before candidates");
    return;
  }
  ar_visits_candidate(s->visits, se->media_room, se->participant_id, candidate);
  if (m->id)
    ar_signaling_ok(se, m->id);
}

/* A viewport hint: the tile showing receive slot `mid` is at most max_height pixels tall (0: not
 * shown). The server's allocator sends the smallest simulcast layer that fills it. */
static void
handle_media_viewport(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!ar_signaling_require_join(s, se, m))
    return;
  const char *mid = ar_msg_string(m, "mid");
  gint64 max_height;
  if (!mid || !ar_msg_int(m, "max_height", &max_height) || max_height < 0) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "media.viewport needs \"mid\" and \"max_height\" >= 0");
    return;
  }
  if (!se->media_room || !ar_visits_viewport(s->visits, se->media_room, se->participant_id, mid,
                                             (guint)MIN(max_height, G_MAXUINT16))) {
    ar_signaling_error(s, se, m->id, "bad_state", "send media.offer before media.viewport");
    return;
  }
  if (m->id)
    ar_signaling_ok(se, m->id);
}

const ArSignalingRoute ar_media_routes[] = {
  {"media.offer", handle_media_offer},
  {"media.candidate", handle_media_candidate},
  {"media.viewport", handle_media_viewport},
  {NULL},
};

void
ar_signaling_media_session_closed(ArSignaling *s, ArSession *se)
{
  if (se->media_room && se->participant_id)
    ar_visits_leave(s->visits, se->media_room, se->participant_id);
  g_clear_pointer(&se->media_room, g_free);
}
