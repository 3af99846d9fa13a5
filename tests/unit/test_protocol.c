/* Signaling envelope parsing and building, and the rate limiter behind it. */
#include <string.h>
#include "protocol.h"
#include "rate_limit.h"

static void
expect_reject(const char *text, const char *code)
{
  ArMsg m;
  const char *got = NULL;
  g_autofree char *detail = NULL;
  g_assert_false(ar_protocol_parse(text, strlen(text), &m, &got, &detail));
  g_assert_cmpstr(got, ==, code);
  g_assert_nonnull(detail);
}

static void
test_parse(void)
{
  const char *text = "{\"type\":\"join\",\"id\":7,\"token\":\"abc\",\"n\":3,\"b\":true}";
  ArMsg m;
  const char *code = NULL;
  char *detail = NULL;
  g_assert_true(ar_protocol_parse(text, strlen(text), &m, &code, &detail));
  g_assert_cmpstr(m.type, ==, "join");
  g_assert_cmpint(m.id, ==, 7);
  g_assert_cmpstr(ar_msg_string(&m, "token"), ==, "abc");
  gint64 n = 0;
  gboolean b = FALSE;
  g_assert_true(ar_msg_int(&m, "n", &n));
  g_assert_cmpint(n, ==, 3);
  g_assert_true(ar_msg_bool(&m, "b", &b));
  g_assert_true(b);
  /* Wrong types are absent, not coerced. */
  g_assert_null(ar_msg_string(&m, "n"));
  g_assert_false(ar_msg_int(&m, "token", &n));
  ar_msg_clear(&m);
}

static void
test_reject(void)
{
  expect_reject("", "bad_json");
  expect_reject("{\"type\":", "bad_json");
  expect_reject("[]", "bad_message");
  expect_reject("\"hello\"", "bad_message");
  expect_reject("{}", "bad_message");
  expect_reject("{\"type\":5}", "bad_message");
  expect_reject("{\"type\":\"x\",\"id\":\"1\"}", "bad_message");
  expect_reject("{\"type\":\"x\",\"id\":-1}", "bad_message");
  expect_reject("{\"type\":\"x\",\"id\":1.5}", "bad_message");
}

static void
test_build(void)
{
  g_autofree char *e = ar_protocol_error(3, "forbidden", "only a clinician may admit");
  g_assert_cmpstr(e, ==,
                  "{\"type\":\"error\",\"id\":3,\"code\":\"forbidden\",\"message\":\"only a "
                  "clinician may admit\"}");
  JsonBuilder *b = ar_protocol_begin("event", 0);
  json_builder_set_member_name(b, "n");
  json_builder_add_int_value(b, 1);
  g_autofree char *ev = ar_protocol_finish(b);
  g_assert_cmpstr(ev, ==, "{\"type\":\"event\",\"n\":1}");
}

static void
test_rate_limit(void)
{
  ArRateLimit r;
  ar_rate_limit_init(&r, 10, 5, 0);
  for (int i = 0; i < 5; i++)
    g_assert_true(ar_rate_limit_take(&r, 0));
  g_assert_false(ar_rate_limit_take(&r, 0));
  g_assert_false(ar_rate_limit_take(&r, 50000)); /* 0.5 token after 50 ms */
  g_assert_true(ar_rate_limit_take(&r, 100000)); /* 1 token after 100 ms */
  g_assert_false(ar_rate_limit_take(&r, 100000));
  /* Refill never exceeds the burst. */
  for (int i = 0; i < 5; i++)
    g_assert_true(ar_rate_limit_take(&r, 60000000));
  g_assert_false(ar_rate_limit_take(&r, 60000000));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/protocol/parse", test_parse);
  g_test_add_func("/protocol/reject", test_reject);
  g_test_add_func("/protocol/build", test_build);
  g_test_add_func("/protocol/rate-limit", test_rate_limit);
  return g_test_run();
}
