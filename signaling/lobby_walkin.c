/* `lobby.walkin`: a clinician or the front desk adds a walk-in (waiting_walkin.c makes the
 * patient and the appointment) and gets back the patient's signed link to hand over, as text
 * and as a QR code in the console. The link is an ordinary patient link: the walk-in joins,
 * checks in and waits like anyone booked. Ids only in logs and audit details; the optional
 * label the desk types goes to the patient record and nowhere else. */
#include "lobby_private.h"

#include <string.h>

#define LABEL_MAX_CHARS 64

/* Visit types and languages are short codes ("general", "es", "pt-BR"), not free text. */
static gboolean
is_code(const char *s, gsize max)
{
  gsize n = s ? strlen(s) : 0;
  if (n == 0 || n > max)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
      return FALSE;
  return TRUE;
}

static gboolean
is_label(const char *s)
{
  if (!g_utf8_validate(s, -1, NULL) || g_utf8_strlen(s, -1) > LABEL_MAX_CHARS)
    return FALSE;
  for (const char *p = s; *p; p = g_utf8_next_char(p))
    if (g_unichar_iscntrl(g_utf8_get_char(p)))
      return FALSE;
  return TRUE;
}

/* Reads the request into w; FALSE with a reply sent when it is malformed. */
static gboolean
parse(ArSignaling *s, ArSession *se, const ArMsg *m, ArWalkIn *w)
{
  gboolean first = FALSE;
  if (json_object_has_member(m->body, "first_available") &&
      !ar_msg_bool(m, "first_available", &first)) {
    ar_signaling_error(s, se, m->id, "bad_message", "\"first_available\" must be a boolean");
    return FALSE;
  }
  w->practitioner_id = ar_msg_string(m, "practitioner_id");
  if (!w->practitioner_id == !first) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "lobby.walkin needs \"practitioner_id\" (a string) or "
                       "\"first_available\": true, not both");
    return FALSE;
  }
  w->visit_type = ar_msg_string(m, "visit_type");
  if (!is_code(w->visit_type, 32)) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "lobby.walkin needs \"visit_type\" (1 to 32 letters, digits, - or _)");
    return FALSE;
  }
  w->language = ar_msg_string(m, "language");
  if (json_object_has_member(m->body, "language") && !is_code(w->language, 8)) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "\"language\" must be a language code such as \"es\"");
    return FALSE;
  }
  if (json_object_has_member(m->body, "needs_interpreter") &&
      !ar_msg_bool(m, "needs_interpreter", &w->needs_interpreter)) {
    ar_signaling_error(s, se, m->id, "bad_message", "\"needs_interpreter\" must be a boolean");
    return FALSE;
  }
  if (w->needs_interpreter && !w->language) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "\"needs_interpreter\" needs the \"language\" to interpret");
    return FALSE;
  }
  w->label = ar_msg_string(m, "label");
  if (json_object_has_member(m->body, "label") && (!w->label || !is_label(w->label))) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "\"label\" must be text of at most 64 characters");
    return FALSE;
  }
  if (w->label && !*w->label)
    w->label = NULL;
  return TRUE;
}

/* The patient's link: valid for as long as the appointment is in today's waiting room. */
static char *
patient_link(ArSignaling *s, const ArWaitingEntry *e, gint64 now, ArTokenClaims *c, char **token)
{
  if (!ar_token_claims_init(c, AR_TOKEN_ROLE_PATIENT, e->appointment_id, e->patient_id, now,
                            AR_WAITING_ROOM_WINDOW_S, 0))
    return NULL;
  *token = ar_token_sign(s->keys, c, NULL);
  if (!*token)
    return NULL;
  return g_strdup_printf("%s/patient.html#t=%s", s->opts.public_url ? s->opts.public_url : "",
                         *token);
}

void
ar_lobby_handle_walkin(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_LOBBY(s, se, m))
    return;
  ArWalkIn w = {.clinic_id = se->claims.visit_id, .actor = se->claims.subject_id};
  if (!parse(s, se, m, &w))
    return;
  gint64 now = ar_lobby_now();
  g_autoptr(GError) error = NULL;
  const ArWaitingEntry *e = ar_waiting_room_add_walk_in(s->lobby->wr, &w, now, &error);
  if (!e) {
    g_autofree char *detail =
        w.practitioner_id ? ar_lobby_json_detail("practitioner", w.practitioner_id) : NULL;
    ar_lobby_audit(s, se, "lobby.walkin", "clinic", se->claims.visit_id, "refused", detail);
    ar_lobby_reply_error(s, se, m, error);
    return;
  }
  ArTokenClaims c;
  g_autofree char *token = NULL;
  g_autofree char *link = patient_link(s, e, now, &c, &token);
  if (!link) {
    ar_signaling_error(s, se, m->id, "internal", "the walk-in was added but no link was made");
    return;
  }
  char tid[2 * AR_TOKEN_ID_BYTES + 1];
  ar_token_id_to_hex(&c, tid);
  g_autofree char *detail =
      g_strdup_printf("{\"token_id\":\"%s\",\"patient\":\"%s\"}", tid, e->patient_id);
  ar_lobby_audit(s, se, "lobby.walkin_link", "appointment", e->appointment_id, "success", detail);
  g_info("walk-in added appointment=%s practitioner=%s by=%s", e->appointment_id,
         e->practitioner_id, se->participant_id);
  JsonBuilder *b = ar_protocol_begin("lobby.walkin_created", m->id);
  ar_lobby_add_str(b, "appointment_id", e->appointment_id);
  ar_lobby_add_str(b, "patient_id", e->patient_id);
  ar_lobby_add_str(b, "practitioner_id", e->practitioner_id);
  ar_lobby_add_str(b, "state", ar_waiting_room_state_name(e->state));
  ar_lobby_add_str(b, "link", link);
  ar_lobby_add_str(b, "token", token);
  ar_lobby_add_str(b, "token_id", tid);
  ar_lobby_add_int(b, "expires_at", c.expires_at);
  ar_signaling_send(se, ar_protocol_finish(b));
}
