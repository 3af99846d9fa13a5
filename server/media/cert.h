/* Certificates: one ECDSA P-256 key pair with its X.509 certificate, shared by DTLS (whose SDP
 * carries its SHA-256 fingerprint) and the HTTPS server. main.c generates or loads one at start-up
 * and hands references to both; an ArCert is immutable once built, so threads may share it. */
#pragma once
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

#define AR_CERT_ERROR (ar_cert_error_quark())
GQuark ar_cert_error_quark(void);

typedef enum {
  AR_CERT_ERROR_GENERATE, /* OpenSSL could not build a key or certificate */
  AR_CERT_ERROR_READ,     /* a file could not be read */
  AR_CERT_ERROR_PARSE,    /* a file is not a PEM certificate / private key */
  AR_CERT_ERROR_MISMATCH, /* the private key does not belong to the certificate */
  AR_CERT_ERROR_WRITE,    /* a file could not be written */
} ArCertError;

typedef struct ArCert ArCert;

/* A fresh self-signed certificate: ECDSA P-256, SHA-256 signature, random 159-bit serial, valid
 * from one day ago (clock skew) for 365 days, subject CN and subjectAltName = common_name. */
ArCert *ar_cert_generate(const char *common_name, GError **error);

/* Loads the first certificate of cert_pem_path and the private key of key_pem_path; refuses a key
 * that does not match the certificate. Error messages name the offending file. */
ArCert *ar_cert_load(const char *cert_pem_path, const char *key_pem_path, GError **error);

/* Writes both as PEM, each atomically (temporary file + rename); the key file is mode 0600. */
gboolean ar_cert_save(ArCert *c, const char *cert_path, const char *key_path, GError **error);

/* SHA-256 of the DER certificate as upper-case hex pairs joined by ':' (the value of an SDP
 * "a=fingerprint:sha-256" line). Free with g_free. */
char *ar_cert_fingerprint_sha256(const ArCert *c);

/* Borrowed pointers, valid while the caller holds a reference to c. Do not modify them. */
X509 *ar_cert_x509(const ArCert *c);
EVP_PKEY *ar_cert_pkey(const ArCert *c);

ArCert *ar_cert_ref(ArCert *c);
void ar_cert_unref(ArCert *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArCert, ar_cert_unref)

G_END_DECLS
