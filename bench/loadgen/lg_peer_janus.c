/* The load generator's Janus signaling: janus.plugin.echotest (one offer, echoed media) and
 * janus.plugin.videoroom (publish on one handle; for every other publisher a receive-only leg
 * on its own handle that answers Janus's offer), over lg_janus.c. */
#include <string.h>

#include "lg_peer_private.h"
#include "lg_sdp.h"

static void subscribe(LgPeer *p, gint64 feed);
static void on_room_event(LgPeer *p, JsonObject *msg);
static void create_room(LgPeer *p);

static gint64
room_id(const LgPeer *p)
{
  return 1000 + p->cfg.index / (p->cfg.recv_slots + 1);
}

static JsonObject *
plugin_data(JsonObject *msg)
{
  JsonObject *pd = lg_peer_obj_member(msg, "plugindata", NULL);
  return pd ? lg_peer_obj_member(pd, "data", NULL) : NULL;
}

static void
message(LgPeer *p, gint64 handle, JsonObject *body, const char *jsep_type, const char *sdp,
        LgJanusReply reply)
{
  g_autoptr(JsonObject) m = json_object_new();
  json_object_set_string_member(m, "janus", "message");
  json_object_set_int_member(m, "handle_id", handle);
  json_object_set_object_member(m, "body", body);
  if (sdp) {
    JsonObject *jsep = json_object_new();
    json_object_set_string_member(jsep, "type", jsep_type);
    json_object_set_string_member(jsep, "sdp", sdp);
    json_object_set_object_member(m, "jsep", jsep);
  }
  lg_janus_request(p->janus, m, reply, p);
}

static void
trickle_done(LgPeer *p)
{
  g_autoptr(JsonObject) m = json_object_new();
  json_object_set_string_member(m, "janus", "trickle");
  json_object_set_int_member(m, "handle_id", p->janus_handle);
  JsonObject *c = json_object_new();
  json_object_set_boolean_member(c, "completed", TRUE);
  json_object_set_object_member(m, "candidate", c);
  lg_janus_request(p->janus, m, NULL, NULL);
}

static void
on_janus_answer(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  JsonObject *jsep = lg_peer_obj_member(reply, "jsep", NULL);
  const char *sdp = jsep ? json_object_get_string_member_with_default(jsep, "sdp", NULL) : NULL;
  if (!sdp) {
    lg_peer_fail(p, "janus refused the offer");
    return;
  }
  lg_peer_apply_answer(p, sdp);
  trickle_done(p);
}

static void
on_janus_attached(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  JsonObject *data = lg_peer_obj_member(reply, "data", NULL);
  if (!data) {
    lg_peer_fail(p, "janus attach failed");
    return;
  }
  p->janus_handle = json_object_get_int_member(data, "id");
  if (p->cfg.backend == LG_BACKEND_JANUS_VIDEOROOM) {
    create_room(p);
    return;
  }
  if (!nice_agent_gather_candidates(p->agent, p->stream_id))
    lg_peer_fail(p, "ice: gathering did not start");
}

static void
on_janus_created(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  JsonObject *data = lg_peer_obj_member(reply, "data", NULL);
  if (!data) {
    g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), reply);
    g_autofree char *t = json_to_string(n, FALSE);
    lg_peer_fail(p, "janus create failed: %.200s", t);
    return;
  }
  lg_janus_set_session(p->janus, json_object_get_int_member(data, "id"));
  g_autoptr(JsonObject) m = json_object_new();
  json_object_set_string_member(m, "janus", "attach");
  json_object_set_string_member(m, "plugin",
                                p->cfg.backend == LG_BACKEND_JANUS_VIDEOROOM
                                    ? "janus.plugin.videoroom"
                                    : "janus.plugin.echotest");
  lg_janus_request(p->janus, m, on_janus_attached, p);
}

