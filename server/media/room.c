/* Room shell: owns transports and negotiation; packets go to the router (router.c) and what it
 * polls out goes to the transports. Nothing here decides forwarding. */
#include "room.h"
#include "recorder.h"
#include "room_router.h"

#include <json-glib/json-glib.h>
#include <openssl/rand.h>
#include <string.h>

#define STATS_INTERVAL_MS 1000

typedef struct {
  ArRoom *room;
  char *id;
  ArTransport *transport;
  ArSdpSession *offer;
  ArSdpSession *answer;
  ArRoomPurpose purpose;
  guint64 session_version;
  guint stats_timer;
  ArRoomPeer *peer; /* this participant in the router */
} Participant;

struct ArRoom {
  ArMediaContext *mc;
  char *id;
  ArRoomEmit emit;
  gpointer user_data;
  GHashTable *participants; /* id -> Participant* */
  ArRoomRouter *router;
  ArRecorder *recorder; /* while recording */
  char *recording_id;
};

/* Bounds each recorded track's queue in front of the muxer: about 2 s of 1 Mbit/s video. */
#define RECORD_QUEUE_BYTES (256 * 1024)

static void end_recording(ArRoom *room, gboolean ok, const char *reason, gboolean free_now);

void
ar_room_event_free(ArRoomEvent *ev)
{
  if (!ev)
    return;
  g_free(ev->room_id);
  g_free(ev->participant_id);
  g_free(ev->text);
  g_free(ev->mid);
  g_free(ev->detail);
  g_clear_error(&ev->error);
  g_free(ev);
}

static ArRoomEvent *
event_new(Participant *p, ArRoomEventKind kind)
{
  ArRoomEvent *ev = g_new0(ArRoomEvent, 1);
  ev->kind = kind;
  ev->room_id = g_strdup(p->room->id);
  ev->participant_id = g_strdup(p->id);
  return ev;
}

static void
emit(Participant *p, ArRoomEvent *ev)
{
  p->room->emit(ev, p->room->user_data);
}

static void
on_candidate(ArTransport *t, const char *candidate, gpointer user_data)
{
  Participant *p = user_data;
  ArRoomEvent *ev = event_new(p, AR_ROOM_EVENT_CANDIDATE);
  ev->text = g_strdup(candidate);
  /* Every m-line is bundled on the first one, so candidates belong to its mid. */
  const ArSdpMedia *first = p->answer && p->answer->media->len
                              ? g_ptr_array_index(p->answer->media, 0)
                              : NULL;
  ev->mid = g_strdup(first && first->mid ? first->mid : "0");
  emit(p, ev);
}

static void
on_gathering_done(ArTransport *t, gpointer user_data)
{
  on_candidate(t, "", user_data);
}

static gboolean
emit_stats(gpointer user_data)
{
  Participant *p = user_data;
  ArRoomEvent *ev = event_new(p, AR_ROOM_EVENT_STATS);
  ar_room_router_stats(p->room->router, p->peer, &ev->stats);
  emit(p, ev);
  return G_SOURCE_CONTINUE;
}

static void
start_stats(Participant *p)
{
  if (p->stats_timer || p->purpose != AR_ROOM_PURPOSE_DEVICE_CHECK)
    return;
  GSource *src = g_timeout_source_new(STATS_INTERVAL_MS);
  g_source_set_callback(src, emit_stats, p, NULL);
  p->stats_timer = g_source_attach(src, ar_media_context_gcontext(p->room->mc));
  g_source_unref(src);
}

static void
stop_stats(Participant *p)
{
  if (!p->stats_timer)
    return;
  GSource *src = g_main_context_find_source_by_id(ar_media_context_gcontext(p->room->mc),
                                                  p->stats_timer);
  if (src)
    g_source_destroy(src);
  p->stats_timer = 0;
}

static void
on_state(ArTransport *t, ArTransportState s, const char *detail, gpointer user_data)
{
  Participant *p = user_data;
  ArRoomEvent *ev = event_new(p, AR_ROOM_EVENT_STATE);
  ev->state = s;
  ev->detail = g_strdup(detail);
  emit(p, ev);
  if (s == AR_TRANSPORT_CONNECTED) {
    ar_room_router_connected(p->room->router, p->peer, g_get_monotonic_time());
    start_stats(p);
  } else if (s >= AR_TRANSPORT_FAILED) {
    stop_stats(p);
    /* Terminal: a participant parked for its grace period must not keep the others' slots
     * from whoever joins meanwhile (the same person rejoining is a new participant). */
    if (t == p->transport)
      ar_room_router_transport_ended(p->room->router, p->peer);
  }
}

