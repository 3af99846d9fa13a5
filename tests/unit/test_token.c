/* Link tokens: round trips, every error code, key rotation through the keyring file, tampering,
 * garbage, and one token built independently (Python hmac/struct) to pin the wire format. */
#include "token.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#define NOW 1700000000

/* Python: struct.pack('>BI',1,7) + bytes(range(0xa0,0xac)) + struct.pack('>BBqq',1,1,NOW,NOW+3600)
 * + b'\x07appt-42' + b'\x04pt-9', HMAC-SHA256 with key bytes(range(32)), base64url unpadded. */
static const char python_token[] =
    "AQAAAAegoaKjpKWmp6ipqqsBAQAAAABlU_EAAAAAAGVT_xAHYXBwdC00MgRwdC05."
    "IuBvLTrjvs5rFJv9c-xkJ3QrU_b3XZSOknyPprc73Ng";
/* Same key, payload with one trailing zero byte: correctly signed, malformed inside. */
static const char python_token_trailing[] =
    "AQAAAAegoaKjpKWmp6ipqqsBAQAAAABlU_EAAAAAAGVT_xAHYXBwdC00MgRwdC05AA."
    "fP2_VDq22mtF8WqW8J5NHW1AqToOlTaq591yy0YbQ0g";

static ArTokenKeyring *
python_keyring(void)
{
  guint8 secret[AR_TOKEN_SECRET_BYTES];
  for (int i = 0; i < AR_TOKEN_SECRET_BYTES; i++)
    secret[i] = (guint8)i;
  ArTokenKeyring *kr = ar_token_keyring_new_ephemeral();
  g_assert_true(ar_token_keyring_add(kr, 7, secret, FALSE, NULL));
  return kr;
}

static char *
sign_ok(ArTokenKeyring *kr, ArTokenRole role, gint64 ttl, guint flags)
{
  ArTokenClaims c;
  g_assert_true(ar_token_claims_init(&c, role, "visit-1", "subj-1", NOW, ttl, flags));
  g_autoptr(GError) error = NULL;
  char *t = ar_token_sign(kr, &c, &error);
  g_assert_no_error(error);
  g_assert_nonnull(t);
  return t;
}

static void
assert_verify_fails(ArTokenKeyring *kr, const char *token, gint64 now, ArTokenError code)
{
  g_autoptr(GError) error = NULL;
  ArTokenClaims c;
  g_assert_false(ar_token_verify(kr, token, now, &c, &error));
  g_assert_error(error, AR_TOKEN_ERROR, (gint)code);
}

static void
test_round_trip_every_role(void)
{
  g_autoptr(ArTokenKeyring) kr = ar_token_keyring_new_ephemeral();
  for (int r = AR_TOKEN_ROLE_FIRST; r <= AR_TOKEN_ROLE_LAST; r++) {
    ArTokenClaims in, out;
    guint flags = r == AR_TOKEN_ROLE_OFFER ? AR_TOKEN_FLAG_SINGLE_USE : 0;
    g_assert_true(
        ar_token_claims_init(&in, r, "appt:2024-06-01/77", "Patient.42", NOW, 900, flags));
    g_autofree char *t = ar_token_sign(kr, &in, NULL);
    g_assert_nonnull(t);
    g_assert_cmpuint(strlen(t), <=, AR_TOKEN_MAX_LEN);
    g_autoptr(GError) error = NULL;
    g_assert_true(ar_token_verify(kr, t, NOW + 10, &out, &error));
    g_assert_no_error(error);
    g_assert_cmpint(out.version, ==, AR_TOKEN_VERSION);
    g_assert_cmpuint(out.key_id, ==, ar_token_keyring_active_id(kr));
    g_assert_cmpmem(out.token_id, AR_TOKEN_ID_BYTES, in.token_id, AR_TOKEN_ID_BYTES);
    g_assert_cmpint(out.role, ==, r);
    g_assert_cmpuint(out.flags, ==, flags);
    g_assert_cmpint(out.issued_at, ==, NOW);
    g_assert_cmpint(out.expires_at, ==, NOW + 900);
    g_assert_cmpstr(out.visit_id, ==, "appt:2024-06-01/77");
    g_assert_cmpstr(out.subject_id, ==, "Patient.42");
    g_assert_cmpint(ar_token_role_from_string(ar_token_role_to_string(r)), ==, r);
  }
  g_assert_cmpint(ar_token_role_from_string("admin"), ==, 0);
}

