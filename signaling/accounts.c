/* Login runs scrypt (~0.3 s, 32 MiB) in a GTask thread and answers through a deferred HTTP
 * response, so the main loop keeps serving media signaling meanwhile. An unknown login still
 * costs one hash, so response time does not tell which logins exist. */
#include "accounts.h"
#include "audit.h"
#include "limiter.h"
#include "password.h"
#include "signaling_private.h"

#include <json-glib/json-glib.h>
#include <openssl/rand.h>
#include <string.h>

#define SESSION_BYTES 32

struct ArAccounts {
  ArStore *store;
  struct ArLimiter *limits;
  gint64 idle_ms;
};

ArAccounts *
ar_accounts_new(ArStore *store, struct ArLimiter *limits, gint64 idle_ms)
{
  ArAccounts *a = g_new0(ArAccounts, 1);
  a->store = store;
  a->limits = limits;
  a->idle_ms = idle_ms;
  return a;
}

void
ar_accounts_free(ArAccounts *a)
{
  g_free(a);
}

gint64
ar_accounts_idle_ms(const ArAccounts *a)
{
  return a->idle_ms;
}

static void
audit(ArStore *store, const char *actor, const char *action, const char *entity,
      const char *outcome)
{
  ArAuditEvent ev = {actor, action, "account", entity, outcome, NULL};
  g_autoptr(GError) error = NULL;
  if (!ar_audit_append(store, g_get_real_time() / G_USEC_PER_SEC, &ev, &error))
    g_warning("audit append failed: %s", error->message);
}

static char *
key_of(const char *cookie_value)
{
  return g_compute_checksum_for_string(G_CHECKSUM_SHA256, cookie_value, -1);
}

char *
ar_accounts_cookie_value(const char *header)
{
  if (!header)
    return NULL;
  g_auto(GStrv) parts = g_strsplit(header, ";", -1);
  for (char **p = parts; *p; p++) {
    const char *c = *p;
    while (*c == ' ')
      c++;
    if (g_str_has_prefix(c, AR_ACCOUNTS_COOKIE "=")) {
      const char *v = c + strlen(AR_ACCOUNTS_COOKIE "=");
      if (*v && strlen(v) < 128)
        return g_strdup(v);
    }
  }
  return NULL;
}

static ArTokenRole
role_of(const char *name)
{
  if (g_strcmp0(name, "clinician") == 0)
    return AR_TOKEN_ROLE_CLINICIAN;
  if (g_strcmp0(name, "staff") == 0)
    return AR_TOKEN_ROLE_STAFF;
  if (g_strcmp0(name, "interpreter") == 0)
    return AR_TOKEN_ROLE_INTERPRETER;
  return 0;
}

static void
end_session(ArAccounts *a, const char *key, gint64 now_ms)
{
  sqlite3_stmt *st = ar_store_prepare(
      a->store, "UPDATE account_session SET ended_at = ? WHERE key = ? AND ended_at IS NULL", NULL);
  if (!st)
    return;
  sqlite3_bind_int64(st, 1, now_ms);
  sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
  ar_store_step_done(a->store, st, NULL);
}

/* Live session by key: fills out; ends and audits a session that has gone idle. */
static gboolean
session_by_key(ArAccounts *a, const char *key, gint64 now_ms, gboolean touch,
               ArAccountIdentity *out)
{
  sqlite3_stmt *st = ar_store_prepare(
      a->store,
      "SELECT s.last_seen, s.account_id, p.id, p.clinic_id, p.role FROM account_session s"
      " JOIN account c ON c.id = s.account_id JOIN practitioner p ON p.id = c.practitioner_id"
      " WHERE s.key = ? AND s.ended_at IS NULL AND p.active = 1",
      NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return FALSE;
  }
  gint64 last = sqlite3_column_int64(st, 0);
  ArAccountIdentity id = {0};
  g_strlcpy(id.account_id, (const char *)sqlite3_column_text(st, 1), sizeof id.account_id);
  g_strlcpy(id.practitioner_id, (const char *)sqlite3_column_text(st, 2),
            sizeof id.practitioner_id);
  g_strlcpy(id.clinic_id, (const char *)sqlite3_column_text(st, 3), sizeof id.clinic_id);
  id.role = role_of((const char *)sqlite3_column_text(st, 4));
  sqlite3_reset(st);
  if (now_ms - last >= a->idle_ms) {
    end_session(a, key, now_ms);
    audit(a->store, id.practitioner_id, "account.idle_logoff", id.account_id, "success");
    return FALSE;
  }
  if (touch) {
    st = ar_store_prepare(a->store, "UPDATE account_session SET last_seen = ? WHERE key = ?", NULL);
    if (st) {
      sqlite3_bind_int64(st, 1, now_ms);
      sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
      ar_store_step_done(a->store, st, NULL);
    }
  }
  if (out)
    *out = id;
  return id.role != 0;
}

