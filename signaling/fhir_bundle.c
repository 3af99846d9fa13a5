/* POST /fhir with a transaction Bundle: every entry (POST Type, PUT Type/id) is written in one
 * SQLite transaction, references to another entry's fullUrl (urn:uuid:...) are resolved as the
 * entries are written, and the first bad entry rolls everything back with an OperationOutcome
 * naming it (Bundle.entry[i]: ...). */
#include "fhir_private.h"

#include <string.h>

#define SEC_US G_USEC_PER_SEC

/* ---- transaction Bundle ------------------------------------------------------------------ */

/* References to another entry's fullUrl ("urn:uuid:...") become "Type/id" once it is written. */
static void
resolve_refs(JsonNode *n, GHashTable *map)
{
  if (JSON_NODE_HOLDS_ARRAY(n)) {
    JsonArray *a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++)
      resolve_refs(json_array_get_element(a, i), map);
  } else if (JSON_NODE_HOLDS_OBJECT(n)) {
    JsonObject *o = json_node_get_object(n);
    JsonNode *ref = json_object_get_member(o, "reference");
    if (ref && JSON_NODE_HOLDS_VALUE(ref) && json_node_get_value_type(ref) == G_TYPE_STRING) {
      const char *to = g_hash_table_lookup(map, json_node_get_string(ref));
      if (to)
        json_object_set_string_member(o, "reference", to);
    }
    GList *members = json_object_get_members(o);
    for (GList *l = members; l; l = l->next)
      resolve_refs(json_object_get_member(o, l->data), map);
    g_list_free(members);
  }
}

static gboolean
bundle_entry(ArFhirTx *tx, JsonObject *entry, guint i, GHashTable *map, JsonBuilder *out,
             GError **error)
{
  JsonNode *req = json_object_get_member(entry, "request");
  JsonNode *res = json_object_get_member(entry, "resource");
  JsonObject *r = req && JSON_NODE_HOLDS_OBJECT(req) ? json_node_get_object(req) : NULL;
  const char *method = r ? json_object_get_string_member_with_default(r, "method", NULL) : NULL;
  const char *url = r ? json_object_get_string_member_with_default(r, "url", NULL) : NULL;
  if (!method || !url || !res)
    return ar_fhir_fail(error, AR_FHIR_ERROR_REQUIRED,
                        "Bundle.entry[%u]: request.method, request.url and resource are required",
                        i);
  g_auto(GStrv) parts = g_strsplit(url, "/", 3);
  guint n = g_strv_length(parts);
  gboolean post = g_str_equal(method, "POST") && n == 1;
  gboolean put = g_str_equal(method, "PUT") && n == 2;
  if (!post && !put)
    return ar_fhir_fail(error, AR_FHIR_ERROR_NOT_SUPPORTED,
                        "Bundle.entry[%u].request: %s %s is not supported (POST Type, PUT Type/id)",
                        i, method, url);
  resolve_refs(res, map);
  gboolean created = FALSE;
  g_autoptr(GError) why = NULL;
  g_autofree char *want = put ? ar_fhir_id_to_store(parts[1]) : NULL;
  g_autofree char *id = ar_fhir_write_resource(tx, parts[0], res, want, &created, &why);
  if (!id) {
    g_set_error(error, why->domain, why->code, "Bundle.entry[%u]: %s", i, why->message);
    return FALSE;
  }
  const char *full = json_object_get_string_member_with_default(entry, "fullUrl", NULL);
  g_autofree char *fid = ar_fhir_id_from_store(id);
  g_autofree char *location = g_strdup_printf("%s/%s", parts[0], fid);
  if (full)
    g_hash_table_replace(map, g_strdup(full), g_strdup(location));
  json_builder_begin_object(out);
  json_builder_set_member_name(out, "response");
  json_builder_begin_object(out);
  json_builder_set_member_name(out, "status");
  json_builder_add_string_value(out, created ? "201 Created" : "200 OK");
  json_builder_set_member_name(out, "location");
  json_builder_add_string_value(out, location);
  json_builder_end_object(out);
  json_builder_end_object(out);
  return TRUE;
}

void
ar_fhir_post_bundle(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = ar_fhir_parse_body(req, &error);
  JsonObject *o = body && JSON_NODE_HOLDS_OBJECT(body) ? json_node_get_object(body) : NULL;
  if (body && (!o || g_strcmp0(json_object_get_string_member_with_default(o, "resourceType", ""),
                               "Bundle") != 0))
    ar_fhir_fail(&error, AR_FHIR_ERROR_STRUCTURE, "POST /fhir takes a Bundle");
  else if (o &&
           g_strcmp0(json_object_get_string_member_with_default(o, "type", ""), "transaction") != 0)
    ar_fhir_fail(&error, AR_FHIR_ERROR_NOT_SUPPORTED,
                 "Bundle.type: only \"transaction\" is supported (all entries or none)");
  JsonNode *entries = o && !error ? json_object_get_member(o, "entry") : NULL;
  if (o && !error && (!entries || !JSON_NODE_HOLDS_ARRAY(entries)))
    ar_fhir_fail(&error, AR_FHIR_ERROR_REQUIRED, "Bundle.entry: required for a transaction");
  if (error) {
    ar_fhir_reply_error(resp, error);
    return;
  }
  ArFhirTx tx = {s, g_array_new(FALSE, TRUE, sizeof(ArFhirAfter)), g_get_real_time() / SEC_US};
  g_array_set_clear_func(tx.after, ar_fhir_after_clear);
  g_autoptr(GHashTable) map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  JsonBuilder *out = json_builder_new();
  json_builder_begin_object(out);
  json_builder_set_member_name(out, "resourceType");
  json_builder_add_string_value(out, "Bundle");
  json_builder_set_member_name(out, "type");
  json_builder_add_string_value(out, "transaction-response");
  json_builder_set_member_name(out, "entry");
  json_builder_begin_array(out);
  JsonArray *a = json_node_get_array(entries);
  gboolean ok = ar_store_begin(s->store, NULL);
  if (!ok)
    ar_fhir_fail(&error, AR_FHIR_ERROR_PROCESSING, "the store is busy; try again");
  for (guint i = 0; ok && i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    ok = JSON_NODE_HOLDS_OBJECT(e)
             ? bundle_entry(&tx, json_node_get_object(e), i, map, out, &error)
             : ar_fhir_fail(&error, AR_FHIR_ERROR_STRUCTURE, "Bundle.entry[%u]: not an object", i);
  }
  if (ok && !ar_store_commit(s->store, NULL)) {
    ok = FALSE;
    ar_fhir_fail(&error, AR_FHIR_ERROR_PROCESSING, "the store could not commit the Bundle");
  }
  json_builder_end_array(out);
  json_builder_end_object(out);
  JsonNode *result = json_builder_get_root(out);
  g_object_unref(out);
  if (!ok) {
    ar_store_rollback(s->store);
    json_node_unref(result);
    g_array_unref(tx.after);
    ar_fhir_reply_error(resp, error);
    return;
  }
  ar_fhir_run_after(&tx);
  g_array_unref(tx.after);
  ar_fhir_reply(resp, 200, result);
}
