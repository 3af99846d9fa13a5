/* Schema-checked GKeyFile loading. The schema table below is the single list of keys: the
 * loader, the unknown-key check and the documentation test all read it. */
#include "config.h"

#include <glib/gstdio.h>
#include <stddef.h>
#include <sys/stat.h>
#include <string.h>

G_DEFINE_QUARK(ar - config - error - quark, ar_config_error)

typedef enum { KEY_STRING, KEY_PATH, KEY_INT, KEY_BOOL, KEY_LOG_LEVEL, KEY_CHOICE } KeyType;

typedef struct {
  const char *group;
  const char *key;
  KeyType type;
  size_t offset;
  int min, max;               /* KEY_INT only */
  const char *const *choices; /* KEY_CHOICE: the value is stored as the index, an int */
} KeySpec;

static const char *const log_formats[] = {"text", "json", NULL};         /* ArLogFormat order */
static const char *const srtp_backends[] = {"openssl", "libsrtp", NULL}; /* ArSrtpBackend */

#define FIELD(f) offsetof(ArConfig, f)

static const KeySpec schema[] = {
  {"server", "listen_address", KEY_STRING, FIELD(listen_address)},
  {"server", "port", KEY_INT, FIELD(port), 1, 65535},
  {"server", "public_url", KEY_STRING, FIELD(public_url)},
  {"server", "state_dir", KEY_PATH, FIELD(state_dir)},
  {"server", "web_root", KEY_PATH, FIELD(web_root)},
  {"server", "drain_seconds", KEY_INT, FIELD(drain_seconds), 0, 86400},
  {"tls", "certificate", KEY_PATH, FIELD(tls_certificate)},
  {"tls", "private_key", KEY_PATH, FIELD(tls_private_key)},
  {"log", "level", KEY_LOG_LEVEL, FIELD(log_level)},
  {"log", "format", KEY_CHOICE, FIELD(log_format), .choices = log_formats},
  {"media", "workers", KEY_INT, FIELD(media_workers), 0, 256},
  {"media", "srtp_backend", KEY_CHOICE, FIELD(srtp_backend), .choices = srtp_backends},
  {"media", "port_min", KEY_INT, FIELD(media_port_min), 0, 65535},
  {"media", "port_max", KEY_INT, FIELD(media_port_max), 0, 65535},
  {"media", "public_ip", KEY_STRING, FIELD(media_public_ip)},
  {"media", "ice_tcp", KEY_BOOL, FIELD(media_ice_tcp)},
  {"media", "batched_receive", KEY_BOOL, FIELD(media_batched_receive)},
  {"signaling", "idle_logoff_minutes", KEY_INT, FIELD(idle_logoff_minutes), 1, 1440},
  {"signaling", "idle_logoff_seconds", KEY_INT, FIELD(idle_logoff_seconds), 0, 86400},
  {"signaling", "grace_seconds", KEY_INT, FIELD(grace_seconds), 1, 3600},
  {"signaling", "max_connections_per_ip", KEY_INT, FIELD(max_connections_per_ip), 0, 1000000},
  {"signaling", "max_connections_per_token", KEY_INT, FIELD(max_connections_per_token), 0, 100},
  {"signaling", "ip_messages_per_second", KEY_INT, FIELD(ip_messages_per_second), 0, 1000000},
  {"signaling", "logins_per_minute", KEY_INT, FIELD(logins_per_minute), 0, 100000},
  {"store", "path", KEY_STRING, FIELD(store_path)},
  {"scheduling", "api_token", KEY_STRING, FIELD(sched_api_token)},
  {"scheduling", "webhook_url", KEY_STRING, FIELD(sched_webhook_url)},
  {"scheduling", "wave_size", KEY_INT, FIELD(sched_wave_size), 0, 1000},
  {"scheduling", "offer_expiry_same_day_seconds", KEY_INT, FIELD(sched_expiry_same_day_s), 1, 86400},
  {"scheduling", "offer_expiry_later_seconds", KEY_INT, FIELD(sched_expiry_later_s), 1, 604800},
  {"scheduling", "min_answer_seconds", KEY_INT, FIELD(sched_min_answer_s), 0, 86400},
  {"scheduling", "min_notice_seconds", KEY_INT, FIELD(sched_min_notice_s), 0, 604800},
  {"scheduling", "online_only_within_seconds", KEY_INT, FIELD(sched_online_only_s), 0, 86400},
  {"scheduling", "webhook_max_attempts", KEY_INT, FIELD(sched_webhook_max_attempts), 1, 100},
  {"turn", "uris", KEY_STRING, FIELD(turn_uris)},
  {"turn", "secret", KEY_STRING, FIELD(turn_secret)},
  {"turn", "secret_file", KEY_PATH, FIELD(turn_secret_file)},
  {"turn", "ttl_seconds", KEY_INT, FIELD(turn_ttl_seconds), 60, 7 * 86400},
  {"recording", "dir", KEY_PATH, FIELD(recording_dir)},
  {"recording", "retention_days", KEY_INT, FIELD(recording_retention_days), 0, 36500},
  {"recording", "api_token", KEY_STRING, FIELD(recording_api_token)},
  {"recording", "pipelines", KEY_PATH, FIELD(recording_pipelines)},
  {"demo", "peer", KEY_BOOL, FIELD(demo_peer)},
};

