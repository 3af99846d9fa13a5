/* Translating negotiated SDP into router tracks and subscriptions, and pumping the router:
 * every input is followed by draining ar_router_poll() into the transports; a GSource with a
 * ready time drives ar_router_handle_timeout() exactly when the router asks. */
#include "room_router.h"
#include "router.h"

#include <string.h>

#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define URI_RRID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define URI_AST "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define URI_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

struct ArRoomPeer {
  ArRoomRouter *rr;
  char *id;
  ArTransport *transport;
  gint participant;
  GArray *tracks;        /* gint router track ids */
  GArray *subscriptions; /* gint */
};

struct ArRoomRouter {
  ArMediaContext *mc;
  ArRouter *router;
  ArRoomPeer *peers[AR_ROUTER_MAX_PARTICIPANTS]; /* by router participant id */
  GSource *timer;
  guint8 scratch[AR_PACKET_CAP];
};

static void drain(ArRoomRouter *rr);

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
  ar_router_handle_timeout(rr->router, g_get_monotonic_time());
  drain(rr);
  return G_SOURCE_CONTINUE;
}

static void
rearm(ArRoomRouter *rr)
{
  gint64 next = ar_router_next_timeout(rr->router);
  g_source_set_ready_time(rr->timer, next < 0 ? -1 : next);
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
    if (out.kind == AR_ROUTER_OUTPUT_RTP)
      ar_transport_send_rtp(to->transport, rr->scratch, out.len);
    else if (out.kind == AR_ROUTER_OUTPUT_RTCP)
      ar_transport_send_rtcp(to->transport, rr->scratch, out.len);
  }
  rearm(rr);
}

ArRoomRouter *
ar_room_router_new(ArMediaContext *mc)
{
  ArRoomRouter *rr = g_new0(ArRoomRouter, 1);
  rr->mc = mc;
  ArRouterConfig cfg;
  ar_router_config_init(&cfg);
  cfg.max_participants = AR_ROUTER_MAX_PARTICIPANTS;
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
  peer->tracks = g_array_new(FALSE, FALSE, sizeof(gint));
  peer->subscriptions = g_array_new(FALSE, FALSE, sizeof(gint));
  rr->peers[id] = peer;
  return peer;
}

void
ar_room_router_remove(ArRoomRouter *rr, ArRoomPeer *peer)
{
  ar_router_remove_participant(rr->router, peer->participant);
  rr->peers[peer->participant] = NULL;
  g_array_unref(peer->tracks);
  g_array_unref(peer->subscriptions);
  g_free(peer->id);
  g_free(peer);
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
  return AR_ROUTER_CODEC_OTHER;
}

/* The payload types the answer accepted; rtx is folded into its codec's rtx_pt. RED is kept:
 * Chrome sends its audio as RED (Opus with redundancy) once the answer accepts it. */
static void
fill_codecs(const ArSdpMedia *answer, ArRouterTrackConfig *tc)
{
  for (guint i = 0; i < answer->codecs->len && tc->n_codecs < AR_ROUTER_MAX_CODECS; i++) {
    const ArSdpCodec *c = g_ptr_array_index(answer->codecs, i);
    if (c->apt >= 0 || !c->name)
      continue;
    ArRouterCodecConfig *cc = &tc->codecs[tc->n_codecs++];
    cc->pt = c->pt;
    cc->codec = codec_of(c->name);
    cc->rtx_pt = c->rtx_pt >= 0 ? (guint8)c->rtx_pt : 0;
    if (tc->clock_rate == 0)
      tc->clock_rate = c->clock_rate;
  }
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
  return d == AR_SDP_DIR_SENDRECV || d == AR_SDP_DIR_SENDONLY ||
         d == AR_SDP_DIR_UNSPECIFIED;
}

