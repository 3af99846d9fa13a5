/* Config schema: defaults, parsing, errors naming file/line/key, and that conf/anteroom.conf
 * documents exactly the keys the schema knows. */
#include "config.h"

#include <string.h>

static void
test_defaults(void)
{
  g_autoptr(ArConfig) c = ar_config_new_default();
  g_assert_cmpint(c->port, ==, 8443);
  g_assert_cmpstr(c->listen_address, ==, "0.0.0.0");
  g_assert_cmpint(c->drain_seconds, ==, 30);
  g_assert_cmpint(c->log_level, ==, G_LOG_LEVEL_INFO);
  g_assert_cmpint(c->media_workers, ==, 0);
}

static void
test_values(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArConfig) c = ar_config_load_data(
    "[server]\nport = 9000\nstate_dir = rel/state\n[log]\nlevel = debug\nformat = json\n"
    "[media]\nworkers = 3\n",
    "/etc/anteroom/x.conf", &error);
  g_assert_no_error(error);
  g_assert_cmpint(c->port, ==, 9000);
  g_assert_cmpstr(c->state_dir, ==, "/etc/anteroom/rel/state");
  g_assert_cmpint(c->log_level, ==, G_LOG_LEVEL_DEBUG);
  g_assert_cmpint(c->log_format, ==, AR_LOG_JSON);
  g_assert_cmpint(c->media_workers, ==, 3);
  g_autofree char *db = ar_config_state_path(c, c->store_path);
  g_assert_cmpstr(db, ==, "/etc/anteroom/rel/state/anteroom.db");
}

static void
expect_error(const char *text, int code, const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArConfig) c = ar_config_load_data(text, "f.conf", &error);
  g_assert_null(c);
  g_assert_error(error, AR_CONFIG_ERROR, code);
  if (!strstr(error->message, message))
    g_error("expected \"%s\" in \"%s\"", message, error->message);
}

static void
test_errors(void)
{
  expect_error("[server]\n\n  port = 0\n", AR_CONFIG_ERROR_BAD_VALUE, "f.conf:3: [server] port");
  expect_error("[server]\nport = 12ab\n", AR_CONFIG_ERROR_BAD_VALUE, "not a whole number");
  expect_error("[server]\nprot = 1\n", AR_CONFIG_ERROR_UNKNOWN_KEY, "f.conf:2: [server] prot");
  expect_error("[log]\nformat = xml\n", AR_CONFIG_ERROR_BAD_VALUE, "not one of text, json");
  expect_error("[srv]\nport = 1\n", AR_CONFIG_ERROR_UNKNOWN_GROUP, "f.conf:1: [srv]");
  expect_error("[server]\npublic_url = ftp://x\n", AR_CONFIG_ERROR_BAD_VALUE, "https://");
  expect_error("[server]\nport 8443\n", AR_CONFIG_ERROR_SYNTAX, "f.conf:2:");
  /* The same key in another section is still unknown there. */
  expect_error("[log]\nport = 1\n", AR_CONFIG_ERROR_UNKNOWN_KEY, "[log] port");
}

/* Every schema key must appear as "key =" under its [group] in the shipped file, and the file
 * must hold no key the schema lacks (it is also loaded, which rejects unknown keys). */
static void
test_shipped_file_documents_every_key(void)
{
  g_autofree char *path = g_build_filename(g_getenv("AR_SOURCE_DIR"), "conf", "anteroom.conf",
                                           NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArConfig) c = ar_config_load(path, &error);
  g_assert_no_error(error);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_KEEP_COMMENTS, NULL));
  gsize n = 0;
  const ArConfigKeyName *keys = ar_config_schema_keys(&n);
  for (gsize i = 0; i < n; i++) {
    if (!g_key_file_has_key(kf, keys[i].group, keys[i].key, NULL))
      g_error("conf/anteroom.conf does not document [%s] %s", keys[i].group, keys[i].key);
    g_autofree char *comment = g_key_file_get_comment(kf, keys[i].group, keys[i].key, NULL);
    if (!comment || strlen(comment) < 10)
      g_error("[%s] %s has no explanatory comment", keys[i].group, keys[i].key);
  }
  /* And the documented defaults are the real defaults. */
  g_autoptr(ArConfig) d = ar_config_new_default();
  g_assert_cmpint(c->port, ==, d->port);
  g_assert_cmpint(c->drain_seconds, ==, d->drain_seconds);
  g_assert_cmpstr(c->state_dir, ==, d->state_dir);
  g_assert_cmpstr(c->listen_address, ==, d->listen_address);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/values", test_values);
  g_test_add_func("/config/errors", test_errors);
  g_test_add_func("/config/shipped-file-documents-every-key", test_shipped_file_documents_every_key);
  return g_test_run();
}