static const struct {
  const char *name;
  GLogLevelFlags level;
} log_levels[] = {
    {"error", G_LOG_LEVEL_CRITICAL},
    {"warning", G_LOG_LEVEL_WARNING},
    {"info", G_LOG_LEVEL_INFO},
    {"debug", G_LOG_LEVEL_DEBUG},
};

ArConfig *
ar_config_new_default(void)
{
  ArConfig *cfg = g_new0(ArConfig, 1);
  cfg->source = g_strdup("(defaults)");
  cfg->listen_address = g_strdup("0.0.0.0");
  cfg->port = 8443;
  cfg->public_url = g_strdup("");
  cfg->state_dir = g_strdup("/var/lib/anteroom");
  cfg->web_root = g_strdup("");
  cfg->drain_seconds = 30;
  cfg->tls_certificate = g_strdup("");
  cfg->tls_private_key = g_strdup("");
  cfg->log_level = G_LOG_LEVEL_INFO;
  cfg->log_format = AR_LOG_TEXT;
  cfg->media_workers = 0;
  cfg->srtp_backend = AR_SRTP_BACKEND_OPENSSL;
  cfg->media_public_ip = g_strdup("");
  cfg->media_ice_tcp = TRUE;
  cfg->media_batched_receive = TRUE;
  cfg->idle_logoff_minutes = 15;
  cfg->idle_logoff_seconds = 0;
  cfg->grace_seconds = 60;
  cfg->max_connections_per_ip = 50;
  cfg->max_connections_per_token = 4;
  cfg->ip_messages_per_second = 100;
  cfg->logins_per_minute = 10;
  cfg->store_path = g_strdup("anteroom.db");
  cfg->sched_api_token = g_strdup("");
  cfg->sched_webhook_url = g_strdup("");
  cfg->sched_wave_size = 0;
  cfg->sched_expiry_same_day_s = 20 * 60;
  cfg->sched_expiry_later_s = 4 * 3600;
  cfg->sched_min_answer_s = 120;
  cfg->sched_min_notice_s = 30 * 60;
  cfg->sched_online_only_s = 30 * 60;
  cfg->sched_webhook_max_attempts = 8;
  cfg->turn_uris = g_strdup("");
  cfg->turn_secret = g_strdup("");
  cfg->turn_secret_file = g_strdup("");
  cfg->turn_ttl_seconds = 86400;
  cfg->recording_dir = g_strdup("");
  cfg->recording_retention_days = 30;
  cfg->recording_api_token = g_strdup("");
  cfg->recording_pipelines = g_strdup("");
  cfg->demo_peer = TRUE;
  return cfg;
}

void
ar_config_free(ArConfig *cfg)
{
  if (!cfg)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(schema); i++) {
    if (schema[i].type == KEY_STRING || schema[i].type == KEY_PATH)
      g_free(G_STRUCT_MEMBER(char *, cfg, schema[i].offset));
  }
  g_free(cfg->source);
  g_free(cfg);
}

