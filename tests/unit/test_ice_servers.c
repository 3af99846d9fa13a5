/* The join reply's ice_servers: empty without TURN; with TURN one entry carrying every URI and
 * coturn REST credentials for the participant (vector from Python's hmac), never the secret. */
#include "ice_servers.h"

#include <string.h>

static char *
build(const ArIceServers *is, const char *participant, gint64 now)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "ice_servers");
  ar_ice_servers_build(is, b, participant, now);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  return json_to_string(root, FALSE);
}

static void
test_none(void)
{
  g_autofree char *a = build(NULL, "par_00aa", 1700000000);
  g_assert_cmpstr(a, ==, "{\"ice_servers\":[]}");
  g_autoptr(ArIceServers) is = ar_ice_servers_new(NULL, NULL, 86400);
  g_autofree char *b = build(is, "par_00aa", 1700000000);
  g_assert_cmpstr(b, ==, "{\"ice_servers\":[]}");
}

static void
test_turn(void)
{
  /* python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
   *   b'0123456789abcdef-secret', b'1700086400:par_00aa', hashlib.sha1).digest()).decode())" */
  const char *uris[] = {"turn:t.example.org:3478?transport=udp",
                        "turns:t.example.org:443?transport=tcp", NULL};
  g_autoptr(ArIceServers) is = ar_ice_servers_new(uris, "0123456789abcdef-secret", 86400);
  g_autofree char *json = build(is, "par_00aa", 1700000000);
  g_assert_cmpstr(json, ==,
                  "{\"ice_servers\":[{\"urls\":[\"turn:t.example.org:3478?transport=udp\","
                  "\"turns:t.example.org:443?transport=tcp\"],"
                  "\"username\":\"1700086400:par_00aa\","
                  "\"credential\":\"hCEbjLU5JxpIFNno6zeuETHZdfo=\"}]}");
  g_assert_null(strstr(json, "0123456789abcdef"));
}

/* anteroom logs structured, which g_test_expect_message cannot see: capture instead. */
static GLogWriterOutput
capture_writer(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user_data)
{
  GString *seen = user_data;
  for (gsize i = 0; i < n; i++)
    if (g_str_equal(fields[i].key, "MESSAGE") && (level & G_LOG_LEVEL_WARNING))
      g_string_append(seen, fields[i].value);
  return G_LOG_WRITER_HANDLED;
}

static void
test_bad_participant_gives_no_turn(void)
{
  const char *uris[] = {"turn:t.example.org:3478", NULL};
  g_autoptr(ArIceServers) is = ar_ice_servers_new(uris, "0123456789abcdef-secret", 60);
  g_autoptr(GString) seen = g_string_new(NULL);
  g_log_set_writer_func(capture_writer, seen, NULL);
  g_autofree char *json = build(is, "par:with:colons", 1700000000);
  g_assert_true(g_str_has_prefix(seen->str, "no TURN credentials for participant par:with:colons"));
  g_assert_cmpstr(json, ==, "{\"ice_servers\":[]}");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/ice_servers/none", test_none);
  g_test_add_func("/ice_servers/turn", test_turn);
  /* Last: it replaces the log writer, which can be set only once per process. */
  g_test_add_func("/ice_servers/bad-participant-gives-no-turn", test_bad_participant_gives_no_turn);
  return g_test_run();
}
