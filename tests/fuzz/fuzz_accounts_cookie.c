/* Fuzzes the Cookie header parser behind cookie sessions (every WebSocket upgrade and /api
 * request with a Cookie). A found value must be non-empty, shorter than 128 bytes, free of ';'
 * and appear in the header right after "ar_session=". */
#include "accounts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *header = g_strndup((const char *)data, size);
  char *v = ar_accounts_cookie_value(header);
  if (v) {
    g_autofree char *needle = g_strconcat(AR_ACCOUNTS_COOKIE "=", v, NULL);
    if (!*v || strlen(v) >= 128 || strchr(v, ';') || !strstr(header, needle))
      abort();
  }
  g_free(v);
  g_free(header);
  return 0;
}
