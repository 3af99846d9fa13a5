/* JSON envelopes with json-glib. Parsing rejects anything that is not an object with a string
 * "type" and, when present, a positive integer "id" — before any handler sees it. */
#include "protocol.h"

#include <string.h>

void
ar_msg_clear(ArMsg *m)
{
  g_clear_pointer(&m->root, json_node_unref);
  m->body = NULL;
  m->type = NULL;
  m->id = 0;
}

static gboolean
reject(const char **code, char **detail, const char *c, char *why)
{
  *code = c;
  *detail = why;
  return FALSE;
}

gboolean
ar_protocol_parse(const char *text, gsize len, ArMsg *out, const char **code, char **detail)
{
  memset(out, 0, sizeof *out);
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_data(parser, text, (gssize)len, &error))
    return reject(code, detail, "bad_json", g_strdup_printf("not JSON: %s", error->message));
  JsonNode *root = json_parser_get_root(parser);
  if (!root)
    return reject(code, detail, "bad_json", g_strdup("empty message"));
  if (!JSON_NODE_HOLDS_OBJECT(root))
    return reject(code, detail, "bad_message", g_strdup("a message must be a JSON object"));
  JsonObject *obj = json_node_get_object(root);
  JsonNode *type = json_object_get_member(obj, "type");
  if (!type || json_node_get_value_type(type) != G_TYPE_STRING)
    return reject(code, detail, "bad_message", g_strdup("\"type\" must be a string"));
  JsonNode *id = json_object_get_member(obj, "id");
  if (id && (json_node_get_value_type(id) != G_TYPE_INT64 || json_node_get_int(id) <= 0))
    return reject(code, detail, "bad_message", g_strdup("\"id\" must be a positive integer"));
  out->root = json_node_ref(root);
  out->body = obj;
  out->type = json_node_get_string(type);
  out->id = id ? json_node_get_int(id) : 0;
  return TRUE;
}

static JsonNode *
member(const ArMsg *m, const char *field, GType type)
{
  JsonNode *n = json_object_get_member(m->body, field);
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == type ? n : NULL;
}

const char *
ar_msg_string(const ArMsg *m, const char *field)
{
  JsonNode *n = member(m, field, G_TYPE_STRING);
  return n ? json_node_get_string(n) : NULL;
}

gboolean
ar_msg_int(const ArMsg *m, const char *field, gint64 *out)
{
  JsonNode *n = member(m, field, G_TYPE_INT64);
  if (n)
    *out = json_node_get_int(n);
  return n != NULL;
}

gboolean
ar_msg_bool(const ArMsg *m, const char *field, gboolean *out)
{
  JsonNode *n = member(m, field, G_TYPE_BOOLEAN);
  if (n)
    *out = json_node_get_boolean(n);
  return n != NULL;
}

JsonBuilder *
ar_protocol_begin(const char *type, gint64 id)
{
  JsonBuilder *b = json_builder_new_immutable();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, type);
  if (id > 0) {
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, id);
  }
  return b;
}

char *
ar_protocol_finish(JsonBuilder *b)
{
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  return json_to_string(root, FALSE);
}

char *
ar_protocol_error(gint64 id, const char *code, const char *message)
{
  JsonBuilder *b = ar_protocol_begin("error", id);
  json_builder_set_member_name(b, "code");
  json_builder_add_string_value(b, code);
  json_builder_set_member_name(b, "message");
  json_builder_add_string_value(b, message);
  return ar_protocol_finish(b);
}