const ArConfigKeyName *
ar_config_schema_keys(gsize *n_keys)
{
  static ArConfigKeyName names[G_N_ELEMENTS(schema)];
  /* Filled on every call with the same constant values: no state carried between calls. */
  for (gsize i = 0; i < G_N_ELEMENTS(schema); i++)
    names[i] = (ArConfigKeyName){schema[i].group, schema[i].key};
  *n_keys = G_N_ELEMENTS(schema);
  return names;
}

const char *
ar_config_log_level_name(GLogLevelFlags level)
{
  for (gsize i = 0; i < G_N_ELEMENTS(log_levels); i++)
    if (log_levels[i].level == level)
      return log_levels[i].name;
  return "info";
}

/* GKeyFile forgets line numbers, so find "key =" inside "[group]" in the raw text. */
static int
find_line(const char *text, const char *group, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gboolean in_group = group == NULL;
  for (int i = 0; lines[i]; i++) {
    const char *l = lines[i];
    while (*l == ' ' || *l == '\t')
      l++;
    if (*l == '[') {
      const char *end = strchr(l, ']');
      in_group = end && group && (size_t)(end - l - 1) == strlen(group) &&
                 strncmp(l + 1, group, end - l - 1) == 0;
      if (in_group && !key)
        return i + 1;
      continue;
    }
    if (in_group && key && g_str_has_prefix(l, key)) {
      const char *rest = l + strlen(key);
      while (*rest == ' ' || *rest == '\t')
        rest++;
      if (*rest == '=')
        return i + 1;
    }
  }
  return 0;
}

/* GKeyFile quotes the offending line in its message (“...”) but gives no number. */
static int
syntax_error_line(const char *text, const char *message)
{
  const char *open = strstr(message, "\u201c"), *close = open ? strstr(open, "\u201d") : NULL;
  if (!close)
    return 0;
  g_autofree char *quoted = g_strndup(open + 3, close - open - 3);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (int i = 0; lines[i]; i++)
    if (g_str_equal(g_strchomp(lines[i]), quoted))
      return i + 1;
  return 0;
}

static const KeySpec *
find_spec(const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS(schema); i++)
    if (g_str_equal(schema[i].group, group) && (!key || g_str_equal(schema[i].key, key)))
      return &schema[i];
  return NULL;
}

static gboolean fail(GError **error, ArConfigError code, const char *source, const char *text,
                     const char *group, const char *key, const char *fmt, ...) G_GNUC_PRINTF(7, 8);

static gboolean
fail(GError **error, ArConfigError code, const char *source, const char *text, const char *group,
     const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  int line = find_line(text, group, key);
  g_autofree char *where =
      key ? g_strdup_printf("[%s] %s", group, key) : g_strdup_printf("[%s]", group);
  g_set_error(error, AR_CONFIG_ERROR, code, "%s:%d: %s: %s", source, line, where, why);
  return FALSE;
}

static gboolean
parse_int(const char *value, int min, int max, int *out)
{
  char *end = NULL;
  gint64 v = g_ascii_strtoll(value, &end, 10);
  if (!*value || *end || v < min || v > max)
    return FALSE;
  *out = (int)v;
  return TRUE;
}

static char *
resolve_path(const char *value, const char *base_dir)
{
  if (!*value || g_path_is_absolute(value) || !base_dir)
    return g_strdup(value);
  return g_build_filename(base_dir, value, NULL);
}

