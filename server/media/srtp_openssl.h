/* OpenSSL-3-backed AES-ICM-128, AES-GCM-128 and HMAC-SHA1 for libsrtp2's crypto kernel. Debian's
 * libsrtp2 does its crypto with NSS, several times slower than OpenSSL; main.c calls
 * ar_srtp_openssl_install() once after ar_srtp_init() and before any session or worker thread
 * exists, so libsrtp keeps framing, key derivation and replay protection while the per-packet
 * crypto runs on OpenSSL. See /work/shared/notes/srtp-at-openssl-speed.md. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

#define AR_SRTP_OPENSSL_ERROR (ar_srtp_openssl_error_quark())
GQuark ar_srtp_openssl_error_quark(void);

typedef enum {
  /* The libsrtp found at run time is not a 2.x whose cipher/auth structs we were checked against.
   */
  AR_SRTP_OPENSSL_ERROR_VERSION,
  /* libsrtp refused a replacement type: its self-test (ours and the stock vectors) failed, or
   * srtp_init() has not run. */
  AR_SRTP_OPENSSL_ERROR_REPLACE,
} ArSrtpOpensslError;

/* Replaces SRTP_AES_ICM_128, SRTP_AES_GCM_128 and SRTP_HMAC_SHA1 in libsrtp's crypto kernel.
 * Call after srtp_init() (ar_srtp_init()), before threads start; only sessions created afterwards
 * use the new types, and srtp_shutdown() drops them. Calling it again is harmless. On FALSE the
 * kernel may hold some of the replacements: they are as correct as the stock types (each passed
 * libsrtp's self-test before it was registered), so the caller may carry on either way. */
gboolean ar_srtp_openssl_install(GError **error);

G_END_DECLS
