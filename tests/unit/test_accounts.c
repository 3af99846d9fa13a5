/* Cookie sessions without HTTP: the Cookie header parser, and a session's idle expiry against
 * the store (a session found idle is ended for good and audited). */
#include "accounts.h"
#include "audit.h"

#include <string.h>

static void
test_cookie_value(void)
{
  static const struct {
    const char *header, *want;
  } cases[] = {
      {"ar_session=abc", "abc"},
      {"theme=dark; ar_session=x_y-z; lang=en", "x_y-z"},
      {"ar_session=; ar_session=second", "second"},
      {"xar_session=nope", NULL},
      {"ar_sessionx=nope", NULL},
      {"", NULL},
      {"ar_session", NULL},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *v = ar_accounts_cookie_value(cases[i].header);
    g_assert_cmpstr(v, ==, cases[i].want);
  }
  g_assert_null(ar_accounts_cookie_value(NULL));
  g_autofree char *long_value = g_strnfill(200, 'a');
  g_autofree char *header = g_strconcat("ar_session=", long_value, NULL);
  g_assert_null(ar_accounts_cookie_value(header));
}

static ArStore *
store_with_session(const char *cookie, gint64 last_seen_ms)
{
  ArStore *st = ar_store_open(":memory:", NULL);
  g_assert_nonnull(st);
  g_autofree char *key = g_compute_checksum_for_string(G_CHECKSUM_SHA256, cookie, -1);
  g_autofree char *sql = g_strdup_printf(
      "INSERT INTO clinic VALUES ('cl1','c','UTC');"
      "INSERT INTO practitioner (id, clinic_id, display_name, role) VALUES ('prac1','cl1','d',"
      "'clinician');"
      "INSERT INTO account VALUES ('acc1','prac1','doc','$scrypt$x',0);"
      "INSERT INTO account_session (key, account_id, created_at, last_seen) VALUES ('%s','acc1',"
      "0,%" G_GINT64_FORMAT ");",
      key, last_seen_ms);
  g_assert_true(ar_store_exec(st, sql, NULL));
  return st;
}

static gint64
count_audit(ArStore *st, const char *action)
{
  sqlite3_stmt *q = ar_store_prepare(st, "SELECT count(*) FROM audit_event WHERE action = ?", NULL);
  sqlite3_bind_text(q, 1, action, -1, SQLITE_STATIC);
  g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
  gint64 n = sqlite3_column_int64(q, 0);
  sqlite3_reset(q);
  return n;
}

static void
test_idle_expiry(void)
{
  ArStore *st = store_with_session("secret", 1000);
  ArAccounts *a = ar_accounts_new(st, NULL, 5000);
  ArAccountIdentity id;
  g_autofree char *key = NULL;
  /* Used within the idle time: live, and touching restarts the clock. */
  g_assert_true(ar_accounts_lookup(a, "ar_session=secret", 5999, TRUE, &id, &key));
  g_assert_cmpstr(id.practitioner_id, ==, "prac1");
  g_assert_cmpstr(id.clinic_id, ==, "cl1");
  g_assert_cmpint(id.role, ==, AR_TOKEN_ROLE_CLINICIAN);
  g_assert_true(ar_accounts_session_alive(a, key, 10998, FALSE));
  /* A wrong cookie is nobody. */
  g_assert_false(ar_accounts_lookup(a, "ar_session=secreT", 6000, TRUE, NULL, NULL));
  /* Not touched for the idle time: ended, audited once, and it stays ended. */
  g_assert_cmpint(count_audit(st, "account.idle_logoff"), ==, 0);
  g_assert_false(ar_accounts_session_alive(a, key, 10999, FALSE));
  g_assert_cmpint(count_audit(st, "account.idle_logoff"), ==, 1);
  g_assert_false(ar_accounts_lookup(a, "ar_session=secret", 11000, TRUE, NULL, NULL));
  g_assert_cmpint(count_audit(st, "account.idle_logoff"), ==, 1);
  ar_accounts_free(a);
  ar_store_close(st);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/accounts/cookie_value", test_cookie_value);
  g_test_add_func("/accounts/idle_expiry", test_idle_expiry);
  return g_test_run();
}
