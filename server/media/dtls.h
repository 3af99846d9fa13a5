/* A sans-IO DTLS 1.2 endpoint (RFC 6347) for DTLS-SRTP (RFC 5764): OpenSSL over memory BIOs.
 * The ICE shell feeds it the DTLS datagrams the demuxer picked out, sends the datagrams it
 * returns, and hands the keying material of its CONNECTED event to the SRTP module.
 *
 * Usage, one per participant (ICE component), on that participant's worker thread:
 *   ar_dtls_start(d, now);                        // client: ClientHello; server: arms deadline
 *   ar_dtls_handle_input(d, buf, len, now);       // each received DTLS datagram
 *   while (ar_dtls_poll_output(d, &out)) ...      // after every call above
 *   deadline = ar_dtls_next_timeout(d);           // re-arm the GLib timer; -1 = none
 *   ar_dtls_handle_timeout(d, now);               // when it fires
 *
 * Time: every entry point takes now_us (g_get_monotonic_time() in production) and the handshake
 * deadline is pure now_us arithmetic. Retransmission is OpenSSL's own: its DTLS timer reads the
 * wall clock (gettimeofday) internally and DTLSv1_handle_timeout does nothing before that clock
 * says the timer expired. ArDtls sets the intervals through DTLS_set_timer_cb and reports the
 * deadline as now_us + what DTLSv1_get_timeout says remains, so with a real clock both agree;
 * with a fake clock a retransmission still needs that much real time to pass. */
#pragma once
#include "cert.h"

#include <glib.h>

G_BEGIN_DECLS

#define AR_DTLS_ERROR (ar_dtls_error_quark())
GQuark ar_dtls_error_quark(void);

typedef enum {
  AR_DTLS_ERROR_CONTEXT,     /* OpenSSL refused the certificate or the SRTP profile list */
  AR_DTLS_ERROR_FINGERPRINT, /* the remote fingerprint is not 32 hex pairs joined by ':' */
  AR_DTLS_ERROR_SSL,         /* OpenSSL could not create the connection */
} ArDtlsError;

/* Datagram size limit: leaves room for IPv6 + UDP + TURN framing inside a 1280-byte path MTU. */
#define AR_DTLS_MTU 1200
/* The handshake must finish this long after ar_dtls_start (or the first input): FAILED/timeout. */
#define AR_DTLS_HANDSHAKE_TIMEOUT_US (30 * G_USEC_PER_SEC)
/* Retransmission: first after 250 ms, then doubling up to 4 s (OpenSSL's default is 1 s to 60 s,
 * too slow for a patient waiting on a lossy phone link). OpenSSL gives up after 12. */
#define AR_DTLS_RETRANSMIT_INITIAL_US 250000
#define AR_DTLS_RETRANSMIT_MAX_US 4000000
/* Offered and accepted in this order of preference. */
#define AR_DTLS_SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
/* 2 * (key + salt) of the largest profile OpenSSL negotiates (AEAD_AES_256_GCM: 2 * 44). */
#define AR_DTLS_KEYING_MATERIAL_MAX 96

typedef enum {
  AR_DTLS_ROLE_CLIENT, /* SDP a=setup:active */
  AR_DTLS_ROLE_SERVER, /* SDP a=setup:passive */
} ArDtlsRole;

typedef enum {
  AR_DTLS_OUTPUT_DATAGRAM,  /* send data/len to the peer */
  AR_DTLS_OUTPUT_CONNECTED, /* handshake done; SRTP profile and keys are set */
  AR_DTLS_OUTPUT_FAILED,    /* terminal; fail_reason and fail_detail say why */
  AR_DTLS_OUTPUT_CLOSED,    /* terminal; the peer sent close_notify */
} ArDtlsOutputKind;

typedef enum {
  AR_DTLS_FAIL_FINGERPRINT_MISMATCH, /* the peer's certificate is not the one in its SDP */
  AR_DTLS_FAIL_HANDSHAKE,            /* alert, protocol error, no common cipher or SRTP profile */
  AR_DTLS_FAIL_TIMEOUT,              /* no handshake within the deadline, or retransmits ran out */
  AR_DTLS_FAIL_PROTOCOL,             /* a fatal error or alert after CONNECTED */
} ArDtlsFailReason;

