/* Fuzzes link-token verification two ways: the input as a token string (syntax, base64url,
 * length, key lookup, HMAC), and the input as a payload that the harness signs with the known
 * key, so the payload parser behind the HMAC is reached too. Any accepted token must re-sign to
 * the same string (one spelling per token). */
#include "token.h"

#include "base64.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000

static ArTokenKeyring *
keyring(void)
{
  static ArTokenKeyring *kr;
  if (!kr) {
    guint8 secret[AR_TOKEN_SECRET_BYTES];
    for (int i = 0; i < AR_TOKEN_SECRET_BYTES; i++)
      secret[i] = (guint8)i;
    kr = ar_token_keyring_new_ephemeral();
    ar_token_keyring_add(kr, 7, secret, TRUE, NULL);
  }
  return kr;
}

static void
check(const char *token)
{
  ArTokenClaims c;
  GError *error = NULL;
  if (ar_token_verify(keyring(), token, NOW, &c, &error)) {
    char *again = ar_token_sign(keyring(), &c, NULL);
    if (!again || strcmp(again, token) != 0)
      abort();
    g_free(again);
  } else {
    if (!error || error->domain != AR_TOKEN_ERROR)
      abort();
    g_error_free(error);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = g_strndup((const char *)data, size);
  check(s);
  g_free(s);

  if (size <= 200) {
    guint8 secret[AR_TOKEN_SECRET_BYTES];
    for (int i = 0; i < AR_TOKEN_SECRET_BYTES; i++)
      secret[i] = (guint8)i;
    guint8 mac[32];
    unsigned int mac_len = sizeof mac;
    HMAC(EVP_sha256(), secret, sizeof secret, data, size, mac, &mac_len);
    char tok[2 * 200 + 64];
    gsize n = ar_base64_encode(AR_BASE64_URL, data, size, tok);
    tok[n] = '.';
    ar_base64_encode(AR_BASE64_URL, mac, sizeof mac, tok + n + 1);
    check(tok);
  }
  return 0;
}
