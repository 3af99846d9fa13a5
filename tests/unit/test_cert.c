/* Unit tests for cert.c: generation, PEM round trip, fingerprint format, refused inputs. */
#include "cert.h"

#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  f->dir = g_dir_make_tmp("ar-cert-XXXXXX", &error);
  g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(f->dir, name, NULL);
    g_remove(p);
  }
  g_rmdir(f->dir);
  g_free(f->dir);
}

static char *
path_in(Fixture *f, const char *name)
{
  return g_build_filename(f->dir, name, NULL);
}

static void
test_generate(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArCert) c = ar_cert_generate("anteroom.test", &error);
  g_assert_no_error(error);
  g_assert_nonnull(c);

  X509 *x = ar_cert_x509(c);
  EVP_PKEY *k = ar_cert_pkey(c);
  g_assert_cmpint(EVP_PKEY_get_base_id(k), ==, EVP_PKEY_EC);
  char group[64] = "";
  g_assert_true(EVP_PKEY_get_group_name(k, group, sizeof group, NULL));
  g_assert_cmpstr(group, ==, "prime256v1");
  g_assert_cmpint(X509_get_signature_nid(x), ==, NID_ecdsa_with_SHA256);
  g_assert_cmpint(X509_verify(x, k), ==, 1); /* self-signed with its own key */

  char cn[128] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
  g_assert_cmpstr(cn, ==, "anteroom.test");
  g_assert_cmpint(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), ==, 0);
  g_assert_cmpint(X509_check_host(x, "anteroom.test", 0, 0, NULL), ==, 1);

  /* Valid from about a day ago for 365 days. */
  int days = 0, secs = 0;
  g_assert_true(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)));
  g_assert_cmpint(days, ==, 365);
  g_assert_cmpint(secs, ==, 0);
  time_t now = time(NULL);
  g_assert_cmpint(X509_cmp_time(X509_get0_notBefore(x), &now), <, 0);
  time_t hour_ago = now - 3600;
  g_assert_cmpint(X509_cmp_time(X509_get0_notBefore(x), &hour_ago), <, 0);
  time_t two_days_ago = now - 2 * 86400;
  g_assert_cmpint(X509_cmp_time(X509_get0_notBefore(x), &two_days_ago), >, 0);

  /* Serial numbers are random: two certificates never share one. */
  g_autoptr(ArCert) d = ar_cert_generate("anteroom.test", &error);
  g_assert_no_error(error);
  g_assert_cmpint(
      ASN1_INTEGER_cmp(X509_get0_serialNumber(x), X509_get0_serialNumber(ar_cert_x509(d))), !=, 0);
  g_assert_cmpint(ASN1_INTEGER_get(X509_get0_serialNumber(x)), !=, 0);
  g_autofree char *fc = ar_cert_fingerprint_sha256(c);
  g_autofree char *fd = ar_cert_fingerprint_sha256(d);
  g_assert_cmpstr(fc, !=, fd);
}

static void
test_generate_ip_name(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArCert) c = ar_cert_generate("127.0.0.1", &error);
  g_assert_no_error(error);
  g_assert_cmpint(X509_check_ip_asc(ar_cert_x509(c), "127.0.0.1", 0), ==, 1);
}

static void
test_fingerprint_format(void)
{
  g_autoptr(ArCert) c = ar_cert_generate("WebRTC", NULL);
  g_assert_nonnull(c);
  g_autofree char *fp = ar_cert_fingerprint_sha256(c);
  g_assert_true(g_regex_match_simple("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", fp, 0, 0));

  /* Independently: SHA-256 over the DER encoding. */
  unsigned char *der = NULL;
  int der_len = i2d_X509(ar_cert_x509(c), &der);
  g_assert_cmpint(der_len, >, 0);
  g_autofree char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, der, der_len);
  OPENSSL_free(der);
  g_autofree char *up = g_ascii_strup(hex, -1);
  g_auto(GStrv) parts = g_strsplit(fp, ":", -1);
  g_autofree char *joined = g_strjoinv("", parts);
  g_assert_cmpstr(joined, ==, up);

  g_autofree char *again = ar_cert_fingerprint_sha256(c);
  g_assert_cmpstr(again, ==, fp);
}

static void
test_save_load(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArCert) c = ar_cert_generate("localhost", &error);
  g_autofree char *cp = path_in(f, "cert.pem");
  g_autofree char *kp = path_in(f, "key.pem");

  /* An existing world-readable key file must end up 0600 after the atomic replace. */
  g_assert_true(g_file_set_contents(kp, "old", -1, NULL));
  g_chmod(kp, 0644);
  g_assert_true(ar_cert_save(c, cp, kp, &error));
  g_assert_no_error(error);

  GStatBuf st;
  g_assert_cmpint(g_stat(kp, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);

  g_autofree char *kpem = NULL;
  g_assert_true(g_file_get_contents(kp, &kpem, NULL, NULL));
  g_assert_nonnull(strstr(kpem, "-----BEGIN PRIVATE KEY-----"));

  g_autoptr(ArCert) l = ar_cert_load(cp, kp, &error);
  g_assert_no_error(error);
  g_assert_nonnull(l);
  g_autofree char *fc = ar_cert_fingerprint_sha256(c);
  g_autofree char *fl = ar_cert_fingerprint_sha256(l);
  g_assert_cmpstr(fc, ==, fl);
  g_assert_cmpint(EVP_PKEY_eq(ar_cert_pkey(c), ar_cert_pkey(l)), ==, 1);
  g_assert_cmpint(X509_cmp(ar_cert_x509(c), ar_cert_x509(l)), ==, 0);
}

