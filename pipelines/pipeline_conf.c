/* GKeyFile → struct of description strings, driven by a field table. Values are stripped; the
 * caller keeps its defaults for keys the file leaves out. */
#include "pipeline_conf.h"

static char **
slot(gpointer target, const ArPipelineConfField *f)
{
  return (char **)((guint8 *)target + f->offset);
}

static const ArPipelineConfField *
field_for(const ArPipelineConfField *fields, guint n, const char *group, const char *key)
{
  for (guint i = 0; i < n; i++)
    if (g_str_equal(fields[i].group, group) && g_str_equal(fields[i].key, key))
      return &fields[i];
  return NULL;
}

static gboolean
check_keys(GKeyFile *kf, const ArPipelineConfField *fields, guint n, ArPipelineConfCheck check,
           const char *origin, GQuark domain, gint key_code, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (guint g = 0; groups[g]; g++) {
    g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
    for (guint k = 0; keys && keys[k]; k++) {
      g_autofree char *value = g_key_file_get_string(kf, groups[g], keys[k], NULL);
      const ArPipelineConfField *f = field_for(fields, n, groups[g], keys[k]);
      if (!f || !value || !*g_strstrip(value)) {
        g_set_error(error, domain, key_code, "%s: [%s] %s: %s", origin, groups[g], keys[k],
                    f ? "empty value" : "unknown key");
        return FALSE;
      }
      if (check && !check(groups[g], keys[k], value, origin, error))
        return FALSE;
    }
  }
  return TRUE;
}

gboolean
ar_pipeline_conf_load_data(gpointer target, const ArPipelineConfField *fields, guint n_fields,
                           ArPipelineConfCheck check, const char *data, gsize len,
                           const char *origin, GQuark domain, gint key_code, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, domain, key_code, "%s: %s", origin, local->message);
    return FALSE;
  }
  if (!check_keys(kf, fields, n_fields, check, origin, domain, key_code, error))
    return FALSE;
  for (guint i = 0; i < n_fields; i++) {
    char *value = g_key_file_get_string(kf, fields[i].group, fields[i].key, NULL);
    if (!value)
      continue;
    g_free(*slot(target, &fields[i]));
    *slot(target, &fields[i]) = g_strstrip(value);
  }
  return TRUE;
}

void
ar_pipeline_conf_clear(gpointer target, const ArPipelineConfField *fields, guint n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    g_clear_pointer(slot(target, &fields[i]), g_free);
}

char *
ar_pipeline_conf_quote(const char *s)
{
  GString *q = g_string_new("\"");
  for (const char *c = s; *c; c++) {
    if (*c == '"' || *c == '\\')
      g_string_append_c(q, '\\');
    g_string_append_c(q, *c);
  }
  g_string_append_c(q, '"');
  return g_string_free(q, FALSE);
}
