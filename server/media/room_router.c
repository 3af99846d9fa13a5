/* Translating negotiated SDP into router tracks and subscriptions, and pumping the router:
 * every input is followed by draining ar_router_poll() into the transports; a GSource with a
 * ready time drives ar_router_handle_timeout() exactly when the router asks. */
#include "room_router.h"
#include "room_alloc.h"
#include "room_bwe.h"
#include "bytes.h"
#include "router.h"

#include <string.h>

#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define URI_RRID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define URI_AST "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define URI_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

/* A track this peer publishes, as the router knows it. */
typedef struct {
  gint id;
  ArRouterKind kind;
  ArRouterCodecConfig codecs[AR_ROUTER_MAX_CODECS];
  guint n_codecs;
  char names[AR_ROUTER_MAX_CODECS][16]; /* codec names, to map payload types per subscriber */
  char mid[AR_ROUTER_MID_MAX + 1];        /* for the recorder */
  guint clock_rate;
  guint32 ssrc; /* from the offer, 0 when only rids or the mid tell the stream */
} PeerTrack;

/* A receive slot: an m-line on which the server sends this peer someone's track. */
typedef struct {
  char mid[AR_ROUTER_MID_MAX + 1];
  ArRouterKind kind;
  guint32 ssrc, rtx_ssrc;
  guint8 pt[AR_ROUTER_MAX_CODECS], rtx_pt[AR_ROUTER_MAX_CODECS];
  char names[AR_ROUTER_MAX_CODECS][16];
  guint n_codecs;
  ArRouterExtIds ext;
  ArRoomPeer *owner; /* publisher of the assigned track, NULL when free */
  gint track;        /* router track id, -1 when free */
  gint subscription;
  /* While its publisher renegotiates (or reloads), the slot is kept for it: the new track lands
   * on the same m-line and SSRC, so the subscriber's stream continues without renegotiation. */
  ArRoomPeer *held_for;
  guint16 max_height; /* the client's viewport hint (media.viewport); G_MAXUINT16: none */
} PeerSlot;

struct ArRoomPeer {
  ArRoomRouter *rr;
  char *id;
  ArTransport *transport;
  gint participant;
  gboolean echo;   /* device check: receives its own tracks; else the others' */
  gboolean muted_audio; /* server-enforced mute: its audio tracks are not forwarded */
  ArRoomBwe *bwe;
  ArRoomAlloc *alloc;
  GArray *tracks;  /* PeerTrack */
  GArray *slots;   /* PeerSlot */
};

/* Receive slots one subscriber's allocation considers (the allocator's own limit). */
#define AR_ALLOC_SLOTS_MAX 16

struct ArRoomRouter {
  ArMediaContext *mc;
  ArRouter *router;
  ArRoomPeer *peers[AR_ROUTER_MAX_PARTICIPANTS]; /* by router participant id */
  GSource *timer;
  ArRoomSlotNotify notify;
  ArRoomEventNotify events;
  gpointer notify_data;
  ArRoomRecordSink record_sink;
  gpointer record_data;
  guint8 scratch[AR_PACKET_CAP];
};

static void drain(ArRoomRouter *rr);
static void send_feedback(ArRoomRouter *rr, gint64 now_us);
static void allocate(ArRoomRouter *rr, gboolean force, gint64 now_us);

static gboolean
timer_dispatch(GSource *source, GSourceFunc cb, gpointer user_data)
{
  return cb(user_data);
}

static GSourceFuncs timer_funcs = {NULL, NULL, timer_dispatch, NULL, NULL, NULL};

static gboolean
on_timer(gpointer user_data)
{
  ArRoomRouter *rr = user_data;
  gint64 now = g_get_monotonic_time();
  ar_router_handle_timeout(rr->router, now);
  send_feedback(rr, now);
  allocate(rr, FALSE, now);
  drain(rr);
  return G_SOURCE_CONTINUE;
}

static void
rearm(ArRoomRouter *rr)
{
  gint64 next = ar_router_next_timeout(rr->router);
  if (next < 0)
    next = G_MAXINT64;
  for (guint i = 0; i < AR_ROUTER_MAX_PARTICIPANTS; i++)
    if (rr->peers[i])
      next = MIN(next, MIN(ar_room_bwe_next_timeout(rr->peers[i]->bwe),
                           ar_room_alloc_next_timeout(rr->peers[i]->alloc)));
  g_source_set_ready_time(rr->timer, next == G_MAXINT64 ? -1 : next);
}

