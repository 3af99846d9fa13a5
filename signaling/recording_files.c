/* The recording rows and files, and the staff API over them. The API is guarded by a bearer
 * token compared in constant time; every list, download and delete is audited. */
#include "recording.h"
#include "accounts.h"
#include "audit.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <string.h>

gboolean
ar_recording_files_insert(ArStore *store, const char *id, const char *appointment_id,
                          const char *file, const char *started_by, gint64 started_ms,
                          GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(
      store,
      "INSERT INTO recording (id, appointment_id, file, started_by, started_ms, status)"
      " VALUES (?, ?, ?, ?, ?, 'recording')",
      error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, appointment_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, file, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, started_by, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, started_ms);
  return ar_store_step_done(store, st, error);
}

void
ar_recording_files_started(ArStore *store, const char *id, const char *tracks_json,
                           const char *skipped)
{
  sqlite3_stmt *st =
      ar_store_prepare(store, "UPDATE recording SET tracks = ?, skipped = ? WHERE id = ?", NULL);
  if (!st)
    return;
  sqlite3_bind_text(st, 1, tracks_json, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, skipped, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
  ar_store_step_done(store, st, NULL);
}

static char *
file_of(ArStore *store, const char *dir, const char *id)
{
  sqlite3_stmt *st = ar_store_prepare(store, "SELECT file FROM recording WHERE id = ?", NULL);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  char *path = sqlite3_step(st) == SQLITE_ROW
                   ? g_build_filename(dir, (const char *)sqlite3_column_text(st, 0), NULL)
                   : NULL;
  sqlite3_reset(st);
  return path;
}

void
ar_recording_files_finished(ArStore *store, const char *dir, const char *id, const char *status,
                            const char *reason, gint64 ended_ms)
{
  g_autofree char *path = file_of(store, dir, id);
  GStatBuf sb;
  gint64 size = path && g_stat(path, &sb) == 0 ? (gint64)sb.st_size : 0;
  sqlite3_stmt *st = ar_store_prepare(
      store, "UPDATE recording SET status = ?, reason = ?, ended_ms = ?, size = ? WHERE id = ?",
      NULL);
  if (!st)
    return;
  sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, ended_ms);
  sqlite3_bind_int64(st, 4, size);
  sqlite3_bind_text(st, 5, id, -1, SQLITE_STATIC);
  ar_store_step_done(store, st, NULL);
}

void
ar_recording_files_recover(ArStore *store)
{
  ar_store_exec(store,
                "UPDATE recording SET status = 'interrupted', reason = 'server_stopped'"
                " WHERE status = 'recording'",
                NULL);
}

static gboolean
delete_row(ArStore *store, const char *dir, const char *id)
{
  g_autofree char *path = file_of(store, dir, id);
  if (path && g_unlink(path) != 0 && errno != ENOENT)
    g_warning("recording %s: cannot delete %s: %s", id, path, g_strerror(errno));
  sqlite3_stmt *st = ar_store_prepare(store, "DELETE FROM recording WHERE id = ?", NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  return ar_store_step_done(store, st, NULL) && path;
}

static gboolean
has_row(ArStore *store, const char *file)
{
  sqlite3_stmt *st = ar_store_prepare(store, "SELECT 1 FROM recording WHERE file = ?", NULL);
  if (!st)
    return TRUE; /* when in doubt, keep the file */
  sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
  gboolean found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  return found;
}

guint
ar_recording_files_expire(ArStore *store, const char *dir, int retention_days, gint64 now_unix)
{
  gint64 cutoff_unix = now_unix - (gint64)retention_days * 86400;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  sqlite3_stmt *st = ar_store_prepare(
      store, "SELECT id FROM recording WHERE started_ms < ? AND status != 'recording'", NULL);
  if (st) {
    sqlite3_bind_int64(st, 1, cutoff_unix * 1000);
    while (sqlite3_step(st) == SQLITE_ROW)
      g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 0)));
    sqlite3_reset(st);
  }
  guint deleted = 0;
  for (guint i = 0; i < ids->len; i++)
    if (delete_row(store, dir, g_ptr_array_index(ids, i)))
      deleted++;
  /* Files without a row (a row deleted by hand, a crash between file and row); a file with a
   * row goes with its row, by the row's start time. */
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    if (!g_str_has_prefix(name, "rec_") || has_row(store, name))
      continue;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    GStatBuf sb;
    if (g_stat(path, &sb) == 0 && (gint64)sb.st_mtime < cutoff_unix && g_unlink(path) == 0)
      deleted++;
  }
  if (deleted)
    g_message("recordings: %u older than %d days deleted", deleted, retention_days);
  return deleted;
}