static void
on_rtp(ArTransport *t, guint8 *buf, gsize len, gint64 now, gpointer user_data)
{
  Participant *p = user_data;
  ar_room_router_rtp(p->room->router, p->peer, buf, len, now);
}

static void
on_rtcp(ArTransport *t, guint8 *buf, gsize len, gint64 now, gpointer user_data)
{
  Participant *p = user_data;
  ar_room_router_rtcp(p->room->router, p->peer, buf, len, now);
}

static void
participant_free(gpointer data)
{
  Participant *p = data;
  stop_stats(p);
  if (p->peer)
    ar_room_router_remove(p->room->router, p->peer);
  g_clear_pointer(&p->transport, ar_transport_free);
  g_clear_pointer(&p->offer, ar_sdp_session_free);
  g_clear_pointer(&p->answer, ar_sdp_session_free);
  g_free(p->id);
  g_free(p);
}

static const ArTransportCallbacks transport_cb = {on_candidate, on_gathering_done, on_state,
                                                  on_rtp, on_rtcp};

static Participant *
participant_get(ArRoom *room, const char *id, GError **error)
{
  Participant *p = g_hash_table_lookup(room->participants, id);
  if (p)
    return p;
  p = g_new0(Participant, 1);
  p->room = room;
  p->id = g_strdup(id);
  p->transport = ar_transport_new(room->mc, &transport_cb, p, error);
  if (!p->transport) {
    g_free(p->id);
    g_free(p);
    return NULL;
  }
  p->peer = ar_room_router_add(room->router, p->id, p->transport);
  if (!p->peer) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                "this visit is full: at most 8 participants have media at once");
    ar_transport_free(p->transport);
    g_free(p->id);
    g_free(p);
    return NULL;
  }
  g_hash_table_insert(room->participants, p->id, p);
  return p;
}

static guint32
random_ssrc(void)
{
  guint32 v = 0;
  while (v == 0)
    RAND_bytes((guint8 *)&v, sizeof v);
  return v;
}

/* What the server sends on each offered m-line. Every m-line the client can receive on becomes a
 * slot with the server's own SSRCs: the device check echoes on the client's sendrecv lines, and
 * recvonly lines are receive slots negotiated in advance for the people of the visit (so
 * admitting a patient needs no new offer and answer). */
static GArray *
local_media_for(const ArSdpSession *offer, const char *participant_id, GPtrArray *strings)
{
  GArray *media = g_array_new(FALSE, TRUE, sizeof(ArSdpLocalMedia));
  for (guint i = 0; i < offer->media->len; i++) {
    const ArSdpMedia *m = g_ptr_array_index(offer->media, i);
    ArSdpLocalMedia lm = {0};
    gboolean client_receives = m->direction == AR_SDP_DIR_SENDRECV ||
                               m->direction == AR_SDP_DIR_RECVONLY ||
                               m->direction == AR_SDP_DIR_UNSPECIFIED;
    gboolean client_sends = m->direction == AR_SDP_DIR_SENDRECV ||
                            m->direction == AR_SDP_DIR_SENDONLY ||
                            m->direction == AR_SDP_DIR_UNSPECIFIED;
    if (m->kind == AR_SDP_KIND_APPLICATION) {
      lm.direction = AR_SDP_DIR_INACTIVE;
    } else if (client_receives) {
      lm.direction = client_sends ? AR_SDP_DIR_SENDRECV : AR_SDP_DIR_SENDONLY;
      lm.ssrc = random_ssrc();
      lm.rtx_ssrc = m->kind == AR_SDP_KIND_VIDEO ? random_ssrc() : 0;
      /* msid is "stream-id track-id": one stream per slot, so the client can tell them apart */
      char *msid = g_strdup_printf("%s-%s %s-%s-t", participant_id, m->mid ? m->mid : "x",
                                   participant_id, m->mid ? m->mid : "x");
      g_ptr_array_add(strings, msid);
      lm.msid = msid;
    } else {
      lm.direction = client_sends ? AR_SDP_DIR_RECVONLY : AR_SDP_DIR_INACTIVE;
    }
    g_array_append_val(media, lm);
  }
  return media;
}