/* Transport-wide-cc feedback due to each publisher goes out with the router's own RTCP. */
static void
send_feedback(ArRoomRouter *rr, gint64 now_us)
{
  for (guint i = 0; i < AR_ROUTER_MAX_PARTICIPANTS; i++) {
    ArRoomPeer *peer = rr->peers[i];
    gssize n;
    while (peer && (n = ar_room_bwe_poll_feedback(peer->bwe, now_us, rr->scratch,
                                                  sizeof rr->scratch)) > 0)
      ar_transport_send_rtcp(peer->transport, rr->scratch, (gsize)n);
  }
}

static const char *
slot_mid_of(ArRoomPeer *peer, gint subscription)
{
  for (guint i = 0; i < peer->slots->len; i++)
    if (g_array_index(peer->slots, PeerSlot, i).subscription == subscription)
      return g_array_index(peer->slots, PeerSlot, i).mid;
  return "";
}

/* Router events become signaling events: who speaks and everyone's link quality go to the whole
 * room (the clinician sees the patient's connection); layer and audio-only to the subscriber. */
static void
forward_event(ArRoomRouter *rr, ArRoomPeer *peer, const ArRouterEvent *ev)
{
  if (!rr->events)
    return;
  g_autofree char *json = NULL;
  const char *to = NULL;
  switch (ev->type) {
  case AR_ROUTER_EVENT_ACTIVE_SPEAKER:
    json = g_strdup_printf("{\"type\":\"speaker.active\",\"participant_id\":\"%s\"}", peer->id);
    break;
  case AR_ROUTER_EVENT_QUALITY:
    json = g_strdup_printf("{\"type\":\"media.quality\",\"participant_id\":\"%s\",\"score\":%d}",
                           peer->id, ev->value);
    break;
  case AR_ROUTER_EVENT_AUDIO_ONLY:
    to = peer->id;
    json = g_strdup_printf("{\"type\":\"media.audio_only\",\"value\":%s}",
                           ev->value ? "true" : "false");
    break;
  case AR_ROUTER_EVENT_LAYER_CHANGED:
    to = peer->id;
    json = g_strdup_printf("{\"type\":\"media.layer\",\"mid\":\"%s\",\"layer\":%d}",
                           slot_mid_of(peer, ev->subscription), ev->layer);
    break;
  case AR_ROUTER_EVENT_KEYFRAME_REQUESTED:
    return;
  }
  rr->events(to, json, rr->notify_data);
}

static void
drain(ArRoomRouter *rr)
{
  ArRouterOutput out;
  while (ar_router_poll(rr->router, &out, rr->scratch, sizeof rr->scratch)) {
    ArRoomPeer *to = out.participant >= 0 && out.participant < AR_ROUTER_MAX_PARTICIPANTS
                       ? rr->peers[out.participant]
                       : NULL;
    if (!to)
      continue;
    if (out.kind == AR_ROUTER_OUTPUT_EVENT) {
      forward_event(rr, to, &out.event);
      continue;
    }
    if (out.kind == AR_ROUTER_OUTPUT_RTP) {
      if (out.has_twcc)
        ar_room_bwe_on_sent(to->bwe, out.twcc_seq, out.len, out.send_us);
      ar_transport_send_rtp(to->transport, rr->scratch, out.len);
    }
    else if (out.kind == AR_ROUTER_OUTPUT_RTCP)
      ar_transport_send_rtcp(to->transport, rr->scratch, out.len);
  }
  rearm(rr);
}

ArRoomRouter *
ar_room_router_new(ArMediaContext *mc, ArRoomSlotNotify notify, ArRoomEventNotify events,
                   gpointer notify_data)
{
  ArRoomRouter *rr = g_new0(ArRoomRouter, 1);
  rr->mc = mc;
  rr->notify = notify;
  rr->events = events;
  rr->notify_data = notify_data;
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  /* A visit is 2-8 people. The retransmission ring holds about one second of video from three
   * publishers (~250 packets/s each): the benchmark traced 1 MiB of RSS per participant to the
   * default 2048-slot ring, most of it never used. */
  cfg.max_participants = 8;
  cfg.packet_slots = 768;
  cfg.ntp_offset_us = g_get_real_time() - g_get_monotonic_time() +
                      G_GINT64_CONSTANT(2208988800) * G_USEC_PER_SEC;
  rr->router = ar_router_new(&cfg);
  rr->timer = g_source_new(&timer_funcs, sizeof(GSource));
  g_source_set_callback(rr->timer, on_timer, rr, NULL);
  g_source_attach(rr->timer, ar_media_context_gcontext(mc));
  rearm(rr);
  return rr;
}