/* For echo: the server's send SSRCs on this m-line, as the answer announced them. */
static void
subscribe_self(ArRoomRouter *rr, ArRoomPeer *peer, gint track, const ArRouterTrackConfig *tc,
               const ArSdpMedia *answer, GError **error)
{
  ArRouterSubscriptionConfig sc = {.subscriber = peer->participant, .track = track,
                                    .ext = tc->ext, .initial_layer = -1};
  g_strlcpy(sc.mid, tc->mid, sizeof sc.mid);
  const ArSdpSsrcGroup *fid = ar_sdp_media_find_ssrc_group(answer, "FID");
  if (fid && fid->ssrcs->len == 2) {
    sc.ssrc = g_array_index(fid->ssrcs, guint32, 0);
    sc.rtx_ssrc = g_array_index(fid->ssrcs, guint32, 1);
  } else if (answer->ssrcs->len > 0) {
    sc.ssrc = ((const ArSdpSsrc *)g_ptr_array_index(answer->ssrcs, 0))->ssrc;
  }
  for (guint i = 0; i < tc->n_codecs; i++)
    sc.pts[sc.n_pts++] = (ArRouterPtMap){tc->codecs[i].pt, tc->codecs[i].pt, tc->codecs[i].rtx_pt};
  gint sub = ar_router_subscribe(rr->router, &sc, g_get_monotonic_time(), error);
  if (sub >= 0)
    g_array_append_val(peer->subscriptions, sub);
}

static void
clear_peer_media(ArRoomRouter *rr, ArRoomPeer *peer)
{
  for (guint i = 0; i < peer->subscriptions->len; i++)
    ar_router_unsubscribe(rr->router, g_array_index(peer->subscriptions, gint, i));
  for (guint i = 0; i < peer->tracks->len; i++)
    ar_router_remove_track(rr->router, g_array_index(peer->tracks, gint, i));
  g_array_set_size(peer->subscriptions, 0);
  g_array_set_size(peer->tracks, 0);
}

gboolean
ar_room_router_configure(ArRoomRouter *rr, ArRoomPeer *peer, const ArSdpSession *offer,
                         const ArSdpSession *answer, gboolean echo, GError **error)
{
  clear_peer_media(rr, peer);
  for (guint i = 0; i < answer->media->len && i < offer->media->len; i++) {
    const ArSdpMedia *om = g_ptr_array_index(offer->media, i);
    const ArSdpMedia *am = g_ptr_array_index(answer->media, i);
    if (ar_sdp_media_is_rejected(am) || am->kind == AR_SDP_KIND_APPLICATION ||
        !sends(om->direction) || !am->mid)
      continue;
    ArRouterTrackConfig tc = {.kind = am->kind == AR_SDP_KIND_AUDIO ? AR_ROUTER_AUDIO
                                                                     : AR_ROUTER_VIDEO};
    g_strlcpy(tc.mid, am->mid, sizeof tc.mid);
    tc.ext = ext_ids(am);
    fill_codecs(am, &tc);
    fill_layers(om, &tc);
    const ArSdpCodec *first = am->codecs->len ? g_ptr_array_index(am->codecs, 0) : NULL;
    tc.use_fir = first && !ar_sdp_codec_has_fb(first, "nack pli") &&
                 ar_sdp_codec_has_fb(first, "ccm fir");
    gint track = ar_router_add_track(rr->router, peer->participant, &tc, error);
    if (track < 0)
      return FALSE;
    g_array_append_val(peer->tracks, track);
    if (echo)
      subscribe_self(rr, peer, track, &tc, am, NULL);
  }
  rearm(rr);
  return TRUE;
}

void
ar_room_router_connected(ArRoomRouter *rr, ArRoomPeer *peer, gint64 now_us)
{
  /* Keyframes were asked for at subscribe time, before the transport could carry a PLI:
   * the router's rate-limited retry covers it once packets flow. */
  ar_router_handle_timeout(rr->router, now_us);
  drain(rr);
}

void
ar_room_router_rtp(ArRoomRouter *rr, ArRoomPeer *peer, guint8 *buf, gsize len, gint64 now_us)
{
  ar_router_handle_rtp(rr->router, peer->participant, buf, len, now_us);
  drain(rr);
}

void
ar_room_router_rtcp(ArRoomRouter *rr, ArRoomPeer *peer, guint8 *buf, gsize len, gint64 now_us)
{
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
  out->rtt_ms = info.rtt_us < 0 ? 0 : info.rtt_us / 1000.0;
  out->loss_pct = info.loss_fraction * 100.0;
  out->jitter_ms = info.jitter_us / 1000.0;
  out->packets = info.packets_received;
}