static gboolean
apply_value(ArConfig *cfg, const KeySpec *spec, const char *value, const char *base_dir,
            GError **why)
{
  char **str = &G_STRUCT_MEMBER(char *, cfg, spec->offset);
  switch (spec->type) {
  case KEY_STRING:
    g_free(*str);
    *str = g_strdup(value);
    return TRUE;
  case KEY_PATH:
    g_free(*str);
    *str = resolve_path(value, base_dir);
    return TRUE;
  case KEY_INT:
    if (parse_int(value, spec->min, spec->max, &G_STRUCT_MEMBER(int, cfg, spec->offset)))
      return TRUE;
    g_set_error(why, AR_CONFIG_ERROR, AR_CONFIG_ERROR_BAD_VALUE,
                "'%s' is not a whole number from %d to %d", value, spec->min, spec->max);
    return FALSE;
  case KEY_BOOL:
    if (g_str_equal(value, "true") || g_str_equal(value, "false")) {
      G_STRUCT_MEMBER(gboolean, cfg, spec->offset) = g_str_equal(value, "true");
      return TRUE;
    }
    g_set_error(why, AR_CONFIG_ERROR, AR_CONFIG_ERROR_BAD_VALUE, "'%s' is not true or false",
                value);
    return FALSE;
  case KEY_LOG_LEVEL:
    for (gsize i = 0; i < G_N_ELEMENTS(log_levels); i++) {
      if (g_ascii_strcasecmp(value, log_levels[i].name) == 0) {
        cfg->log_level = log_levels[i].level;
        return TRUE;
      }
    }
    g_set_error(why, AR_CONFIG_ERROR, AR_CONFIG_ERROR_BAD_VALUE,
                "'%s' is not one of error, warning, info, debug", value);
    return FALSE;
  case KEY_CHOICE:
    for (int i = 0; spec->choices[i]; i++) {
      if (g_str_equal(value, spec->choices[i])) {
        G_STRUCT_MEMBER(int, cfg, spec->offset) = i;
        return TRUE;
      }
    }
    g_autofree char *list = g_strjoinv(", ", (GStrv)spec->choices);
    g_set_error(why, AR_CONFIG_ERROR, AR_CONFIG_ERROR_BAD_VALUE, "'%s' is not one of %s", value,
                list);
    return FALSE;
  }
  return FALSE;
}

static gboolean
check_public_url(const char *url, GError **why)
{
  if (!*url || g_str_has_prefix(url, "https://") || g_str_has_prefix(url, "http://"))
    return TRUE;
  g_set_error(why, AR_CONFIG_ERROR, AR_CONFIG_ERROR_BAD_VALUE,
              "'%s' must start with https:// (or be empty)", url);
  return FALSE;
}

static gboolean
check_media(const ArConfig *cfg, const char *source, const char *text, GError **error)
{
  if ((cfg->media_port_min == 0) != (cfg->media_port_max == 0) ||
      cfg->media_port_min > cfg->media_port_max)
    return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, "media", "port_max",
                "port_min and port_max must both be 0 (any port) or a range min <= max");
  if (*cfg->media_public_ip && !g_hostname_is_ip_address(cfg->media_public_ip))
    return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, "media", "public_ip",
                "'%s' is not an IP address", cfg->media_public_ip);
  return TRUE;
}

char **
ar_config_turn_uris(const ArConfig *cfg)
{
  g_auto(GStrv) parts = g_strsplit(cfg->turn_uris, ",", -1);
  GPtrArray *out = g_ptr_array_new();
  for (int i = 0; parts[i]; i++) {
    g_strstrip(parts[i]);
    if (*parts[i])
      g_ptr_array_add(out, g_strdup(parts[i]));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

/* turn:host[:port][?transport=udp|tcp] or turns:..., as RFC 7065 and browsers accept them.
 * Checked here so a typo stops start-up instead of silently costing the patients behind a
 * UDP-blocking network their video. */
static gboolean
turn_uri_valid(const char *uri)
{
  const char *host = g_str_has_prefix(uri, "turns:")  ? uri + 6
                     : g_str_has_prefix(uri, "turn:") ? uri + 5
                                                      : NULL;
  if (!host || !*host || *host == ':' || *host == '?' || strpbrk(uri, " \t\"'<>"))
    return FALSE;
  const char *query = strchr(host, '?');
  return !query || g_str_equal(query, "?transport=udp") || g_str_equal(query, "?transport=tcp");
}

static gboolean
check_turn(ArConfig *cfg, const char *source, const char *text, GError **error)
{
  g_auto(GStrv) uris = ar_config_turn_uris(cfg);
  for (int i = 0; uris[i]; i++)
    if (!turn_uri_valid(uris[i]))
      return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, "turn", "uris",
                  "'%s' is not a turn: or turns: URI (turn:host:port?transport=udp|tcp)", uris[i]);
  if (*cfg->turn_secret && *cfg->turn_secret_file)
    return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, "turn", "secret_file",
                "set secret or secret_file, not both");
  if (*cfg->turn_secret_file) {
    g_autofree char *contents = NULL;
    g_autoptr(GError) read_error = NULL;
    GStatBuf st;
    /* A secret is a line: refuse devices and FIFOs (a typo like /dev/zero would hang start-up)
     * and anything too big to be one. */
    if (g_stat(cfg->turn_secret_file, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_size > 4096))
      return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, "turn", "secret_file",
                  "%s is not a small regular file", cfg->turn_secret_file);
    if (!g_file_get_contents(cfg->turn_secret_file, &contents, NULL, &read_error))
      return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, "turn", "secret_file", "%s",
                  read_error->message);
    g_free(cfg->turn_secret);
    cfg->turn_secret = g_strdup(g_strstrip(contents));
    if (!*cfg->turn_secret)
      return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, "turn", "secret_file",
                  "%s is empty", cfg->turn_secret_file);
  }
  if (uris[0] && !*cfg->turn_secret)
    return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, "turn", "uris",
                "TURN needs the secret shared with coturn: set secret or secret_file");
  if (*cfg->turn_secret && strlen(cfg->turn_secret) < 16)
    return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, "turn",
                *cfg->turn_secret_file ? "secret_file" : "secret",
                "the secret must be at least 16 characters (e.g. openssl rand -hex 32)");
  return TRUE;
}

