/* Store: migrations, WAL, the one-live-appointment-per-slot rule, and the audit hash chain. */
#include "audit.h"
#include "store.h"

#include <glib/gstdio.h>
#include <string.h>

static char *
temp_db(void)
{
  g_autofree char *dir = g_dir_make_tmp("ar-store-XXXXXX", NULL);
  return g_build_filename(dir, "t.db", NULL);
}

static void
test_migrate_and_reopen(void)
{
  g_autofree char *path = temp_db();
  g_autoptr(GError) error = NULL;
  {
    g_autoptr(ArStore) s = ar_store_open(path, &error);
    g_assert_no_error(error);
    g_assert_cmpint(ar_store_schema_version(s), ==, ar_store_latest_version());
    sqlite3_stmt *st = ar_store_prepare(s, "PRAGMA journal_mode", &error);
    g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
    g_assert_cmpstr((const char *)sqlite3_column_text(st, 0), ==, "wal");
    sqlite3_reset(st);
  }
  g_autoptr(ArStore) again = ar_store_open(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(ar_store_schema_version(again), ==, ar_store_latest_version());
}

static gint64
file_size(const char *path)
{
  GStatBuf sb;
  return g_stat(path, &sb) == 0 ? (gint64)sb.st_size : -1;
}

/* synchronous=NORMAL under WAL, and the syncer thread: commits wait in the WAL until its
 * checkpoint (which fsyncs the WAL first) copies them into the database file, within ~1 s,
 * without the main loop doing anything. */
static void
test_sync(void)
{
  g_autofree char *path = temp_db();
  g_autoptr(GError) error = NULL;
  g_autoptr(ArStore) s = ar_store_open(path, &error);
  g_assert_no_error(error);
  sqlite3_stmt *st = ar_store_prepare(s, "PRAGMA synchronous", &error);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  g_assert_cmpint(sqlite3_column_int(st, 0), ==, 1); /* NORMAL */
  sqlite3_reset(st);
  g_assert_true(ar_store_sync(s)); /* what migrations wrote goes to the database file */
  gint64 before = file_size(path);
  g_autofree char *wal = g_strconcat(path, "-wal", NULL);
  g_assert_true(ar_store_exec(s,
                              "CREATE TABLE t (x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                              "SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT "
                              "randomblob(100) FROM n",
                              &error));
  g_assert_cmpint(file_size(wal), >, 0);
  g_assert_cmpint(file_size(path), ==, before); /* committed, in the WAL only */
  gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (file_size(path) == before && g_get_monotonic_time() < until)
    g_usleep(20 * 1000);
  g_assert_cmpint(file_size(path), >, before); /* the syncer checkpointed */
}

static void
test_newer_schema_refused(void)
{
  g_autofree char *path = temp_db();
  g_autoptr(GError) error = NULL;
  {
    g_autoptr(ArStore) s = ar_store_open(path, &error);
    g_assert_true(ar_store_exec(s, "PRAGMA user_version = 999", &error));
  }
  g_autoptr(ArStore) s = ar_store_open(path, &error);
  g_assert_null(s);
  g_assert_error(error, AR_STORE_ERROR, AR_STORE_ERROR_MIGRATE);
}

static void
seed(ArStore *s)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_store_exec(
    s,
    "INSERT INTO clinic VALUES ('cl_1','Clinic','Europe/Berlin');"
    "INSERT INTO practitioner (id, clinic_id, display_name, role) VALUES"
    " ('pr_1','cl_1','Dr A','clinician');"
    "INSERT INTO patient (id, display_name, created_at) VALUES ('pa_1','P1',0),('pa_2','P2',0);"
    "INSERT INTO schedule (id, practitioner_id) VALUES ('sc_1','pr_1');"
    "INSERT INTO slot (id, schedule_id, start_ts, end_ts, status, modality) VALUES"
    " ('sl_1','sc_1',1000,2000,'busy','video');"
    "INSERT INTO appointment (id, patient_id, practitioner_id, slot_id, status, start_ts,"
    " end_ts, created_at) VALUES ('ap_1','pa_1','pr_1','sl_1','booked',1000,2000,0);",
    &error));
  g_assert_no_error(error);
}

