/* The SQLite store: opens the database in WAL mode, applies versioned schema migrations, and
 * offers small helpers for statements and transactions. Used from the main thread only; the
 * media workers never touch it. PostgreSQL for clusters comes later behind the same calls. */
#pragma once
#include <glib.h>
#include <sqlite3.h>

#define AR_STORE_ERROR (ar_store_error_quark())
GQuark ar_store_error_quark(void);
typedef enum {
  AR_STORE_ERROR_OPEN,
  AR_STORE_ERROR_MIGRATE,
  AR_STORE_ERROR_SQL,
  AR_STORE_ERROR_CONSTRAINT,
  AR_STORE_ERROR_NOT_FOUND,
} ArStoreError;

typedef struct ArStore ArStore;

/* Opens (creating if needed) and migrates to the newest schema version. ":memory:" works. */
ArStore *ar_store_open(const char *path, GError **error);
void ar_store_close(ArStore *store);
/* Makes every commit so far durable against power loss now (the WAL fsynced, by a passive
 * checkpoint on this connection); a no-op when nothing changed. The store's syncer thread does
 * the same every second on its own connection, off the main loop: commits themselves only reach
 * the WAL (synchronous=NORMAL), which is enough to survive a crash of the process. */
gboolean ar_store_sync(ArStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArStore, ar_store_close)

sqlite3 *ar_store_db(ArStore *store);
int ar_store_schema_version(ArStore *store);
int ar_store_latest_version(void);

/* A prepared statement cached by its SQL text, reset and with bindings cleared. */
sqlite3_stmt *ar_store_prepare(ArStore *store, const char *sql, GError **error);

/* Runs SQL with no results (may hold several statements). */
gboolean ar_store_exec(ArStore *store, const char *sql, GError **error);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. IMMEDIATE takes the write lock at once, so the
 * first-confirm-wins races are decided by SQLite, not by luck. */
gboolean ar_store_begin(ArStore *store, GError **error);
gboolean ar_store_commit(ArStore *store, GError **error);
void ar_store_rollback(ArStore *store);

/* Sets error from the connection's last failure, prefixed by what was being done. */
gboolean ar_store_fail(ArStore *store, GError **error, const char *what);

/* Steps a statement that returns no rows (INSERT/UPDATE/DELETE); FALSE with error otherwise. */
gboolean ar_store_step_done(ArStore *store, sqlite3_stmt *stmt, GError **error);

/* A random opaque id: prefix + 16 hex digits ("pat_3f9a..."), never derived from PHI. */
char *ar_store_new_id(const char *prefix);
