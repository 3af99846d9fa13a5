/* Invite links and revocation. A clinician invites an interpreter or a caregiver to one of the
 * clinic's appointments; a patient may invite a caregiver to their own appointment (proxy
 * access: the invite and every join through it are audited as such). Invites are single use
 * unless asked otherwise; join.c burns them. `token.revoke` withdraws any link of the clinic. */
#include "signaling_private.h"

#include <string.h>

#define INVITE_TTL_DEFAULT_S (24 * 3600)
#define INVITE_TTL_MAX_S (7 * 24 * 3600)

/* The clinic of an appointment, or NULL. */
static char *
appointment_clinic(ArSignaling *s, const char *appointment_id)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "SELECT p.clinic_id FROM appointment a JOIN practitioner p ON p.id = a.practitioner_id"
      " WHERE a.id = ? AND a.status NOT IN ('cancelled','entered-in-error')",
      NULL);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, appointment_id, -1, SQLITE_STATIC);
  char *clinic = NULL;
  if (sqlite3_step(st) == SQLITE_ROW)
    clinic = g_strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_reset(st);
  return clinic;
}

/* TRUE when se may act on this appointment: its own visit (patients, guests) or an
 * appointment of its clinic (clinicians, staff). */
gboolean
ar_invites_may_act_on(ArSignaling *s, ArSession *se, const char *appointment_id)
{
  switch (se->claims.role) {
  case AR_TOKEN_ROLE_CLINICIAN:
  case AR_TOKEN_ROLE_STAFF: {
    g_autofree char *clinic = appointment_clinic(s, appointment_id);
    return clinic && g_str_equal(clinic, se->claims.visit_id);
  }
  default:
    return g_str_equal(appointment_id, se->claims.visit_id);
  }
}

static gboolean
store_invite(ArSignaling *s, const char *tid, const ArTokenClaims *c, const char *by,
             gboolean by_patient)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "INSERT INTO invite (token_id, appointment_id, role, subject_id, created_by, by_patient,"
      " single_use, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?)",
      NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, tid, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->visit_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, ar_token_role_to_string(c->role), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, c->subject_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, by, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, by_patient);
  sqlite3_bind_int(st, 7, (c->flags & AR_TOKEN_FLAG_SINGLE_USE) != 0);
  sqlite3_bind_int64(st, 8, c->issued_at);
  sqlite3_bind_int64(st, 9, c->expires_at);
  return ar_store_step_done(s->store, st, NULL);
}

static void
handle_invite_create(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *role_name = ar_msg_string(m, "role");
  const char *appointment = ar_msg_string(m, "appointment_id");
  gboolean is_patient = se->claims.role == AR_TOKEN_ROLE_PATIENT;
  if (!appointment && is_patient)
    appointment = se->claims.visit_id;
  if (!role_name || !appointment) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "invite.create needs \"role\" and \"appointment_id\" (strings)");
    return;
  }
  ArTokenRole role = ar_token_role_from_string(role_name);
  if (role != AR_TOKEN_ROLE_INTERPRETER && role != AR_TOKEN_ROLE_CAREGIVER) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "\"role\" must be \"interpreter\" or \"caregiver\"");
    return;
  }
  gboolean single_use = TRUE;
  if (json_object_has_member(m->body, "single_use") && !ar_msg_bool(m, "single_use", &single_use)) {
    ar_signaling_error(s, se, m->id, "bad_message", "\"single_use\" must be a boolean");
    return;
  }
  gint64 ttl = INVITE_TTL_DEFAULT_S;
  if (json_object_has_member(m->body, "ttl") &&
      (!ar_msg_int(m, "ttl", &ttl) || ttl < 60 || ttl > INVITE_TTL_MAX_S)) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "\"ttl\" must be whole seconds from 60 to 604800");
    return;
  }
  if (is_patient && role != AR_TOKEN_ROLE_CAREGIVER) {
    ar_signaling_audit(s, se->claims.subject_id, "invite.create", "appointment", appointment,
                       "forbidden", NULL);
    ar_signaling_error(s, se, m->id, "forbidden", "a patient may invite a caregiver only");
    return;
  }
  if (!ar_invites_may_act_on(s, se, appointment)) {
    ar_signaling_audit(s, se->claims.subject_id, "invite.create", "appointment", appointment,
                       "not_found", NULL);
    ar_signaling_error(s, se, m->id, "not_found", "no such appointment of yours");
    return;
  }
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  g_autofree char *subject = ar_store_new_id("inv");
  ArTokenClaims c;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  if (ar_token_claims_init(&c, role, appointment, subject, now, ttl,
                           single_use ? AR_TOKEN_FLAG_SINGLE_USE : 0))
    token = ar_token_sign(s->keys, &c, &error);
  char tid[2 * AR_TOKEN_ID_BYTES + 1];
  if (token)
    ar_token_id_to_hex(&c, tid);
  if (!token || !store_invite(s, tid, &c, se->claims.subject_id, is_patient)) {
    ar_signaling_error(s, se, m->id, "internal", "could not make the invitation");
    return;
  }
  g_autofree char *detail =
      g_strdup_printf("{\"token_id\":\"%s\",\"role\":\"%s\",\"invitee\":\"%s\",\"single_use\":%s}",
                      tid, role_name, subject, single_use ? "true" : "false");
  ar_signaling_audit(s, se->claims.subject_id, is_patient ? "proxy.invite" : "invite.create",
                     "appointment", appointment, "success", detail);
  JsonBuilder *b = ar_protocol_begin("invite.created", m->id);
  json_builder_set_member_name(b, "link");
  g_autofree char *link =
      g_strdup_printf("%s/guest.html#t=%s", s->opts.public_url ? s->opts.public_url : "", token);
  json_builder_add_string_value(b, link);
  json_builder_set_member_name(b, "token");
  json_builder_add_string_value(b, token);
  json_builder_set_member_name(b, "token_id");
  json_builder_add_string_value(b, tid);
  json_builder_set_member_name(b, "role");
  json_builder_add_string_value(b, role_name);
  json_builder_set_member_name(b, "single_use");
  json_builder_add_boolean_value(b, single_use);
  json_builder_set_member_name(b, "expires_at");
  json_builder_add_int_value(b, c.expires_at);
  ar_signaling_send(se, ar_protocol_finish(b));
}