static void
test_token_ids_random(void)
{
  ArTokenClaims a, b;
  g_assert_true(ar_token_claims_init(&a, AR_TOKEN_ROLE_PATIENT, "v", "s", NOW, 60, 0));
  g_assert_true(ar_token_claims_init(&b, AR_TOKEN_ROLE_PATIENT, "v", "s", NOW, 60, 0));
  g_assert_true(memcmp(a.token_id, b.token_id, AR_TOKEN_ID_BYTES) != 0);
  char hex[2 * AR_TOKEN_ID_BYTES + 1];
  memset(a.token_id, 0, sizeof a.token_id);
  a.token_id[0] = 0xab;
  a.token_id[11] = 0x01;
  ar_token_id_to_hex(&a, hex);
  g_assert_cmpstr(hex, ==, "ab0000000000000000000001");
}

static void
test_python_vector(void)
{
  g_autoptr(ArTokenKeyring) kr = python_keyring();
  ArTokenClaims c;
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_token_verify(kr, python_token, NOW, &c, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(c.key_id, ==, 7);
  g_assert_cmpint(c.role, ==, AR_TOKEN_ROLE_PATIENT);
  g_assert_cmpuint(c.flags, ==, AR_TOKEN_FLAG_SINGLE_USE);
  g_assert_cmpint(c.issued_at, ==, NOW);
  g_assert_cmpint(c.expires_at, ==, NOW + 3600);
  g_assert_cmpstr(c.visit_id, ==, "appt-42");
  g_assert_cmpstr(c.subject_id, ==, "pt-9");
  char hex[2 * AR_TOKEN_ID_BYTES + 1];
  ar_token_id_to_hex(&c, hex);
  g_assert_cmpstr(hex, ==, "a0a1a2a3a4a5a6a7a8a9aaab");

  /* And we produce the identical string for the same claims and key. */
  guint8 secret[AR_TOKEN_SECRET_BYTES];
  for (int i = 0; i < AR_TOKEN_SECRET_BYTES; i++)
    secret[i] = (guint8)i;
  g_autoptr(ArTokenKeyring) kr7 = ar_token_keyring_new_ephemeral();
  g_assert_true(ar_token_keyring_add(kr7, 7, secret, TRUE, NULL));
  g_autofree char *again = ar_token_sign(kr7, &c, NULL);
  g_assert_cmpstr(again, ==, python_token);

  /* Signed correctly but with a trailing byte: the payload parser, not the HMAC, rejects it. */
  assert_verify_fails(kr, python_token_trailing, NOW, AR_TOKEN_ERROR_MALFORMED);
}

static void
test_time_errors(void)
{
  g_autoptr(ArTokenKeyring) kr = ar_token_keyring_new_ephemeral();
  g_autofree char *t = sign_ok(kr, AR_TOKEN_ROLE_PATIENT, 600, 0);
  g_assert_true(ar_token_verify(kr, t, NOW + 599, NULL, NULL));
  assert_verify_fails(kr, t, NOW + 600, AR_TOKEN_ERROR_EXPIRED);
  assert_verify_fails(kr, t, NOW + 100000, AR_TOKEN_ERROR_EXPIRED);
  /* Up to AR_TOKEN_CLOCK_SKEW_S of clock drift is tolerated, no more. */
  g_assert_true(ar_token_verify(kr, t, NOW - AR_TOKEN_CLOCK_SKEW_S, NULL, NULL));
  assert_verify_fails(kr, t, NOW - AR_TOKEN_CLOCK_SKEW_S - 1, AR_TOKEN_ERROR_NOT_YET_VALID);
}

static void
test_malformed(void)
{
  g_autoptr(ArTokenKeyring) kr = ar_token_keyring_new_ephemeral();
  g_autofree char *t = sign_ok(kr, AR_TOKEN_ROLE_CAREGIVER, 600, 0);
  const char *dot = strchr(t, '.');
  g_assert_nonnull(dot);
  g_autofree char *payload_only = g_strndup(t, (gsize)(dot - t));
  g_autofree char *sig_short = g_strndup(t, strlen(t) - 1);
  g_autofree char *two_dots = g_strconcat(t, ".", NULL);
  g_autofree char *padded = g_strconcat(payload_only, "=", dot, NULL);
  g_autofree char *std_alphabet = g_strdelimit(g_strdup(t), "-_", '+');
  const char *cases[] = {"",          ".",          "abc",     "abc.",   ".abc", "a.b",
                         "!!!!.!!!!", payload_only, sig_short, two_dots, padded};
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
    assert_verify_fails(kr, cases[i], NOW, AR_TOKEN_ERROR_MALFORMED);
  if (strcmp(std_alphabet, t) != 0)
    assert_verify_fails(kr, std_alphabet, NOW, AR_TOKEN_ERROR_MALFORMED);
  assert_verify_fails(kr, NULL, NOW, AR_TOKEN_ERROR_MALFORMED);

  /* Non-canonical base64: the 43rd character of the signature carries 2 unused bits. Setting
   * them would decode to the same MAC; the strict decoder refuses the second spelling. */
  g_autofree char *noncanon = g_strdup(t);
  char *last = noncanon + strlen(noncanon) - 1;
  const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int v = (int)(strchr(alpha, *last) - alpha);
  *last = alpha[v | 1];
  assert_verify_fails(kr, noncanon, NOW, AR_TOKEN_ERROR_MALFORMED);
}

static void
test_over_long(void)
{
  g_autoptr(ArTokenKeyring) kr = ar_token_keyring_new_ephemeral();
  g_autofree char *t = sign_ok(kr, AR_TOKEN_ROLE_PATIENT, 600, 0);
  GString *s = g_string_new(t);
  while (s->len <= AR_TOKEN_MAX_LEN)
    g_string_append_c(s, 'A');
  g_autoptr(GError) error = NULL;
  g_assert_false(ar_token_verify(kr, s->str, NOW, NULL, &error));
  g_assert_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_MALFORMED);
  /* The length check comes first: the message is the length one, not a decoding one. */
  g_assert_nonnull(strstr(error->message, "too long"));
  g_string_free(s, TRUE);
}