static gboolean
apply_keyfile(ArConfig *cfg, GKeyFile *kf, const char *text, const char *source,
              const char *base_dir, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (int g = 0; groups[g]; g++) {
    if (!find_spec(groups[g], NULL))
      return fail(error, AR_CONFIG_ERROR_UNKNOWN_GROUP, source, text, groups[g], NULL,
                  "unknown section");
    g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
    for (int k = 0; keys && keys[k]; k++) {
      const KeySpec *spec = find_spec(groups[g], keys[k]);
      if (!spec)
        return fail(error, AR_CONFIG_ERROR_UNKNOWN_KEY, source, text, groups[g], keys[k],
                    "unknown key");
      g_autofree char *value = g_key_file_get_string(kf, groups[g], keys[k], NULL);
      g_autoptr(GError) why = NULL;
      if (!value) /* GKeyFile returns no string for a value that is not UTF-8 */
        return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, groups[g], keys[k],
                    "the value is not valid UTF-8");
      g_strstrip(value);
      if (!apply_value(cfg, spec, value, base_dir, &why) ||
          (spec->offset == FIELD(public_url) && !check_public_url(value, &why)))
        return fail(error, AR_CONFIG_ERROR_BAD_VALUE, source, text, groups[g], keys[k], "%s",
                    why->message);
    }
  }
  return TRUE;
}

ArConfig *
ar_config_load_data(const char *text, const char *source_name, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) parse_error = NULL;
  if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &parse_error)) {
    g_set_error(error, AR_CONFIG_ERROR, AR_CONFIG_ERROR_SYNTAX, "%s:%d: %s", source_name,
                syntax_error_line(text, parse_error->message), parse_error->message);
    return NULL;
  }
  g_autoptr(ArConfig) cfg = ar_config_new_default();
  g_free(cfg->source);
  cfg->source = g_strdup(source_name);
  g_autofree char *base_dir = g_path_get_dirname(source_name);
  g_autofree char *abs_base = g_canonicalize_filename(base_dir, NULL);
  if (!apply_keyfile(cfg, kf, text, source_name, abs_base, error) ||
      !check_media(cfg, source_name, text, error) || !check_turn(cfg, source_name, text, error))
    return NULL;
  return g_steal_pointer(&cfg);
}

ArConfig *
ar_config_load(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) read_error = NULL;
  if (!g_file_get_contents(path, &text, NULL, &read_error)) {
    g_set_error(error, AR_CONFIG_ERROR, AR_CONFIG_ERROR_READ, "%s: %s", path, read_error->message);
    return NULL;
  }
  return ar_config_load_data(text, path, error);
}

char *
ar_config_state_path(const ArConfig *cfg, const char *name)
{
  if (g_path_is_absolute(name))
    return g_strdup(name);
  return g_build_filename(cfg->state_dir, name, NULL);
}
