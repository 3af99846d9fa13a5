/* SQLite in WAL mode with a statement cache and numbered migrations (store_migrations.c).
 * Each migration runs in its own transaction together with the bump of user_version, so a
 * crash mid-upgrade leaves the previous version intact. */
#include "store.h"
#include "store_migrations.h"

#include <openssl/rand.h>

G_DEFINE_QUARK(ar-store-error-quark, ar_store_error)

/* How stale the on-disk WAL may be after a power cut (see ar_store_open). */
#define SYNC_INTERVAL_S 1

/* The WAL syncer: a thread with its own connection that runs a passive checkpoint (fsync of
 * the WAL, copy into the database, fsync of that) every SYNC_INTERVAL_S, so no fsync ever
 * runs on the main loop; the writer never waits for it (PASSIVE takes no writer lock). */
typedef struct {
  sqlite3 *db;
  GThread *thread;
  GMutex lock;
  GCond wake;
  gboolean stop;
} Syncer;

struct ArStore {
  sqlite3 *db;
  GHashTable *stmts; /* SQL text -> sqlite3_stmt */
  Syncer *syncer;    /* NULL for in-memory databases */
  sqlite3_int64 synced_changes; /* sqlite3_total_changes64 at the last ar_store_sync */
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

/* Makes every commit so far durable against power loss: a passive checkpoint fsyncs the WAL
 * before copying it into the database (and fsyncs that after). Skipped when nothing changed. */
gboolean
ar_store_sync(ArStore *store)
{
  sqlite3_int64 changes = sqlite3_total_changes64(store->db);
  if (changes == store->synced_changes)
    return TRUE;
  store->synced_changes = changes;
  return sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) ==
         SQLITE_OK;
}

static gpointer
syncer_main(gpointer data)
{
  Syncer *sy = data;
  g_mutex_lock(&sy->lock);
  while (!sy->stop) {
    gint64 until = g_get_monotonic_time() + SYNC_INTERVAL_S * G_USEC_PER_SEC;
    while (!sy->stop && g_cond_wait_until(&sy->wake, &sy->lock, until))
      ;
    if (sy->stop)
      break;
    g_mutex_unlock(&sy->lock);
    /* Nothing new in the WAL: returns without any I/O. BUSY: another checkpoint is running. */
    int rc = sqlite3_wal_checkpoint_v2(sy->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      g_warning("store: WAL sync failed: %s", sqlite3_errmsg(sy->db));
    g_mutex_lock(&sy->lock);
  }
  g_mutex_unlock(&sy->lock);
  return NULL;
}

static Syncer *
syncer_start(const char *path)
{
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
          SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
    g_warning("store: no WAL syncer (%s): commits reach the disk at checkpoints only",
              db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
  }
  Syncer *sy = g_new0(Syncer, 1);
  sy->db = db;
  g_mutex_init(&sy->lock);
  g_cond_init(&sy->wake);
  sy->thread = g_thread_new("store-sync", syncer_main, sy);
  return sy;
}

static void
syncer_stop(Syncer *sy)
{
  g_mutex_lock(&sy->lock);
  sy->stop = TRUE;
  g_cond_signal(&sy->wake);
  g_mutex_unlock(&sy->lock);
  g_thread_join(sy->thread);
  sqlite3_close(sy->db);
  g_mutex_clear(&sy->lock);
  g_cond_clear(&sy->wake);
  g_free(sy);
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
  /* Durability: WAL with synchronous=NORMAL, and the WAL fsynced at least every
   * SYNC_INTERVAL_S by the syncer thread (a passive checkpoint on its own connection). Every commit reaches the WAL file before it is
   * acknowledged, so a crash of the process (kill -9, OOM, abort) loses no booking, consent or
   * audit event (crash-restart.test.mjs); a power cut or kernel panic loses at most the last
   * second of commits, never the database's consistency. synchronous=FULL (one fdatasync per
   * commit on the main loop) was measured at ~1 fsync per WebSocket join (its audit event):
   * with 10,000 patients joining, the loop spent most of its time in fdatasync and every other
   * connection waited behind it (bench/RESULTS.md, "WebSocket fan-out"). */
  if (!ar_store_exec(store,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                     "PRAGMA foreign_keys=ON;",
                     &why)) {
    g_set_error(error, AR_STORE_ERROR, AR_STORE_ERROR_OPEN, "cannot use database %s: %s", path,
                why->message);
    return NULL;
  }
  if (!migrate(store, error))
    return NULL;
  store->synced_changes = sqlite3_total_changes64(store->db);
  const char *file = sqlite3_db_filename(store->db, "main");
  if (file && *file) /* "" for in-memory and temporary databases */
    store->syncer = syncer_start(file);
  return g_steal_pointer(&store);
}

void
ar_store_close(ArStore *store)
{
  if (!store)
    return;
  if (store->syncer)
    syncer_stop(store->syncer);
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