void
ar_room_router_free(ArRoomRouter *rr)
{
  if (!rr)
    return;
  g_source_destroy(rr->timer);
  g_source_unref(rr->timer);
  ar_router_free(rr->router);
  g_free(rr);
}

ArRoomPeer *
ar_room_router_add(ArRoomRouter *rr, const char *participant_id, ArTransport *t)
{
  ArRouterParticipantConfig pc = {0};
  gint id = ar_router_add_participant(rr->router, &pc, NULL);
  if (id < 0 || id >= AR_ROUTER_MAX_PARTICIPANTS)
    return NULL;
  ArRoomPeer *peer = g_new0(ArRoomPeer, 1);
  peer->rr = rr;
  peer->id = g_strdup(participant_id);
  peer->transport = t;
  peer->participant = id;
  peer->bwe = ar_room_bwe_new(0x61720000u | (guint32)id);
  peer->alloc = ar_room_alloc_new(id);
  peer->tracks = g_array_new(FALSE, TRUE, sizeof(PeerTrack));
  peer->slots = g_array_new(FALSE, TRUE, sizeof(PeerSlot));
  rr->peers[id] = peer;
  return peer;
}

static void assign_slots(ArRoomRouter *rr);
static void free_slots_showing(ArRoomRouter *rr, ArRoomPeer *publisher);

void
ar_room_router_remove(ArRoomRouter *rr, ArRoomPeer *peer)
{
  free_slots_showing(rr, peer);
  ar_router_remove_participant(rr->router, peer->participant);
  rr->peers[peer->participant] = NULL;
  g_array_unref(peer->tracks);
  g_array_unref(peer->slots);
  ar_room_bwe_free(peer->bwe);
  ar_room_alloc_free(peer->alloc);
  g_free(peer->id);
  g_free(peer);
  assign_slots(rr);
  allocate(rr, TRUE, g_get_monotonic_time());
  drain(rr);
}

static guint8
ext_id(const ArSdpMedia *m, const char *uri)
{
  const ArSdpExtmap *e = ar_sdp_media_find_extmap(m, uri);
  return e ? (guint8)e->id : 0;
}

static ArRouterExtIds
ext_ids(const ArSdpMedia *m)
{
  return (ArRouterExtIds){ext_id(m, URI_MID),  ext_id(m, URI_RID),  ext_id(m, URI_RRID),
                          ext_id(m, URI_AST),  ext_id(m, URI_TWCC), ext_id(m, URI_LEVEL)};
}

static ArRouterCodec
codec_of(const char *name)
{
  if (!name)
    return AR_ROUTER_CODEC_OTHER;
  if (g_ascii_strcasecmp(name, "opus") == 0)
    return AR_ROUTER_CODEC_OPUS;
  if (g_ascii_strcasecmp(name, "VP8") == 0)
    return AR_ROUTER_CODEC_VP8;
  if (g_ascii_strcasecmp(name, "VP9") == 0)
    return AR_ROUTER_CODEC_VP9;
  if (g_ascii_strcasecmp(name, "H264") == 0)
    return AR_ROUTER_CODEC_H264;
  if (g_ascii_strcasecmp(name, "red") == 0)
    return AR_ROUTER_CODEC_RED;
  return AR_ROUTER_CODEC_OTHER;
}

/* The payload types the answer accepted; rtx is folded into its codec's rtx_pt. RED is kept:
 * Chrome sends its audio as RED (Opus with redundancy) once the answer accepts it, and the
 * router sends subscribers that lack RED its primary Opus block. */
static guint
fill_codecs(const ArSdpMedia *answer, ArRouterCodecConfig *codecs, char names[][16])
{
  guint n = 0;
  for (guint i = 0; i < answer->codecs->len && n < AR_ROUTER_MAX_CODECS; i++) {
    const ArSdpCodec *c = g_ptr_array_index(answer->codecs, i);
    if (c->apt >= 0 || !c->name)
      continue;
    codecs[n] = (ArRouterCodecConfig){c->pt, codec_of(c->name),
                                      c->rtx_pt >= 0 ? (guint8)c->rtx_pt : 0};
    g_strlcpy(names[n], c->name, 16);
    n++;
  }
  return n;
}

/* Layers: simulcast rids (listed lowest first by every browser we take), else the SSRC (and
 * its FID partner) the offer announced, else one layer learnt from the mid. */
