/* The keyring is loaded from the file the server uses, changed through token.c (which rewrites
 * it atomically with mode 0600), and the change is audited in the server's database: SQLite in
 * WAL mode and a BEGIN IMMEDIATE append keep the hash chain whole next to a running server. */
#include "keys_cli.h"

#include "audit.h"
#include "store.h"
#include "token.h"

#include <stdlib.h>

char *
ar_keys_cli_path(const ArConfig *cfg)
{
  return g_build_filename(cfg->state_dir, "token-keys", NULL);
}

/* "1, 2, 3" */
static char *
key_list(const ArTokenKeyring *kr, const char *sep)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < ar_token_keyring_size(kr); i++)
    g_string_append_printf(s, "%s%u", i ? sep : "", ar_token_keyring_id_at(kr, i));
  return g_string_free(s, FALSE);
}

static gboolean
audit(const ArConfig *cfg, const char *action, guint32 key_id, const ArTokenKeyring *kr, FILE *err)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = ar_config_state_path(cfg, cfg->store_path);
  g_autoptr(ArStore) store = ar_store_open(db, &error);
  g_autofree char *id = g_strdup_printf("%u", key_id);
  g_autofree char *keys = key_list(kr, ",");
  g_autofree char *detail =
      g_strdup_printf("{\"active\":%u,\"keys\":[%s]}", ar_token_keyring_active_id(kr), keys);
  ArAuditEvent ev = {"operator", action, "token_key", id, "success", detail};
  if (!store || !ar_audit_append(store, g_get_real_time() / G_USEC_PER_SEC, &ev, &error)) {
    fprintf(err, "anteroom: the keyring changed, but the audit event could not be written: %s\n",
            error ? error->message : "unknown error");
    return FALSE;
  }
  return TRUE;
}

static ArTokenKeyring *
load(const ArConfig *cfg, FILE *err)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ar_keys_cli_path(cfg);
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    /* Creating one here would sign nothing the server knows: it creates its own on start. */
    fprintf(err, "anteroom: no keyring at %s (start the server once to create it)\n", path);
    return NULL;
  }
  ArTokenKeyring *kr = ar_token_keyring_load_or_create(path, &error);
  if (!kr)
    fprintf(err, "anteroom: %s\n", error->message);
  return kr;
}

static void
print_state(const ArTokenKeyring *kr, FILE *out)
{
  g_autofree char *keys = key_list(kr, ", ");
  fprintf(out, "active key: %u; keys that verify links: %s\n", ar_token_keyring_active_id(kr),
          keys);
  fprintf(out, "a running server applies this on SIGHUP (systemctl reload anteroom)\n");
}

int
ar_keys_cli_rotate(const ArConfig *cfg, FILE *out, FILE *err)
{
  g_autoptr(ArTokenKeyring) kr = load(cfg, err);
  if (!kr)
    return AR_KEYS_CLI_FAILED;
  guint32 old = ar_token_keyring_active_id(kr);
  g_autoptr(GError) error = NULL;
  guint32 id = ar_token_keyring_rotate(kr, &error);
  if (!id) {
    fprintf(err, "anteroom: %s\n", error->message);
    return AR_KEYS_CLI_FAILED;
  }
  fprintf(out, "rotated: key %u signs new links; key %u still verifies links already sent\n", id,
          old);
  print_state(kr, out);
  return audit(cfg, "token.key_rotate", id, kr, err) ? AR_KEYS_CLI_OK : AR_KEYS_CLI_FAILED;
}

int
ar_keys_cli_retire(const ArConfig *cfg, const char *key_id, FILE *out, FILE *err)
{
  guint64 id = 0;
  if (!key_id || !g_ascii_string_to_unsigned(key_id, 10, 1, G_MAXUINT32, &id, NULL)) {
    fprintf(err, "anteroom: --retire-link-key needs a key id (1 to %u)\n", G_MAXUINT32);
    return AR_KEYS_CLI_FAILED;
  }
  g_autoptr(ArTokenKeyring) kr = load(cfg, err);
  if (!kr)
    return AR_KEYS_CLI_FAILED;
  g_autoptr(GError) error = NULL;
  if (!ar_token_keyring_remove(kr, (guint32)id, &error)) {
    fprintf(err, "anteroom: %s\n", error->message);
    return AR_KEYS_CLI_FAILED;
  }
  fprintf(out, "retired: key %u removed; links signed with it no longer work\n", (guint32)id);
  print_state(kr, out);
  return audit(cfg, "token.key_retire", (guint32)id, kr, err) ? AR_KEYS_CLI_OK : AR_KEYS_CLI_FAILED;
}
