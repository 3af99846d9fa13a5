/* Hash chain: hash = SHA-256(prev_hash ␟ ts ␟ actor ␟ action ␟ entity_type ␟ entity_id ␟
 * outcome ␟ detail), hex. The genesis prev_hash is 64 zeros. */
#include "audit.h"

#include <openssl/evp.h>
#include <string.h>

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

static void
chain_hash(const char *prev, gint64 ts, const char *const fields[6], char out[65])
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree char *ts_text = g_strdup_printf("%" G_GINT64_FORMAT, ts);
  g_checksum_update(sum, (const guchar *)prev, -1);
  g_checksum_update(sum, (const guchar *)"\x1f", 1);
  g_checksum_update(sum, (const guchar *)ts_text, -1);
  for (int i = 0; i < 6; i++) {
    g_checksum_update(sum, (const guchar *)"\x1f", 1);
    g_checksum_update(sum, (const guchar *)fields[i], -1);
  }
  g_strlcpy(out, g_checksum_get_string(sum), 65);
}

static gboolean
last_hash(ArStore *store, char out[65], GError **error)
{
  sqlite3_stmt *st =
    ar_store_prepare(store, "SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1", error);
  if (!st)
    return FALSE;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    g_strlcpy(out, (const char *)sqlite3_column_text(st, 0), 65);
  else if (rc == SQLITE_DONE)
    g_strlcpy(out, GENESIS, 65);
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? TRUE : ar_store_fail(store, error, "audit");
}

static gboolean
append_locked(ArStore *store, gint64 now, const ArAuditEvent *ev, GError **error)
{
  char prev[65], hash[65];
  if (!last_hash(store, prev, error))
    return FALSE;
  const char *fields[6] = {ev->actor, ev->action, ev->entity_type, ev->entity_id,
                           ev->outcome ? ev->outcome : "success",
                           ev->detail ? ev->detail : "{}"};
  chain_hash(prev, now, fields, hash);
  sqlite3_stmt *st = ar_store_prepare(
    store,
    "INSERT INTO audit_event (ts, actor, action, entity_type, entity_id, outcome, detail,"
    " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
    error);
  if (!st)
    return FALSE;
  sqlite3_bind_int64(st, 1, now);
  for (int i = 0; i < 6; i++)
    sqlite3_bind_text(st, i + 2, fields[i], -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, prev, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 9, hash, -1, SQLITE_TRANSIENT);
  return ar_store_step_done(store, st, error);
}

gboolean
ar_audit_append(ArStore *store, gint64 now_unix, const ArAuditEvent *ev, GError **error)
{
  if (!sqlite3_get_autocommit(ar_store_db(store)))
    return append_locked(store, now_unix, ev, error);
  if (!ar_store_begin(store, error))
    return FALSE;
  if (!append_locked(store, now_unix, ev, error)) {
    ar_store_rollback(store);
    return FALSE;
  }
  return ar_store_commit(store, error);
}

static const char *
text_or_empty(sqlite3_stmt *st, int col)
{
  const char *text = (const char *)sqlite3_column_text(st, col);
  return text ? text : "";
}

gboolean
ar_audit_verify(ArStore *store, gint64 *n_events, gint64 *first_bad_seq, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(
    store,
    "SELECT seq, ts, actor, action, entity_type, entity_id, outcome, detail, prev_hash, hash"
    " FROM audit_event ORDER BY seq",
    error);
  if (!st)
    return FALSE;
  char expected_prev[65] = GENESIS;
  gint64 n = 0;
  int rc;
  *first_bad_seq = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    /* A tampered row may hold NULLs where the schema said NOT NULL: compare them as "". */
    const char *fields[6];
    for (int i = 0; i < 6; i++)
      fields[i] = text_or_empty(st, i + 2);
    const char *prev = text_or_empty(st, 8);
    const char *hash = text_or_empty(st, 9);
    char computed[65];
    chain_hash(expected_prev, sqlite3_column_int64(st, 1), fields, computed);
    n++;
    if (strcmp(prev, expected_prev) != 0 || strcmp(hash, computed) != 0) {
      *first_bad_seq = sqlite3_column_int64(st, 0);
      break;
    }
    g_strlcpy(expected_prev, hash, sizeof expected_prev);
  }
  sqlite3_reset(st);
  if (n_events)
    *n_events = n;
  /* A read error part-way must not pass for an intact (shorter) chain. */
  if (*first_bad_seq == 0 && rc != SQLITE_DONE)
    return ar_store_fail(store, error, "audit verify");
  return *first_bad_seq == 0;
}
