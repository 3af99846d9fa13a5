/* The database is first inspected through a read-only connection, so a wrong path, a file that
 * is not SQLite or a schema from another anteroom version is reported without creating or
 * migrating anything; only then is it opened as an ArStore for ar_audit_verify(). */
#include "audit_cli.h"

#include "audit.h"
#include "store.h"

#include <glib.h>
#include <sqlite3.h>

static gboolean
query_int(sqlite3 *db, const char *sql, gint64 *value)
{
  sqlite3_stmt *st = NULL;
  gboolean ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
  int rc = ok ? sqlite3_step(st) : SQLITE_ERROR;
  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64(st, 0);
  else if (rc == SQLITE_DONE)
    *value = 0;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* NULL when the file is an anteroom database of this schema version; else why not. */
static char *
inspect(const char *path)
{
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
    return g_strdup_printf("%s: no such database file", path);
  sqlite3 *db = NULL;
  char *why = NULL;
  gint64 version = -1, has_table = 0;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    why = g_strdup_printf("%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
  else if (!query_int(db, "PRAGMA user_version", &version) ||
           !query_int(db,
                      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
                      " name = 'audit_event'",
                      &has_table))
    why = g_strdup_printf("%s: %s", path, sqlite3_errmsg(db));
  else if (!has_table)
    why = g_strdup_printf("%s: not an anteroom database (no audit_event table)", path);
  else if (version != ar_store_latest_version())
    why = g_strdup_printf("%s: schema version %" G_GINT64_FORMAT ", this anteroom reads version "
                          "%d; verify with the anteroom that wrote it",
                          path, version, ar_store_latest_version());
  sqlite3_close(db);
  return why;
}

int
ar_audit_cli_verify(const char *db_path, FILE *out, FILE *err)
{
  g_autofree char *why = inspect(db_path);
  if (why) {
    fprintf(err, "anteroom: cannot read audit log: %s\n", why);
    return AR_AUDIT_CLI_UNREADABLE;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(ArStore) store = ar_store_open(db_path, &error);
  if (!store) {
    fprintf(err, "anteroom: cannot read audit log: %s\n", error->message);
    return AR_AUDIT_CLI_UNREADABLE;
  }
  gint64 n = 0, bad = 0;
  if (!ar_audit_verify(store, &n, &bad, &error) && bad == 0) {
    fprintf(err, "anteroom: cannot read audit log: %s: %s\n", db_path,
            error ? error->message : "unknown error");
    return AR_AUDIT_CLI_UNREADABLE;
  }
  if (bad) {
    fprintf(out, "audit log broken at event %" G_GINT64_FORMAT "\n", bad);
    return AR_AUDIT_CLI_BROKEN;
  }
  /* The chain cannot show that its newest events were deleted; AUTOINCREMENT's high-water mark
   * can, unless it was edited as well (docs/security.md). */
  gint64 last = 0, high = 0;
  sqlite3 *db = ar_store_db(store);
  if (!query_int(db, "SELECT coalesce(max(seq), 0) FROM audit_event", &last) ||
      !query_int(db, "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'audit_event'",
                 &high)) {
    fprintf(err, "anteroom: cannot read audit log: %s: %s\n", db_path, sqlite3_errmsg(db));
    return AR_AUDIT_CLI_UNREADABLE;
  }
  if (high > last) {
    fprintf(out,
            "audit log broken at event %" G_GINT64_FORMAT " (events %" G_GINT64_FORMAT
            "..%" G_GINT64_FORMAT " are missing from the end)\n",
            last + 1, last + 1, high);
    return AR_AUDIT_CLI_BROKEN;
  }
  fprintf(out, "audit log ok: %" G_GINT64_FORMAT " events\n", n);
  return AR_AUDIT_CLI_OK;
}
