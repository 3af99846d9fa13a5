/* The cross-connection limits: connections per address, messages per address over time,
 * logins per address, sessions per token, and that a sweep forgets idle addresses. */
#include "limiter.h"

#define S G_USEC_PER_SEC

static void
test_connections_per_ip(void)
{
  ArLimiterOptions o = {.max_connections_per_ip = 2};
  ArLimiter *l = ar_limiter_new(&o, 0);
  g_assert_true(ar_limiter_connect(l, "10.0.0.1", 0));
  g_assert_true(ar_limiter_connect(l, "10.0.0.1", 0));
  g_assert_false(ar_limiter_connect(l, "10.0.0.1", 0));
  g_assert_true(ar_limiter_connect(l, "10.0.0.2", 0)); /* another address is not affected */
  g_assert_cmpuint(ar_limiter_connections(l, "10.0.0.1"), ==, 2);
  ar_limiter_disconnect(l, "10.0.0.1");
  g_assert_true(ar_limiter_connect(l, "10.0.0.1", 0));
  ar_limiter_disconnect(l, "never-seen"); /* harmless */
  ar_limiter_free(l);
}

static void
test_messages_per_ip(void)
{
  ArLimiterOptions o = {.ip_messages_per_second = 10};
  ArLimiter *l = ar_limiter_new(&o, 0);
  int ok = 0;
  for (int i = 0; i < 30; i++)
    ok += ar_limiter_message(l, "a", 0);
  g_assert_cmpint(ok, ==, 20); /* burst: two seconds' worth */
  g_assert_false(ar_limiter_message(l, "a", 0));
  g_assert_true(ar_limiter_message(l, "a", S / 10)); /* 100 ms later: one more */
  g_assert_false(ar_limiter_message(l, "a", S / 10));
  g_assert_true(ar_limiter_message(l, "b", S / 10));
  ar_limiter_free(l);
}

static void
test_logins_per_ip(void)
{
  ArLimiterOptions o = {.logins_per_minute = 3};
  ArLimiter *l = ar_limiter_new(&o, 0);
  g_assert_true(ar_limiter_login(l, "a", 0));
  g_assert_true(ar_limiter_login(l, "a", 0));
  g_assert_true(ar_limiter_login(l, "a", 0));
  g_assert_false(ar_limiter_login(l, "a", 0));
  g_assert_false(ar_limiter_login(l, "a", 10 * S));
  g_assert_true(ar_limiter_login(l, "a", 21 * S)); /* one per 20 s comes back */
  ar_limiter_free(l);
}

static void
test_zero_means_unlimited(void)
{
  ArLimiterOptions o = {0};
  ArLimiter *l = ar_limiter_new(&o, 0);
  for (int i = 0; i < 1000; i++) {
    g_assert_true(ar_limiter_connect(l, "a", 0));
    g_assert_true(ar_limiter_message(l, "a", 0));
    g_assert_true(ar_limiter_login(l, "a", 0));
    g_assert_true(ar_limiter_token_take(l, "t"));
  }
  ar_limiter_free(l);
}

static void
test_tokens(void)
{
  ArLimiterOptions o = {.max_connections_per_token = 2};
  ArLimiter *l = ar_limiter_new(&o, 0);
  g_assert_true(ar_limiter_token_take(l, "t1"));
  g_assert_true(ar_limiter_token_take(l, "t1"));
  g_assert_false(ar_limiter_token_take(l, "t1"));
  g_assert_true(ar_limiter_token_take(l, "t2"));
  ar_limiter_token_release(l, "t1");
  g_assert_true(ar_limiter_token_take(l, "t1"));
  ar_limiter_token_release(l, "t1");
  ar_limiter_token_release(l, "t1");
  ar_limiter_token_release(l, "t1"); /* more releases than takes stay at zero */
  g_assert_true(ar_limiter_token_take(l, "t1"));
  g_assert_true(ar_limiter_token_take(l, "t1"));
  g_assert_false(ar_limiter_token_take(l, "t1"));
  ar_limiter_free(l);
}

static void
test_sweep_forgets_idle_addresses(void)
{
  ArLimiterOptions o = {.max_connections_per_ip = 1, .ip_messages_per_second = 1};
  ArLimiter *l = ar_limiter_new(&o, 0);
  g_assert_true(ar_limiter_connect(l, "a", 0));
  ar_limiter_disconnect(l, "a");
  for (int i = 0; i < 5; i++)
    ar_limiter_message(l, "a", 0); /* bucket drained */
  g_assert_false(ar_limiter_message(l, "a", 0));
  /* Much later a connection from elsewhere sweeps; "a" is forgotten and starts full. */
  g_assert_true(ar_limiter_connect(l, "b", 600 * S));
  g_assert_cmpuint(ar_limiter_connections(l, "a"), ==, 0);
  g_assert_true(ar_limiter_connect(l, "a", 600 * S));
  g_assert_false(ar_limiter_connect(l, "a", 600 * S)); /* still capped while connected */
  ar_limiter_free(l);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/limiter/connections_per_ip", test_connections_per_ip);
  g_test_add_func("/limiter/messages_per_ip", test_messages_per_ip);
  g_test_add_func("/limiter/logins_per_ip", test_logins_per_ip);
  g_test_add_func("/limiter/zero_means_unlimited", test_zero_means_unlimited);
  g_test_add_func("/limiter/tokens", test_tokens);
  g_test_add_func("/limiter/sweep", test_sweep_forgets_idle_addresses);
  return g_test_run();
}
