/* `join`: a link token becomes this connection's identity. Order of checks: signature and
 * expiry (token.c), revocation, single use, then that the appointment exists. Every attempt,
 * accepted or not, leaves an audit event with opaque ids only. */
#include "audit.h"
#include "ice_servers.h"
#include "limiter.h"
#include "signaling_private.h"

static const char *
token_problem(const GError *error)
{
  switch (error->code) {
  case AR_TOKEN_ERROR_EXPIRED:
    return "this link has expired; ask the clinic for a new one";
  case AR_TOKEN_ERROR_NOT_YET_VALID:
    return "this link is not valid yet";
  case AR_TOKEN_ERROR_UNKNOWN_KEY:
  case AR_TOKEN_ERROR_BAD_SIGNATURE:
    return "this link was not issued by this clinic";
  default:
    return "this is not a valid link";
  }
}

static gboolean
is_revoked(ArStore *store, const char *token_id)
{
  sqlite3_stmt *st =
    ar_store_prepare(store, "SELECT 1 FROM token_revocation WHERE token_id = ?", NULL);
  if (!st)
    return TRUE; /* fail closed */
  sqlite3_bind_text(st, 1, token_id, -1, SQLITE_STATIC);
  gboolean revoked = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  return revoked;
}

/* Burns a single-use token id; FALSE when it was used before. */
static gboolean
burn(ArStore *store, const char *token_id, gint64 now)
{
  sqlite3_stmt *st =
    ar_store_prepare(store, "INSERT INTO token_use (token_id, used_at) VALUES (?, ?)", NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, token_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now);
  return ar_store_step_done(store, st, NULL);
}

/* TRUE when the query (one text parameter) returns a row. */
static gboolean
row_exists(ArStore *store, const char *sql, const char *id)
{
  sqlite3_stmt *st = ar_store_prepare(store, sql, NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  gboolean found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  return found;
}

static gboolean
appointment_exists(ArStore *store, const char *id)
{
  return row_exists(store,
                    "SELECT 1 FROM appointment WHERE id = ?"
                    " AND status NOT IN ('cancelled','entered-in-error')",
                    id);
}

static gboolean
clinic_exists(ArStore *store, const char *id)
{
  return row_exists(store, "SELECT 1 FROM clinic WHERE id = ?", id);
}

static void
audit(ArSignaling *s, const char *actor, const char *entity_type, const char *entity,
      const char *outcome, const char *participant)
{
  g_autofree char *detail =
    participant ? g_strdup_printf("{\"participant\":\"%s\"}", participant) : NULL;
  ArAuditEvent ev = {actor, "visit.join", entity_type, entity, outcome, detail};
  g_autoptr(GError) error = NULL;
  if (!ar_audit_append(s->store, g_get_real_time() / G_USEC_PER_SEC, &ev, &error))
    g_warning("audit append failed: %s", error->message);
}

static void
refuse(ArSignaling *s, ArSession *se, const ArMsg *m, const char *why, const char *outcome,
       const ArTokenClaims *c)
{
  audit(s, c ? c->subject_id : "unknown", "token", c ? c->visit_id : "unknown", outcome, NULL);
  ar_signaling_error(s, se, m->id, "invalid_token", why);
}

void
ar_signaling_reply_joined(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  JsonBuilder *b = ar_protocol_begin("joined", m->id);
  json_builder_set_member_name(b, "role");
  json_builder_add_string_value(b, ar_token_role_to_string(se->claims.role));
  json_builder_set_member_name(b, "participant_id");
  json_builder_add_string_value(b, se->participant_id);
  json_builder_set_member_name(b, se->claims.role == AR_TOKEN_ROLE_CLINICIAN ||
                                      se->claims.role == AR_TOKEN_ROLE_STAFF
                                    ? "clinic_id"
                                    : "appointment_id");
  json_builder_add_string_value(b, se->claims.visit_id);
  const char *waiting_state = ar_lobby_joined(s, se);
  if (waiting_state) {
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, waiting_state);
  }
  json_builder_set_member_name(b, "grace_seconds");
  json_builder_add_int_value(b, s->opts.grace_seconds);
  json_builder_set_member_name(b, "ice_servers");
  ar_ice_servers_build(s->opts.ice_servers, b, se->participant_id, now);
  ar_signaling_send(se, ar_protocol_finish(b));
  ar_lobby_welcome(s, se);
}

static void
handle_join(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *token = ar_msg_string(m, "token");
  if (se->joined) {
    ar_signaling_error(s, se, m->id, "bad_state", "this connection has already joined");
    return;
  }
  if (!token && !json_object_has_member(m->body, "token")) {
    ar_accounts_ws_join(s, se, m); /* a signed-in clinician's cookie */
    return;
  }
  if (!token) {
    ar_signaling_error(s, se, m->id, "bad_message", "join needs \"token\" (a string)");
    return;
  }
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  ArTokenClaims c;
  g_autoptr(GError) error = NULL;
  if (!ar_token_verify(s->keys, token, now, &c, &error)) {
    refuse(s, se, m, token_problem(error), "invalid_token", NULL);
    return;
  }
  char tid[2 * AR_TOKEN_ID_BYTES + 1];
  ar_token_id_to_hex(&c, tid);
  if (is_revoked(s->store, tid)) {
    refuse(s, se, m, "this link has been withdrawn; ask the clinic for a new one", "revoked", &c);
    return;
  }
  if ((c.flags & AR_TOKEN_FLAG_SINGLE_USE) && !burn(s->store, tid, now)) {
    refuse(s, se, m, "this invitation link has already been used", "replayed", &c);
    return;
  }
  gboolean clinic_wide = c.role == AR_TOKEN_ROLE_CLINICIAN || c.role == AR_TOKEN_ROLE_STAFF;
  if (clinic_wide ? !clinic_exists(s->store, c.visit_id)
                  : !appointment_exists(s->store, c.visit_id)) {
    refuse(s, se, m, "the appointment for this link no longer exists", "not_found", &c);
    return;
  }
  if (s->limits && !ar_limiter_token_take(s->limits, tid)) {
    refuse(s, se, m, "this link is already open in too many windows", "too_many_connections", &c);
    return;
  }
  g_strlcpy(se->token_id, tid, sizeof se->token_id);
  se->claims = c;
  se->joined = TRUE;
  se->participant_id = ar_store_new_id("par");
  g_hash_table_insert(s->by_participant, se->participant_id, se);
  audit(s, c.subject_id, clinic_wide ? "clinic" : "appointment", c.visit_id, "success",
        se->participant_id);
  g_info("joined role=%s participant=%s", ar_token_role_to_string(c.role), se->participant_id);
  ar_invites_on_join(s, se);
  if (!clinic_wide)
    ar_signaling_enter_visit(s, se, c.visit_id);
  ar_signaling_reply_joined(s, se, m);
  ar_signaling_scheduler_presence(s, se, TRUE);
}

const ArSignalingRoute ar_join_routes[] = {
  {"join", handle_join},
  {NULL},
};
