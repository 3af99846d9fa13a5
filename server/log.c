/* A GLogWriterFunc with a runtime level and format. Only the fields anteroom sets on purpose
 * (MESSAGE, GLIB_DOMAIN, and AR_* ids) are written: the rest of GLib's fields are noise. */
#include "log.h"

#include <stdio.h>
#include <string.h>

struct ArLog {
  gint level;  /* GLogLevelFlags, read atomically */
  gint format; /* ArLogFormat, read atomically */
};

static const char *
level_name(GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "fatal";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "error";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "notice";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

/* Lower numbers are more severe, matching GLogLevelFlags bit order. */
static gboolean
level_enabled(GLogLevelFlags threshold, GLogLevelFlags level)
{
  GLogLevelFlags l = level & G_LOG_LEVEL_MASK;
  return l != 0 && l <= threshold;
}

static void
append_json_string(GString *out, const char *s, gssize len)
{
  g_string_append_c(out, '"');
  for (gssize i = 0; len < 0 ? s[i] != '\0' : i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      g_string_append_printf(out, "\\%c", c);
    else if (c < 0x20)
      g_string_append_printf(out, "\\u%04x", c);
    else
      g_string_append_c(out, (char)c);
  }
  g_string_append_c(out, '"');
}

static const char *
field_text(const GLogField *f, gssize *len)
{
  *len = f->length;
  return f->value;
}

char *
ar_log_format_line(ArLogFormat format, GLogLevelFlags level, const GLogField *fields,
                   gsize n_fields, gint64 unix_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC);
  g_autofree char *stamp = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
  int ms = (int)((unix_us / 1000) % 1000);
  const char *domain = "anteroom", *message = "";
  gssize domain_len = -1, message_len = -1;
  for (gsize i = 0; i < n_fields; i++) {
    if (g_str_equal(fields[i].key, "GLIB_DOMAIN"))
      domain = field_text(&fields[i], &domain_len);
    else if (g_str_equal(fields[i].key, "MESSAGE"))
      message = field_text(&fields[i], &message_len);
  }
  GString *out = g_string_new(NULL);
  if (format == AR_LOG_JSON) {
    g_string_append_printf(out, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"domain\":", stamp, ms,
                           level_name(level));
    append_json_string(out, domain, domain_len);
    g_string_append(out, ",\"msg\":");
    append_json_string(out, message, message_len);
  } else {
    g_string_append_printf(out, "%s.%03dZ %-7s [", stamp, ms, level_name(level));
    g_string_append_len(out, domain, domain_len < 0 ? (gssize)strlen(domain) : domain_len);
    g_string_append(out, "] ");
    g_string_append_len(out, message, message_len < 0 ? (gssize)strlen(message) : message_len);
  }
  for (gsize i = 0; i < n_fields; i++) {
    if (!g_str_has_prefix(fields[i].key, "AR_"))
      continue;
    g_autofree char *key = g_ascii_strdown(fields[i].key + 3, -1);
    gssize len;
    const char *value = field_text(&fields[i], &len);
    if (format == AR_LOG_JSON) {
      g_string_append_printf(out, ",\"%s\":", key);
      append_json_string(out, value, len);
    } else {
      g_string_append_printf(out, " %s=", key);
      g_string_append_len(out, value, len < 0 ? (gssize)strlen(value) : len);
    }
  }
  if (format == AR_LOG_JSON)
    g_string_append_c(out, '}');
  g_string_append_c(out, '\n');
  return g_string_free(out, FALSE);
}

static GLogWriterOutput
writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  ArLog *log = user_data;
  if (!level_enabled((GLogLevelFlags)g_atomic_int_get(&log->level), level))
    return G_LOG_WRITER_HANDLED;
  g_autofree char *line = ar_log_format_line((ArLogFormat)g_atomic_int_get(&log->format), level,
                                             fields, n_fields, g_get_real_time());
  /* One fputs per record: stdio locks the stream, so lines from threads never interleave. */
  fputs(line, stderr);
  return G_LOG_WRITER_HANDLED;
}

ArLog *
ar_log_install(GLogLevelFlags level, ArLogFormat format)
{
  ArLog *log = g_new0(ArLog, 1);
  ar_log_reconfigure(log, level, format);
  g_log_set_writer_func(writer, log, NULL);
  return log;
}

void
ar_log_reconfigure(ArLog *log, GLogLevelFlags level, ArLogFormat format)
{
  g_atomic_int_set(&log->level, (gint)level);
  g_atomic_int_set(&log->format, (gint)format);
}