static ArSdpSession *
answer_offer(ArRoom *room, Participant *p, const ArSdpSession *offer, GError **error)
{
  g_autofree char *ufrag = NULL, *pwd = NULL;
  ar_transport_local_ice(p->transport, &ufrag, &pwd);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GArray) media = local_media_for(offer, p->id, strings);
  const GPtrArray *cands = ar_transport_local_candidates(p->transport);
  g_autoptr(GPtrArray) cand_list = g_ptr_array_new();
  /* The SDP model keeps what follows "a=candidate:"; ICE gives whole "candidate:..." lines. */
  for (guint i = 0; i < cands->len; i++) {
    const char *c = g_ptr_array_index(cands, i);
    g_ptr_array_add(cand_list, (gpointer)(g_str_has_prefix(c, "candidate:") ? c + 10 : c));
  }
  g_ptr_array_add(cand_list, NULL);
  ArSdpLocal local = {
    .session_id = g_str_hash(p->id),
    .session_version = ++p->session_version,
    .ice_ufrag = ufrag,
    .ice_pwd = pwd,
    .fingerprint = ar_media_context_fingerprint(room->mc),
    .candidates = (const char *const *)cand_list->pdata,
    .cname = "anteroom",
    .media = (const ArSdpLocalMedia *)media->data,
    .n_media = media->len,
  };
  return ar_sdp_answer(offer, &local, error);
}

/* An offer from a new RTCPeerConnection (the page was reloaded): a new SDP session and, unless
 * the page kept its certificate, a new DTLS fingerprint. Its ICE, DTLS and SRTP start over. */
static gboolean
is_new_peer_connection(const Participant *p, const ArSdpSession *offer)
{
  return p->offer && (p->offer->session_id != offer->session_id ||
                      g_strcmp0(p->offer->fingerprint, offer->fingerprint) != 0);
}

/* The participant keeps its place: its router participant, the receive slots the others show
 * it on (and so their SSRCs and sequence numbers), its purpose and any mute. Only the transport
 * is new; the offer is then applied as a first one. */
static gboolean
replace_transport(ArRoom *room, Participant *p, GError **error)
{
  ArTransport *t = ar_transport_new(room->mc, &transport_cb, p, error);
  if (!t)
    return FALSE;
  stop_stats(p);
  ar_room_router_replace_transport(room->router, p->peer, t);
  ar_transport_free(p->transport);
  p->transport = t;
  g_clear_pointer(&p->offer, ar_sdp_session_free);
  g_clear_pointer(&p->answer, ar_sdp_session_free);
  return TRUE;
}

static gboolean
apply_offer(ArRoom *room, Participant *p, ArSdpSession *offer, GError **error)
{
  if (is_new_peer_connection(p, offer) && !replace_transport(room, p, error))
    return FALSE;
  /* An ICE restart changes our local credentials too, so it happens before the answer that
   * carries them. */
  gboolean restart = p->offer && g_strcmp0(p->offer->ice_ufrag, offer->ice_ufrag) != 0;
  if (restart && !ar_transport_ice_restart(p->transport, offer->ice_ufrag, offer->ice_pwd, error))
    return FALSE;
  g_autoptr(ArSdpSession) answer = answer_offer(room, p, offer, error);
  if (!answer)
    return FALSE;
  ArDtlsRole role = answer->setup == AR_SDP_SETUP_ACTIVE ? AR_DTLS_ROLE_CLIENT
                                                         : AR_DTLS_ROLE_SERVER;
  if (!p->offer && !ar_transport_set_remote(p->transport, offer->ice_ufrag, offer->ice_pwd,
                                            offer->fingerprint, role, error))
    return FALSE;
  for (guint i = 0; i < offer->media->len; i++) {
    const ArSdpMedia *m = g_ptr_array_index(offer->media, i);
    for (guint c = 0; m->candidates && c < m->candidates->len; c++)
      ar_transport_add_remote_candidate(p->transport, g_ptr_array_index(m->candidates, c), NULL);
  }
  if (!ar_room_router_configure(room->router, p->peer, offer, answer,
                                p->purpose == AR_ROOM_PURPOSE_DEVICE_CHECK, error))
    return FALSE;
  g_clear_pointer(&p->offer, ar_sdp_session_free);
  g_clear_pointer(&p->answer, ar_sdp_session_free);
  p->offer = offer;
  p->answer = g_steal_pointer(&answer);
  return TRUE;
}