/* ---- HTTP API ---- */

/* Who is asking: the caller's clinic (NULL: every clinic, for the bearer token) and an actor
 * id for the audit log. */
typedef struct {
  char clinic[AR_TOKEN_REF_MAX + 1];
  char actor[AR_TOKEN_REF_MAX + 1];
  gboolean all_clinics;
} Caller;

static gboolean
bearer_ok(const ArRecordingApi *api, const ArHttpRequest *req)
{
  const char *h = req->authorization;
  if (!*api->api_token || !h || g_ascii_strncasecmp(h, "Bearer ", 7) != 0)
    return FALSE;
  const char *given = h + 7;
  gsize n = strlen(api->api_token);
  /* Length first (it is not secret), then the bytes in constant time. */
  return strlen(given) == n && CRYPTO_memcmp(given, api->api_token, n) == 0;
}

static gboolean
authorised(const ArRecordingApi *api, const ArHttpRequest *req, Caller *who)
{
  memset(who, 0, sizeof *who);
  ArAccountIdentity id;
  if (api->accounts && req->cookie &&
      ar_accounts_lookup(api->accounts, req->cookie, g_get_real_time() / 1000, TRUE, &id, NULL) &&
      (id.role == AR_TOKEN_ROLE_CLINICIAN || id.role == AR_TOKEN_ROLE_STAFF)) {
    g_strlcpy(who->clinic, id.clinic_id, sizeof who->clinic);
    g_strlcpy(who->actor, id.practitioner_id, sizeof who->actor);
    return TRUE;
  }
  if (!bearer_ok(api, req))
    return FALSE;
  who->all_clinics = TRUE;
  g_strlcpy(who->actor, "api", sizeof who->actor);
  return TRUE;
}

/* SQL condition on recording.appointment_id: ?1 is the caller's clinic, NULL for all. */
#define IN_CLINIC                                                                                  \
  "(?1 IS NULL OR appointment_id IN (SELECT a.id FROM appointment a JOIN practitioner p"           \
  " ON p.id = a.practitioner_id WHERE p.clinic_id = ?1))"

static void
bind_clinic(sqlite3_stmt *st, const Caller *who)
{
  if (who->all_clinics)
    sqlite3_bind_null(st, 1);
  else
    sqlite3_bind_text(st, 1, who->clinic, -1, SQLITE_TRANSIENT);
}

static void
json_reply(ArHttpResponse *resp, int status, JsonBuilder *b)
{
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  g_autofree char *text = json_to_string(root, FALSE);
  ar_http_response_set(resp, status, "application/json", text, -1);
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
audit_api(ArStore *store, const Caller *who, const char *action, const char *id,
          const char *outcome)
{
  ArAuditEvent a = {who ? who->actor : "unknown", action, "recording", id, outcome, NULL};
  ar_audit_append(store, g_get_real_time() / G_USEC_PER_SEC, &a, NULL);
}

static void
add_row(JsonBuilder *b, sqlite3_stmt *st)
{
  json_builder_begin_object(b);
  static const char *const names[] = {"id", "appointment_id"};
  for (int c = 0; c < 2; c++) {
    json_builder_set_member_name(b, names[c]);
    json_builder_add_string_value(b, (const char *)sqlite3_column_text(st, c));
  }
  gint64 started = sqlite3_column_int64(st, 2);
  json_builder_set_member_name(b, "started_at");
  json_builder_add_int_value(b, started / 1000);
  json_builder_set_member_name(b, "duration_s");
  if (sqlite3_column_type(st, 3) == SQLITE_NULL)
    json_builder_add_null_value(b);
  else
    json_builder_add_double_value(b, (sqlite3_column_int64(st, 3) - started) / 1000.0);
  json_builder_set_member_name(b, "size");
  json_builder_add_int_value(b, sqlite3_column_int64(st, 4));
  json_builder_set_member_name(b, "tracks");
  g_autoptr(JsonNode) tracks = json_from_string((const char *)sqlite3_column_text(st, 5), NULL);
  json_builder_add_value(b, tracks ? g_steal_pointer(&tracks) : json_node_new(JSON_NODE_ARRAY));
  static const char *const more[] = {"status", "reason", "skipped"};
  for (int c = 0; c < 3; c++) {
    json_builder_set_member_name(b, more[c]);
    const char *v = (const char *)sqlite3_column_text(st, 6 + c);
    if (v)
      json_builder_add_string_value(b, v);
    else
      json_builder_add_null_value(b);
  }
  json_builder_end_object(b);
}

#define ROW_COLUMNS                                                                                \
  "id, appointment_id, started_ms, ended_ms, size, tracks, status, reason, skipped, file"

static void
list(ArRecordingApi *api, const Caller *who, ArHttpResponse *resp)
{
  sqlite3_stmt *st = ar_store_prepare(
      api->store,
      "SELECT " ROW_COLUMNS " FROM recording WHERE " IN_CLINIC " ORDER BY started_ms DESC", NULL);
  if (!st) {
    error_reply(resp, 500, "internal", "store unavailable");
    return;
  }
  bind_clinic(st, who);
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "recordings");
  json_builder_begin_array(b);
  while (sqlite3_step(st) == SQLITE_ROW)
    add_row(b, st);
  sqlite3_reset(st);
  json_builder_end_array(b);
  json_builder_end_object(b);
  audit_api(api->store, who, "recording.list", "*", "success");
  json_reply(resp, 200, b);
}

