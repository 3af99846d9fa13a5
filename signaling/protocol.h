/* The signaling protocol's envelope (docs/protocol.md): every message is one JSON object with
 * "type", requests carry an integer "id" that the reply echoes, errors carry a stable "code".
 * This module only parses and builds envelopes; session.c dispatches them. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

#define AR_PROTOCOL_VERSION 1

typedef struct {
  JsonNode *root;     /* owns everything below */
  JsonObject *body;   /* the whole message object */
  const char *type;
  gint64 id;          /* 0 when the message has no id */
} ArMsg;

/* Parses one message. On failure returns FALSE with *code set to "bad_json" or
 * "bad_message" and *detail to a newly allocated human-readable reason. */
gboolean ar_protocol_parse(const char *text, gsize len, ArMsg *out, const char **code,
                           char **detail);
void ar_msg_clear(ArMsg *m);

/* Field access with type checks; NULL / FALSE when absent or of the wrong type. */
const char *ar_msg_string(const ArMsg *m, const char *field);
gboolean ar_msg_int(const ArMsg *m, const char *field, gint64 *out);
gboolean ar_msg_bool(const ArMsg *m, const char *field, gboolean *out);

/* {"type":"error","id":id,"code":code,"message":message} */
char *ar_protocol_error(gint64 id, const char *code, const char *message);

/* Starts a reply or event object: {"type":type[,"id":id] ...}; add members, then finish. */
JsonBuilder *ar_protocol_begin(const char *type, gint64 id);
char *ar_protocol_finish(JsonBuilder *b);
