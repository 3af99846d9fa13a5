/* Short-lived TURN credentials for coturn's REST API mode (`use-auth-secret` with
 * `static-auth-secret`): the server and coturn share a secret, and each participant gets
 * username "<expiry unix>:<opaque id>", password base64(HMAC-SHA1(secret, username)). coturn
 * recomputes the password and refuses the username once the expiry has passed. Called by the
 * signaling layer when it sends ICE servers to a joining client. */
#pragma once
#include <glib.h>

#define AR_TURN_CREDENTIALS_ERROR (ar_turn_credentials_error_quark())
GQuark ar_turn_credentials_error_quark(void);

typedef enum {
  AR_TURN_CREDENTIALS_ERROR_INVALID, /* empty secret, bad opaque id or ttl */
  AR_TURN_CREDENTIALS_ERROR_CRYPTO,
} ArTurnCredentialsError;

#define AR_TURN_OPAQUE_ID_MAX 64

/* Makes a credential valid until now_unix + ttl_s. opaque_id must be 1..64 printable ASCII
 * characters without ':' (coturn reads the expiry before the first ':', so a single ':' keeps
 * the username unambiguous) and carry no PHI: coturn logs it. ttl_s must be positive. On
 * success sets *username and *password (free with g_free) and returns TRUE. */
gboolean ar_turn_credentials_make(const char *secret, const char *opaque_id, gint64 ttl_s,
                                  gint64 now_unix, char **username, char **password,
                                  GError **error);