typedef struct {
  ArDtlsOutputKind kind;
  /* DATAGRAM: valid until the next call on this ArDtls. Whole records packed up to AR_DTLS_MTU;
   * OpenSSL fragments handshake messages so that no single record exceeds it. */
  const guint8 *data;
  gsize len;
  /* CONNECTED: the negotiated profile ("SRTP_AEAD_AES_128_GCM") and its IANA id (0x0007), and
   * RFC 5764 4.2 keying material exported with label "EXTRACTOR-dtls_srtp", laid out as
   * client_key | server_key | client_salt | server_salt. The DTLS client's keys protect what the
   * client sends. Valid for the ArDtls's lifetime. */
  const char *srtp_profile;
  guint16 srtp_profile_id;
  const guint8 *keying_material;
  gsize keying_material_len; /* 2 * (srtp_key_len + srtp_salt_len) */
  gsize srtp_key_len;
  gsize srtp_salt_len;
  /* FAILED: valid for the ArDtls's lifetime. The detail is OpenSSL's reason text: no PHI. */
  ArDtlsFailReason fail_reason;
  const char *fail_detail;
} ArDtlsOutput;

/* An SSL_CTX configured once per certificate and shared by every ArDtls that presents it, on any
 * thread (OpenSSL allows SSL_new from a shared context). */
typedef struct ArDtlsContext ArDtlsContext;

ArDtlsContext *ar_dtls_context_new(ArCert *cert, GError **error);
/* srtp_profiles overrides AR_DTLS_SRTP_PROFILES (OpenSSL's colon-separated names), for tests
 * and interop work; NULL means the default. */
ArDtlsContext *ar_dtls_context_new_with_profiles(ArCert *cert, const char *srtp_profiles,
                                                 GError **error);
ArDtlsContext *ar_dtls_context_ref(ArDtlsContext *ctx);
void ar_dtls_context_unref(ArDtlsContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArDtlsContext, ar_dtls_context_unref)

typedef struct ArDtls ArDtls;

/* remote_fingerprint_sha256 is the value of the peer's "a=fingerprint:sha-256" line: 32 hex
 * pairs joined by ':' (either case). The peer's certificate must hash to it; self-signed
 * certificates are expected and no chain or validity period is checked. */
ArDtls *ar_dtls_new_with_context(ArDtlsContext *ctx, ArDtlsRole role,
                                 const char *remote_fingerprint_sha256, GError **error);
/* Convenience that builds a private context for this one endpoint; a server with many
 * participants shares one context through ar_dtls_new_with_context instead. */
ArDtls *ar_dtls_new(ArCert *cert, ArDtlsRole role, const char *remote_fingerprint_sha256,
                    GError **error);
void ar_dtls_free(ArDtls *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArDtls, ar_dtls_free)

void ar_dtls_start(ArDtls *d, gint64 now_us);
/* One received datagram. Records are read with datagram granularity: what OpenSSL leaves unread
 * is dropped, never joined to the next datagram. Ignored after FAILED or CLOSED. */
void ar_dtls_handle_input(ArDtls *d, const guint8 *buf, gsize len, gint64 now_us);
gboolean ar_dtls_poll_output(ArDtls *d, ArDtlsOutput *out);
/* Absolute now_us deadline of the next retransmission or of the handshake, or -1. */
gint64 ar_dtls_next_timeout(ArDtls *d);
void ar_dtls_handle_timeout(ArDtls *d, gint64 now_us);
/* Sends close_notify when connected; no event follows. */
void ar_dtls_close(ArDtls *d, gint64 now_us);

gboolean ar_dtls_is_connected(const ArDtls *d);
ArDtlsRole ar_dtls_role(const ArDtls *d);
const char *ar_dtls_fail_reason_name(ArDtlsFailReason reason);

G_END_DECLS