static void
test_mismatch(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArCert) a = ar_cert_generate("a", NULL);
  g_autoptr(ArCert) b = ar_cert_generate("b", NULL);
  g_autofree char *acp = path_in(f, "a.crt");
  g_autofree char *akp = path_in(f, "a.key");
  g_autofree char *bcp = path_in(f, "b.crt");
  g_autofree char *bkp = path_in(f, "b.key");
  g_assert_true(ar_cert_save(a, acp, akp, NULL));
  g_assert_true(ar_cert_save(b, bcp, bkp, NULL));

  g_autoptr(ArCert) l = ar_cert_load(acp, bkp, &error);
  g_assert_null(l);
  g_assert_error(error, AR_CERT_ERROR, AR_CERT_ERROR_MISMATCH);
  g_assert_nonnull(strstr(error->message, acp));
  g_assert_nonnull(strstr(error->message, bkp));
  g_assert_nonnull(strstr(error->message, "does not match"));
}

static void
test_unreadable(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArCert) c = ar_cert_generate("x", NULL);
  g_autofree char *cp = path_in(f, "c.pem");
  g_autofree char *kp = path_in(f, "k.pem");
  g_autofree char *missing = path_in(f, "missing.pem");
  g_assert_true(ar_cert_save(c, cp, kp, NULL));

  ArCert *l = ar_cert_load(missing, kp, &error);
  g_assert_null(l);
  g_assert_error(error, AR_CERT_ERROR, AR_CERT_ERROR_READ);
  g_assert_nonnull(strstr(error->message, missing));
  g_assert_nonnull(strstr(error->message, "certificate"));
  g_clear_error(&error);

  l = ar_cert_load(cp, missing, &error);
  g_assert_null(l);
  g_assert_error(error, AR_CERT_ERROR, AR_CERT_ERROR_READ);
  g_assert_nonnull(strstr(error->message, missing));
  g_assert_nonnull(strstr(error->message, "private key"));
  g_clear_error(&error);

  /* A directory is not readable as a file either. */
  l = ar_cert_load(f->dir, kp, &error);
  g_assert_null(l);
  g_assert_error(error, AR_CERT_ERROR, AR_CERT_ERROR_READ);
  g_clear_error(&error);

  g_assert_false(ar_cert_save(c, cp, "/nonexistent-dir/k.pem", &error));
  g_assert_error(error, AR_CERT_ERROR, AR_CERT_ERROR_WRITE);
  g_assert_nonnull(strstr(error->message, "/nonexistent-dir/k.pem"));
}

static void
test_not_pem(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArCert) c = ar_cert_generate("x", NULL);
  g_autofree char *cp = path_in(f, "c.pem");
  g_autofree char *kp = path_in(f, "k.pem");
  g_autofree char *junk = path_in(f, "junk.pem");
  g_assert_true(ar_cert_save(c, cp, kp, NULL));
  g_assert_true(g_file_set_contents(junk, "hello, not a certificate\n", -1, NULL));

  ArCert *l = ar_cert_load(junk, kp, &error);
  g_assert_null(l);
  g_assert_error(error, AR_CERT_ERROR, AR_CERT_ERROR_PARSE);
  g_assert_nonnull(strstr(error->message, junk));
  g_clear_error(&error);

  /* A certificate where the key should be. */
  l = ar_cert_load(cp, cp, &error);
  g_assert_null(l);
  g_assert_error(error, AR_CERT_ERROR, AR_CERT_ERROR_PARSE);
  g_assert_nonnull(strstr(error->message, "private key"));
  g_clear_error(&error);

  /* An encrypted key is refused without prompting for a pass phrase. */
  g_autofree char *enc = path_in(f, "enc.pem");
  FILE *fp = fopen(enc, "w");
  g_assert_nonnull(fp);
  g_assert_true(PEM_write_PrivateKey(fp, ar_cert_pkey(c), EVP_aes_128_cbc(),
                                     (unsigned char *)"secret", 6, NULL, NULL));
  fclose(fp);
  l = ar_cert_load(cp, enc, &error);
  g_assert_null(l);
  g_assert_error(error, AR_CERT_ERROR, AR_CERT_ERROR_PARSE);
  g_assert_nonnull(strstr(error->message, enc));
}

static void
test_refcount(void)
{
  ArCert *c = ar_cert_generate("x", NULL);
  g_assert_true(ar_cert_ref(c) == c);
  ar_cert_unref(c);
  g_assert_nonnull(ar_cert_x509(c)); /* still alive: one reference left */
  ar_cert_unref(c);
  ar_cert_unref(NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cert/generate", test_generate);
  g_test_add_func("/cert/generate-ip-name", test_generate_ip_name);
  g_test_add_func("/cert/fingerprint-format", test_fingerprint_format);
  g_test_add("/cert/save-load", Fixture, NULL, fixture_setup, test_save_load, fixture_teardown);
  g_test_add("/cert/mismatch", Fixture, NULL, fixture_setup, test_mismatch, fixture_teardown);
  g_test_add("/cert/unreadable", Fixture, NULL, fixture_setup, test_unreadable, fixture_teardown);
  g_test_add("/cert/not-pem", Fixture, NULL, fixture_setup, test_not_pem, fixture_teardown);
  g_test_add_func("/cert/refcount", test_refcount);
  return g_test_run();
}
