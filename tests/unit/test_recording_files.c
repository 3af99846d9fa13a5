/* Recording rows and files: retention deletes what started before the cutoff (row and file)
 * and stray rec_* files older than it, and keeps recent and running recordings; a crash's
 * "recording" rows become "interrupted" at start; finishing a recording records its size. */
#include "recording.h"

#include <glib/gstdio.h>
#include <utime.h>

static char *
make_file(const char *dir, const char *name, gsize size, gint64 mtime)
{
  char *path = g_build_filename(dir, name, NULL);
  g_autofree char *data = g_malloc0(size);
  g_assert_true(g_file_set_contents(path, data, (gssize)size, NULL));
  if (mtime) {
    struct utimbuf t = {(time_t)mtime, (time_t)mtime};
    g_assert_cmpint(utime(path, &t), ==, 0);
  }
  return path;
}

static gint64
count(ArStore *s, const char *where)
{
  g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM recording WHERE %s", where);
  sqlite3_stmt *st = ar_store_prepare(s, sql, NULL);
  g_assert_nonnull(st);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  gint64 n = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return n;
}

static void
test_retention_and_recovery(void)
{
  g_autofree char *dir = g_dir_make_tmp("recfiles-XXXXXX", NULL);
  g_autofree char *db = g_build_filename(dir, "t.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArStore) s = ar_store_open(db, &error);
  g_assert_no_error(error);
  gint64 now = 1900000000, day = 86400; /* every file on disk is older than the cutoff */
  struct {
    const char *id;
    gint64 age_days;
    const char *status;
  } rows[] = {
      {"rec_old", 40, "complete"},
      {"rec_new", 2, "complete"},
      {"rec_run", 40, "recording"},
  };
  g_autofree char *p_old = NULL, *p_new = NULL;
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_autofree char *file = g_strdup_printf("%s.mkv", rows[i].id);
    g_autofree char *path = make_file(dir, file, 1000 + i, 0);
    g_assert_true(ar_recording_files_insert(s, rows[i].id, "ap_x", file, "prac_x",
                                            (now - rows[i].age_days * day) * 1000, &error));
    g_assert_no_error(error);
    if (g_str_equal(rows[i].status, "complete"))
      ar_recording_files_finished(s, dir, rows[i].id, "complete", "stopped",
                                  (now - rows[i].age_days * day + 10) * 1000);
  }
  g_assert_cmpint(count(s, "id = 'rec_new' AND size = 1001 AND reason = 'stopped'"), ==, 1);
  g_autofree char *stray_old = make_file(dir, "rec_stray.mkv", 10, now - 50 * day);
  g_autofree char *other = make_file(dir, "notes.txt", 10, now - 50 * day);
  g_assert_cmpuint(ar_recording_files_expire(s, dir, 30, now), ==, 2);
  g_assert_cmpint(count(s, "id = 'rec_old'"), ==, 0);
  g_assert_cmpint(count(s, "id IN ('rec_new', 'rec_run')"), ==, 2);
  g_autofree char *old_path = g_build_filename(dir, "rec_old.mkv", NULL);
  g_autofree char *new_path = g_build_filename(dir, "rec_new.mkv", NULL);
  g_assert_false(g_file_test(old_path, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(stray_old, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test(new_path, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test(other, G_FILE_TEST_EXISTS)); /* not a recording: left alone */
  /* A restart after a crash: the running one is interrupted, then expires like the others. */
  ar_recording_files_recover(s);
  g_assert_cmpint(count(s, "id = 'rec_run' AND status = 'interrupted'"), ==, 1);
  g_assert_cmpuint(ar_recording_files_expire(s, dir, 30, now), ==, 1);
  g_assert_cmpint(count(s, "1"), ==, 1);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_unlink(path);
  }
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/recording_files/retention-and-recovery", test_retention_and_recovery);
  return g_test_run();
}
