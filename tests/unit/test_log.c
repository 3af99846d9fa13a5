/* Log lines: text and JSON shapes, only AR_* id fields kept, JSON escaping. */
#include "log.h"

#include <string.h>

static void
test_text(void)
{
  GLogField f[] = {
    {"GLIB_DOMAIN", "anteroom", -1},
    {"MESSAGE", "visit started", -1},
    {"AR_VISIT", "vis_1", -1},
    {"CODE_FILE", "x.c", -1},
  };
  g_autofree char *line = ar_log_format_line(AR_LOG_TEXT, G_LOG_LEVEL_INFO, f, 4, 0);
  g_assert_cmpstr(line, ==, "1970-01-01T00:00:00.000Z info    [anteroom] visit started visit=vis_1\n");
}

static void
test_json(void)
{
  GLogField f[] = {
    {"MESSAGE", "a \"quoted\"\nline", -1},
    {"AR_PARTICIPANT", "par_2", -1},
  };
  g_autofree char *line =
    ar_log_format_line(AR_LOG_JSON, G_LOG_LEVEL_WARNING, f, 2, 1500 * G_GINT64_CONSTANT(1000));
  g_assert_cmpstr(line, ==,
                  "{\"ts\":\"1970-01-01T00:00:01.500Z\",\"level\":\"warning\",\"domain\":"
                  "\"anteroom\",\"msg\":\"a \\\"quoted\\\"\\u000aline\",\"participant\":\"par_2\"}\n");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/log/text", test_text);
  g_test_add_func("/log/json", test_json);
  return g_test_run();
}
