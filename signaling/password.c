/* scrypt password hashes; see password.h for the encoding and its limits. */
#include "password.h"

#include "base64.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <string.h>

GQuark
ar_password_error_quark(void)
{
  return g_quark_from_static_string("ar-password-error-quark");
}

#define PREFIX "$scrypt$"
#define ENCODED_MAX 256
#define LN_MAX 20
#define R_MAX 32
#define P_MAX 16

/* Reads a decimal without sign or leading zero, at most 3 digits, then expects `end`. */
static gboolean
read_uint(const char **s, char end, guint *out)
{
  const char *p = *s;
  guint v = 0;
  int digits = 0;
  while (*p >= '0' && *p <= '9' && digits < 3) {
    v = v * 10 + (guint)(*p - '0');
    p++;
    digits++;
  }
  if (digits == 0 || (digits > 1 && **s == '0') || *p != end)
    return FALSE;
  *out = v;
  *s = p + 1;
  return TRUE;
}

static gboolean
read_b64(const char **s, char end, guint8 *out, gsize *out_len, gsize min)
{
  const char *stop = strchr(*s, end);
  if (!stop)
    return FALSE;
  gssize n = ar_base64_decode(AR_BASE64_STD, *s, (gsize)(stop - *s), out, AR_PASSWORD_FIELD_MAX);
  if (n < (gssize)min)
    return FALSE;
  *out_len = (gsize)n;
  *s = stop + (end ? 1 : 0);
  return TRUE;
}

gboolean
ar_password_parse(const char *encoded, ArPasswordParams *out)
{
  memset(out, 0, sizeof *out);
  if (!encoded || strnlen(encoded, ENCODED_MAX + 1) > ENCODED_MAX)
    return FALSE;
  const char *s = encoded;
  if (strncmp(s, PREFIX "ln=", strlen(PREFIX "ln=")) != 0)
    return FALSE;
  s += strlen(PREFIX "ln=");
  if (!read_uint(&s, ',', &out->ln) || strncmp(s, "r=", 2) != 0)
    return FALSE;
  s += 2;
  if (!read_uint(&s, ',', &out->r) || strncmp(s, "p=", 2) != 0)
    return FALSE;
  s += 2;
  if (!read_uint(&s, '$', &out->p) || !read_b64(&s, '$', out->salt, &out->salt_len, 8) ||
      !read_b64(&s, '\0', out->hash, &out->hash_len, 16))
    return FALSE;
  if (out->ln < 1 || out->ln > LN_MAX || out->r < 1 || out->r > R_MAX || out->p < 1 ||
      out->p > P_MAX)
    return FALSE;
  /* scrypt's working set is 128 * r * N bytes (p lanes run one after another in OpenSSL). */
  return 128ull * out->r * (1ull << out->ln) <= AR_PASSWORD_MAXMEM;
}

static gboolean
derive(const char *pw, gsize pw_len, const ArPasswordParams *prm, guint8 *out, gsize out_len)
{
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
  if (!kdf)
    return FALSE;
  EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx)
    return FALSE;
  uint64_t n = 1ull << prm->ln;
  uint32_t r = prm->r, p = prm->p;
  uint64_t maxmem = AR_PASSWORD_MAXMEM + 1024 * 1024; /* room for OpenSSL's own bookkeeping */
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pw, pw_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)prm->salt, prm->salt_len),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  gboolean ok = EVP_KDF_derive(ctx, out, out_len, params) == 1;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

char *
ar_password_hash(const char *pw, GError **error)
{
  gsize pw_len = strnlen(pw, AR_PASSWORD_MAX_LEN + 1);
  if (pw_len > AR_PASSWORD_MAX_LEN) {
    g_set_error(error, AR_PASSWORD_ERROR, AR_PASSWORD_ERROR_TOO_LONG,
                "password longer than %d bytes", AR_PASSWORD_MAX_LEN);
    return NULL;
  }
  ArPasswordParams prm = {.ln = AR_PASSWORD_LN,
                          .r = AR_PASSWORD_R,
                          .p = AR_PASSWORD_P,
                          .salt_len = AR_PASSWORD_SALT_BYTES,
                          .hash_len = AR_PASSWORD_HASH_BYTES};
  if (RAND_bytes(prm.salt, AR_PASSWORD_SALT_BYTES) != 1 ||
      !derive(pw, pw_len, &prm, prm.hash, prm.hash_len)) {
    g_set_error(error, AR_PASSWORD_ERROR, AR_PASSWORD_ERROR_CRYPTO,
                "scrypt via OpenSSL EVP_KDF failed");
    return NULL;
  }
  char salt[ar_base64_encoded_len(AR_PASSWORD_SALT_BYTES) + 1];
  char hash[ar_base64_encoded_len(AR_PASSWORD_HASH_BYTES) + 1];
  ar_base64_encode(AR_BASE64_STD, prm.salt, prm.salt_len, salt);
  ar_base64_encode(AR_BASE64_STD, prm.hash, prm.hash_len, hash);
  OPENSSL_cleanse(prm.hash, sizeof prm.hash);
  return g_strdup_printf(PREFIX "ln=%u,r=%u,p=%u$%s$%s", prm.ln, prm.r, prm.p, salt, hash);
}

gboolean
ar_password_verify(const char *encoded, const char *pw)
{
  ArPasswordParams prm;
  if (!pw || !ar_password_parse(encoded, &prm))
    return FALSE;
  gsize pw_len = strnlen(pw, AR_PASSWORD_MAX_LEN + 1);
  if (pw_len > AR_PASSWORD_MAX_LEN)
    return FALSE;
  guint8 got[AR_PASSWORD_FIELD_MAX];
  gboolean ok = derive(pw, pw_len, &prm, got, prm.hash_len) &&
                CRYPTO_memcmp(got, prm.hash, prm.hash_len) == 0;
  OPENSSL_cleanse(got, sizeof got);
  return ok;
}

gboolean
ar_password_needs_rehash(const char *encoded)
{
  ArPasswordParams prm;
  if (!ar_password_parse(encoded, &prm))
    return TRUE;
  return prm.ln != AR_PASSWORD_LN || prm.r != AR_PASSWORD_R || prm.p != AR_PASSWORD_P ||
         prm.salt_len < AR_PASSWORD_SALT_BYTES || prm.hash_len != AR_PASSWORD_HASH_BYTES;
}
