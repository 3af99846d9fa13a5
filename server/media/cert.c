/* Certificates for DTLS and HTTPS; see cert.h. */
#include "cert.h"
#include "openssl_error.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define AR_CERT_BACKDATE_S (24 * 60 * 60)
#define AR_CERT_LIFETIME_S (365 * 24 * 60 * 60)

struct ArCert {
  gatomicrefcount ref;
  X509 *x509;
  EVP_PKEY *pkey;
  char *fingerprint; /* computed once: the certificate never changes */
};

GQuark
ar_cert_error_quark(void)
{
  return g_quark_from_static_string("ar-cert-error-quark");
}

static char *
fingerprint_of(X509 *x509)
{
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!X509_digest(x509, EVP_sha256(), md, &n))
    return NULL;
  static const char hex[] = "0123456789ABCDEF";
  char *s = g_malloc(n * 3);
  for (unsigned int i = 0; i < n; i++) {
    s[i * 3] = hex[md[i] >> 4];
    s[i * 3 + 1] = hex[md[i] & 0xf];
    s[i * 3 + 2] = i + 1 < n ? ':' : '\0';
  }
  return s;
}

/* Takes ownership of x509 and pkey. */
static ArCert *
cert_new(X509 *x509, EVP_PKEY *pkey, GError **error)
{
  char *fp = fingerprint_of(x509);
  if (!fp) {
    char why[256];
    g_set_error(error, AR_CERT_ERROR, AR_CERT_ERROR_GENERATE, "cannot hash certificate: %s",
                ar_openssl_reason(why, sizeof why));
    X509_free(x509);
    EVP_PKEY_free(pkey);
    return NULL;
  }
  ArCert *c = g_new0(ArCert, 1);
  g_atomic_ref_count_init(&c->ref);
  c->x509 = x509;
  c->pkey = pkey;
  c->fingerprint = fp;
  return c;
}

static gboolean
set_random_serial(X509 *x509)
{
  /* 159 bits keeps the DER INTEGER positive and within RFC 5280's 20 octets. */
  BIGNUM *bn = BN_new();
  gboolean ok = bn && BN_rand(bn, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  if (ok && BN_is_zero(bn))
    ok = BN_one(bn);
  ok = ok && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != NULL;
  BN_free(bn);
  return ok;
}

static gboolean
add_subject_alt_name(X509 *x509, const char *common_name)
{
  /* Lets an HTTPS client that is told to trust this certificate also match the host name. */
  g_autofree char *value =
      g_strdup_printf("%s:%s", g_hostname_is_ip_address(common_name) ? "IP" : "DNS", common_name);
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, x509, x509, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, value);
  if (!ext)
    return FALSE;
  gboolean ok = X509_add_ext(x509, ext, -1);
  X509_EXTENSION_free(ext);
  return ok;
}

ArCert *
ar_cert_generate(const char *common_name, GError **error)
{
  g_return_val_if_fail(common_name && *common_name, NULL);

  EVP_PKEY *pkey = EVP_EC_gen("P-256");
  X509 *x509 = pkey ? X509_new() : NULL;
  X509_NAME *name = x509 ? X509_get_subject_name(x509) : NULL;
  gboolean ok =
      name && X509_set_version(x509, X509_VERSION_3) && set_random_serial(x509) &&
      X509_gmtime_adj(X509_getm_notBefore(x509), -AR_CERT_BACKDATE_S) &&
      X509_gmtime_adj(X509_getm_notAfter(x509), AR_CERT_LIFETIME_S - AR_CERT_BACKDATE_S) &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)common_name, -1,
                                 -1, 0) &&
      X509_set_issuer_name(x509, name) && X509_set_pubkey(x509, pkey) &&
      add_subject_alt_name(x509, common_name) && X509_sign(x509, pkey, EVP_sha256()) > 0;
  if (!ok) {
    char why[256];
    g_set_error(error, AR_CERT_ERROR, AR_CERT_ERROR_GENERATE,
                "cannot generate a certificate for \"%s\": %s", common_name,
                ar_openssl_reason(why, sizeof why));
    X509_free(x509);
    EVP_PKEY_free(pkey);
    return NULL;
  }
  return cert_new(x509, pkey, error);
}

/* Refuses to prompt on the terminal for a pass phrase, which OpenSSL's default would do. */
static int
no_passphrase(char *buf, int size, int rwflag, void *user)
{
  return 0;
}

static gboolean
read_file(const char *path, const char *what, char **data, gsize *len, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (g_file_get_contents(path, data, len, &local))
    return TRUE;
  g_set_error(error, AR_CERT_ERROR, AR_CERT_ERROR_READ, "cannot read %s file \"%s\": %s", what,
              path, local->message);
  return FALSE;
}

