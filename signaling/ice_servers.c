/* ICE servers for the join reply; see ice_servers.h. */
#include "ice_servers.h"

#include "turn_credentials.h"

#include <string.h>

struct ArIceServers {
  char **turn_uris;
  char *secret;
  gint64 ttl_s;
};

ArIceServers *
ar_ice_servers_new(const char *const *turn_uris, const char *secret, gint64 ttl_s)
{
  ArIceServers *is = g_new0(ArIceServers, 1);
  is->turn_uris = g_strdupv((char **)(turn_uris ? turn_uris : (const char *const[]){NULL}));
  is->secret = g_strdup(secret ? secret : "");
  is->ttl_s = ttl_s;
  return is;
}

void
ar_ice_servers_free(ArIceServers *is)
{
  if (!is)
    return;
  g_strfreev(is->turn_uris);
  /* The secret lets anyone mint TURN credentials: don't leave it in freed memory. */
  memset(is->secret, 0, strlen(is->secret));
  g_free(is->secret);
  g_free(is);
}

void
ar_ice_servers_build(const ArIceServers *is, JsonBuilder *b, const char *participant_id,
                     gint64 now_unix)
{
  json_builder_begin_array(b);
  if (!is || !is->turn_uris[0]) {
    json_builder_end_array(b);
    return;
  }
  g_autofree char *username = NULL, *password = NULL;
  g_autoptr(GError) error = NULL;
  if (!ar_turn_credentials_make(is->secret, participant_id, is->ttl_s, now_unix, &username,
                                &password, &error)) {
    g_warning("no TURN credentials for participant %s: %s", participant_id, error->message);
    json_builder_end_array(b);
    return;
  }
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "urls");
  json_builder_begin_array(b);
  for (int i = 0; is->turn_uris[i]; i++)
    json_builder_add_string_value(b, is->turn_uris[i]);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "username");
  json_builder_add_string_value(b, username);
  json_builder_set_member_name(b, "credential");
  json_builder_add_string_value(b, password);
  json_builder_end_object(b);
  json_builder_end_array(b);
}