static void
fill_layers(const ArSdpMedia *offer, ArRouterTrackConfig *tc)
{
  if (offer->simulcast_send && offer->simulcast_send->len > 1) {
    for (guint i = 0; i < offer->simulcast_send->len && i < AR_ROUTER_MAX_LAYERS; i++) {
      const char *rid = g_ptr_array_index(offer->simulcast_send, i);
      g_strlcpy(tc->layers[tc->n_layers++].rid, rid, AR_ROUTER_RID_MAX + 1);
    }
    return;
  }
  ArRouterLayerConfig *l = &tc->layers[tc->n_layers++];
  const ArSdpSsrcGroup *fid = ar_sdp_media_find_ssrc_group(offer, "FID");
  if (fid && fid->ssrcs->len == 2) {
    l->ssrc = g_array_index(fid->ssrcs, guint32, 0);
    l->rtx_ssrc = g_array_index(fid->ssrcs, guint32, 1);
  } else if (offer->ssrcs->len > 0) {
    l->ssrc = ((const ArSdpSsrc *)g_ptr_array_index(offer->ssrcs, 0))->ssrc;
  }
}

static gboolean
sends(ArSdpDirection d)
{
  return d == AR_SDP_DIR_SENDRECV || d == AR_SDP_DIR_SENDONLY || d == AR_SDP_DIR_UNSPECIFIED;
}

/* The server's send SSRCs on an m-line, as its answer announced them. */
static void
slot_ssrcs(const ArSdpMedia *answer, PeerSlot *slot)
{
  const ArSdpSsrcGroup *fid = ar_sdp_media_find_ssrc_group(answer, "FID");
  if (fid && fid->ssrcs->len == 2) {
    slot->ssrc = g_array_index(fid->ssrcs, guint32, 0);
    slot->rtx_ssrc = g_array_index(fid->ssrcs, guint32, 1);
  } else if (answer->ssrcs->len > 0) {
    slot->ssrc = ((const ArSdpSsrc *)g_ptr_array_index(answer->ssrcs, 0))->ssrc;
  }
}

static void
notify_slot(ArRoomRouter *rr, ArRoomPeer *peer, const PeerSlot *slot)
{
  if (rr->notify)
    rr->notify(peer->id, slot->mid, slot->owner ? slot->owner->id : NULL,
               slot->kind == AR_ROUTER_AUDIO ? "audio" : "video", rr->notify_data);
}

static void
release_slot(ArRoomRouter *rr, ArRoomPeer *peer, PeerSlot *slot, gboolean tell)
{
  if (slot->subscription >= 0)
    ar_router_unsubscribe(rr->router, slot->subscription);
  slot->subscription = -1;
  slot->track = -1;
  slot->owner = NULL;
  if (tell)
    notify_slot(rr, peer, slot);
}

static void
clear_peer_media(ArRoomRouter *rr, ArRoomPeer *peer)
{
  for (guint p = 0; p < AR_ROUTER_MAX_PARTICIPANTS; p++) {
    ArRoomPeer *sub = rr->peers[p];
    for (guint i = 0; sub && i < sub->slots->len; i++) {
      PeerSlot *slot = &g_array_index(sub->slots, PeerSlot, i);
      if (slot->owner != peer)
        continue;
      release_slot(rr, sub, slot, FALSE);
      slot->held_for = peer;
    }
  }
  for (guint i = 0; i < peer->slots->len; i++)
    release_slot(rr, peer, &g_array_index(peer->slots, PeerSlot, i), FALSE);
  for (guint i = 0; i < peer->tracks->len; i++)
    ar_router_remove_track(rr->router, g_array_index(peer->tracks, PeerTrack, i).id);
  g_array_set_size(peer->slots, 0);
  g_array_set_size(peer->tracks, 0);
}

static gboolean
add_track(ArRoomRouter *rr, ArRoomPeer *peer, const ArSdpMedia *om, const ArSdpMedia *am,
          GError **error)
{
  PeerTrack pt = {.kind = am->kind == AR_SDP_KIND_AUDIO ? AR_ROUTER_AUDIO : AR_ROUTER_VIDEO};
  ArRouterTrackConfig tc = {.kind = pt.kind};
  g_strlcpy(tc.mid, am->mid, sizeof tc.mid);
  tc.ext = ext_ids(am);
  tc.n_codecs = fill_codecs(am, tc.codecs, pt.names);
  for (guint i = 0; i < am->codecs->len && !tc.clock_rate; i++)
    tc.clock_rate = ((const ArSdpCodec *)g_ptr_array_index(am->codecs, i))->clock_rate;
  fill_layers(om, &tc);
  const ArSdpCodec *first = am->codecs->len ? g_ptr_array_index(am->codecs, 0) : NULL;
  tc.use_fir = first && !ar_sdp_codec_has_fb(first, "nack pli") &&
               ar_sdp_codec_has_fb(first, "ccm fir");
  pt.id = ar_router_add_track(rr->router, peer->participant, &tc, error);
  if (pt.id < 0)
    return FALSE;
  memcpy(pt.codecs, tc.codecs, sizeof pt.codecs);
  pt.n_codecs = tc.n_codecs;
  g_strlcpy(pt.mid, am->mid, sizeof pt.mid);
  pt.clock_rate = tc.clock_rate;
  pt.ssrc = tc.n_layers == 1 ? tc.layers[0].ssrc : 0;
  g_array_append_val(peer->tracks, pt);
  if (pt.kind == AR_ROUTER_AUDIO && peer->muted_audio)
    ar_router_set_track_muted(rr->router, pt.id, TRUE);
  if (tc.ext.twcc)
    ar_room_bwe_set_twcc_id(peer->bwe, tc.ext.twcc, tc.layers[0].ssrc);
  return TRUE;
}