void
ar_room_offer(ArRoom *room, const char *participant_id, ArSdpSession *offer,
              ArRoomPurpose purpose, gint64 request_id)
{
  g_autoptr(GError) error = NULL;
  Participant *p = participant_get(room, participant_id, &error);
  /* A reloaded page asks for what its first screen does; where it stands in the visit (device
   * check or admitted) is the server's to keep. */
  if (p && !is_new_peer_connection(p, offer))
    p->purpose = purpose;
  ArRoomEvent *ev = g_new0(ArRoomEvent, 1);
  ev->kind = AR_ROOM_EVENT_ANSWER;
  ev->room_id = g_strdup(room->id);
  ev->participant_id = g_strdup(participant_id);
  ev->request_id = request_id;
  if (p && apply_offer(room, p, offer, &error)) {
    ev->text = ar_sdp_build(p->answer);
  } else {
    ar_sdp_session_free(offer);
    ev->error = g_steal_pointer(&error);
  }
  room->emit(ev, room->user_data);
}

gboolean
ar_room_candidate(ArRoom *room, const char *participant_id, const char *candidate,
                  GError **error)
{
  Participant *p = g_hash_table_lookup(room->participants, participant_id);
  if (!p || !p->offer) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no media.offer yet");
    return FALSE;
  }
  return ar_transport_add_remote_candidate(p->transport, candidate, error);
}

void
ar_room_remove(ArRoom *room, const char *participant_id)
{
  g_hash_table_remove(room->participants, participant_id);
}

guint
ar_room_size(const ArRoom *room)
{
  return g_hash_table_size(room->participants);
}

/* Tells the subscriber which participant now shows on one of its m-lines. */
static void
on_slot(const char *subscriber, const char *mid, const char *publisher, const char *kind,
        gpointer user_data)
{
  ArRoom *room = user_data;
  JsonBuilder *b = json_builder_new_immutable();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, "media.slot");
  json_builder_set_member_name(b, "mid");
  json_builder_add_string_value(b, mid);
  json_builder_set_member_name(b, "kind");
  json_builder_add_string_value(b, kind);
  json_builder_set_member_name(b, "participant_id");
  if (publisher)
    json_builder_add_string_value(b, publisher);
  else
    json_builder_add_null_value(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  ArRoomEvent *ev = g_new0(ArRoomEvent, 1);
  ev->kind = AR_ROOM_EVENT_ROUTER;
  ev->room_id = g_strdup(room->id);
  ev->participant_id = g_strdup(subscriber);
  ev->text = json_to_string(root, FALSE);
  room->emit(ev, room->user_data);
}

static void
emit_router_json(ArRoom *room, const char *to, const char *json)
{
  ArRoomEvent *ev = g_new0(ArRoomEvent, 1);
  ev->kind = AR_ROOM_EVENT_ROUTER;
  ev->room_id = g_strdup(room->id);
  ev->participant_id = g_strdup(to);
  ev->text = g_strdup(json);
  room->emit(ev, room->user_data);
}

static void
on_router_event(const char *to, const char *json, gpointer user_data)
{
  ArRoom *room = user_data;
  if (to) {
    emit_router_json(room, to, json);
    return;
  }
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, room->participants);
  while (g_hash_table_iter_next(&it, &key, NULL))
    emit_router_json(room, key, json);
}

void
ar_room_set_purpose(ArRoom *room, const char *participant_id, ArRoomPurpose purpose)
{
  Participant *p = g_hash_table_lookup(room->participants, participant_id);
  if (!p || !p->peer)
    return;
  p->purpose = purpose;
  ar_room_router_set_echo(room->router, p->peer, purpose == AR_ROOM_PURPOSE_DEVICE_CHECK);
  if (purpose == AR_ROOM_PURPOSE_VISIT)
    stop_stats(p);
}

void
ar_room_set_muted(ArRoom *room, const char *participant_id, gboolean muted)
{
  Participant *p = g_hash_table_lookup(room->participants, participant_id);
  if (p && p->peer)
    ar_room_router_set_muted(room->router, p->peer, muted);
}

void
ar_room_viewport(ArRoom *room, const char *participant_id, const char *mid, guint max_height)
{
  Participant *p = g_hash_table_lookup(room->participants, participant_id);
  if (p && p->peer)
    ar_room_router_viewport(room->router, p->peer, mid, max_height);
}

/* ---- recording ---- */

static void
emit_recording(ArRoom *room, const char *recording_id, char *json)
{
  ArRoomEvent *ev = g_new0(ArRoomEvent, 1);
  ev->kind = AR_ROOM_EVENT_RECORDING;
  ev->room_id = g_strdup(room->id);
  ev->detail = g_strdup(recording_id);
  ev->text = json;
  room->emit(ev, room->user_data);
}

static char *
json_string(const char *s)
{
  if (!s)
    return g_strdup("null");
  g_autoptr(JsonNode) n = json_node_init_string(json_node_alloc(), s);
  return json_to_string(n, FALSE);
}

