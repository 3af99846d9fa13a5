/* The ICE servers a joining client is told to use: the configured TURN URIs with credentials
 * minted for this participant (turn_credentials.h), so patients on networks that block UDP
 * still reach the media server through coturn. The shared secret never leaves this module. */
#pragma once
#include <json-glib/json-glib.h>

typedef struct ArIceServers ArIceServers;

/* turn_uris: NULL-terminated turn:/turns: URIs (copied); NULL or empty means no TURN, and
 * then secret may be NULL. ttl_s: lifetime of each credential, in seconds (> 0). */
ArIceServers *ar_ice_servers_new(const char *const *turn_uris, const char *secret, gint64 ttl_s);
void ar_ice_servers_free(ArIceServers *is);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArIceServers, ar_ice_servers_free)

/* Adds a JSON array in RTCPeerConnection iceServers form to b (the caller has set the member
 * name): [] without TURN, otherwise one entry {urls: [...], username, credential} valid until
 * now_unix + ttl_s, the username carrying participant_id as coturn's opaque id. is may be
 * NULL (no TURN). If the credential cannot be made the array is empty and a warning logged:
 * the client then tries direct paths only. */
void ar_ice_servers_build(const ArIceServers *is, JsonBuilder *b, const char *participant_id,
                          gint64 now_unix);