static void
add_slot(ArRoomPeer *peer, const ArSdpMedia *am)
{
  PeerSlot slot = {.kind = am->kind == AR_SDP_KIND_AUDIO ? AR_ROUTER_AUDIO : AR_ROUTER_VIDEO,
                   .track = -1, .subscription = -1, .ext = ext_ids(am),
                   .max_height = G_MAXUINT16};
  g_strlcpy(slot.mid, am->mid, sizeof slot.mid);
  slot_ssrcs(am, &slot);
  ArRouterCodecConfig codecs[AR_ROUTER_MAX_CODECS];
  slot.n_codecs = fill_codecs(am, codecs, slot.names);
  for (guint i = 0; i < slot.n_codecs; i++) {
    slot.pt[i] = codecs[i].pt;
    slot.rtx_pt[i] = codecs[i].rtx_pt;
  }
  if (slot.ssrc)
    g_array_append_val(peer->slots, slot);
}

gboolean
ar_room_router_configure(ArRoomRouter *rr, ArRoomPeer *peer, const ArSdpSession *offer,
                         const ArSdpSession *answer, gboolean echo, GError **error)
{
  clear_peer_media(rr, peer);
  peer->echo = echo;
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < answer->media->len && i < offer->media->len; i++) {
    const ArSdpMedia *om = g_ptr_array_index(offer->media, i);
    const ArSdpMedia *am = g_ptr_array_index(answer->media, i);
    if (ar_sdp_media_is_rejected(am) || am->kind == AR_SDP_KIND_APPLICATION || !am->mid)
      continue;
    if (sends(om->direction) && !add_track(rr, peer, om, am, error))
      ok = FALSE;
    else if (sends(am->direction))
      add_slot(peer, am);
  }
  assign_slots(rr); /* also on failure: it ends the holds clear_peer_media placed */
  allocate(rr, TRUE, g_get_monotonic_time());
  rearm(rr); /* outputs wait for the transport: keyframe requests go out once it is up */
  return ok;
}

void
ar_room_router_replace_transport(ArRoomRouter *rr, ArRoomPeer *peer, ArTransport *t)
{
  peer->transport = t;
  /* Transport-wide-cc state and the downlink estimate belong to the old connection. */
  ar_room_bwe_free(peer->bwe);
  peer->bwe = ar_room_bwe_new(0x61720000u | (guint32)peer->participant);
  rearm(rr);
}

/* A failed or closed transport is terminal (transport.h): nothing the peer published arrives
 * again and nothing sent to it is received, yet the participant may stay for the grace period.
 * Its slots in the others must not wait for it: the same person rejoining comes back as a new
 * participant (or a reload brings a new offer) and must get them now. */
void
ar_room_router_transport_ended(ArRoomRouter *rr, ArRoomPeer *peer)
{
  free_slots_showing(rr, peer); /* released and told, not held */
  clear_peer_media(rr, peer);
  assign_slots(rr); /* the freed slots go to waiting publishers: subscribe asks a keyframe */
  drain(rr);
}

void
ar_room_router_set_muted(ArRoomRouter *rr, ArRoomPeer *peer, gboolean muted)
{
  peer->muted_audio = muted;
  for (guint i = 0; i < peer->tracks->len; i++) {
    const PeerTrack *t = &g_array_index(peer->tracks, PeerTrack, i);
    if (t->kind == AR_ROUTER_AUDIO)
      ar_router_set_track_muted(rr->router, t->id, muted);
  }
}

gboolean
ar_room_router_muted(const ArRoomPeer *peer)
{
  return peer->muted_audio;
}

void
ar_room_router_set_echo(ArRoomRouter *rr, ArRoomPeer *peer, gboolean echo)
{
  peer->echo = echo;
  assign_slots(rr);
  allocate(rr, TRUE, g_get_monotonic_time());
  drain(rr);
}

