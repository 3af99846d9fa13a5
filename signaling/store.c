/* SQLite in WAL mode with a statement cache and numbered migrations (store_migrations.c).
 * Each migration runs in its own transaction together with the bump of user_version, so a
 * crash mid-upgrade leaves the previous version intact. */
#include "store.h"
#include "store_migrations.h"

#include <openssl/rand.h>

G_DEFINE_QUARK(ar-store-error-quark, ar_store_error)

struct ArStore {
  sqlite3 *db;
  GHashTable *stmts; /* SQL text -> sqlite3_stmt */
};

gboolean
ar_store_fail(ArStore *store, GError **error, const char *what)
{
  int code = sqlite3_extended_errcode(store->db);
  ArStoreError kind = (code & 0xff) == SQLITE_CONSTRAINT ? AR_STORE_ERROR_CONSTRAINT
                                                         : AR_STORE_ERROR_SQL;
  g_set_error(error, AR_STORE_ERROR, kind, "%s: %s", what, sqlite3_errmsg(store->db));
  return FALSE;
}

gboolean
ar_store_exec(ArStore *store, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec(store->db, sql, NULL, NULL, &msg) == SQLITE_OK)
    return TRUE;
  g_set_error(error, AR_STORE_ERROR, AR_STORE_ERROR_SQL, "%s", msg ? msg : "SQL failed");
  sqlite3_free(msg);
  return FALSE;
}

sqlite3_stmt *
ar_store_prepare(ArStore *store, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup(store->stmts, sql);
  if (stmt) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return stmt;
  }
  if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) !=
      SQLITE_OK) {
    ar_store_fail(store, error, "prepare");
    return NULL;
  }
  g_hash_table_insert(store->stmts, g_strdup(sql), stmt);
  return stmt;
}

gboolean
ar_store_step_done(ArStore *store, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  return ar_store_fail(store, error, "write");
}

gboolean
ar_store_begin(ArStore *store, GError **error)
{
  return ar_store_exec(store, "BEGIN IMMEDIATE", error);
}

gboolean
ar_store_commit(ArStore *store, GError **error)
{
  return ar_store_exec(store, "COMMIT", error);
}

void
ar_store_rollback(ArStore *store)
{
  if (!sqlite3_get_autocommit(store->db))
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

int
ar_store_schema_version(ArStore *store)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;
  if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    version = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return version;
}

int
ar_store_latest_version(void)
{
  gsize n = 0;
  ar_store_migrations(&n);
  return (int)n;
}

static gboolean
migrate(ArStore *store, GError **error)
{
  gsize n = 0;
  const char *const *migrations = ar_store_migrations(&n);
  int current = ar_store_schema_version(store);
  if (current > (int)n) {
    g_set_error(error, AR_STORE_ERROR, AR_STORE_ERROR_MIGRATE,
                "database schema version %d is newer than this anteroom (%d): refusing to "
                "touch it",
                current, (int)n);
    return FALSE;
  }
  for (int v = current; v < (int)n; v++) {
    g_autoptr(GError) why = NULL;
    g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %d", v + 1);
    if (!ar_store_begin(store, &why) || !ar_store_exec(store, migrations[v], &why) ||
        !ar_store_exec(store, bump, &why) || !ar_store_commit(store, &why)) {
      ar_store_rollback(store);
      g_set_error(error, AR_STORE_ERROR, AR_STORE_ERROR_MIGRATE,
                  "schema migration %d failed: %s", v + 1, why->message);
      return FALSE;
    }
    g_info("store schema migrated to version %d", v + 1);
  }
  return TRUE;
}

static void
finalize_stmt(gpointer stmt)
{
  sqlite3_finalize(stmt);
}

ArStore *
ar_store_open(const char *path, GError **error)
{
  g_autoptr(ArStore) store = g_new0(ArStore, 1);
  store->stmts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       finalize_stmt);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path, &store->db, flags, NULL) != SQLITE_OK) {
    g_set_error(error, AR_STORE_ERROR, AR_STORE_ERROR_OPEN, "cannot open database %s: %s",
                path, store->db ? sqlite3_errmsg(store->db) : "out of memory");
    return NULL;
  }
  sqlite3_busy_timeout(store->db, 5000);
  g_autoptr(GError) why = NULL;
  /* synchronous=FULL: a booking or an audit event acknowledged to a client must survive a
   * power cut, not only a process crash. Writes here are a few per second. */
  if (!ar_store_exec(store,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                     "PRAGMA foreign_keys=ON;",
                     &why)) {
    g_set_error(error, AR_STORE_ERROR, AR_STORE_ERROR_OPEN, "cannot use database %s: %s", path,
                why->message);
    return NULL;
  }
  if (!migrate(store, error))
    return NULL;
  return g_steal_pointer(&store);
}

void
ar_store_close(ArStore *store)
{
  if (!store)
    return;
  g_clear_pointer(&store->stmts, g_hash_table_unref);
  if (store->db)
    sqlite3_close(store->db);
  g_free(store);
}

sqlite3 *
ar_store_db(ArStore *store)
{
  return store->db;
}

char *
ar_store_new_id(const char *prefix)
{
  guint8 raw[8];
  if (RAND_bytes(raw, sizeof raw) != 1)
    g_error("no randomness available for ids");
  return g_strdup_printf("%s_%02x%02x%02x%02x%02x%02x%02x%02x", prefix, raw[0], raw[1], raw[2],
                         raw[3], raw[4], raw[5], raw[6], raw[7]);
}
