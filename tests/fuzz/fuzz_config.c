/* Fuzzes the config loader (GKeyFile syntax, the schema, value parsing, [media] and [turn]
 * checks) two ways: the input as a whole file, and the input as the value of [turn] uris in an
 * otherwise valid file, so the URI list parser is reached on every run. Whatever loads must
 * satisfy the checks' promises: every TURN URI is turn:/turns: with a host, and TURN comes
 * with a secret of at least 16 characters. */
#include "config.h"

#include <stdint.h>
#include <string.h>

static void
check_loaded(const ArConfig *cfg)
{
  g_auto(GStrv) uris = ar_config_turn_uris(cfg);
  for (int i = 0; uris[i]; i++) {
    if (!g_str_has_prefix(uris[i], "turn:") && !g_str_has_prefix(uris[i], "turns:"))
      g_error("accepted TURN URI '%s'", uris[i]);
    if (!*uris[i] || strchr(uris[i], ','))
      g_error("URI split left '%s'", uris[i]);
  }
  if (uris[0] && strlen(cfg->turn_secret) < 16)
    g_error("TURN accepted without a usable secret");
  if (cfg->turn_ttl_seconds < 60 || cfg->turn_ttl_seconds > 7 * 86400)
    g_error("ttl_seconds %d accepted", cfg->turn_ttl_seconds);
}

static void
load(const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArConfig) cfg = ar_config_load_data(text, "fuzz.conf", &error);
  if (cfg)
    check_loaded(cfg);
  else if (!error || !strstr(error->message, "fuzz.conf:"))
    g_error("refused without naming the file: %s", error ? error->message : "(no error)");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0 || size > 8192)
    return 0;
  g_autofree char *text = g_strndup((const char *)data + 1, size - 1);
  if (data[0] & 1) {
    load(text);
  } else {
    /* One line: a newline would end the value and start GKeyFile syntax of its own. */
    g_strdelimit(text, "\r\n", ' ');
    g_autofree char *file =
        g_strdup_printf("[turn]\nuris = %s\nsecret = 0123456789abcdef0123\n", text);
    load(file);
  }
  return 0;
}