/* ---- slot assignment: who receives which track on which m-line ---- */

static gboolean
wants(const ArRoomPeer *subscriber, const ArRoomPeer *publisher)
{
  if (subscriber->echo || publisher->echo)
    return subscriber == publisher && subscriber->echo;
  return subscriber != publisher;
}

static gboolean
slot_shows(const ArRoomPeer *peer, gint track)
{
  for (guint i = 0; i < peer->slots->len; i++)
    if (g_array_index(peer->slots, PeerSlot, i).track == track)
      return TRUE;
  return FALSE;
}

/* Payload types are per participant: map each of the publisher's codecs by name. */
static guint
map_pts(const PeerTrack *t, const PeerSlot *slot, ArRouterPtMap *pts)
{
  guint n = 0;
  for (guint i = 0; i < t->n_codecs; i++)
    for (guint j = 0; j < slot->n_codecs; j++)
      if (g_ascii_strcasecmp(t->names[i], slot->names[j]) == 0) {
        pts[n++] = (ArRouterPtMap){t->codecs[i].pt, slot->pt[j], slot->rtx_pt[j]};
        break;
      }
  return n;
}

/* A slot held for this publisher first, then any free slot not held for someone else. */
static gboolean
fill_slot(ArRoomRouter *rr, ArRoomPeer *sub, ArRoomPeer *pub, const PeerTrack *t)
{
  for (guint n = 0; n < 2 * sub->slots->len; n++) {
    gboolean held_pass = n < sub->slots->len;
    PeerSlot *slot = &g_array_index(sub->slots, PeerSlot, n % sub->slots->len);
    if (slot->owner || slot->kind != t->kind ||
        (held_pass ? slot->held_for != pub : slot->held_for != NULL))
      continue;
    ArRouterSubscriptionConfig sc = {.subscriber = sub->participant, .track = t->id,
                                     .ssrc = slot->ssrc, .rtx_ssrc = slot->rtx_ssrc,
                                     .ext = slot->ext, .initial_layer = -1};
    g_strlcpy(sc.mid, slot->mid, sizeof sc.mid);
    sc.n_pts = map_pts(t, slot, sc.pts);
    if (sc.n_pts == 0)
      continue; /* no codec in common on this m-line */
    slot->subscription = ar_router_subscribe(rr->router, &sc, g_get_monotonic_time(), NULL);
    if (slot->subscription < 0)
      return FALSE;
    slot->owner = pub;
    slot->track = t->id;
    slot->held_for = NULL;
    notify_slot(rr, sub, slot);
    return TRUE;
  }
  return FALSE;
}

static void
free_slots_showing(ArRoomRouter *rr, ArRoomPeer *publisher)
{
  for (guint p = 0; p < AR_ROUTER_MAX_PARTICIPANTS; p++) {
    ArRoomPeer *sub = rr->peers[p];
    for (guint i = 0; sub && i < sub->slots->len; i++) {
      PeerSlot *slot = &g_array_index(sub->slots, PeerSlot, i);
      if (slot->owner == publisher)
        release_slot(rr, sub, slot, TRUE);
      if (slot->held_for == publisher)
        slot->held_for = NULL;
    }
  }
}

/* Holds that were not taken back (the publisher now sends fewer tracks, or none): the slots
 * are free for anyone, and their subscribers hear so. TRUE when there was one. */
static gboolean
end_holds(ArRoomRouter *rr)
{
  gboolean any = FALSE;
  for (guint p = 0; p < AR_ROUTER_MAX_PARTICIPANTS; p++) {
    ArRoomPeer *sub = rr->peers[p];
    for (guint i = 0; sub && i < sub->slots->len; i++) {
      PeerSlot *slot = &g_array_index(sub->slots, PeerSlot, i);
      if (!slot->held_for)
        continue;
      slot->held_for = NULL;
      notify_slot(rr, sub, slot);
      any = TRUE;
    }
  }
  return any;
}

/* Frees slots that show what a subscriber should no longer see, then fills free slots with
 * what it should see and does not yet. Runs on every join, leave, renegotiation and admit. */
static void
fill_free_slots(ArRoomRouter *rr);

static void
assign_slots(ArRoomRouter *rr)
{
  fill_free_slots(rr);
  if (end_holds(rr))
    fill_free_slots(rr);
}