static void
test_no_double_booking(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArStore) s = ar_store_open(":memory:", &error);
  seed(s);
  gboolean ok = ar_store_exec(
    s,
    "INSERT INTO appointment (id, patient_id, practitioner_id, slot_id, status, start_ts,"
    " end_ts, created_at) VALUES ('ap_2','pa_2','pr_1','sl_1','booked',1000,2000,0)",
    &error);
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_clear_error(&error);
  /* A cancelled appointment frees the slot for another booking. */
  g_assert_true(ar_store_exec(s, "UPDATE appointment SET status='cancelled' WHERE id='ap_1'",
                              &error));
  g_assert_true(ar_store_exec(
    s,
    "INSERT INTO appointment (id, patient_id, practitioner_id, slot_id, status, start_ts,"
    " end_ts, created_at) VALUES ('ap_2','pa_2','pr_1','sl_1','booked',1000,2000,0)",
    &error));
  g_assert_no_error(error);
}

static void
test_audit_chain(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArStore) s = ar_store_open(":memory:", &error);
  for (int i = 0; i < 5; i++) {
    g_autofree char *id = g_strdup_printf("vis_%d", i);
    ArAuditEvent ev = {"prac_1", "visit.join", "visit", id, "success", "{\"n\":1}"};
    g_assert_true(ar_audit_append(s, 1000 + i, &ev, &error));
  }
  gint64 n = 0, bad = 0;
  g_assert_true(ar_audit_verify(s, &n, &bad, &error));
  g_assert_cmpint(n, ==, 5);
  /* Rows cannot be changed or removed through SQL... */
  g_assert_false(ar_store_exec(s, "UPDATE audit_event SET actor='x' WHERE seq=3", &error));
  g_clear_error(&error);
  g_assert_false(ar_store_exec(s, "DELETE FROM audit_event WHERE seq=3", &error));
  g_clear_error(&error);
  /* ...and tampering behind the triggers' back is caught by the chain. */
  g_assert_true(ar_store_exec(s,
                              "DROP TRIGGER audit_event_no_update;"
                              "UPDATE audit_event SET entity_id='vis_x' WHERE seq=3",
                              &error));
  g_assert_false(ar_audit_verify(s, &n, &bad, &error));
  g_assert_cmpint(bad, ==, 3);
}

static void
test_audit_inside_transaction_rolls_back(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArStore) s = ar_store_open(":memory:", &error);
  g_assert_true(ar_store_begin(s, &error));
  ArAuditEvent ev = {"pat_1", "offer.confirm", "offer", "off_1", "success", NULL};
  g_assert_true(ar_audit_append(s, 5, &ev, &error));
  ar_store_rollback(s);
  gint64 n = -1, bad = 0;
  g_assert_true(ar_audit_verify(s, &n, &bad, &error));
  g_assert_cmpint(n, ==, 0);
}

static void
test_ids(void)
{
  g_autofree char *a = ar_store_new_id("pat");
  g_autofree char *b = ar_store_new_id("pat");
  g_assert_true(g_str_has_prefix(a, "pat_"));
  g_assert_cmpint(strlen(a), ==, 4 + 16);
  g_assert_cmpstr(a, !=, b);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/store/migrate-and-reopen", test_migrate_and_reopen);
  g_test_add_func("/store/newer-schema-refused", test_newer_schema_refused);
  g_test_add_func("/store/no-double-booking", test_no_double_booking);
  g_test_add_func("/store/audit-chain", test_audit_chain);
  g_test_add_func("/store/audit-inside-transaction", test_audit_inside_transaction_rolls_back);
  g_test_add_func("/store/ids", test_ids);
  g_test_add_func("/store/sync", test_sync);
  return g_test_run();
}