static void
on_janus_open(gpointer user_data)
{
  LgPeer *p = user_data;
  g_autoptr(JsonObject) m = json_object_new();
  json_object_set_string_member(m, "janus", "create");
  lg_janus_request(p->janus, m, on_janus_created, p);
}

static void
on_janus_event(JsonObject *msg, gpointer user_data)
{
  LgPeer *p = user_data;
  const char *kind = json_object_get_string_member_with_default(msg, "janus", "");
  /* One connection carries the participant's handle and its legs' handles. */
  gint64 sender = json_object_get_int_member_with_default(msg, "sender", 0);
  for (guint i = 0; sender && i < p->legs->len; i++) {
    LgPeer *leg = g_ptr_array_index(p->legs, i);
    if (leg->janus_handle == sender) {
      p = leg;
      break;
    }
  }
  if (g_str_equal(kind, "event") && !p->owner)
    on_room_event(p, msg);
  if (g_str_equal(kind, "trickle")) {
    JsonObject *c = lg_peer_obj_member(msg, "candidate", NULL);
    if (c)
      lg_peer_add_remote_candidate(
          p, json_object_get_string_member_with_default(c, "candidate", NULL));
  } else if (g_str_equal(kind, "hangup")) {
    lg_peer_fail(p, "janus hung up (%s)",
                 json_object_get_string_member_with_default(msg, "reason", "-"));
  }
}

static void
on_janus_closed(const char *why, gpointer user_data)
{
  lg_peer_fail(user_data, "janus signaling closed: %s", why);
}

/* --- VideoRoom --------------------------------------------------------------------------- */

static void
publish_feeds(LgPeer *p, JsonObject *data)
{
  JsonNode *n = json_object_get_member(data, "publishers");
  if (!n || !JSON_NODE_HOLDS_ARRAY(n))
    return;
  JsonArray *a = json_node_get_array(n);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *pub = json_array_get_object_element(a, i);
    gint64 feed = pub ? json_object_get_int_member_with_default(pub, "id", 0) : 0;
    gboolean known = FALSE;
    for (guint l = 0; l < p->legs->len; l++)
      known |= ((LgPeer *)g_ptr_array_index(p->legs, l))->feed == feed;
    if (feed && !known)
      subscribe(p, feed);
  }
}

static void join_room(LgPeer *p);

static gboolean
retry_join(gpointer user_data)
{
  join_room(user_data);
  return G_SOURCE_REMOVE;
}

static void
on_joined_room(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  JsonObject *data = plugin_data(reply);
  const char *vr = data ? json_object_get_string_member_with_default(data, "videoroom", "") : "";
  if (!g_str_equal(vr, "joined")) {
    /* The room may still be being created by the visit's first participant. */
    if (++p->join_tries < 20) {
      g_timeout_add(100, retry_join, p);
      return;
    }
    lg_peer_fail(p, "videoroom join refused");
    return;
  }
  publish_feeds(p, data);
  if (!nice_agent_gather_candidates(p->agent, p->stream_id))
    lg_peer_fail(p, "ice: gathering did not start");
}

static void
join_room(LgPeer *p)
{
  JsonObject *body = json_object_new();
  json_object_set_string_member(body, "request", "join");
  json_object_set_string_member(body, "ptype", "publisher");
  json_object_set_int_member(body, "room", room_id(p));
  message(p, p->janus_handle, body, NULL, NULL, on_joined_room);
}

static void
on_room_created(JsonObject *reply, gpointer user_data)
{
  join_room(user_data); /* created, or it existed already (another participant made it) */
}

static void
create_room(LgPeer *p)
{
  JsonObject *body = json_object_new();
  json_object_set_string_member(body, "request", "create");
  json_object_set_int_member(body, "room", room_id(p));
  json_object_set_int_member(body, "publishers", 6);
  json_object_set_string_member(body, "audiocodec", "opus");
  json_object_set_string_member(body, "videocodec", "vp8");
  json_object_set_int_member(body, "fir_freq", 0);
  message(p, p->janus_handle, body, NULL, NULL, on_room_created);
}