gboolean
ar_invites_token_revoked(ArSignaling *s, const char *token_id)
{
  sqlite3_stmt *st =
      ar_store_prepare(s->store, "SELECT 1 FROM token_revocation WHERE token_id = ?", NULL);
  if (!st)
    return TRUE; /* fail closed */
  sqlite3_bind_text(st, 1, token_id, -1, SQLITE_STATIC);
  gboolean revoked = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  return revoked;
}

gboolean
ar_invites_revoke(ArSignaling *s, const char *token_id, const char *reason)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "INSERT OR IGNORE INTO token_revocation (token_id, reason, revoked_at) VALUES (?,?,?)", NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, token_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, g_get_real_time() / G_USEC_PER_SEC);
  return ar_store_step_done(s->store, st, NULL);
}

/* The appointment an invite was made for, by token id; NULL when it is no invite. */
static char *
invite_appointment(ArSignaling *s, const char *token_id, gboolean *by_patient)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store, "SELECT appointment_id, by_patient FROM invite WHERE token_id = ?", NULL);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, token_id, -1, SQLITE_STATIC);
  char *ap = NULL;
  if (sqlite3_step(st) == SQLITE_ROW) {
    ap = g_strdup((const char *)sqlite3_column_text(st, 0));
    if (by_patient)
      *by_patient = sqlite3_column_int(st, 1);
  }
  sqlite3_reset(st);
  return ap;
}

void
ar_invites_on_join(ArSignaling *s, ArSession *se)
{
  gboolean by_patient = FALSE;
  g_autofree char *ap = invite_appointment(s, se->token_id, &by_patient);
  if (ap && by_patient) {
    g_autofree char *detail = g_strdup_printf("{\"participant\":\"%s\",\"token_id\":\"%s\"}",
                                              se->participant_id, se->token_id);
    ar_signaling_audit(s, se->claims.subject_id, "proxy.access", "appointment", ap, "success",
                       detail);
  }
}

/* Ends the live sessions joined with token_id: `removed` then close. */
void
ar_invites_disconnect_token(ArSignaling *s, const char *token_id, const char *reason)
{
  g_autoptr(GPtrArray) hits = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->by_participant);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    ArSession *se = v;
    if (se->token_id[0] && g_str_equal(se->token_id, token_id))
      g_ptr_array_add(hits, se);
  }
  for (guint i = 0; i < hits->len; i++)
    ar_signaling_end_participant(s, g_ptr_array_index(hits, i), reason);
}

static void
handle_token_revoke(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *token = ar_msg_string(m, "token");
  const char *token_id = ar_msg_string(m, "token_id");
  char tid[2 * AR_TOKEN_ID_BYTES + 1] = "";
  g_autofree char *appointment = NULL;
  if (token) {
    ArTokenClaims c;
    g_autoptr(GError) error = NULL;
    if (!ar_token_verify(s->keys, token, g_get_real_time() / G_USEC_PER_SEC, &c, &error)) {
      /* An expired link cannot be used anyway; a forged one is not ours to revoke. */
      ar_signaling_error(s, se, m->id, "invalid_token",
                         error->code == AR_TOKEN_ERROR_EXPIRED ? "this link has expired already"
                                                               : "not a link of this clinic");
      return;
    }
    ar_token_id_to_hex(&c, tid);
    appointment = g_strdup(c.visit_id);
  } else if (token_id && strlen(token_id) == 2 * AR_TOKEN_ID_BYTES) {
    g_strlcpy(tid, token_id, sizeof tid);
    appointment = invite_appointment(s, tid, NULL);
  } else {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "token.revoke needs \"token\" or an invite's \"token_id\"");
    return;
  }
  if (!appointment || !ar_invites_may_act_on(s, se, appointment)) {
    ar_signaling_audit(s, se->claims.subject_id, "token.revoke", "token", tid, "not_found", NULL);
    ar_signaling_error(s, se, m->id, "not_found", "no such link for your clinic");
    return;
  }
  if (!ar_invites_revoke(s, tid, "revoked")) {
    ar_signaling_error(s, se, m->id, "internal", "could not revoke");
    return;
  }
  g_autofree char *detail = g_strdup_printf("{\"appointment\":\"%s\"}", appointment);
  ar_signaling_audit(s, se->claims.subject_id, "token.revoke", "token", tid, "success", detail);
  ar_invites_disconnect_token(s, tid, "revoked");
  ar_signaling_ok(se, m->id);
}

const ArSignalingRoute ar_invites_routes[] = {
    {"invite.create", handle_invite_create},
    {"token.revoke", handle_token_revoke},
    {NULL},
};
