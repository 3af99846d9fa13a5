/* Fuzzes the password-hash encoding parser (the part of verify that reads stored strings). An
 * accepted encoding must respect the documented limits, so a stored string can never ask scrypt
 * for more memory than AR_PASSWORD_MAXMEM. */
#include "password.h"

#include <stdint.h>
#include <stdlib.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = g_strndup((const char *)data, size);
  ArPasswordParams prm;
  if (ar_password_parse(s, &prm)) {
    if (prm.ln < 1 || prm.ln > 20 || prm.r < 1 || prm.p < 1 || prm.salt_len < 8 ||
        prm.salt_len > AR_PASSWORD_FIELD_MAX || prm.hash_len < 16 ||
        prm.hash_len > AR_PASSWORD_FIELD_MAX ||
        128ull * prm.r * (1ull << prm.ln) > AR_PASSWORD_MAXMEM)
      abort();
    if (ar_password_needs_rehash(s) !=
        (prm.ln != AR_PASSWORD_LN || prm.r != AR_PASSWORD_R || prm.p != AR_PASSWORD_P ||
         prm.salt_len < AR_PASSWORD_SALT_BYTES || prm.hash_len != AR_PASSWORD_HASH_BYTES))
      abort();
  } else if (!ar_password_needs_rehash(s)) {
    abort();
  }
  g_free(s);
  return 0;
}