static void
fill_free_slots(ArRoomRouter *rr)
{
  for (guint s = 0; s < AR_ROUTER_MAX_PARTICIPANTS; s++) {
    ArRoomPeer *sub = rr->peers[s];
    for (guint i = 0; sub && i < sub->slots->len; i++) {
      PeerSlot *slot = &g_array_index(sub->slots, PeerSlot, i);
      if (slot->owner && !wants(sub, slot->owner))
        release_slot(rr, sub, slot, TRUE);
    }
  }
  for (guint s = 0; s < AR_ROUTER_MAX_PARTICIPANTS; s++) {
    ArRoomPeer *sub = rr->peers[s];
    for (guint p = 0; sub && p < AR_ROUTER_MAX_PARTICIPANTS; p++) {
      ArRoomPeer *pub = rr->peers[p];
      if (!pub || !wants(sub, pub))
        continue;
      for (guint t = 0; t < pub->tracks->len; t++) {
        const PeerTrack *track = &g_array_index(pub->tracks, PeerTrack, t);
        if (!slot_shows(sub, track->id))
          fill_slot(rr, sub, pub, track);
      }
    }
  }
}

void
ar_room_router_connected(ArRoomRouter *rr, ArRoomPeer *peer, gint64 now_us)
{
  /* Keyframes were asked for at subscribe time, before the transport could carry a PLI:
   * the router's rate-limited retry covers it once packets flow. */
  ar_router_handle_timeout(rr->router, now_us);
  drain(rr);
}

/* The track a packet of this peer belongs to: by the SSRC its offer announced, else by payload
 * type (a peer's tracks of one kind share payload types only with simulcast or several
 * cameras, which announce SSRCs or rids). -1 when none. */
static gint
track_of(const ArRoomPeer *peer, const guint8 *buf, gsize len)
{
  if (len < 12)
    return -1;
  guint32 ssrc = ar_be32(buf + 8);
  guint8 pt = buf[1] & 0x7f;
  gint by_pt = -1;
  for (guint i = 0; i < peer->tracks->len; i++) {
    const PeerTrack *t = &g_array_index(peer->tracks, PeerTrack, i);
    if (t->ssrc && t->ssrc == ssrc)
      return t->id;
    for (guint c = 0; c < t->n_codecs && by_pt < 0; c++)
      if (t->codecs[c].pt == pt)
        by_pt = t->id;
  }
  return by_pt;
}

static gboolean
track_is_audio(const ArRoomPeer *peer, gint track)
{
  for (guint i = 0; i < peer->tracks->len; i++)
    if (g_array_index(peer->tracks, PeerTrack, i).id == track)
      return g_array_index(peer->tracks, PeerTrack, i).kind == AR_ROUTER_AUDIO;
  return FALSE;
}

void
ar_room_router_set_record_sink(ArRoomRouter *rr, ArRoomRecordSink sink, gpointer user_data)
{
  rr->record_sink = sink;
  rr->record_data = user_data;
}

static gboolean
is_media_codec(const char *name)
{
  return g_ascii_strcasecmp(name, "red") != 0 && g_ascii_strcasecmp(name, "ulpfec") != 0 &&
         g_ascii_strcasecmp(name, "flexfec-03") != 0 && g_ascii_strcasecmp(name, "rtx") != 0;
}

GArray *
ar_room_router_visit_tracks(ArRoomRouter *rr)
{
  GArray *out = g_array_new(FALSE, TRUE, sizeof(ArRoomTrackInfo));
  for (guint p = 0; p < AR_ROUTER_MAX_PARTICIPANTS; p++) {
    ArRoomPeer *peer = rr->peers[p];
    for (guint i = 0; peer && !peer->echo && i < peer->tracks->len; i++) {
      const PeerTrack *t = &g_array_index(peer->tracks, PeerTrack, i);
      for (guint c = 0; c < t->n_codecs; c++) {
        if (!is_media_codec(t->names[c]))
          continue;
        ArRoomTrackInfo info = {peer->id,     t->id,           t->mid,
                                t->kind == AR_ROUTER_AUDIO, t->names[c], t->codecs[c].pt,
                                t->clock_rate};
        /* Chrome sends its audio as RED once accepted: the recorder unwraps it. */
        for (guint r = 0; r < t->n_codecs && !info.has_red; r++)
          if (g_ascii_strcasecmp(t->names[r], "red") == 0) {
            info.has_red = TRUE;
            info.red_pt = t->codecs[r].pt;
          }
        g_array_append_val(out, info);
        break;
      }
    }
  }
  return out;
}