static void
test_tampering(void)
{
  g_autoptr(ArTokenKeyring) kr = ar_token_keyring_new_ephemeral();
  g_autofree char *t = sign_ok(kr, AR_TOKEN_ROLE_PATIENT, 600, 0);
  gsize dot = (gsize)(strchr(t, '.') - t);
  const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  guint bad_sig = 0;
  for (gsize i = 0; t[i]; i++) {
    if (i == dot)
      continue;
    g_autofree char *m = g_strdup(t);
    /* Replace with another alphabet character so decoding usually still succeeds. */
    m[i] = alpha[(strchr(alpha, m[i]) - alpha + 1) % 64];
    g_autoptr(GError) error = NULL;
    g_assert_false(ar_token_verify(kr, m, NOW, NULL, &error));
    g_assert_nonnull(error);
    if (g_error_matches(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_BAD_SIGNATURE))
      bad_sig++;
  }
  /* Most single-character edits (payload and signature alike) decode fine and are caught by
   * the HMAC; the rest are version/key-id edits or non-canonical final characters. */
  g_assert_cmpuint(bad_sig, >, strlen(t) / 2);

  /* Payload from one token, signature from another. */
  g_autofree char *u = sign_ok(kr, AR_TOKEN_ROLE_STAFF, 600, 0);
  g_autofree char *head = g_strndup(t, dot);
  g_autofree char *spliced = g_strconcat(head, strchr(u, '.'), NULL);
  assert_verify_fails(kr, spliced, NOW, AR_TOKEN_ERROR_BAD_SIGNATURE);
}

static void
test_garbage(void)
{
  g_autoptr(ArTokenKeyring) kr = ar_token_keyring_new_ephemeral();
  GRand *rand = g_rand_new_with_seed(1234);
  char buf[300];
  for (int i = 0; i < 20000; i++) {
    gsize n = (gsize)g_rand_int_range(rand, 0, sizeof buf);
    for (gsize j = 0; j < n; j++) {
      /* Mostly alphabet characters and dots, to get past the first checks. */
      guint32 r = g_rand_int(rand);
      buf[j] = (r & 7) == 0 ? (char)(r >> 8) : "ABCDEFGHabcdefgh0123-_.."[(r >> 8) % 24];
    }
    buf[n] = '\0';
    g_autoptr(GError) error = NULL;
    g_assert_false(ar_token_verify(kr, buf, NOW, NULL, &error));
    g_assert_nonnull(error);
  }
  g_rand_free(rand);
}

