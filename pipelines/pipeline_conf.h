/* Operator-editable GStreamer descriptions kept in GKeyFile form ([group] key = description):
 * the one loader behind anteroom-peer's conf/peer-pipelines.conf and the server's
 * conf/recorder-pipelines.conf, so both reject unknown keys and empty values the same way. */
#pragma once
#include <glib.h>

/* One key of a description file: where its string lives in the caller's struct. */
typedef struct {
  const char *group;
  const char *key;
  gsize offset; /* of a char* member */
} ArPipelineConfField;

/* An extra check of one value (e.g. a required placeholder); sets error and returns FALSE to
 * refuse the file. May be NULL. */
typedef gboolean (*ArPipelineConfCheck)(const char *group, const char *key, const char *value,
                                        const char *origin, GError **error);

/* Overrides the fields of `target` with the keys found in the GKeyFile text. Every key is
 * checked before any is applied (unknown key or empty value: error `domain`/`key_code`,
 * naming `origin`), so on failure `target` keeps its previous values. */
gboolean ar_pipeline_conf_load_data(gpointer target, const ArPipelineConfField *fields,
                                    guint n_fields, ArPipelineConfCheck check, const char *data,
                                    gsize len, const char *origin, GQuark domain, gint key_code,
                                    GError **error);

/* Frees every field of `target` and sets it to NULL. */
void ar_pipeline_conf_clear(gpointer target, const ArPipelineConfField *fields, guint n_fields);

/* `s` double-quoted with backslash escapes, as gst_parse reads a property value. */
char *ar_pipeline_conf_quote(const char *s);
