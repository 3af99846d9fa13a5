/* Signed link tokens: what a patient or invitee carries in the link of a text message instead of
 * an account. auth (HTTP and WebSocket join) calls ar_token_verify(); the scheduler and the
 * invite flow call ar_token_sign(). Revocation and single use are the caller's job: it looks the
 * verified token id up in the store.
 *
 * Wire format: base64url(payload) "." base64url(HMAC-SHA256(key, payload)), both unpadded.
 * payload (version 1, big-endian):
 *   u8 version | u32 key id | 12 B token id | u8 role | u8 flags | i64 issued-at | i64 expiry
 *   | u8 n, n B visit id | u8 m, m B subject id
 * The key id selects the keyring entry so keys can rotate without invalidating links in flight. */
#pragma once
#include <glib.h>

#define AR_TOKEN_VERSION 1
#define AR_TOKEN_MAX_LEN 1024    /* longer input is rejected before any decoding */
#define AR_TOKEN_ID_BYTES 12     /* 96 random bits: revocation and single-use key */
#define AR_TOKEN_REF_MAX 64      /* visit id and subject id: printable ASCII, no spaces */
#define AR_TOKEN_SECRET_BYTES 32 /* HMAC-SHA256 key size */
#define AR_TOKEN_CLOCK_SKEW_S 60 /* issued-at may be this far in the future (clock drift) */

#define AR_TOKEN_ERROR (ar_token_error_quark())
GQuark ar_token_error_quark(void);

typedef enum {
  AR_TOKEN_ERROR_MALFORMED,      /* not a token: syntax, length, encoding, payload layout */
  AR_TOKEN_ERROR_BAD_SIGNATURE,  /* well formed, known key, HMAC does not match */
  AR_TOKEN_ERROR_UNKNOWN_KEY,    /* key id not in the keyring (never existed or removed) */
  AR_TOKEN_ERROR_EXPIRED,        /* now >= expiry */
  AR_TOKEN_ERROR_NOT_YET_VALID,  /* issued-at later than now + AR_TOKEN_CLOCK_SKEW_S */
  AR_TOKEN_ERROR_INVALID_CLAIMS, /* ar_token_sign: claims cannot be encoded */
  AR_TOKEN_ERROR_KEYRING,        /* keyring file unreadable, malformed, unsafe mode, unwritable */
} ArTokenError;

typedef enum {
  AR_TOKEN_ROLE_PATIENT = 1,
  AR_TOKEN_ROLE_CLINICIAN,
  AR_TOKEN_ROLE_INTERPRETER,
  AR_TOKEN_ROLE_CAREGIVER,
  AR_TOKEN_ROLE_STAFF,
  AR_TOKEN_ROLE_OFFER, /* answers one slot offer: accept/decline, nothing else */
} ArTokenRole;
#define AR_TOKEN_ROLE_FIRST AR_TOKEN_ROLE_PATIENT
#define AR_TOKEN_ROLE_LAST AR_TOKEN_ROLE_OFFER

typedef enum {
  AR_TOKEN_FLAG_SINGLE_USE = 1 << 0, /* the caller burns the token id on first use */
} ArTokenFlags;
#define AR_TOKEN_FLAGS_KNOWN ((guint)AR_TOKEN_FLAG_SINGLE_USE)

typedef struct {
  guint8 version;                     /* set by verify; sign always writes AR_TOKEN_VERSION */
  guint32 key_id;                     /* set by verify; sign uses the active key */
  guint8 token_id[AR_TOKEN_ID_BYTES]; /* random; see ar_token_claims_init() */
  ArTokenRole role;
  guint flags;                           /* ArTokenFlags */
  gint64 issued_at;                      /* unix seconds */
  gint64 expires_at;                     /* unix seconds, exclusive */
  char visit_id[AR_TOKEN_REF_MAX + 1];   /* opaque appointment/visit id */
  char subject_id[AR_TOKEN_REF_MAX + 1]; /* opaque patient/practitioner/invitee id */
} ArTokenClaims;

