/* OpenSSL-backed cipher and auth types for libsrtp2's crypto kernel (see srtp_openssl.h).
 *
 * The struct layouts come from the public libsrtp2 headers srtp2/cipher.h and srtp2/auth.h;
 * they are identical from libsrtp 2.4.0 to 2.8.0, and the call conventions relied on below were
 * checked against libsrtp 2.5.0 (srtp/srtp.c, crypto/cipher/cipher.c), so install refuses any
 * other run-time version. Each session gets its own cipher/auth object: the AES key schedule and
 * the HMAC pads are set up once in init(); per packet only the IV is re-initialised, and nothing
 * is allocated. */

/* The HMAC keeps precomputed SHA-1 states for key^ipad and key^opad and copies them per packet.
 * OpenSSL 3.0's EVP digests cannot copy a state without allocating (EVP_MD_CTX_copy_ex dups the
 * provider context) and EVP_MAC allocates per call, so the plain SHA_CTX API is the only one
 * without an allocation on the packet path. It is deprecated, not removed. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "srtp_openssl.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

G_DEFINE_QUARK(ar - srtp - openssl - error - quark, ar_srtp_openssl_error)

#define ICM_KEY_LEN 16
#define ICM_SALT_LEN 14
#define ICM_KEY_LEN_WSALT (ICM_KEY_LEN + ICM_SALT_LEN) /* libsrtp's key_len includes the salt */
#define GCM_KEY_LEN 16
#define GCM_KEY_LEN_WSALT (GCM_KEY_LEN + 12) /* libsrtp mixes the salt into the IV itself */
#define GCM_IV_LEN 12
#define SHA1_LEN 20
#define SHA1_BLOCK 64

static const srtp_cipher_type_t icm_type;
static const srtp_cipher_type_t gcm_type;
static const srtp_auth_type_t hmac_type;

/* Allocates the srtp_cipher_t shell every type shares; libsrtp frees it through our dealloc. */
static srtp_cipher_t *
cipher_shell_new(const srtp_cipher_type_t *type, int algorithm, int key_len, void *state)
{
  srtp_cipher_t *c = g_new0(srtp_cipher_t, 1);
  c->type = type; /* libsrtp calls through this pointer, not through the registered struct */
  c->algorithm = algorithm;
  c->key_len = key_len;
  c->state = state;
  return c;
}

/* ---- AES-128 in integer counter mode (RFC 3711 4.1.1) ---- */

typedef struct {
  EVP_CIPHER_CTX *ctx;
  guint8 offset[16]; /* salt || 0000: the counter is offset XOR iv */
} IcmState;

static srtp_err_status_t
icm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
  if (key_len != ICM_KEY_LEN_WSALT)
    return srtp_err_status_bad_param;
  IcmState *st = g_new0(IcmState, 1);
  st->ctx = EVP_CIPHER_CTX_new();
  if (st->ctx == NULL) {
    g_free(st);
    return srtp_err_status_alloc_fail;
  }
  *cp = cipher_shell_new(&icm_type, SRTP_AES_ICM_128, key_len, st);
  return srtp_err_status_ok;
}

static srtp_err_status_t
icm_dealloc(srtp_cipher_pointer_t c)
{
  IcmState *st = c->state;
  if (st != NULL) {
    EVP_CIPHER_CTX_free(st->ctx);
    OPENSSL_cleanse(st, sizeof *st);
    g_free(st);
  }
  g_free(c);
  return srtp_err_status_ok;
}