static void
test_sign_rejects_bad_claims(void)
{
  g_autoptr(ArTokenKeyring) kr = ar_token_keyring_new_ephemeral();
  ArTokenClaims good;
  g_assert_true(ar_token_claims_init(&good, AR_TOKEN_ROLE_PATIENT, "v", "s", NOW, 60, 0));
  ArTokenClaims c;
  c = good, c.role = 0;
  g_assert_null(ar_token_sign(kr, &c, NULL));
  c = good, c.role = AR_TOKEN_ROLE_LAST + 1;
  g_assert_null(ar_token_sign(kr, &c, NULL));
  c = good, c.flags = 1 << 5;
  g_assert_null(ar_token_sign(kr, &c, NULL));
  c = good, c.expires_at = c.issued_at;
  g_assert_null(ar_token_sign(kr, &c, NULL));
  c = good, strcpy(c.visit_id, "has space");
  g_autoptr(GError) error = NULL;
  g_assert_null(ar_token_sign(kr, &c, &error));
  g_assert_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_INVALID_CLAIMS);
  c = good, memset(c.subject_id, 'x', sizeof c.subject_id); /* no NUL inside the array */
  g_assert_null(ar_token_sign(kr, &c, NULL));

  char long_ref[AR_TOKEN_REF_MAX + 2];
  memset(long_ref, 'a', sizeof long_ref - 1);
  long_ref[AR_TOKEN_REF_MAX + 1] = '\0';
  g_assert_false(ar_token_claims_init(&c, AR_TOKEN_ROLE_PATIENT, long_ref, "s", NOW, 60, 0));
  long_ref[AR_TOKEN_REF_MAX] = '\0'; /* exactly the maximum is fine */
  g_assert_true(ar_token_claims_init(&c, AR_TOKEN_ROLE_PATIENT, long_ref, long_ref, NOW, 60, 0));
  g_autofree char *t = ar_token_sign(kr, &c, NULL);
  g_assert_nonnull(t);
  g_assert_true(ar_token_verify(kr, t, NOW, NULL, NULL));
  g_assert_false(ar_token_claims_init(&c, AR_TOKEN_ROLE_PATIENT, "new\nline", "s", NOW, 60, 0));
}

