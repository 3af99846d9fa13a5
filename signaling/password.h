/* Password hashing for the accounts that have one (clinicians, staff; patients never do):
 * scrypt through OpenSSL 3's EVP_KDF, stored as a self-describing string so the cost can be
 * raised later and old hashes upgraded on the next successful login (ar_password_needs_rehash).
 * Called by auth at login and by the admin tools that set passwords.
 *
 * Cost: one hash or verify is ~32 MiB and 0.1-0.3 s of CPU (0.27-0.31 s measured on the shared
 * 2-core dev box, bench/identity_ops). Run it in a worker thread (g_task_run_in_thread), never on
 * the signaling main loop, and rate-limit logins.
 *
 * Encoding: "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>", salt and hash in standard base64
 * without padding. Current parameters: N = 2^15, r = 8, p = 1, 16-byte salt, 32-byte hash. */
#pragma once
#include <glib.h>

#define AR_PASSWORD_LN 15
#define AR_PASSWORD_R 8
#define AR_PASSWORD_P 1
#define AR_PASSWORD_SALT_BYTES 16
#define AR_PASSWORD_HASH_BYTES 32
#define AR_PASSWORD_MAX_LEN 1024 /* longer passwords are refused, not truncated */

#define AR_PASSWORD_ERROR (ar_password_error_quark())
GQuark ar_password_error_quark(void);

typedef enum {
  AR_PASSWORD_ERROR_TOO_LONG,
  AR_PASSWORD_ERROR_CRYPTO, /* OpenSSL could not fetch or run scrypt, or no randomness */
} ArPasswordError;

/* A parsed encoding. Limits keep a hostile stored string from costing more than
 * AR_PASSWORD_MAXMEM of memory or unbounded CPU when verified. */
#define AR_PASSWORD_MAXMEM (256u * 1024 * 1024)
#define AR_PASSWORD_FIELD_MAX 64
typedef struct {
  guint ln, r, p;
  guint8 salt[AR_PASSWORD_FIELD_MAX];
  gsize salt_len; /* 8 .. 64 */
  guint8 hash[AR_PASSWORD_FIELD_MAX];
  gsize hash_len; /* 16 .. 64 */
} ArPasswordParams;

/* Hashes pw (NUL-terminated, any bytes) with a fresh random salt and the current parameters.
 * Returns the encoded string, or NULL with error. */
char *ar_password_hash(const char *pw, GError **error);

/* TRUE if pw matches encoded. FALSE on mismatch and on any malformed or out-of-limits encoding.
 * The hash comparison is constant time. */
gboolean ar_password_verify(const char *encoded, const char *pw);

/* TRUE if encoded was made with other parameters than the current ones (or is malformed), so
 * the caller should store ar_password_hash(pw) after a successful verify. */
gboolean ar_password_needs_rehash(const char *encoded);

/* Strict parser behind verify and needs_rehash; exposed for the fuzz target and tools. */
gboolean ar_password_parse(const char *encoded, ArPasswordParams *out);