static void
on_room_event(LgPeer *p, JsonObject *msg)
{
  JsonObject *data = plugin_data(msg);
  if (data)
    publish_feeds(p, data);
}

static void
on_sub_offer(JsonObject *reply, gpointer user_data)
{
  LgPeer *leg = user_data;
  JsonObject *jsep = lg_peer_obj_member(reply, "jsep", NULL);
  const char *sdp = jsep ? json_object_get_string_member_with_default(jsep, "sdp", NULL) : NULL;
  if (!sdp) {
    lg_peer_fail(leg, "videoroom subscribe refused");
    return;
  }
  leg->remote_offer = g_strdup(sdp);
  lg_peer_apply_answer(leg, sdp); /* the remote description, here an offer */
  if (!nice_agent_gather_candidates(leg->agent, leg->stream_id))
    lg_peer_fail(leg, "ice: gathering did not start");
}

static void
on_sub_attached(JsonObject *reply, gpointer user_data)
{
  LgPeer *leg = user_data;
  JsonObject *data = lg_peer_obj_member(reply, "data", NULL);
  if (!data) {
    lg_peer_fail(leg, "janus attach failed");
    return;
  }
  leg->janus_handle = json_object_get_int_member(data, "id");
  JsonObject *body = json_object_new();
  json_object_set_string_member(body, "request", "join");
  json_object_set_string_member(body, "ptype", "subscriber");
  json_object_set_int_member(body, "room", room_id(leg->owner));
  json_object_set_int_member(body, "feed", leg->feed);
  message(leg, leg->janus_handle, body, NULL, NULL, on_sub_offer);
}

static void
subscribe(LgPeer *p, gint64 feed)
{
  LgPeer *leg = lg_peer_new_leg(&p->cfg, p);
  leg->janus = p->janus;
  leg->feed = feed;
  g_ptr_array_add(p->legs, leg);
  g_autoptr(JsonObject) m = json_object_new();
  json_object_set_string_member(m, "janus", "attach");
  json_object_set_string_member(m, "plugin", "janus.plugin.videoroom");
  lg_janus_request(p->janus, m, on_sub_attached, leg);
}

/* Our answer to Janus's subscriber offer: every m-line it offers, received only, with the
 * payload type it chose; port 0 lines stay rejected. */
void
lg_peer_janus_send_answer(LgPeer *leg)
{
  gchar *ufrag = NULL, *pwd = NULL;
  nice_agent_get_local_credentials(leg->agent, leg->stream_id, &ufrag, &pwd);
  g_autofree char *sdp = lg_sdp_answer_for(leg->remote_offer, ufrag, pwd,
                                           leg->cfg.local_fingerprint, leg->local_sdp_cands);
  g_free(ufrag);
  g_free(pwd);
  if (!sdp) {
    lg_peer_fail(leg, "janus offered nothing to receive");
    return;
  }
  JsonObject *b = json_object_new();
  json_object_set_string_member(b, "request", "start");
  json_object_set_int_member(b, "room", room_id(leg->owner));
  message(leg, leg->janus_handle, b, "answer", sdp, NULL);
  trickle_done(leg);
}

/* --- entry points from lg_peer.c --------------------------------------------------------- */

void
lg_peer_janus_send_offer(LgPeer *p, const char *sdp)
{
  JsonObject *body = json_object_new();
  if (p->cfg.backend == LG_BACKEND_JANUS_VIDEOROOM) {
    json_object_set_string_member(body, "request", "publish");
  }
  json_object_set_boolean_member(body, "audio", TRUE);
  json_object_set_boolean_member(body, "video", TRUE);
  message(p, p->janus_handle, body, "offer", sdp, on_janus_answer);
}

void
lg_peer_janus_connect(LgPeer *p)
{
  static const LgJanusCallbacks jcb = {on_janus_open, on_janus_event, on_janus_closed};
  p->janus = lg_janus_connect(p->cfg.ws_url, &jcb, p);
}
