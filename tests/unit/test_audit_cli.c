/* anteroom --verify-audit: exit codes and the exact lines for an intact chain, an edited event,
 * deleted newest events, and files it must refuse without creating or migrating them. */
#include "audit.h"
#include "audit_cli.h"
#include "store.h"

#include <glib/gstdio.h>
#include <string.h>
#include <stdio.h>

typedef struct {
  char *dir;
  char *db;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp("ar-audit-cli-XXXXXX", NULL);
  g_assert_nonnull(f->dir);
  f->db = g_build_filename(f->dir, "anteroom.db", NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(f->dir, name, NULL);
    g_unlink(p);
  }
  g_rmdir(f->dir);
  g_free(f->db);
  g_free(f->dir);
}

/* Writes n chained events through the store, then closes it. */
static void
write_events(const char *path, int n, const char *extra_sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArStore) s = ar_store_open(path, &error);
  g_assert_no_error(error);
  for (int i = 0; i < n; i++) {
    g_autofree char *id = g_strdup_printf("vis_%016d", i);
    ArAuditEvent ev = {"prac_00000000000000a1", "visit.join", "visit", id, "success", NULL};
    g_assert_true(ar_audit_append(s, 1767225600 + i, &ev, &error));
  }
  if (extra_sql)
    g_assert_true(ar_store_exec(s, extra_sql, &error));
  g_assert_no_error(error);
}

typedef struct {
  int rc;
  char *out;
  char *err;
} Run;

static Run
verify(const char *path)
{
  Run r = {0};
  size_t out_len = 0, err_len = 0;
  FILE *out = open_memstream(&r.out, &out_len);
  FILE *err = open_memstream(&r.err, &err_len);
  r.rc = ar_audit_cli_verify(path, out, err);
  fclose(out);
  fclose(err);
  return r;
}

static void
run_clear(Run *r)
{
  free(r->out);
  free(r->err);
}

static void
test_intact(Fixture *f, gconstpointer data)
{
  write_events(f->db, 4, NULL);
  Run r = verify(f->db);
  g_assert_cmpint(r.rc, ==, AR_AUDIT_CLI_OK);
  g_assert_cmpstr(r.out, ==, "audit log ok: 4 events\n");
  g_assert_cmpstr(r.err, ==, "");
  run_clear(&r);
}

static void
test_empty(Fixture *f, gconstpointer data)
{
  write_events(f->db, 0, NULL);
  Run r = verify(f->db);
  g_assert_cmpint(r.rc, ==, AR_AUDIT_CLI_OK);
  g_assert_cmpstr(r.out, ==, "audit log ok: 0 events\n");
  run_clear(&r);
}

static void
test_edited(Fixture *f, gconstpointer data)
{
  write_events(f->db, 4,
               "DROP TRIGGER audit_event_no_update;"
               "UPDATE audit_event SET outcome = 'denied' WHERE seq = 2");
  Run r = verify(f->db);
  g_assert_cmpint(r.rc, ==, AR_AUDIT_CLI_BROKEN);
  g_assert_cmpstr(r.out, ==, "audit log broken at event 2\n");
  run_clear(&r);
}

static void
test_newest_deleted(Fixture *f, gconstpointer data)
{
  write_events(f->db, 5,
               "DROP TRIGGER audit_event_no_delete; DELETE FROM audit_event WHERE seq >= 4");
  Run r = verify(f->db);
  g_assert_cmpint(r.rc, ==, AR_AUDIT_CLI_BROKEN);
  g_assert_cmpstr(r.out, ==,
                  "audit log broken at event 4 (events 4..5 are missing from the end)\n");
  run_clear(&r);
}

static void
test_missing_not_created(Fixture *f, gconstpointer data)
{
  Run r = verify(f->db);
  g_assert_cmpint(r.rc, ==, AR_AUDIT_CLI_UNREADABLE);
  g_assert_cmpstr(r.out, ==, "");
  g_autofree char *want = g_strdup_printf("anteroom: cannot read audit log: %s: no such "
                                          "database file\n",
                                          f->db);
  g_assert_cmpstr(r.err, ==, want);
  g_assert_false(g_file_test(f->db, G_FILE_TEST_EXISTS));
  run_clear(&r);
}

static void
test_not_a_database(Fixture *f, gconstpointer data)
{
  g_assert_true(g_file_set_contents(f->db, "not sqlite at all, not sqlite at all\n", -1, NULL));
  Run r = verify(f->db);
  g_assert_cmpint(r.rc, ==, AR_AUDIT_CLI_UNREADABLE);
  g_assert_nonnull(strstr(r.err, "file is not a database"));
  run_clear(&r);
}

/* A database of another schema version is refused, and left at that version: verifying must
 * never migrate what it is asked to examine. */
static void
test_other_schema_not_migrated(Fixture *f, gconstpointer data)
{
  g_autofree char *older =
      g_strdup_printf("PRAGMA user_version = %d", ar_store_latest_version() - 1);
  write_events(f->db, 2, older);
  Run r = verify(f->db);
  g_assert_cmpint(r.rc, ==, AR_AUDIT_CLI_UNREADABLE);
  g_assert_nonnull(strstr(r.err, "this anteroom reads version"));
  run_clear(&r);
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  g_assert_cmpint(sqlite3_column_int(st, 0), ==, ar_store_latest_version() - 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("/audit_cli/intact", test_intact);
  ADD("/audit_cli/empty", test_empty);
  ADD("/audit_cli/edited", test_edited);
  ADD("/audit_cli/newest-deleted", test_newest_deleted);
  ADD("/audit_cli/missing-not-created", test_missing_not_created);
  ADD("/audit_cli/not-a-database", test_not_a_database);
  ADD("/audit_cli/other-schema-not-migrated", test_other_schema_not_migrated);
  return g_test_run();
}
