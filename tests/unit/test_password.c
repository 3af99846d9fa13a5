/* scrypt password hashes: verify right/wrong, malformed encodings, rehash decisions, and vectors
 * computed independently with Python's hashlib.scrypt. */
#include "password.h"

#include <string.h>

/* python3 -c "import hashlib,base64; b=lambda x: base64.b64encode(x).rstrip(b'=').decode();
 *   s=bytes(range(16)); print(b(s), b(hashlib.scrypt(b'correct horse battery staple', salt=s,
 *   n=2**15, r=8, p=1, maxmem=2**28, dklen=32)))" */
static const char python_current[] =
    "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg";
/* Same, password "pässwörd" (UTF-8), salt b"anteroom-salt-16", n=2**12, r=8, p=2. */
static const char python_old[] =
    "$scrypt$ln=12,r=8,p=2$YW50ZXJvb20tc2FsdC0xNg$+Yqsvoi2rYpycsa+WxfERtTmBYNMatKjp5hG8Gu2C4Y";

/* Password "hunter2", salt b"sixteen byte slt", n=2**10, r=4, p=1. */
static const char python_r4[] =
  "$scrypt$ln=10,r=4,p=1$c2l4dGVlbiBieXRlIHNsdA$ONxuoqm4ATUaSArzfgqN6SLtx3Qtk7tOSPyBcjEoJlM";

static void
test_python_vectors(void)
{
  g_assert_true(ar_password_verify(python_current, "correct horse battery staple"));
  g_assert_false(ar_password_verify(python_current, "correct horse battery stapl"));
  g_assert_false(ar_password_verify(python_current, "Correct horse battery staple"));
  g_assert_false(ar_password_needs_rehash(python_current));

  g_assert_true(ar_password_verify(python_old, "p\xc3\xa4ssw\xc3\xb6rd"));
  g_assert_false(ar_password_verify(python_old, "passwort"));
  /* Made with ln=12, p=2: valid, but due for an upgrade on the next login. */
  g_assert_true(ar_password_needs_rehash(python_old));

  g_assert_true(ar_password_verify(python_r4, "hunter2"));
  g_assert_false(ar_password_verify(python_r4, "hunter3"));
  g_assert_true(ar_password_needs_rehash(python_r4));
}

static void
test_hash_and_verify(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = ar_password_hash("s3cret-Passw0rd", &error);
  g_assert_no_error(error);
  g_assert_nonnull(a);
  g_assert_true(g_str_has_prefix(a, "$scrypt$ln=15,r=8,p=1$"));
  g_assert_true(ar_password_verify(a, "s3cret-Passw0rd"));
  g_assert_false(ar_password_verify(a, "s3cret-passw0rd"));
  g_assert_false(ar_password_verify(a, ""));
  g_assert_false(ar_password_needs_rehash(a));

  ArPasswordParams prm;
  g_assert_true(ar_password_parse(a, &prm));
  g_assert_cmpuint(prm.salt_len, ==, AR_PASSWORD_SALT_BYTES);
  g_assert_cmpuint(prm.hash_len, ==, AR_PASSWORD_HASH_BYTES);

  /* Fresh salt each time: same password, different encodings, both verify. */
  g_autofree char *b = ar_password_hash("s3cret-Passw0rd", NULL);
  g_assert_cmpstr(a, !=, b);
  g_assert_true(ar_password_verify(b, "s3cret-Passw0rd"));

  g_autofree char *empty = ar_password_hash("", NULL);
  g_assert_true(ar_password_verify(empty, ""));
  g_assert_false(ar_password_verify(empty, "x"));
}

static void
test_too_long(void)
{
  char pw[AR_PASSWORD_MAX_LEN + 2];
  memset(pw, 'p', sizeof pw - 1);
  pw[sizeof pw - 1] = '\0';
  g_autoptr(GError) error = NULL;
  g_assert_null(ar_password_hash(pw, &error));
  g_assert_error(error, AR_PASSWORD_ERROR, AR_PASSWORD_ERROR_TOO_LONG);
  g_assert_false(ar_password_verify(python_current, pw));
}

static void
test_malformed(void)
{
  const char *bad[] = {
      "",
      "$scrypt$",
      "scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$bcrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      /* parameters: missing, reordered, leading zero, zero, too large, memory over the cap */
      "$scrypt$ln=15,r=8$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$r=8,ln=15,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=015,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=0,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=15,r=0,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=15,r=8,p=0$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=64,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=20,r=32,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=15,r=8,p=99$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=-1,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      /* salt/hash: missing, padded, wrong alphabet, too short, non-canonical, trailing field */
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw",
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw==$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf_laQaEJfFhiNMVnFg",
      "$scrypt$ln=15,r=8,p=1$AAEC$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg",
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24",
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFh",
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg$",
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg ",
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    ArPasswordParams prm;
    g_assert_false(ar_password_parse(bad[i], &prm));
    g_assert_false(ar_password_verify(bad[i], "correct horse battery staple"));
    g_assert_true(ar_password_needs_rehash(bad[i]));
  }
  g_assert_false(ar_password_verify(NULL, "x"));
  g_assert_false(ar_password_verify(python_current, NULL));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/password/python-vectors", test_python_vectors);
  g_test_add_func("/password/hash-and-verify", test_hash_and_verify);
  g_test_add_func("/password/too-long", test_too_long);
  g_test_add_func("/password/malformed", test_malformed);
  return g_test_run();
}