gboolean
ar_accounts_session_alive(ArAccounts *a, const char *key, gint64 now_ms, gboolean touch)
{
  return session_by_key(a, key, now_ms, touch, NULL);
}

gboolean
ar_accounts_lookup(ArAccounts *a, const char *cookie_header, gint64 now_ms, gboolean touch,
                   ArAccountIdentity *out, char **key_out)
{
  g_autofree char *v = ar_accounts_cookie_value(cookie_header);
  if (!v)
    return FALSE;
  g_autofree char *key = key_of(v);
  if (!session_by_key(a, key, now_ms, touch, out))
    return FALSE;
  if (key_out)
    *key_out = g_steal_pointer(&key);
  return TRUE;
}

static void
json_reply(ArHttpResponse *resp, int status, JsonBuilder *b)
{
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  char *text = json_to_string(root, FALSE);
  ar_http_response_take(resp, status, "application/json", g_bytes_new_take(text, strlen(text)));
  ar_http_response_header(resp, "Cache-Control", "no-store");
}

static void
error_reply(ArHttpResponse *resp, int status, const char *code, const char *message)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "error");
  json_builder_add_string_value(b, code);
  json_builder_set_member_name(b, "message");
  json_builder_add_string_value(b, message);
  json_builder_end_object(b);
  json_reply(resp, status, b);
}

static void
identity_reply(ArAccounts *a, ArHttpResponse *resp, const ArAccountIdentity *id)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "practitioner_id");
  json_builder_add_string_value(b, id->practitioner_id);
  json_builder_set_member_name(b, "clinic_id");
  json_builder_add_string_value(b, id->clinic_id);
  json_builder_set_member_name(b, "role");
  json_builder_add_string_value(b, ar_token_role_to_string(id->role));
  json_builder_set_member_name(b, "idle_logoff_s");
  json_builder_add_double_value(b, a->idle_ms / 1000.0);
  json_builder_end_object(b);
  json_reply(resp, 200, b);
}

typedef struct {
  ArAccounts *accounts;
  ArHttpDeferred *deferred;
  char *password;
  char *hash; /* NULL: unknown login, hash anyway for equal timing */
  char *account_id;
} LoginJob;

static void
login_job_free(gpointer data)
{
  LoginJob *j = data;
  if (j->password) {
    explicit_bzero(j->password, strlen(j->password));
    g_free(j->password);
  }
  g_free(j->hash);
  g_free(j->account_id);
  g_free(j);
}

static void
verify_in_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  LoginJob *j = data;
  gboolean ok = FALSE;
  if (j->hash)
    ok = ar_password_verify(j->hash, j->password);
  else
    g_free(ar_password_hash(j->password, NULL));
  g_task_return_boolean(task, ok);
}

static gboolean
create_session(ArAccounts *a, const char *account_id, char **cookie_out)
{
  guint8 raw[SESSION_BYTES];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return FALSE;
  g_autofree char *b64 = g_base64_encode(raw, sizeof raw);
  g_strdelimit(b64, "+", '-');
  g_strdelimit(b64, "/", '_');
  g_strdelimit(b64, "=", '\0');
  g_autofree char *key = key_of(b64);
  gint64 now_ms = g_get_real_time() / 1000;
  sqlite3_stmt *st = ar_store_prepare(
      a->store,
      "INSERT INTO account_session (key, account_id, created_at, last_seen) VALUES (?,?,?,?)",
      NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, account_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, now_ms);
  sqlite3_bind_int64(st, 4, now_ms);
  if (!ar_store_step_done(a->store, st, NULL))
    return FALSE;
  *cookie_out = g_steal_pointer(&b64);
  return TRUE;
}

