/* Config schema: defaults, parsing, errors naming file/line/key, and that conf/anteroom.conf
 * documents exactly the keys the schema knows. */
#include "config.h"

#include <glib/gstdio.h>
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
  expect_error("[server]\npublic_url = https://\xa7\n", AR_CONFIG_ERROR_BAD_VALUE,
               "f.conf:2: [server] public_url: the value is not valid UTF-8");
  /* The same key in another section is still unknown there. */
  expect_error("[log]\nport = 1\n", AR_CONFIG_ERROR_UNKNOWN_KEY, "[log] port");
}

static void
test_turn(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArConfig) c = ar_config_load_data(
    "[turn]\nuris = turn:t.example.org:3478?transport=udp , turns:t.example.org:443?transport=tcp,\n"
    "secret = 0123456789abcdef\nttl_seconds = 600\n",
    "f.conf", &error);
  g_assert_no_error(error);
  g_auto(GStrv) uris = ar_config_turn_uris(c);
  g_assert_cmpuint(g_strv_length(uris), ==, 2);
  g_assert_cmpstr(uris[0], ==, "turn:t.example.org:3478?transport=udp");
  g_assert_cmpstr(uris[1], ==, "turns:t.example.org:443?transport=tcp");
  g_assert_cmpint(c->turn_ttl_seconds, ==, 600);

  g_autoptr(ArConfig) d = ar_config_new_default();
  g_auto(GStrv) none = ar_config_turn_uris(d);
  g_assert_cmpuint(g_strv_length(none), ==, 0);
  g_assert_cmpint(d->turn_ttl_seconds, ==, 86400);

  /* secret_file: read at load, whitespace trimmed. */
  g_autofree char *dir = g_dir_make_tmp("ar-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "turn-secret", NULL);
  g_assert_true(g_file_set_contents(path, "  fedcba9876543210fedcba\n", -1, NULL));
  g_autofree char *text =
    g_strdup_printf("[turn]\nuris = turn:t.example.org\nsecret_file = %s\n", path);
  g_autoptr(ArConfig) f = ar_config_load_data(text, "f.conf", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(f->turn_secret, ==, "fedcba9876543210fedcba");
  g_autofree char *both = g_strdup_printf(
    "[turn]\nuris = turn:t.example.org\nsecret = 0123456789abcdef\nsecret_file = %s\n", path);
  expect_error(both, AR_CONFIG_ERROR_BAD_VALUE, "[turn] secret_file: set secret or secret_file");
  g_unlink(path);
  g_rmdir(dir);
  expect_error(text, AR_CONFIG_ERROR_BAD_VALUE, "[turn] secret_file");

  expect_error("[turn]\nuris = turn:t.example.org\nsecret_file = /dev/zero\n",
               AR_CONFIG_ERROR_BAD_VALUE, "/dev/zero is not a small regular file");
  expect_error("[turn]\nuris = turn:t.example.org\n", AR_CONFIG_ERROR_BAD_VALUE,
               "f.conf:2: [turn] uris: TURN needs the secret");
  expect_error("[turn]\nuris = stun:t.example.org\nsecret = 0123456789abcdef\n",
               AR_CONFIG_ERROR_BAD_VALUE, "'stun:t.example.org' is not a turn: or turns: URI");
  expect_error("[turn]\nuris = turn:t.example.org?transport=sctp\nsecret = 0123456789abcdef\n",
               AR_CONFIG_ERROR_BAD_VALUE, "not a turn: or turns: URI");
  expect_error("[turn]\nuris = turn:\nsecret = 0123456789abcdef\n", AR_CONFIG_ERROR_BAD_VALUE,
               "not a turn: or turns: URI");
  expect_error("[turn]\nuris = turn:t.example.org\nsecret = short\n", AR_CONFIG_ERROR_BAD_VALUE,
               "[turn] secret: the secret must be at least 16 characters");
  expect_error("[turn]\nttl_seconds = 0\n", AR_CONFIG_ERROR_BAD_VALUE, "[turn] ttl_seconds");
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
  g_test_add_func("/config/turn", test_turn);
  g_test_add_func("/config/shipped-file-documents-every-key", test_shipped_file_documents_every_key);
  return g_test_run();
}
