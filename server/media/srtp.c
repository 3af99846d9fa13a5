/* SRTP session wrapper over libsrtp2 (see srtp.h). It owns the mapping from DTLS-SRTP profiles
 * and RFC 5764 keying material to libsrtp policies, checks lengths before libsrtp sees a packet
 * (srtp_protect trusts the caller to have room for the tag), and turns libsrtp's status codes
 * into the few outcomes the transport acts on and counts. */
#include "srtp.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>

G_DEFINE_QUARK(ar - srtp - error - quark, ar_srtp_error)

#define RTP_HEADER_LEN 12
#define RTCP_HEADER_LEN 8
#define SRTCP_INDEX_LEN 4
#define MASTER_KEY_LEN 16
#define MAX_MASTER_LEN (16 + 14)

gboolean
ar_srtp_init(GError **error)
{
  srtp_err_status_t st = srtp_init();
  if (st != srtp_err_status_ok) {
    g_set_error(error, AR_SRTP_ERROR, AR_SRTP_ERROR_INIT, "srtp_init failed (status %d)", (int)st);
    return FALSE;
  }
  return TRUE;
}

const char *
ar_srtp_backend_name(gboolean openssl_installed)
{
  return openssl_installed ? "openssl" : "libsrtp";
}

const char *
ar_srtp_profile_name(ArSrtpProfile profile)
{
  switch (profile) {
  case AR_SRTP_AEAD_AES_128_GCM:
    return "SRTP_AEAD_AES_128_GCM";
  case AR_SRTP_AES128_CM_SHA1_80:
    return "SRTP_AES128_CM_SHA1_80";
  }
  g_return_val_if_reached(NULL);
}

gboolean
ar_srtp_profile_from_name(const char *name, ArSrtpProfile *out)
{
  if (g_strcmp0(name, "SRTP_AEAD_AES_128_GCM") == 0)
    *out = AR_SRTP_AEAD_AES_128_GCM;
  else if (g_strcmp0(name, "SRTP_AES128_CM_SHA1_80") == 0)
    *out = AR_SRTP_AES128_CM_SHA1_80;
  else
    return FALSE;
  return TRUE;
}

gsize
ar_srtp_profile_key_len(ArSrtpProfile profile)
{
  return MASTER_KEY_LEN;
}

gsize
ar_srtp_profile_salt_len(ArSrtpProfile profile)
{
  return profile == AR_SRTP_AEAD_AES_128_GCM ? 12 : 14;
}

gsize
ar_srtp_profile_keying_material_len(ArSrtpProfile profile)
{
  return 2 * (ar_srtp_profile_key_len(profile) + ar_srtp_profile_salt_len(profile));
}

gsize
ar_srtp_profile_rtp_overhead(ArSrtpProfile profile)
{
  return profile == AR_SRTP_AEAD_AES_128_GCM ? 16 : 10;
}

gsize
ar_srtp_profile_rtcp_overhead(ArSrtpProfile profile)
{
  return SRTCP_INDEX_LEN + ar_srtp_profile_rtp_overhead(profile);
}

const char *
ar_srtp_result_name(int result)
{
  switch (result) {
  case AR_SRTP_OK:
    return "ok";
  case AR_SRTP_ERR_AUTH:
    return "auth";
  case AR_SRTP_ERR_REPLAY:
    return "replay";
  case AR_SRTP_ERR_LENGTH:
    return "length";
  case AR_SRTP_ERR_NO_SPACE:
    return "no-space";
  default:
    return "failed";
  }
}

static void
set_crypto_policy(ArSrtpProfile profile, srtp_policy_t *pol)
{
  if (profile == AR_SRTP_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
  }
}

/* libsrtp wants each direction's master key and salt contiguous: key || salt. */
static srtp_err_status_t
create_direction(srtp_t *out, ArSrtpProfile profile, srtp_ssrc_type_t ssrc_type, const guint8 *key,
                 const guint8 *salt)
{
  gsize salt_len = ar_srtp_profile_salt_len(profile);
  guint8 master[MAX_MASTER_LEN];
  memcpy(master, key, MASTER_KEY_LEN);
  memcpy(master + MASTER_KEY_LEN, salt, salt_len);

  srtp_policy_t pol;
  memset(&pol, 0, sizeof pol);
  set_crypto_policy(profile, &pol);
  pol.ssrc.type = ssrc_type;
  pol.key = master;
  pol.window_size = AR_SRTP_REPLAY_WINDOW;
  /* We resend packets from our cache on NACK with their original index: not a replay to us. */
  pol.allow_repeat_tx = 1;
  srtp_err_status_t st = srtp_create(out, &pol);
  OPENSSL_cleanse(master, sizeof master);
  return st;
}