static srtp_err_status_t
icm_init(void *state, const uint8_t *key)
{
  IcmState *st = state;
  memset(st->offset, 0, sizeof st->offset);
  memcpy(st->offset, key + ICM_KEY_LEN, ICM_SALT_LEN);
  if (EVP_EncryptInit_ex(st->ctx, EVP_aes_128_ctr(), NULL, key, NULL) != 1)
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t direction)
{
  IcmState *st = state;
  guint8 counter[16];
  for (int i = 0; i < 16; i++)
    counter[i] = st->offset[i] ^ iv[i];
  /* Key schedule kept: only the counter block is reset (and the partial-block position).
   * OpenSSL carries into the upper counter bytes where libsrtp's own ICM stops after 2^16
   * blocks (1 MiB); no SRTP packet gets there, so the keystreams are the same. */
  if (EVP_EncryptInit_ex(st->ctx, NULL, NULL, NULL, counter) != 1)
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

/* Encrypt and decrypt are the same XOR with the keystream, which continues across calls until
 * the next set_iv (header-extension encryption takes it element by element). */
static srtp_err_status_t
icm_crypt(void *state, uint8_t *buf, unsigned int *len)
{
  IcmState *st = state;
  int out_len = 0;
  if (*len == 0)
    return srtp_err_status_ok;
  if (*len > INT_MAX || EVP_EncryptUpdate(st->ctx, buf, &out_len, buf, (int)*len) != 1 ||
      out_len != (int)*len)
    return srtp_err_status_cipher_fail;
  return srtp_err_status_ok;
}

/* ---- AES-128-GCM (RFC 7714) ---- */

typedef struct {
  EVP_CIPHER_CTX *ctx;
  int tag_len;
  srtp_cipher_direction_t dir;
} GcmState;

static srtp_err_status_t
gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
  if (key_len != GCM_KEY_LEN_WSALT || (tag_len != 16 && tag_len != 8))
    return srtp_err_status_bad_param;
  GcmState *st = g_new0(GcmState, 1);
  st->ctx = EVP_CIPHER_CTX_new();
  if (st->ctx == NULL) {
    g_free(st);
    return srtp_err_status_alloc_fail;
  }
  st->tag_len = tag_len;
  st->dir = srtp_direction_any;
  /* algorithm must say GCM: libsrtp picks its AEAD code path from it, silently. */
  *cp = cipher_shell_new(&gcm_type, SRTP_AES_GCM_128, key_len, st);
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_dealloc(srtp_cipher_pointer_t c)
{
  GcmState *st = c->state;
  if (st != NULL) {
    EVP_CIPHER_CTX_free(st->ctx);
    OPENSSL_cleanse(st, sizeof *st);
    g_free(st);
  }
  g_free(c);
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_init(void *state, const uint8_t *key)
{
  GcmState *st = state;
  st->dir = srtp_direction_any;
  /* Only the first 16 of the 28 bytes are the AES key. */
  if (EVP_CipherInit_ex(st->ctx, EVP_aes_128_gcm(), NULL, key, NULL, 1) != 1)
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t direction)
{
  GcmState *st = state;
  if (direction != srtp_direction_encrypt && direction != srtp_direction_decrypt)
    return srtp_err_status_bad_param;
  st->dir = direction;
  /* The default GCM IV length is the 12 bytes SRTP uses; the key schedule is kept. */
  if (EVP_CipherInit_ex(st->ctx, NULL, NULL, NULL, iv, direction == srtp_direction_encrypt) != 1)
    return srtp_err_status_init_fail;
  return srtp_err_status_ok;
}

/* May be called twice per packet (SRTCP: header, then the E-flag/index trailer). */
static srtp_err_status_t
gcm_set_aad(void *state, const uint8_t *aad, uint32_t aad_len)
{
  GcmState *st = state;
  int out_len = 0;
  if (st->dir == srtp_direction_any || aad_len > INT_MAX)
    return srtp_err_status_bad_param;
  if (aad_len == 0)
    return srtp_err_status_ok;
  if (EVP_CipherUpdate(st->ctx, NULL, &out_len, aad, (int)aad_len) != 1)
    return srtp_err_status_algo_fail;
  return srtp_err_status_ok;
}

/* encrypt(NULL, 0) happens for SRTCP sent authenticated but not encrypted. */
static srtp_err_status_t
gcm_encrypt(void *state, uint8_t *buf, unsigned int *len)
{
  GcmState *st = state;
  int out_len = 0;
  if (st->dir != srtp_direction_encrypt)
    return srtp_err_status_bad_param;
  if (*len == 0)
    return srtp_err_status_ok;
  if (*len > INT_MAX || EVP_CipherUpdate(st->ctx, buf, &out_len, buf, (int)*len) != 1 ||
      out_len != (int)*len)
    return srtp_err_status_cipher_fail;
  return srtp_err_status_ok;
}

/* Sets (not adds to) *len and writes exactly tag_len bytes. */
static srtp_err_status_t
gcm_get_tag(void *state, uint8_t *tag, uint32_t *len)
{
  GcmState *st = state;
  guint8 none[16];
  int out_len = 0;
  if (st->dir != srtp_direction_encrypt)
    return srtp_err_status_bad_param;
  if (EVP_CipherFinal_ex(st->ctx, none, &out_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(st->ctx, EVP_CTRL_AEAD_GET_TAG, st->tag_len, tag) != 1)
    return srtp_err_status_algo_fail;
  *len = (uint32_t)st->tag_len;
  return srtp_err_status_ok;
}

/* Gets ciphertext followed by the tag; verifies, then drops the tag from *len. */
static srtp_err_status_t
gcm_decrypt(void *state, uint8_t *buf, unsigned int *len)
{
  GcmState *st = state;
  guint8 none[16];
  int out_len = 0;
  if (st->dir != srtp_direction_decrypt)
    return srtp_err_status_bad_param;
  if (*len < (unsigned int)st->tag_len || *len > INT_MAX)
    return srtp_err_status_auth_fail;
  int ct_len = (int)*len - st->tag_len;
  if (EVP_CIPHER_CTX_ctrl(st->ctx, EVP_CTRL_AEAD_SET_TAG, st->tag_len, buf + ct_len) != 1)
    return srtp_err_status_algo_fail;
  if (ct_len > 0 &&
      (EVP_CipherUpdate(st->ctx, buf, &out_len, buf, ct_len) != 1 || out_len != ct_len))
    return srtp_err_status_cipher_fail;
  if (EVP_CipherFinal_ex(st->ctx, none, &out_len) != 1)
    return srtp_err_status_auth_fail;
  *len = (unsigned int)ct_len;
  return srtp_err_status_ok;
}

/* ---- HMAC-SHA1 (RFC 2104) ---- */

typedef struct {
  SHA_CTX inner; /* after absorbing key ^ ipad */
  SHA_CTX outer; /* after absorbing key ^ opad */
  SHA_CTX cur;   /* the packet being authenticated */
} HmacState;

static srtp_err_status_t
hmac_alloc(srtp_auth_pointer_t *ap, int key_len, int out_len)
{
  if (key_len < 0 || out_len < 0 || out_len > SHA1_LEN)
    return srtp_err_status_bad_param;
  srtp_auth_t *a = g_new0(srtp_auth_t, 1);
  a->type = &hmac_type;
  a->state = g_new0(HmacState, 1);
  a->out_len = out_len;
  a->key_len = key_len;
  a->prefix_len = 0;
  *ap = a;
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_dealloc(srtp_auth_pointer_t a)
{
  if (a->state != NULL) {
    OPENSSL_cleanse(a->state, sizeof(HmacState));
    g_free(a->state);
  }
  g_free(a);
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_init(void *state, const uint8_t *key, int key_len)
{
  HmacState *st = state;
  guint8 block[SHA1_BLOCK] = {0};
  guint8 pad[SHA1_BLOCK];
  if (key_len < 0)
    return srtp_err_status_bad_param;
  if (key_len > SHA1_BLOCK)
    SHA1(key, (size_t)key_len, block);
  else if (key_len > 0)
    memcpy(block, key, (size_t)key_len);

  for (int i = 0; i < SHA1_BLOCK; i++)
    pad[i] = block[i] ^ 0x36;
  int ok = SHA1_Init(&st->inner) && SHA1_Update(&st->inner, pad, SHA1_BLOCK);
  for (int i = 0; i < SHA1_BLOCK; i++)
    pad[i] = block[i] ^ 0x5c;
  ok = ok && SHA1_Init(&st->outer) && SHA1_Update(&st->outer, pad, SHA1_BLOCK);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  st->cur = st->inner; /* so compute() works without start(), as libsrtp's self-test allows */
  return ok ? srtp_err_status_ok : srtp_err_status_init_fail;
}

static srtp_err_status_t
hmac_start(void *state)
{
  HmacState *st = state;
  st->cur = st->inner;
  return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_update(void *state, const uint8_t *buf, int len)
{
  HmacState *st = state;
  if (len < 0)
    return srtp_err_status_bad_param;
  if (len > 0 && !SHA1_Update(&st->cur, buf, (size_t)len))
    return srtp_err_status_auth_fail;
  return srtp_err_status_ok;
}

/* libsrtp calls this with the last bytes to authenticate (SRTP: the 4-byte ROC). */
static srtp_err_status_t
hmac_compute(void *state, const uint8_t *buf, int len, int tag_len, uint8_t *tag)
{
  HmacState *st = state;
  guint8 digest[SHA1_LEN];
  if (len < 0 || tag_len < 0 || tag_len > SHA1_LEN)
    return srtp_err_status_bad_param;
  SHA_CTX outer = st->outer;
  int ok = (len == 0 || SHA1_Update(&st->cur, buf, (size_t)len)) && SHA1_Final(digest, &st->cur) &&
           SHA1_Update(&outer, digest, SHA1_LEN) && SHA1_Final(digest, &outer);
  st->cur = st->inner;
  if (!ok)
    return srtp_err_status_auth_fail;
  memcpy(tag, digest, (size_t)tag_len);
  return srtp_err_status_ok;
}

/* ---- known-answer tests: libsrtp refuses a type without them ----
 * srtp_cipher_test_case_t.idx is a non-const pointer, but only our set_iv reads it, so the IVs
 * stay in read-only data and are cast. */

/* RFC 3711 B.2: AES-CM keystream for session key 2B7E1516..., salt F0F1...FD, index 0. */
static const uint8_t icm_kat_key[ICM_KEY_LEN_WSALT] = {
    0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f,
    0x3c, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd};
static const uint8_t icm_kat_iv[16]; /* all zero */
static const uint8_t icm_kat_zero[48];
static const uint8_t icm_kat_keystream[48] = {
    0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4,
    0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
    0x41, 0xe9, 0x5b, 0x3b, 0xb0, 0xa2, 0xe8, 0xdd, 0x47, 0x79, 0x01, 0xe4, 0xfc, 0xa8, 0x94, 0xc0};

/* RFC 3711 B.3: the same cipher as the SRTP KDF, deriving the session encryption key (label 0)
 * and salt (label 2) from master key E1F97A0D... and master salt 0EC675AD.... */
static const uint8_t kdf_kat_key[ICM_KEY_LEN_WSALT] = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41,
    0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
static const uint8_t kdf_kat_iv_label0[16];
static const uint8_t kdf_kat_iv_label2[16] = {0, 0, 0, 0, 0, 0, 0, 0x02};
static const uint8_t kdf_kat_cipher_key[16] = {0xc6, 0x1e, 0x7a, 0x93, 0x74, 0x4f, 0x39, 0xee,
                                               0x10, 0x73, 0x4a, 0xfe, 0x3f, 0xf7, 0xa0, 0x87};
static const uint8_t kdf_kat_cipher_salt[14] = {0x30, 0xcb, 0xbc, 0x08, 0x86, 0x3d, 0x8c,
                                                0x85, 0xd4, 0x9d, 0xb3, 0x4a, 0x9a, 0xe1};

/* libsrtp's test-case struct, field by field; lengths in bytes, AAD and tag only for GCM. */
#define CIPHER_KAT(key_, iv_, in_, in_len, out_, out_len, aad_, aad_len, tag_len, next_)           \
  {                                                                                                \
    .key_length_octets = sizeof(key_), .key = (key_), .idx = (uint8_t *)(iv_),                     \
    .plaintext_length_octets = (in_len), .plaintext = (in_),                                       \
    .ciphertext_length_octets = (out_len), .ciphertext = (out_), .aad_length_octets = (aad_len),   \
    .aad = (aad_), .tag_length_octets = (tag_len), .next_test_case = (next_)                       \
  }

static const srtp_cipher_test_case_t kdf_kat_salt = CIPHER_KAT(
    kdf_kat_key, kdf_kat_iv_label2, icm_kat_zero, 14, kdf_kat_cipher_salt, 14, NULL, 0, 0, NULL);
static const srtp_cipher_test_case_t kdf_kat_key_case =
    CIPHER_KAT(kdf_kat_key, kdf_kat_iv_label0, icm_kat_zero, 16, kdf_kat_cipher_key, 16, NULL, 0, 0,
               &kdf_kat_salt);
static const srtp_cipher_test_case_t icm_kat =
    CIPHER_KAT(icm_kat_key, icm_kat_iv, icm_kat_zero, 48, icm_kat_keystream, 48, NULL, 0, 0,
               &kdf_kat_key_case);

/* McGrew & Viega, "The Galois/Counter Mode of Operation", test case 4 (60-byte plaintext, 20-byte
 * AAD), with the 12 salt bytes libsrtp appends to the key, for 16- and 8-byte tags. */
static const uint8_t gcm_kat_key[GCM_KEY_LEN_WSALT] = {
    0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30,
    0x83, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
static const uint8_t gcm_kat_iv[GCM_IV_LEN] = {0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce,
                                               0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88};
static const uint8_t gcm_kat_plaintext[60] = {
    0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26,
    0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31,
    0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49,
    0xa6, 0xb5, 0x25, 0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39};
static const uint8_t gcm_kat_aad[20] = {0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
                                        0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2};
static const uint8_t gcm_kat_ciphertext[76] = {
    0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72, 0x21, 0xb7, 0x84, 0xd0, 0xd4, 0x9c,
    0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02, 0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac, 0xa1, 0x2e,
    0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c, 0x7d, 0x8f, 0x6a, 0x5a, 0xac, 0x84, 0xaa, 0x05,
    0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97, 0x3d, 0x58, 0xe0, 0x91,
    /* tag */
    0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa, 0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47};

static const srtp_cipher_test_case_t gcm_kat_tag8 =
    CIPHER_KAT(gcm_kat_key, gcm_kat_iv, gcm_kat_plaintext, 60, gcm_kat_ciphertext, 68, gcm_kat_aad,
               20, 8, NULL);
static const srtp_cipher_test_case_t gcm_kat =
    CIPHER_KAT(gcm_kat_key, gcm_kat_iv, gcm_kat_plaintext, 60, gcm_kat_ciphertext, 76, gcm_kat_aad,
               20, 16, &gcm_kat_tag8);

/* RFC 2202 HMAC-SHA1 test cases 1, 2 and 6 (the last with a key longer than a block). */
static const uint8_t hmac_kat1_key[20] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                          0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                          0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};
static const uint8_t hmac_kat1_tag[20] = {0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72,
                                          0x64, 0xe2, 0x8b, 0xc0, 0xb6, 0xfb, 0x37,
                                          0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00};
static const uint8_t hmac_kat2_tag[20] = {0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f,
                                          0xa2, 0xd2, 0x74, 0x16, 0xd5, 0xf1, 0x84,
                                          0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79};
static const uint8_t hmac_kat6_key[80] = {
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
static const uint8_t hmac_kat6_tag[20] = {0xaa, 0x4a, 0xe5, 0xe1, 0x52, 0x72, 0xd0,
                                          0x0e, 0x95, 0x70, 0x56, 0x37, 0xce, 0x8a,
                                          0x3b, 0x55, 0xed, 0x40, 0x21, 0x12};
static const char hmac_kat6_data[] = "Test Using Larger Than Block-Size Key - Hash Key First";

static const srtp_auth_test_case_t hmac_kat6 = {
    80, hmac_kat6_key, 54, (const uint8_t *)hmac_kat6_data, 20, hmac_kat6_tag, NULL};
static const srtp_auth_test_case_t hmac_kat2 = {
    4,  (const uint8_t *)"Jefe", 28,        (const uint8_t *)"what do ya want for nothing?",
    20, hmac_kat2_tag,           &hmac_kat6};
static const srtp_auth_test_case_t hmac_kat = {
    20, hmac_kat1_key, 8, (const uint8_t *)"Hi There", 20, hmac_kat1_tag, &hmac_kat2};

/* ---- the types and their installation ---- */

static const srtp_cipher_type_t icm_type = {
    .alloc = icm_alloc,
    .dealloc = icm_dealloc,
    .init = icm_init,
    .set_aad = NULL,
    .encrypt = icm_crypt,
    .decrypt = icm_crypt,
    .set_iv = icm_set_iv,
    .get_tag = NULL,
    .description = "AES-128 integer counter mode (OpenSSL, anteroom)",
    .test_data = &icm_kat,
    .id = SRTP_AES_ICM_128,
};

static const srtp_cipher_type_t gcm_type = {
    .alloc = gcm_alloc,
    .dealloc = gcm_dealloc,
    .init = gcm_init,
    .set_aad = gcm_set_aad,
    .encrypt = gcm_encrypt,
    .decrypt = gcm_decrypt,
    .set_iv = gcm_set_iv,
    .get_tag = gcm_get_tag,
    .description = "AES-128 GCM (OpenSSL, anteroom)",
    .test_data = &gcm_kat,
    .id = SRTP_AES_GCM_128,
};

static const srtp_auth_type_t hmac_type = {
    .alloc = hmac_alloc,
    .dealloc = hmac_dealloc,
    .init = hmac_init,
    .compute = hmac_compute,
    .update = hmac_update,
    .start = hmac_start,
    .description = "HMAC-SHA1 with precomputed pads (OpenSSL, anteroom)",
    .test_data = &hmac_kat,
    .id = SRTP_HMAC_SHA1,
};

/* Versions whose srtp2/cipher.h and srtp2/auth.h carry the layouts compiled in here. */
#define MIN_VERSION ((2u << 24) | (4u << 16))
#define MAX_VERSION_EXCL ((2u << 24) | (9u << 16))

gboolean
ar_srtp_openssl_install(GError **error)
{
  unsigned int version = srtp_get_version();
  if (version < MIN_VERSION || version >= MAX_VERSION_EXCL) {
    g_set_error(error, AR_SRTP_OPENSSL_ERROR, AR_SRTP_OPENSSL_ERROR_VERSION,
                "libsrtp %s: cipher/auth structs only checked for 2.4.0 to 2.8.x",
                srtp_get_version_string());
    return FALSE;
  }

  /* Self-test all three before replacing any, so a failure leaves the kernel as it was. */
  srtp_err_status_t st;
  const char *what = "self-test";
  if ((st = srtp_cipher_type_self_test(&icm_type)) != srtp_err_status_ok ||
      (st = srtp_cipher_type_self_test(&gcm_type)) != srtp_err_status_ok ||
      (st = srtp_auth_type_self_test(&hmac_type)) != srtp_err_status_ok)
    goto fail;
  /* Replacing also runs the stock type's vectors against ours; ICM first because it is the KDF
   * of every 128-bit profile, GCM included. */
  what = "replacement";
  if ((st = srtp_replace_cipher_type(&icm_type, SRTP_AES_ICM_128)) != srtp_err_status_ok ||
      (st = srtp_replace_cipher_type(&gcm_type, SRTP_AES_GCM_128)) != srtp_err_status_ok ||
      (st = srtp_replace_auth_type(&hmac_type, SRTP_HMAC_SHA1)) != srtp_err_status_ok)
    goto fail;
  return TRUE;

fail:
  g_set_error(error, AR_SRTP_OPENSSL_ERROR, AR_SRTP_OPENSSL_ERROR_REPLACE,
              "libsrtp %s refused the OpenSSL types (%s, srtp_err_status %d)",
              srtp_get_version_string(), what, (int)st);
  return FALSE;
}