ArCert *
ar_cert_load(const char *cert_pem_path, const char *key_pem_path, GError **error)
{
  g_return_val_if_fail(cert_pem_path && key_pem_path, NULL);
  char why[256];

  g_autofree char *cert_pem = NULL;
  gsize cert_len = 0;
  if (!read_file(cert_pem_path, "certificate", &cert_pem, &cert_len, error))
    return NULL;
  BIO *bio = BIO_new_mem_buf(cert_pem, (int)MIN(cert_len, G_MAXINT));
  X509 *x509 = bio ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;
  BIO_free(bio);
  if (!x509) {
    g_set_error(error, AR_CERT_ERROR, AR_CERT_ERROR_PARSE,
                "certificate file \"%s\" holds no PEM certificate (%s)", cert_pem_path,
                ar_openssl_reason(why, sizeof why));
    return NULL;
  }

  char *key_pem = NULL;
  gsize key_len = 0;
  if (!read_file(key_pem_path, "private key", &key_pem, &key_len, error)) {
    X509_free(x509);
    return NULL;
  }
  bio = BIO_new_mem_buf(key_pem, (int)MIN(key_len, G_MAXINT));
  EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
  BIO_free(bio);
  OPENSSL_cleanse(key_pem, key_len);
  g_free(key_pem);
  if (!pkey) {
    g_set_error(error, AR_CERT_ERROR, AR_CERT_ERROR_PARSE,
                "private key file \"%s\" holds no unencrypted PEM private key (%s)", key_pem_path,
                ar_openssl_reason(why, sizeof why));
    X509_free(x509);
    return NULL;
  }

  if (!X509_check_private_key(x509, pkey)) {
    ERR_clear_error();
    g_set_error(error, AR_CERT_ERROR, AR_CERT_ERROR_MISMATCH,
                "private key file \"%s\" does not match certificate file \"%s\"", key_pem_path,
                cert_pem_path);
    X509_free(x509);
    EVP_PKEY_free(pkey);
    return NULL;
  }
  return cert_new(x509, pkey, error);
}

static gboolean
write_pem(const char *path, const char *what, BIO *bio, int mode, GError **error)
{
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  g_autoptr(GError) local = NULL;
  if (len > 0 && g_file_set_contents_full(
                     path, data, len, G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                     mode, &local))
    return TRUE;
  g_set_error(error, AR_CERT_ERROR, AR_CERT_ERROR_WRITE, "cannot write %s file \"%s\": %s", what,
              path, local ? local->message : "PEM encoding failed");
  return FALSE;
}

gboolean
ar_cert_save(ArCert *c, const char *cert_path, const char *key_path, GError **error)
{
  g_return_val_if_fail(c && cert_path && key_path, FALSE);

  BIO *bio = BIO_new(BIO_s_mem());
  gboolean ok = bio && PEM_write_bio_X509(bio, c->x509) &&
                write_pem(cert_path, "certificate", bio, 0644, error);
  BIO_free(bio);
  if (!ok)
    return FALSE;

  /* A secure-memory BIO is not available for mem BIOs; wipe the PEM text before freeing it. */
  bio = BIO_new(BIO_s_mem());
  ok = bio && PEM_write_bio_PrivateKey(bio, c->pkey, NULL, NULL, 0, NULL, NULL) &&
       write_pem(key_path, "private key", bio, 0600, error);
  if (bio) {
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len > 0)
      OPENSSL_cleanse(data, len);
    BIO_free(bio);
  }
  ERR_clear_error();
  return ok;
}

char *
ar_cert_fingerprint_sha256(const ArCert *c)
{
  g_return_val_if_fail(c, NULL);
  return g_strdup(c->fingerprint);
}

X509 *
ar_cert_x509(const ArCert *c)
{
  g_return_val_if_fail(c, NULL);
  return c->x509;
}

EVP_PKEY *
ar_cert_pkey(const ArCert *c)
{
  g_return_val_if_fail(c, NULL);
  return c->pkey;
}

ArCert *
ar_cert_ref(ArCert *c)
{
  g_return_val_if_fail(c, NULL);
  g_atomic_ref_count_inc(&c->ref);
  return c;
}

void
ar_cert_unref(ArCert *c)
{
  if (!c || !g_atomic_ref_count_dec(&c->ref))
    return;
  X509_free(c->x509);
  EVP_PKEY_free(c->pkey);
  g_free(c->fingerprint);
  g_free(c);
}