ArSrtpSession *
ar_srtp_session_new(ArSrtpProfile profile, const guint8 *keying_material, gsize len,
                    gboolean is_client, GError **error)
{
  g_return_val_if_fail(profile == AR_SRTP_AEAD_AES_128_GCM || profile == AR_SRTP_AES128_CM_SHA1_80,
                       NULL);
  if (keying_material == NULL || len != ar_srtp_profile_keying_material_len(profile)) {
    g_set_error(error, AR_SRTP_ERROR, AR_SRTP_ERROR_KEYING,
                "%s needs %" G_GSIZE_FORMAT " bytes of keying material, got %" G_GSIZE_FORMAT,
                ar_srtp_profile_name(profile), ar_srtp_profile_keying_material_len(profile), len);
    return NULL;
  }
  gsize salt_len = ar_srtp_profile_salt_len(profile);
  const guint8 *client_key = keying_material;
  const guint8 *server_key = client_key + MASTER_KEY_LEN;
  const guint8 *client_salt = server_key + MASTER_KEY_LEN;
  const guint8 *server_salt = client_salt + salt_len;

  g_autoptr(ArSrtpSession) s = g_new0(ArSrtpSession, 1);
  s->profile = profile;
  srtp_err_status_t st =
      create_direction(&s->tx, profile, ssrc_any_outbound, is_client ? client_key : server_key,
                       is_client ? client_salt : server_salt);
  if (st == srtp_err_status_ok)
    st = create_direction(&s->rx, profile, ssrc_any_inbound, is_client ? server_key : client_key,
                          is_client ? server_salt : client_salt);
  if (st != srtp_err_status_ok) {
    g_set_error(error, AR_SRTP_ERROR, AR_SRTP_ERROR_SESSION,
                "srtp_create failed for %s (status %d)", ar_srtp_profile_name(profile), (int)st);
    return NULL;
  }
  return g_steal_pointer(&s);
}

void
ar_srtp_session_free(ArSrtpSession *s)
{
  if (s == NULL)
    return;
  if (s->tx != NULL)
    srtp_dealloc(s->tx);
  if (s->rx != NULL)
    srtp_dealloc(s->rx);
  g_free(s);
}

static int
result_of(srtp_err_status_t st)
{
  switch (st) {
  case srtp_err_status_ok:
    return AR_SRTP_OK;
  case srtp_err_status_auth_fail:
    return AR_SRTP_ERR_AUTH;
  case srtp_err_status_replay_fail:
  case srtp_err_status_replay_old:
    return AR_SRTP_ERR_REPLAY;
  case srtp_err_status_bad_param:
  case srtp_err_status_parse_err:
    return AR_SRTP_ERR_LENGTH;
  default:
    return AR_SRTP_ERR_FAILED;
  }
}

static int
count_inbound(ArSrtpSession *s, int result)
{
  if (result == AR_SRTP_ERR_AUTH)
    s->auth_fail++;
  else if (result == AR_SRTP_ERR_REPLAY)
    s->replay++;
  else if (result == AR_SRTP_ERR_LENGTH)
    s->bad_length++;
  return result;
}

/* The length checks libsrtp leaves to its caller; min is the smallest packet we hand over. */
static int
check_protect(gsize len, gsize cap, gsize min, gsize overhead)
{
  if (len < min || len > cap || len > (gsize)INT_MAX - overhead)
    return AR_SRTP_ERR_LENGTH;
  if (cap - len < overhead)
    return AR_SRTP_ERR_NO_SPACE;
  return AR_SRTP_OK;
}

int
ar_srtp_protect_rtp(ArSrtpSession *s, guint8 *buf, gsize *len, gsize cap)
{
  int r = check_protect(*len, cap, RTP_HEADER_LEN, ar_srtp_profile_rtp_overhead(s->profile));
  if (r != AR_SRTP_OK)
    return r;
  int n = (int)*len;
  r = result_of(srtp_protect(s->tx, buf, &n));
  if (r == AR_SRTP_OK)
    *len = (gsize)n;
  return r;
}

int
ar_srtp_protect_rtcp(ArSrtpSession *s, guint8 *buf, gsize *len, gsize cap)
{
  int r = check_protect(*len, cap, RTCP_HEADER_LEN, ar_srtp_profile_rtcp_overhead(s->profile));
  if (r != AR_SRTP_OK)
    return r;
  int n = (int)*len;
  r = result_of(srtp_protect_rtcp(s->tx, buf, &n));
  if (r == AR_SRTP_OK)
    *len = (gsize)n;
  return r;
}

int
ar_srtp_unprotect_rtp(ArSrtpSession *s, guint8 *buf, gsize *len)
{
  if (*len < RTP_HEADER_LEN + ar_srtp_profile_rtp_overhead(s->profile) || *len > INT_MAX)
    return count_inbound(s, AR_SRTP_ERR_LENGTH);
  int n = (int)*len;
  int r = count_inbound(s, result_of(srtp_unprotect(s->rx, buf, &n)));
  if (r == AR_SRTP_OK)
    *len = (gsize)n;
  return r;
}

int
ar_srtp_unprotect_rtcp(ArSrtpSession *s, guint8 *buf, gsize *len)
{
  if (*len < RTCP_HEADER_LEN + ar_srtp_profile_rtcp_overhead(s->profile) || *len > INT_MAX)
    return count_inbound(s, AR_SRTP_ERR_LENGTH);
  int n = (int)*len;
  int r = count_inbound(s, result_of(srtp_unprotect_rtcp(s->rx, buf, &n)));
  if (r == AR_SRTP_OK)
    *len = (gsize)n;
  return r;
}
