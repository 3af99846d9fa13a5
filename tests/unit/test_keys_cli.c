/* The operator's link-key commands against a keyring a "running server" holds in memory: a link
 * signed before rotation keeps working, the server signs with the new key after it re-reads the
 * file (SIGHUP), retiring the old key kills its links, every change is audited, and bad input
 * (the active key, an unknown or malformed id, a damaged file) changes nothing. */
#include "audit.h"
#include "keys_cli.h"
#include "store.h"
#include "token.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *dir;
  ArConfig *cfg;
  char *path;
  ArTokenKeyring *server; /* what the running server holds */
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp("ar-keys-XXXXXX", NULL);
  f->cfg = ar_config_new_default();
  g_free(f->cfg->state_dir);
  f->cfg->state_dir = g_strdup(f->dir);
  f->path = ar_keys_cli_path(f->cfg);
  g_autoptr(GError) error = NULL;
  f->server = ar_token_keyring_load_or_create(f->path, &error);
  g_assert_no_error(error);
}

static void
teardown(Fixture *f, gconstpointer data)
{
  ar_token_keyring_free(f->server);
  ar_config_free(f->cfg);
  g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(f->dir, name, NULL);
    g_unlink(p);
  }
  g_rmdir(f->dir);
  g_free(f->dir);
  g_free(f->path);
}

static char *
sign(ArTokenKeyring *kr, guint32 *key_id)
{
  ArTokenClaims c;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  g_assert_true(ar_token_claims_init(&c, AR_TOKEN_ROLE_PATIENT, "ap_1", "pat_1", now, 3600, 0));
  char *t = ar_token_sign(kr, &c, NULL);
  g_assert_nonnull(t);
  ArTokenClaims v;
  g_assert_true(ar_token_verify(kr, t, now, &v, NULL));
  *key_id = v.key_id;
  return t;
}

static gboolean
verifies(ArTokenKeyring *kr, const char *token, GError **error)
{
  return ar_token_verify(kr, token, g_get_real_time() / G_USEC_PER_SEC, NULL, error);
}

/* Runs a command with its output in memory. */
static int
run(Fixture *f, const char *retire, char **out_text, char **err_text)
{
  char *obuf = NULL, *ebuf = NULL;
  gsize olen = 0, elen = 0;
  FILE *out = open_memstream(&obuf, &olen), *err = open_memstream(&ebuf, &elen);
  int rc =
      retire ? ar_keys_cli_retire(f->cfg, retire, out, err) : ar_keys_cli_rotate(f->cfg, out, err);
  fclose(out);
  fclose(err);
  *out_text = obuf;
  *err_text = ebuf;
  return rc;
}

static gint64
audit_count(Fixture *f, const char *action)
{
  g_autofree char *db = ar_config_state_path(f->cfg, f->cfg->store_path);
  g_autoptr(ArStore) store = ar_store_open(db, NULL);
  g_assert_nonnull(store);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(ar_store_db(store),
                                     "SELECT count(*) FROM audit_event WHERE action = ? AND"
                                     " actor = 'operator' AND entity_type = 'token_key'",
                                     -1, &st, NULL),
                  ==, SQLITE_OK);
  sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  gint64 n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  gint64 events = 0, bad = -1;
  g_assert_true(ar_audit_verify(store, &events, &bad, NULL));
  return n;
}