/* The recording's file and status when it exists and is the caller's clinic's. */
static gboolean
lookup(ArRecordingApi *api, const Caller *who, const char *id, char **file, char **status)
{
  sqlite3_stmt *st = ar_store_prepare(
      api->store, "SELECT file, status FROM recording WHERE id = ?2 AND " IN_CLINIC, NULL);
  *file = *status = NULL;
  if (st) {
    bind_clinic(st, who);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
      *file = g_strdup((const char *)sqlite3_column_text(st, 0));
      *status = g_strdup((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
  }
  return *file != NULL;
}

static void
download(ArRecordingApi *api, const Caller *who, const char *id, ArHttpResponse *resp)
{
  g_autofree char *file = NULL, *status = NULL;
  if (!lookup(api, who, id, &file, &status)) {
    error_reply(resp, 404, "not_found", "no such recording");
    return;
  }
  if (g_str_equal(status, "recording")) {
    error_reply(resp, 409, "recording", "still being recorded");
    return;
  }
  g_autofree char *path = g_build_filename(api->dir, file, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) mf = g_mapped_file_new(path, FALSE, &error);
  if (!mf) {
    error_reply(resp, 410, "gone", "the file is no longer on disk");
    return;
  }
  const char *type = g_str_has_suffix(file, ".webm") ? "video/webm" : "video/x-matroska";
  ar_http_response_take(resp, 200, type, g_mapped_file_get_bytes(mf));
  g_autofree char *disposition = g_strdup_printf("attachment; filename=\"%s\"", file);
  ar_http_response_header(resp, "Content-Disposition", disposition);
  ar_http_response_header(resp, "Cache-Control", "no-store");
  audit_api(api->store, who, "recording.download", id, "success");
}

static void
delete_one(ArRecordingApi *api, const Caller *who, const char *id, ArHttpResponse *resp)
{
  g_autofree char *file = NULL, *status = NULL;
  if (!lookup(api, who, id, &file, &status)) {
    error_reply(resp, 404, "not_found", "no such recording");
    return;
  }
  if (g_str_equal(status, "recording")) {
    error_reply(resp, 409, "recording", "stop the recording first");
    return;
  }
  delete_row(api->store, api->dir, id);
  audit_api(api->store, who, "recording.delete", id, "success");
  ar_http_response_set(resp, 204, "text/plain", "", 0);
}

void
ar_recording_api_handle(const ArHttpRequest *req, ArHttpResponse *resp, gpointer user_data)
{
  ArRecordingApi *api = user_data;
  Caller who;
  if (!authorised(api, req, &who)) {
    audit_api(api->store, NULL, "recording.api", "*", "unauthorised");
    error_reply(resp, 401, "unauthorised",
                "sign in as clinician or staff, or send Authorization: Bearer <api_token>");
    ar_http_response_header(resp, "WWW-Authenticate", "Bearer");
    return;
  }
  const char *rest = req->path + strlen("/api/recordings");
  if (*rest == '\0' || g_str_equal(rest, "/")) {
    if (g_str_equal(req->method, "GET"))
      list(api, &who, resp);
    else
      error_reply(resp, 405, "method", "GET only");
    return;
  }
  const char *id = rest + 1;
  if (*rest != '/' || !g_str_has_prefix(id, "rec_") || strchr(id, '/')) {
    error_reply(resp, 404, "not_found", "no such recording");
    return;
  }
  if (g_str_equal(req->method, "GET"))
    download(api, &who, id, resp);
  else if (g_str_equal(req->method, "DELETE"))
    delete_one(api, &who, id, resp);
  else
    error_reply(resp, 405, "method", "GET or DELETE");
}