/* Tap removed first, so nothing is pushed into a recorder being freed. */
static void
end_recording(ArRoom *room, gboolean ok, const char *reason, gboolean free_now)
{
  ar_room_router_set_record_sink(room->router, NULL, NULL);
  g_autofree char *id = g_steal_pointer(&room->recording_id);
  ArRecorder *r = g_steal_pointer(&room->recorder);
  guint64 dropped = ar_recorder_dropped(r);
  if (free_now)
    ar_recorder_free(r);
  g_autofree char *why = json_string(reason);
  emit_recording(room, id,
                 g_strdup_printf("{\"event\":\"stopped\",\"ok\":%s,\"reason\":%s,"
                                 "\"dropped\":%" G_GUINT64_FORMAT "}",
                                 ok ? "true" : "false", why, dropped));
}

static void
on_recorder_done(ArRecorder *r, gboolean ok, const char *reason, gpointer user_data)
{
  ArRoom *room = user_data;
  if (room->recorder == r)
    end_recording(room, ok, reason, FALSE);
  ar_recorder_free(r);
}

static gboolean
record_sink(gint track, const guint8 *buf, gsize len, gint64 now_us, gpointer user_data)
{
  return ar_recorder_push(user_data, track, buf, len);
}

void
ar_room_record_start(ArRoom *room, const char *recording_id, const char *path,
                     const void *pipelines)
{
  if (room->recorder) {
    emit_recording(room, recording_id,
                   g_strdup("{\"event\":\"failed\",\"reason\":\"already recording\"}"));
    return;
  }
  g_autoptr(GArray) infos = ar_room_router_visit_tracks(room->router);
  g_autoptr(GArray) tracks = g_array_new(FALSE, TRUE, sizeof(ArRecorderTrack));
  for (guint i = 0; i < infos->len; i++) {
    const ArRoomTrackInfo *in = &g_array_index(infos, ArRoomTrackInfo, i);
    ArRecorderTrack t = {in->track, in->participant_id, in->mid,        in->audio,
                         in->codec, in->pt,             in->clock_rate, in->has_red,
                         in->red_pt};
    g_array_append_val(tracks, t);
  }
  g_autoptr(GError) error = NULL;
  ArRecorder *r = ar_recorder_new(pipelines, path, (const ArRecorderTrack *)tracks->data,
                                  tracks->len, RECORD_QUEUE_BYTES,
                                  ar_media_context_gcontext(room->mc), on_recorder_done, room,
                                  &error);
  if (!r) {
    g_autofree char *why = json_string(error->message);
    emit_recording(room, recording_id,
                   g_strdup_printf("{\"event\":\"failed\",\"reason\":%s}", why));
    return;
  }
  room->recorder = r;
  room->recording_id = g_strdup(recording_id);
  ar_room_router_set_record_sink(room->router, record_sink, r);
  /* The recording should begin with a picture: ask every publisher for a keyframe. */
  ar_room_router_request_keyframes(room->router, g_get_monotonic_time());
  g_autofree char *tracks_json = ar_recorder_tracks_json(r);
  g_autofree char *skipped = json_string(*ar_recorder_skipped(r) ? ar_recorder_skipped(r) : NULL);
  emit_recording(room, recording_id,
                 g_strdup_printf("{\"event\":\"started\",\"tracks\":%s,\"skipped\":%s}",
                                 tracks_json, skipped));
}

void
ar_room_record_stop(ArRoom *room, const char *recording_id)
{
  if (!room->recorder || g_strcmp0(room->recording_id, recording_id) != 0)
    return;
  /* No more packets; the muxer finishes the file and on_recorder_done reports it. */
  ar_room_router_set_record_sink(room->router, NULL, NULL);
  ar_recorder_stop(room->recorder);
}

ArRoom *
ar_room_new(ArMediaContext *mc, const char *room_id, ArRoomEmit emit, gpointer user_data)
{
  ArRoom *room = g_new0(ArRoom, 1);
  room->mc = mc;
  room->id = g_strdup(room_id);
  room->emit = emit;
  room->user_data = user_data;
  room->router = ar_room_router_new(mc, on_slot, on_router_event, room);
  room->participants = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, participant_free);
  return room;
}

void
ar_room_free(ArRoom *room)
{
  if (!room)
    return;
  if (room->recorder)
    end_recording(room, TRUE, "visit_ended", TRUE);
  g_clear_pointer(&room->participants, g_hash_table_unref);
  g_clear_pointer(&room->router, ar_room_router_free);
  g_free(room->id);
  g_free(room);
}