void
ar_room_router_request_keyframes(ArRoomRouter *rr, gint64 now_us)
{
  for (guint p = 0; p < AR_ROUTER_MAX_PARTICIPANTS; p++)
    for (guint i = 0; rr->peers[p] && i < rr->peers[p]->tracks->len; i++) {
      const PeerTrack *t = &g_array_index(rr->peers[p]->tracks, PeerTrack, i);
      if (t->kind == AR_ROUTER_VIDEO)
        ar_router_request_track_keyframe(rr->router, t->id, now_us);
    }
  drain(rr);
}

gboolean
ar_room_router_in_visit(ArRoomRouter *rr, const char *participant_id)
{
  for (guint p = 0; p < AR_ROUTER_MAX_PARTICIPANTS; p++)
    if (rr->peers[p] && !rr->peers[p]->echo && rr->peers[p]->tracks->len > 0 &&
        g_str_equal(rr->peers[p]->id, participant_id))
      return TRUE;
  return FALSE;
}

void
ar_room_router_rtp(ArRoomRouter *rr, ArRoomPeer *peer, guint8 *buf, gsize len, gint64 now_us)
{
  if (G_UNLIKELY(rr->record_sink) && !peer->echo) {
    gint track = track_of(peer, buf, len);
    if (track >= 0 && !(peer->muted_audio && track_is_audio(peer, track)))
      if (rr->record_sink(track, buf, len, now_us, rr->record_data))
        ar_router_request_track_keyframe(rr->router, track, now_us);
  }
  ar_room_bwe_on_rtp(peer->bwe, buf, len, now_us);
  ar_router_handle_rtp(rr->router, peer->participant, buf, len, now_us);
  drain(rr);
}

void
ar_room_router_rtcp(ArRoomRouter *rr, ArRoomPeer *peer, guint8 *buf, gsize len, gint64 now_us)
{
  ar_room_bwe_on_rtcp(peer->bwe, buf, len, now_us);
  ar_router_handle_rtcp(rr->router, peer->participant, buf, len, now_us);
  drain(rr);
}

void
ar_room_router_stats(ArRoomRouter *rr, ArRoomPeer *peer, ArRoomStats *out)
{
  ArRouterParticipantInfo info;
  memset(out, 0, sizeof *out);
  if (!ar_router_participant_info(rr->router, peer->participant, &info))
    return;
  ar_room_bwe_on_rtt(peer->bwe, info.rtt_us);
  out->downlink_kbps = ar_room_bwe_estimate(peer->bwe, g_get_monotonic_time()) / 1000.0;
  out->rtt_ms = info.rtt_us < 0 ? 0 : info.rtt_us / 1000.0;
  out->loss_pct = info.loss_fraction * 100.0;
  out->jitter_ms = info.jitter_us / 1000.0;
  out->packets = info.packets_received;
}

/* ---- bandwidth allocation (room_alloc.h), per subscriber, on the same timer ---- */

static void
allocate_peer(ArRoomRouter *rr, ArRoomPeer *peer, gboolean force, gint64 now_us)
{
  if (!force && ar_room_alloc_next_timeout(peer->alloc) > now_us)
    return;
  ArRoomAllocSlot slots[AR_ALLOC_SLOTS_MAX];
  guint n = 0;
  for (guint i = 0; i < peer->slots->len && n < G_N_ELEMENTS(slots); i++) {
    const PeerSlot *slot = &g_array_index(peer->slots, PeerSlot, i);
    if (slot->subscription >= 0)
      slots[n++] = (ArRoomAllocSlot){slot->subscription, slot->track,
                                     slot->kind == AR_ROUTER_AUDIO, FALSE, slot->max_height};
  }
  ArRoomBweLink link;
  ar_room_bwe_link(peer->bwe, now_us, &link);
  ar_room_alloc_run(peer->alloc, rr->router, slots, n, &link, force, now_us);
}

static void
allocate(ArRoomRouter *rr, gboolean force, gint64 now_us)
{
  for (guint i = 0; i < AR_ROUTER_MAX_PARTICIPANTS; i++)
    if (rr->peers[i])
      allocate_peer(rr, rr->peers[i], force, now_us);
}

gboolean
ar_room_router_viewport(ArRoomRouter *rr, ArRoomPeer *peer, const char *mid, guint max_height)
{
  for (guint i = 0; i < peer->slots->len; i++) {
    PeerSlot *slot = &g_array_index(peer->slots, PeerSlot, i);
    if (slot->kind != AR_ROUTER_VIDEO || g_strcmp0(slot->mid, mid) != 0)
      continue;
    slot->max_height = (guint16)MIN(max_height, G_MAXUINT16);
    allocate_peer(rr, peer, TRUE, g_get_monotonic_time());
    drain(rr);
    return TRUE;
  }
  return FALSE;
}