static void
login_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  LoginJob *j = g_task_get_task_data(G_TASK(res));
  ArAccounts *a = j->accounts;
  ArHttpResponse *resp = ar_http_deferred_response(j->deferred);
  gboolean ok = g_task_propagate_boolean(G_TASK(res), NULL);
  g_autofree char *cookie = NULL;
  ArAccountIdentity id = {0};
  if (ok && create_session(a, j->account_id, &cookie)) {
    g_autofree char *key = key_of(cookie);
    gint64 now_ms = g_get_real_time() / 1000;
    session_by_key(a, key, now_ms, FALSE, &id);
    audit(a->store, id.practitioner_id, "account.login", j->account_id, "success");
    identity_reply(a, resp, &id);
    g_autofree char *set = g_strdup_printf(
        AR_ACCOUNTS_COOKIE "=%s; HttpOnly; Secure; SameSite=Strict; Path=/", cookie);
    ar_http_response_header(resp, "Set-Cookie", set);
  } else {
    audit(a->store, j->account_id ? j->account_id : "unknown", "account.login",
          j->account_id ? j->account_id : "unknown", ok ? "internal" : "bad_credentials");
    error_reply(resp, ok ? 500 : 401, ok ? "internal" : "bad_credentials",
                ok ? "could not start a session" : "wrong login or password");
  }
  ar_http_deferred_finish(j->deferred);
}

