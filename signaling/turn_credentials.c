/* coturn REST API credentials; see turn_credentials.h. */
#include "turn_credentials.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

GQuark
ar_turn_credentials_error_quark(void)
{
  return g_quark_from_static_string("ar-turn-credentials-error-quark");
}

static gboolean
opaque_id_valid(const char *id)
{
  gsize n = id ? strnlen(id, AR_TURN_OPAQUE_ID_MAX + 1) : 0;
  if (n == 0 || n > AR_TURN_OPAQUE_ID_MAX)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (id[i] < 0x21 || id[i] > 0x7e || id[i] == ':')
      return FALSE;
  return TRUE;
}

gboolean
ar_turn_credentials_make(const char *secret, const char *opaque_id, gint64 ttl_s, gint64 now_unix,
                         char **username, char **password, GError **error)
{
  if (!secret || !*secret || !opaque_id_valid(opaque_id) || ttl_s <= 0 ||
      now_unix > G_MAXINT64 - ttl_s) {
    g_set_error_literal(error, AR_TURN_CREDENTIALS_ERROR, AR_TURN_CREDENTIALS_ERROR_INVALID,
                        "TURN credentials need a secret, a 1-64 character id without ':' and "
                        "a positive ttl");
    return FALSE;
  }
  char *user = g_strdup_printf("%" G_GINT64_FORMAT ":%s", now_unix + ttl_s, opaque_id);
  guint8 mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha1(), secret, (int)strlen(secret), (const guint8 *)user, strlen(user), mac,
            &mac_len)) {
    g_free(user);
    g_set_error_literal(error, AR_TURN_CREDENTIALS_ERROR, AR_TURN_CREDENTIALS_ERROR_CRYPTO,
                        "HMAC-SHA1 failed");
    return FALSE;
  }
  *username = user;
  *password = g_base64_encode(mac, mac_len); /* padded standard base64, as coturn expects */
  return TRUE;
}