static void
test_rotate_then_retire(Fixture *f, gconstpointer data)
{
  guint32 first = 0, second = 0;
  g_autofree char *old_link = sign(f->server, &first);

  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint(run(f, NULL, &out, &err), ==, AR_KEYS_CLI_OK);
  g_autofree char *want =
      g_strdup_printf("rotated: key %u signs new links; key %u still", first + 1, first);
  g_assert_nonnull(strstr(out, want));
  g_assert_nonnull(strstr(out, "SIGHUP"));
  g_assert_cmpstr(err, ==, "");
  g_assert_cmpint(audit_count(f, "token.key_rotate"), ==, 1);

  /* Before SIGHUP the server still signs with the old key; after it, with the new one. */
  g_autofree char *before = sign(f->server, &second);
  g_assert_cmpuint(second, ==, first);
  g_assert_true(ar_token_keyring_reload(f->server, NULL));
  g_autofree char *new_link = sign(f->server, &second);
  g_assert_cmpuint(second, ==, first + 1);
  g_assert_true(verifies(f->server, old_link, NULL));

  /* The active key cannot be retired; neither can an unknown or malformed id. */
  g_autofree char *id2 = g_strdup_printf("%u", second);
  g_autofree char *o2 = NULL, *e2 = NULL, *o3 = NULL, *e3 = NULL, *o4 = NULL, *e4 = NULL;
  g_assert_cmpint(run(f, id2, &o2, &e2), ==, AR_KEYS_CLI_FAILED);
  g_assert_nonnull(strstr(e2, "active"));
  g_assert_cmpint(run(f, "77", &o3, &e3), ==, AR_KEYS_CLI_FAILED);
  g_assert_cmpint(run(f, "one", &o4, &e4), ==, AR_KEYS_CLI_FAILED);
  g_assert_cmpint(audit_count(f, "token.key_retire"), ==, 0);

  g_autofree char *id1 = g_strdup_printf("%u", first);
  g_autofree char *o5 = NULL, *e5 = NULL;
  g_assert_cmpint(run(f, id1, &o5, &e5), ==, AR_KEYS_CLI_OK);
  g_assert_nonnull(strstr(o5, "retired"));
  g_assert_cmpint(audit_count(f, "token.key_retire"), ==, 1);
  /* Links signed with the retired key stop working once the server re-reads the file. */
  g_assert_true(verifies(f->server, old_link, NULL));
  g_assert_true(ar_token_keyring_reload(f->server, NULL));
  g_autoptr(GError) error = NULL;
  g_assert_false(verifies(f->server, old_link, &error));
  g_assert_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_UNKNOWN_KEY);
  g_assert_false(verifies(f->server, before, NULL));
  g_assert_true(verifies(f->server, new_link, NULL));
}

static void
test_damaged_file_keeps_keyring(Fixture *f, gconstpointer data)
{
  guint32 id = 0;
  g_autofree char *link = sign(f->server, &id);
  g_assert_true(g_file_set_contents(f->path, "[keyring]\nactive=zz\n", -1, NULL));
  g_chmod(f->path, 0600);
  g_autoptr(GError) error = NULL;
  g_assert_false(ar_token_keyring_reload(f->server, &error));
  g_assert_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING);
  g_assert_true(verifies(f->server, link, NULL));
  g_assert_cmpuint(ar_token_keyring_active_id(f->server), ==, id);
  /* The command refuses it too, and says why. */
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint(run(f, NULL, &out, &err), ==, AR_KEYS_CLI_FAILED);
  g_assert_nonnull(strstr(err, "keyring"));
}

static void
test_no_keyring_yet(void)
{
  g_autofree char *dir = g_dir_make_tmp("ar-keys-XXXXXX", NULL);
  g_autoptr(ArConfig) cfg = ar_config_new_default();
  g_free(cfg->state_dir);
  cfg->state_dir = g_strdup(dir);
  char *obuf = NULL, *ebuf = NULL;
  gsize olen = 0, elen = 0;
  FILE *out = open_memstream(&obuf, &olen), *err = open_memstream(&ebuf, &elen);
  g_assert_cmpint(ar_keys_cli_rotate(cfg, out, err), ==, AR_KEYS_CLI_FAILED);
  fclose(out);
  fclose(err);
  g_assert_nonnull(strstr(ebuf, "no keyring"));
  g_autofree char *path = ar_keys_cli_path(cfg);
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  free(obuf);
  free(ebuf);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/keys-cli/rotate-then-retire", Fixture, NULL, setup, test_rotate_then_retire,
             teardown);
  g_test_add("/keys-cli/damaged-file-keeps-keyring", Fixture, NULL, setup,
             test_damaged_file_keeps_keyring, teardown);
  g_test_add_func("/keys-cli/no-keyring-yet", test_no_keyring_yet);
  return g_test_run();
}
