/* SRTP and SRTCP for one DTLS-SRTP transport. The DTLS module hands over the negotiated profile
 * and the RFC 5764 exported keying material; the transport then protects what it sends and
 * unprotects what it receives, in place, through libsrtp (running on OpenSSL once main.c has
 * called ar_srtp_openssl_install()). A session belongs to one worker thread. */
#pragma once
#include <glib.h>
#include <srtp2/srtp.h>

G_BEGIN_DECLS

#define AR_SRTP_ERROR (ar_srtp_error_quark())
GQuark ar_srtp_error_quark(void);

typedef enum {
  AR_SRTP_ERROR_INIT,    /* srtp_init() failed */
  AR_SRTP_ERROR_KEYING,  /* keying material of the wrong length for the profile */
  AR_SRTP_ERROR_SESSION, /* libsrtp refused to create a session */
} ArSrtpError;

/* In order of preference, as offered in DTLS use_srtp (SSL_CTX_set_tlsext_use_srtp). */
typedef enum {
  AR_SRTP_AEAD_AES_128_GCM,
  AR_SRTP_AES128_CM_SHA1_80,
} ArSrtpProfile;

#define AR_SRTP_DTLS_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

/* Bytes protect appends at most (GCM tag; SRTCP also adds the 4-byte E-flag/index word). A
 * buffer of payload + these is always enough. */
#define AR_SRTP_MAX_RTP_OVERHEAD 16
#define AR_SRTP_MAX_RTCP_OVERHEAD 20

/* Replay window of the inbound streams, in packets. */
#define AR_SRTP_REPLAY_WINDOW 1024

/* Returned by the protect/unprotect calls: 0 or one of the negative codes. */
typedef enum {
  AR_SRTP_OK = 0,
  AR_SRTP_ERR_AUTH = -1,     /* authentication tag did not verify (tampered, wrong key) */
  AR_SRTP_ERR_REPLAY = -2,   /* index already received, or older than the replay window */
  AR_SRTP_ERR_LENGTH = -3,   /* too short for header and tag, or a malformed header */
  AR_SRTP_ERR_NO_SPACE = -4, /* protect: cap leaves no room for the tag */
  AR_SRTP_ERR_FAILED = -5,   /* anything else libsrtp reports (key limit reached, ...) */
} ArSrtpResult;

typedef struct _ArSrtpSession ArSrtpSession;
struct _ArSrtpSession {
  /* Inbound RTP and RTCP rejected, by reason; callers read these, only this module writes. */
  guint64 auth_fail;
  guint64 replay;
  guint64 bad_length;

  /* private */
  ArSrtpProfile profile;
  srtp_t tx; /* ssrc_any_outbound, repeats allowed so retransmissions from the cache work */
  srtp_t rx; /* ssrc_any_inbound */
};

/* Wraps srtp_init(); main.c and each test's main call it once, before any session. */
gboolean ar_srtp_init(GError **error);

/* Value of the metric label backend=...: "openssl" when ar_srtp_openssl_install() succeeded,
 * else "libsrtp". main.c keeps the boolean; nothing here remembers it. */
const char *ar_srtp_backend_name(gboolean openssl_installed);

/* Profile names as in RFC 5764/7714 and OpenSSL's SRTP_PROTECTION_PROFILE.name. */
const char *ar_srtp_profile_name(ArSrtpProfile profile);
gboolean ar_srtp_profile_from_name(const char *name, ArSrtpProfile *out);
gsize ar_srtp_profile_key_len(ArSrtpProfile profile);  /* master key: 16 */
gsize ar_srtp_profile_salt_len(ArSrtpProfile profile); /* master salt: 12 GCM, 14 CM */
/* What to export from DTLS ("EXTRACTOR-dtls_srtp"): 2 * (key + salt). */
gsize ar_srtp_profile_keying_material_len(ArSrtpProfile profile);
gsize ar_srtp_profile_rtp_overhead(ArSrtpProfile profile);  /* 16 GCM, 10 CM */
gsize ar_srtp_profile_rtcp_overhead(ArSrtpProfile profile); /* 20 GCM, 14 CM */

/* Short name of an ArSrtpResult for logs and metric labels ("auth", "replay", ...). */
const char *ar_srtp_result_name(int result);

/* keying_material is client_key | server_key | client_salt | server_salt (RFC 5764 4.2);
 * is_client is our DTLS role: we send with the client's key and salt when TRUE. */
ArSrtpSession *ar_srtp_session_new(ArSrtpProfile profile, const guint8 *keying_material, gsize len,
                                   gboolean is_client, GError **error);
void ar_srtp_session_free(ArSrtpSession *s);

/* In place. Protect grows *len by the profile's overhead and needs *len + overhead <= cap;
 * unprotect shrinks it. Return 0 or a negative ArSrtpResult; after a failure the packet must be
 * dropped (*len is unchanged, the bytes may not be). Buffers should be 4-byte aligned. */
int ar_srtp_protect_rtp(ArSrtpSession *s, guint8 *buf, gsize *len, gsize cap);
int ar_srtp_unprotect_rtp(ArSrtpSession *s, guint8 *buf, gsize *len);
int ar_srtp_protect_rtcp(ArSrtpSession *s, guint8 *buf, gsize *len, gsize cap);
int ar_srtp_unprotect_rtcp(ArSrtpSession *s, guint8 *buf, gsize *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArSrtpSession, ar_srtp_session_free)

G_END_DECLS