/* Fills claims with a fresh random token id, issued-at = now_unix, expiry = now_unix + ttl_s.
 * Returns FALSE (claims unusable) if a reference is too long or not printable ASCII. */
gboolean ar_token_claims_init(ArTokenClaims *claims, ArTokenRole role, const char *visit_id,
                              const char *subject_id, gint64 now_unix, gint64 ttl_s, guint flags);

/* Lower-case hex of the token id (2 * AR_TOKEN_ID_BYTES chars + NUL): the store's key for
 * revocation and single-use. */
void ar_token_id_to_hex(const ArTokenClaims *claims, char out[2 * AR_TOKEN_ID_BYTES + 1]);

const char *ar_token_role_to_string(ArTokenRole role);
/* Returns 0 for an unknown name. */
ArTokenRole ar_token_role_from_string(const char *name);

/* Keyring: key id -> 32-byte secret; one active key signs, the others only verify until removed.
 * Kept in a GKeyFile at `path`, mode 0600, rewritten atomically on every change. */
typedef struct _ArTokenKeyring ArTokenKeyring;

/* Loads the keyring at path, or creates it with one random key if the file does not exist.
 * Refuses a file readable or writable by group or others. */
ArTokenKeyring *ar_token_keyring_load_or_create(const char *path, GError **error);
/* A keyring that lives only in memory (rotate/remove do not persist): tests and fuzzing. */
ArTokenKeyring *ar_token_keyring_new_ephemeral(void);
void ar_token_keyring_free(ArTokenKeyring *kr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArTokenKeyring, ar_token_keyring_free)

/* Adds a new random key, makes it the active one and persists the keyring. Returns the new
 * key id, or 0 with error set (the keyring is then unchanged). */
guint32 ar_token_keyring_rotate(ArTokenKeyring *kr, GError **error);
/* Removes a retired key (tokens signed with it become UNKNOWN_KEY) and persists the keyring.
 * The active key cannot be removed. */
gboolean ar_token_keyring_remove(ArTokenKeyring *kr, guint32 key_id, GError **error);
/* Adds a key with a given id and secret (e.g. a key shared by several nodes), optionally making
 * it active, and persists. Fails if the id is 0 or already present. */
gboolean ar_token_keyring_add(ArTokenKeyring *kr, guint32 key_id,
                              const guint8 secret[AR_TOKEN_SECRET_BYTES], gboolean make_active,
                              GError **error);
guint32 ar_token_keyring_active_id(const ArTokenKeyring *kr);
/* Re-reads the keyring file in place (the running server on SIGHUP, after an operator rotated
 * or retired a key with `anteroom --rotate-link-key` / `--retire-link-key`). On failure the
 * keyring is unchanged. An ephemeral keyring has nothing to re-read: TRUE. */
gboolean ar_token_keyring_reload(ArTokenKeyring *kr, GError **error);
gboolean ar_token_keyring_has(const ArTokenKeyring *kr, guint32 key_id);
/* The i-th key id (in file order), 0 past the end; with ar_token_keyring_size() to list them. */
guint32 ar_token_keyring_id_at(const ArTokenKeyring *kr, guint i);

guint ar_token_keyring_size(const ArTokenKeyring *kr);

/* Signs claims with the active key. claims->version and claims->key_id are ignored. Returns a
 * newly allocated NUL-terminated token, or NULL with AR_TOKEN_ERROR_INVALID_CLAIMS. */
char *ar_token_sign(const ArTokenKeyring *kr, const ArTokenClaims *claims, GError **error);

/* Verifies token (NUL-terminated) at now_unix. On success fills *out (may be NULL) and returns
 * TRUE. Checks, in order: length and syntax (MALFORMED), key id (UNKNOWN_KEY), HMAC in constant
 * time (BAD_SIGNATURE), payload layout (MALFORMED), expiry (EXPIRED), issued-at (NOT_YET_VALID).
 * No allocation of its own unless it fails (the GError). */
gboolean ar_token_verify(const ArTokenKeyring *kr, const char *token, gint64 now_unix,
                         ArTokenClaims *out, GError **error);