static void
test_rotation_and_file(void)
{
  g_autofree char *dir = g_dir_make_tmp("ar-token-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "keyring", NULL);
  g_autoptr(GError) error = NULL;

  ArTokenKeyring *kr = ar_token_keyring_load_or_create(path, &error);
  g_assert_no_error(error);
  struct stat st;
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint(ar_token_keyring_size(kr), ==, 1);
  guint32 first = ar_token_keyring_active_id(kr);
  g_autofree char *old = sign_ok(kr, AR_TOKEN_ROLE_INTERPRETER, 3600, 0);

  guint32 second = ar_token_keyring_rotate(kr, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(second, !=, first);
  g_assert_cmpuint(ar_token_keyring_active_id(kr), ==, second);
  g_autofree char *fresh = sign_ok(kr, AR_TOKEN_ROLE_INTERPRETER, 3600, 0);
  ArTokenClaims c;
  g_assert_true(ar_token_verify(kr, old, NOW, &c, NULL));
  g_assert_cmpuint(c.key_id, ==, first);
  g_assert_true(ar_token_verify(kr, fresh, NOW, &c, NULL));
  g_assert_cmpuint(c.key_id, ==, second);
  ar_token_keyring_free(kr);

  /* Rotation was persisted: a new process sees both keys, the second one active. */
  kr = ar_token_keyring_load_or_create(path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ar_token_keyring_size(kr), ==, 2);
  g_assert_cmpuint(ar_token_keyring_active_id(kr), ==, second);
  g_assert_true(ar_token_verify(kr, old, NOW, NULL, NULL));
  g_assert_true(ar_token_verify(kr, fresh, NOW, NULL, NULL));

  /* The active key cannot be removed; the retired one can, and its tokens die. */
  g_assert_false(ar_token_keyring_remove(kr, second, &error));
  g_assert_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING);
  g_clear_error(&error);
  g_assert_true(ar_token_keyring_remove(kr, first, &error));
  g_assert_no_error(error);
  assert_verify_fails(kr, old, NOW, AR_TOKEN_ERROR_UNKNOWN_KEY);
  g_assert_true(ar_token_verify(kr, fresh, NOW, NULL, NULL));
  ar_token_keyring_free(kr);

  kr = ar_token_keyring_load_or_create(path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ar_token_keyring_size(kr), ==, 1);
  assert_verify_fails(kr, old, NOW, AR_TOKEN_ERROR_UNKNOWN_KEY);
  g_assert_true(ar_token_verify(kr, fresh, NOW, NULL, NULL));
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  ar_token_keyring_free(kr);

  /* A different keyring (another deployment) does not know the key. */
  g_autoptr(ArTokenKeyring) other = ar_token_keyring_new_ephemeral();
  g_autofree char *foreign = sign_ok(other, AR_TOKEN_ROLE_PATIENT, 60, 0);
  kr = ar_token_keyring_load_or_create(path, NULL);
  /* Ephemeral keyrings use key id 1, which this file no longer holds. */
  assert_verify_fails(kr, foreign, NOW, AR_TOKEN_ERROR_UNKNOWN_KEY);
  ar_token_keyring_free(kr);

  g_assert_cmpint(g_unlink(path), ==, 0);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_same_key_id_other_secret(void)
{
  g_autoptr(ArTokenKeyring) a = ar_token_keyring_new_ephemeral();
  g_autoptr(ArTokenKeyring) b = ar_token_keyring_new_ephemeral();
  g_autofree char *t = sign_ok(a, AR_TOKEN_ROLE_PATIENT, 60, 0);
  assert_verify_fails(b, t, NOW, AR_TOKEN_ERROR_BAD_SIGNATURE);
}

static void
test_keyring_file_errors(void)
{
  g_autofree char *dir = g_dir_make_tmp("ar-token-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "keyring", NULL);
  g_autoptr(GError) error = NULL;

  ArTokenKeyring *kr = ar_token_keyring_load_or_create(path, &error);
  g_assert_nonnull(kr);
  ar_token_keyring_free(kr);
  g_assert_cmpint(g_chmod(path, 0644), ==, 0);
  g_assert_null(ar_token_keyring_load_or_create(path, &error));
  g_assert_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING);
  g_clear_error(&error);
  g_assert_cmpint(g_unlink(path), ==, 0);

  const char *bad[] = {
      "not a key file",
      "[keyring]\nactive=1\n",
      "[keyring]\nactive=2\n[keys]\n1="
      "000102030405060708090a0b0c0d0e0f"
      "101112131415161718191a1b1c1d1e1f\n",
      "[keyring]\nactive=1\n[keys]\n1=0001\n",
      "[keyring]\nactive=1\n[keys]\n1=zz0102030405060708090a0b0c0d0e0f"
      "101112131415161718191a1b1c1d1e1f\n",
      "[keyring]\nactive=0\n[keys]\n0=000102030405060708090a0b0c0d0e0f"
      "101112131415161718191a1b1c1d1e1f\n",
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_true(
        g_file_set_contents_full(path, bad[i], -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
    g_assert_null(ar_token_keyring_load_or_create(path, &error));
    g_assert_error(error, AR_TOKEN_ERROR, AR_TOKEN_ERROR_KEYRING);
    g_clear_error(&error);
  }
  /* A hand-written file holding the Python vector's key (id 7, bytes 0..31) verifies it. */
  const char good[] = "# comment\n[keyring]\nversion=1\nactive=7\n[keys]\n"
                      "7=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
  g_assert_true(
      g_file_set_contents_full(path, good, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  kr = ar_token_keyring_load_or_create(path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ar_token_keyring_active_id(kr), ==, 7);
  g_assert_true(ar_token_verify(kr, python_token, NOW, NULL, NULL));
  ar_token_keyring_free(kr);

  g_assert_cmpint(g_unlink(path), ==, 0);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/token/round-trip-every-role", test_round_trip_every_role);
  g_test_add_func("/token/token-ids-random", test_token_ids_random);
  g_test_add_func("/token/python-vector", test_python_vector);
  g_test_add_func("/token/time-errors", test_time_errors);
  g_test_add_func("/token/malformed", test_malformed);
  g_test_add_func("/token/over-long", test_over_long);
  g_test_add_func("/token/tampering", test_tampering);
  g_test_add_func("/token/garbage", test_garbage);
  g_test_add_func("/token/sign-rejects-bad-claims", test_sign_rejects_bad_claims);
  g_test_add_func("/token/rotation-and-file", test_rotation_and_file);
  g_test_add_func("/token/same-key-id-other-secret", test_same_key_id_other_secret);
  g_test_add_func("/token/keyring-file-errors", test_keyring_file_errors);
  return g_test_run();
}
