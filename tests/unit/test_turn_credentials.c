/* coturn REST API credentials: vectors computed independently with Python's hmac module. */
#include "turn_credentials.h"

#include <string.h>

static void
test_python_vectors(void)
{
  /* python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
   *   b'north-wing-turn-secret', b'1700003600:p-7f3a', hashlib.sha1).digest()).decode())" */
  g_autofree char *user = NULL;
  g_autofree char *pass = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_turn_credentials_make("north-wing-turn-secret", "p-7f3a", 3600, 1700000000,
                                         &user, &pass, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(user, ==, "1700003600:p-7f3a");
  g_assert_cmpstr(pass, ==, "72r9hfcOfEIWaD+btVc8lZQ2URg=");

  g_autofree char *user2 = NULL;
  g_autofree char *pass2 = NULL;
  g_assert_true(ar_turn_credentials_make("x", "a", 1, 1700000000, &user2, &pass2, NULL));
  g_assert_cmpstr(user2, ==, "1700000001:a");
  g_assert_cmpstr(pass2, ==, "vyfW92PlOqDNC8aVj32gHx7FeYs=");
}

static void
test_expiry_and_secret_matter(void)
{
  g_autofree char *u1 = NULL, *p1 = NULL, *u2 = NULL, *p2 = NULL, *u3 = NULL, *p3 = NULL;
  g_assert_true(ar_turn_credentials_make("s1", "id", 60, 1000, &u1, &p1, NULL));
  g_assert_true(ar_turn_credentials_make("s1", "id", 61, 1000, &u2, &p2, NULL));
  g_assert_true(ar_turn_credentials_make("s2", "id", 60, 1000, &u3, &p3, NULL));
  g_assert_cmpstr(u1, ==, "1060:id");
  g_assert_cmpstr(u2, ==, "1061:id");
  g_assert_cmpstr(p1, !=, p2);
  g_assert_cmpstr(u1, ==, u3);
  g_assert_cmpstr(p1, !=, p3);
}

static void
test_rejects_bad_input(void)
{
  char *u = NULL, *p = NULL;
  char long_id[66];
  memset(long_id, 'a', 65);
  long_id[65] = '\0';
  const struct {
    const char *secret, *id;
    gint64 ttl;
  } bad[] = {
      {"", "id", 60},   {NULL, "id", 60}, {"s", "", 60},      {"s", NULL, 60}, {"s", "a:b", 60},
      {"s", "a b", 60}, {"s", "é", 60},   {"s", long_id, 60}, {"s", "id", 0},  {"s", "id", -5},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(
        ar_turn_credentials_make(bad[i].secret, bad[i].id, bad[i].ttl, 1000, &u, &p, &error));
    g_assert_error(error, AR_TURN_CREDENTIALS_ERROR, AR_TURN_CREDENTIALS_ERROR_INVALID);
    g_assert_null(u);
    g_assert_null(p);
  }
  g_autoptr(GError) error = NULL;
  g_assert_false(ar_turn_credentials_make("s", "id", 10, G_MAXINT64 - 5, &u, &p, &error));
  long_id[64] = '\0'; /* 64 characters is the limit */
  g_assert_true(ar_turn_credentials_make("s", long_id, 10, 0, &u, &p, NULL));
  g_free(u);
  g_free(p);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/turn-credentials/python-vectors", test_python_vectors);
  g_test_add_func("/turn-credentials/expiry-and-secret-matter", test_expiry_and_secret_matter);
  g_test_add_func("/turn-credentials/rejects-bad-input", test_rejects_bad_input);
  return g_test_run();
}