static void
handle_login(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ArAccounts *a = user_data;
  if (!g_str_equal(req->method, "POST")) {
    error_reply(resp, 405, "method", "use POST");
    return;
  }
  if (a->limits && !ar_limiter_login(a->limits, req->peer_ip, g_get_monotonic_time())) {
    audit(a->store, "unknown", "account.login", "unknown", "rate_limited");
    error_reply(resp, 429, "rate_limited", "too many login attempts; wait a minute");
    return;
  }
  gsize len;
  const char *body = g_bytes_get_data(req->body, &len);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonNode *root = NULL;
  if (len > 0 && json_parser_load_from_data(parser, body, (gssize)len, NULL))
    root = json_parser_get_root(parser);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  JsonNode *ln = o ? json_object_get_member(o, "login") : NULL;
  JsonNode *pn = o ? json_object_get_member(o, "password") : NULL;
  if (!ln || !pn || json_node_get_value_type(ln) != G_TYPE_STRING ||
      json_node_get_value_type(pn) != G_TYPE_STRING) {
    error_reply(resp, 400, "bad_message", "send {\"login\":\"...\",\"password\":\"...\"}");
    return;
  }
  const char *pw = json_node_get_string(pn);
  if (strlen(pw) > AR_PASSWORD_MAX_LEN) {
    error_reply(resp, 400, "bad_message", "password too long");
    return;
  }
  LoginJob *j = g_new0(LoginJob, 1);
  j->accounts = a;
  j->password = g_strdup(pw);
  sqlite3_stmt *st = ar_store_prepare(
      a->store,
      "SELECT c.id, c.password_hash FROM account c JOIN practitioner p ON p.id = c.practitioner_id"
      " WHERE c.login = ? AND p.active = 1",
      NULL);
  if (st) {
    sqlite3_bind_text(st, 1, json_node_get_string(ln), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
      j->account_id = g_strdup((const char *)sqlite3_column_text(st, 0));
      j->hash = g_strdup((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
  }
  j->deferred = ar_http_response_defer(resp);
  GTask *task = g_task_new(NULL, NULL, login_done, NULL);
  g_task_set_task_data(task, j, login_job_free);
  g_task_run_in_thread(task, verify_in_thread);
  g_object_unref(task);
}

static void
handle_logout(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ArAccounts *a = user_data;
  if (!g_str_equal(req->method, "POST")) {
    error_reply(resp, 405, "method", "use POST");
    return;
  }
  gint64 now_ms = g_get_real_time() / 1000;
  ArAccountIdentity id;
  g_autofree char *key = NULL;
  if (ar_accounts_lookup(a, req->cookie, now_ms, FALSE, &id, &key)) {
    end_session(a, key, now_ms);
    audit(a->store, id.practitioner_id, "account.logout", id.account_id, "success");
  }
  ar_http_response_set(resp, 204, "text/plain", "", 0);
  ar_http_response_header(resp, "Set-Cookie",
                          AR_ACCOUNTS_COOKIE "=; HttpOnly; Secure; SameSite=Strict; Path=/;"
                                             " Max-Age=0");
  ar_http_response_header(resp, "Cache-Control", "no-store");
}

static void
handle_whoami(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ArAccounts *a = user_data;
  ArAccountIdentity id;
  if (!ar_accounts_lookup(a, req->cookie, g_get_real_time() / 1000, TRUE, &id, NULL)) {
    error_reply(resp, 401, "unauthenticated", "not signed in, or signed out after inactivity");
    return;
  }
  identity_reply(a, resp, &id);
}

void
ar_accounts_register_routes(ArAccounts *a, ArHttpServer *http)
{
  ar_http_server_route(http, "/api/login", FALSE, handle_login, a);
  ar_http_server_route(http, "/api/logout", FALSE, handle_logout, a);
  ar_http_server_route(http, "/api/whoami", FALSE, handle_whoami, a);
}

/* `join` without a token on a connection whose upgrade carried a live session cookie. */
void
ar_accounts_ws_join(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  ArAccountIdentity id;
  g_autofree char *key = NULL;
  if (!s->opts.accounts || !ar_accounts_lookup(s->opts.accounts, ar_ws_conn_cookie(se->conn),
                                               g_get_real_time() / 1000, TRUE, &id, &key)) {
    ar_signaling_error(s, se, m->id, "unauthenticated",
                       "join needs \"token\", or sign in first (session cookie)");
    return;
  }
  memset(&se->claims, 0, sizeof se->claims);
  se->claims.role = id.role;
  g_strlcpy(se->claims.visit_id, id.clinic_id, sizeof se->claims.visit_id);
  g_strlcpy(se->claims.subject_id, id.practitioner_id, sizeof se->claims.subject_id);
  se->cookie_session = g_steal_pointer(&key);
  se->joined = TRUE;
  se->participant_id = ar_store_new_id("par");
  g_hash_table_insert(s->by_participant, se->participant_id, se);
  ar_signaling_audit(s, id.practitioner_id, "visit.join", "clinic", id.clinic_id, "success", NULL);
  ar_signaling_reply_joined(s, se, m);
}

/* Closes cookie-authenticated connections whose session ended (logout or idle). */
void
ar_accounts_sweep_sessions(ArSignaling *s)
{
  if (!s->opts.accounts)
    return;
  gint64 now_ms = g_get_real_time() / 1000;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->sessions);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    ArSession *se = v;
    if (!se->cookie_session || !se->conn)
      continue;
    if (ar_accounts_session_alive(s->opts.accounts, se->cookie_session, now_ms, FALSE))
      continue;
    ar_signaling_send(se, ar_protocol_finish(ar_protocol_begin("session.expired", 0)));
    ar_ws_conn_close(se->conn, 4001, "signed out");
    g_clear_pointer(&se->cookie_session, g_free);
  }
}

static void
handle_whoami_ws(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  JsonBuilder *b = ar_protocol_begin("whoami", m->id);
  json_builder_set_member_name(b, "joined");
  json_builder_add_boolean_value(b, se->joined);
  if (se->joined) {
    json_builder_set_member_name(b, "role");
    json_builder_add_string_value(b, ar_token_role_to_string(se->claims.role));
    json_builder_set_member_name(b, "participant_id");
    json_builder_add_string_value(b, se->participant_id);
    json_builder_set_member_name(b, "subject_id");
    json_builder_add_string_value(b, se->claims.subject_id);
    json_builder_set_member_name(b, "appointment_id");
    if (se->appointment_id)
      json_builder_add_string_value(b, se->appointment_id);
    else
      json_builder_add_null_value(b);
    json_builder_set_member_name(b, "auth");
    json_builder_add_string_value(b, se->cookie_session ? "cookie" : "token");
  }
  ar_signaling_send(se, ar_protocol_finish(b));
}

const ArSignalingRoute ar_accounts_routes[] = {
    {"whoami", handle_whoami_ws},
    {NULL},
};
