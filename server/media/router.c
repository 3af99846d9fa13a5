/* The room: participants, tracks and subscriptions, stream identification (SSRC, or mid/rid
 * for unsignalled simulcast) and the fan-out of each incoming RTP packet; see router.h. RTCP and
 * timers are in router_feedback.c, the output queue and poll in router_output.c. */
#include "router_private.h"

#include <string.h>

#include "codec_h264.h"
#include "codec_vp8.h"
#include "codec_vp9.h"
#include "red.h"
#include "rtp.h"
#include "rtx.h"

G_DEFINE_QUARK(ar - router - error - quark, ar_router_error)

void
ar_router_config_init(ArRouterConfig *cfg)
{
  *cfg = (ArRouterConfig){
      .max_participants = 8,
      .max_tracks_per_participant = 4,
      .packet_slots = 2048,
      .queue_len = 1024,
      .nack_cache_packets = AR_NACK_CACHE_MAX,
      .nack_cache_age_us = AR_NACK_CACHE_DEFAULT_AGE_US,
      .nack_delay_us = 5 * G_TIME_SPAN_MILLISECOND,
      .nack_max_retries = 10,
      .keyframe_interval_us = AR_KEYFRAME_DEFAULT_INTERVAL_US,
      .rtcp_interval_us = G_USEC_PER_SEC,
      .speaker_dominate_us = G_USEC_PER_SEC,
      .layer_timeout_us = G_USEC_PER_SEC,
  };
}

ArRouter *
ar_router_new(const ArRouterConfig *cfg)
{
  ArRouterConfig defaults;
  ar_router_config_init(&defaults);
  ArRouter *r = g_new0(ArRouter, 1);
  r->cfg = cfg ? *cfg : defaults;
  ArRouterConfig *c = &r->cfg;
  c->max_participants = CLAMP(c->max_participants, 1, AR_ROUTER_MAX_PARTICIPANTS);
  c->max_tracks_per_participant = CLAMP(c->max_tracks_per_participant, 1, 8);
  if (!c->packet_slots)
    c->packet_slots = defaults.packet_slots;
  if (!c->queue_len)
    c->queue_len = defaults.queue_len;
  if (!c->nack_cache_packets)
    c->nack_cache_packets = defaults.nack_cache_packets;
  if (c->rtcp_interval_us <= 0)
    c->rtcp_interval_us = defaults.rtcp_interval_us;
  if (c->layer_timeout_us <= 0)
    c->layer_timeout_us = defaults.layer_timeout_us;

  r->n_tracks = c->max_participants * c->max_tracks_per_participant;
  r->tracks = g_new0(RouterTrack, r->n_tracks);
  r->n_subs = c->max_participants * r->n_tracks;
  r->subs = g_new0(RouterSub, r->n_subs);
  guint want = r->n_tracks * AR_ROUTER_MAX_LAYERS * 2 * 2, size = 16;
  while (size < want)
    size *= 2;
  r->ssrcs = g_new0(RouterSsrcEntry, size);
  r->ssrc_mask = size - 1;
  r->ring = ar_nack_ring_new(c->packet_slots);
  r->q_cap = c->queue_len;
  r->queue = g_new0(RouterQueued, r->q_cap);
  ar_audio_level_init(&r->speakers, c->speaker_dominate_us);
  r->next_rtcp_us = G_MININT64;
  return r;
}

void
ar_router_free(ArRouter *r)
{
  if (!r)
    return;
  for (guint i = 0; i < r->n_subs; i++)
    ar_munger_clear(&r->subs[i].munger);
  for (guint i = 0; i < r->n_tracks; i++)
    for (guint l = 0; l < AR_ROUTER_MAX_LAYERS; l++)
      ar_nack_cache_clear(&r->tracks[i].layers[l].cache);
  g_free(r->tracks);
  g_free(r->subs);
  g_free(r->ssrcs);
  g_free(r->queue);
  ar_nack_ring_free(r->ring);
  g_free(r);
}

const ArRouterStats *
ar_router_stats(const ArRouter *r)
{
  return &r->stats;
}

/* --- SSRC table: (participant, ssrc) -> track layer, open addressing, rebuilt on change. --- */

static guint
ssrc_hash(gint participant, guint32 ssrc)
{
  return (ssrc * 2654435761u) ^ ((guint)participant * 40503u);
}

static void
ssrc_insert(ArRouter *r, gint participant, guint32 ssrc, gint track, guint layer, gboolean rtx)
{
  if (ssrc == 0)
    return;
  for (guint i = ssrc_hash(participant, ssrc) & r->ssrc_mask;; i = (i + 1) & r->ssrc_mask) {
    RouterSsrcEntry *e = &r->ssrcs[i];
    if (!e->used || (e->participant == participant && e->ssrc == ssrc)) {
      *e = (RouterSsrcEntry){.ssrc = ssrc,
                             .participant = (gint16)participant,
                             .track = (gint16)track,
                             .layer = (guint8)layer,
                             .rtx = (guint8)rtx,
                             .used = 1};
      return;
    }
  }
}

static void
ssrc_rebuild(ArRouter *r)
{
  memset(r->ssrcs, 0, sizeof *r->ssrcs * (r->ssrc_mask + 1));
  for (guint t = 0; t < r->n_tracks; t++) {
    RouterTrack *tr = &r->tracks[t];
    if (!tr->used)
      continue;
    for (guint l = 0; l < tr->cfg.n_layers; l++) {
      ssrc_insert(r, tr->owner, tr->layers[l].ssrc, (gint)t, l, FALSE);
      ssrc_insert(r, tr->owner, tr->layers[l].rtx_ssrc, (gint)t, l, TRUE);
    }
  }
}

const RouterSsrcEntry *
ar_router_ssrc_lookup(const ArRouter *r, gint participant, guint32 ssrc)
{
  for (guint i = ssrc_hash(participant, ssrc) & r->ssrc_mask;; i = (i + 1) & r->ssrc_mask) {
    const RouterSsrcEntry *e = &r->ssrcs[i];
    if (!e->used)
      return NULL;
    if (e->participant == participant && e->ssrc == ssrc)
      return e;
  }
}

/* --- participants, tracks, subscriptions --- */

static gboolean
valid_participant(const ArRouter *r, gint p)
{
  return p >= 0 && (guint)p < r->cfg.max_participants && r->parts[p].used;
}

static gboolean
valid_track(const ArRouter *r, gint t)
{
  return t >= 0 && (guint)t < r->n_tracks && r->tracks[t].used;
}

static gboolean
valid_sub(const ArRouter *r, gint s)
{
  return s >= 0 && (guint)s < r->n_subs && r->subs[s].used;
}

guint32
ar_router_feedback_ssrc(const ArRouter *r, gint participant)
{
  guint32 s = r->parts[participant].feedback_ssrc;
  return s ? s : 0x61720000u | (guint32)participant; /* "ar" + id */
}

gint
ar_router_add_participant(ArRouter *r, const ArRouterParticipantConfig *pc, GError **error)
{
  for (guint i = 0; i < r->cfg.max_participants; i++) {
    RouterParticipant *p = &r->parts[i];
    if (p->used)
      continue;
    guint32 gen = p->gen;
    *p = (RouterParticipant){.used = TRUE, .gen = gen, .rtt_us = -1, .quality = -1};
    p->feedback_ssrc = pc ? pc->feedback_ssrc : 0;
    return (gint)i;
  }
  g_set_error(error, AR_ROUTER_ERROR, AR_ROUTER_ERROR_FULL, "room is full (%u participants)",
              r->cfg.max_participants);
  return -1;
}

gint
ar_router_add_track(ArRouter *r, gint participant, const ArRouterTrackConfig *tc, GError **error)
{
  if (!valid_participant(r, participant) || tc->n_layers < 1 ||
      tc->n_layers > AR_ROUTER_MAX_LAYERS || tc->n_codecs < 1 ||
      tc->n_codecs > AR_ROUTER_MAX_CODECS || (tc->kind == AR_ROUTER_AUDIO && tc->n_layers != 1)) {
    g_set_error(error, AR_ROUTER_ERROR, AR_ROUTER_ERROR_INVALID, "invalid track configuration");
    return -1;
  }
  guint owned = 0;
  gint free_slot = -1;
  for (guint i = 0; i < r->n_tracks; i++) {
    if (r->tracks[i].used && r->tracks[i].owner == participant)
      owned++;
    else if (!r->tracks[i].used && free_slot < 0)
      free_slot = (gint)i;
  }
  if (owned >= r->cfg.max_tracks_per_participant || free_slot < 0) {
    g_set_error(error, AR_ROUTER_ERROR, AR_ROUTER_ERROR_FULL, "too many tracks");
    return -1;
  }
  RouterTrack *t = &r->tracks[free_slot];
  guint32 gen = t->gen;
  *t = (RouterTrack){.used = TRUE, .gen = gen, .owner = participant, .cfg = *tc};
  /* Every announced layer counts as active until it stays silent for layer_timeout_us after the
   * track starts: otherwise the first layer to arrive would win the first keyframe request. */
  t->active_mask = (1u << tc->n_layers) - 1;
  t->cfg.mid[AR_ROUTER_MID_MAX] = '\0';
  t->mid_len = (guint8)strlen(t->cfg.mid);
  if (!t->cfg.clock_rate)
    t->cfg.clock_rate = tc->kind == AR_ROUTER_AUDIO ? 48000 : 90000;
  for (guint l = 0; l < t->cfg.n_layers; l++) {
    RouterLayer *L = &t->layers[l];
    t->cfg.layers[l].rid[AR_ROUTER_RID_MAX] = '\0';
    L->ssrc = tc->layers[l].ssrc;
    L->rtx_ssrc = tc->layers[l].rtx_ssrc;
    ar_rtcp_reports_recv_init(&L->stats, t->cfg.clock_rate);
    ar_keyframe_init(&L->kf, r->cfg.keyframe_interval_us);
    ar_nack_generator_init(&L->nackgen, r->cfg.nack_delay_us, r->cfg.nack_cache_age_us,
                           r->cfg.nack_max_retries);
    if (tc->kind == AR_ROUTER_VIDEO) /* audio is not retransmitted: Opus FEC covers it */
      ar_nack_cache_init(&L->cache, r->ring, r->cfg.nack_cache_packets, r->cfg.nack_cache_age_us);
  }
  ssrc_rebuild(r);
  return free_slot;
}

gint
ar_router_subscribe(ArRouter *r, const ArRouterSubscriptionConfig *sc, gint64 now_us,
                    GError **error)
{
  if (!valid_participant(r, sc->subscriber) || !valid_track(r, sc->track) || sc->ssrc == 0 ||
      sc->n_pts > AR_ROUTER_MAX_CODECS) {
    g_set_error(error, AR_ROUTER_ERROR, AR_ROUTER_ERROR_INVALID, "invalid subscription");
    return -1;
  }
  RouterTrack *t = &r->tracks[sc->track];
  for (guint i = 0; i < t->n_subs; i++) {
    if (r->subs[t->subs[i]].cfg.subscriber == sc->subscriber) {
      g_set_error(error, AR_ROUTER_ERROR, AR_ROUTER_ERROR_INVALID, "already subscribed");
      return -1;
    }
  }
  gint idx = -1;
  for (guint i = 0; i < r->n_subs && idx < 0; i++)
    if (!r->subs[i].used)
      idx = (gint)i;
  if (idx < 0 || t->n_subs >= AR_ROUTER_MAX_PARTICIPANTS) {
    g_set_error(error, AR_ROUTER_ERROR, AR_ROUTER_ERROR_FULL, "too many subscriptions");
    return -1;
  }
  RouterSub *s = &r->subs[idx];
  guint32 gen = s->gen;
  *s = (RouterSub){.used = TRUE, .gen = gen, .cfg = *sc, .src_layer = -1};
  s->cfg.mid[AR_ROUTER_MID_MAX] = '\0';
  s->mid_len = (guint8)strlen(s->cfg.mid);
  gboolean video = t->cfg.kind == AR_ROUTER_VIDEO;
  gint target = sc->initial_layer < 0 ? (gint)t->cfg.n_layers - 1
                                      : MIN(sc->initial_layer, (gint)t->cfg.n_layers - 1);
  ar_forwarder_init(&s->fwd, video, target);
  if (video && r->parts[sc->subscriber].audio_only)
    ar_forwarder_set_audio_only(&s->fwd, TRUE);
  ar_munger_init(&s->munger, t->cfg.clock_rate);
  RouterParticipant *sp = &r->parts[sc->subscriber];
  for (guint i = 0; i < G_N_ELEMENTS(sp->ended); i++) {
    if (sp->ended[i].ssrc != sc->ssrc || !sp->ended[i].state.started)
      continue;
    ArMungerEntry *map = s->munger.map;
    s->munger = sp->ended[i].state;
    s->munger.map = map;
    s->munger.src = ~s->munger.src; /* the first packet starts a segment that continues it */
    s->munger.clock_rate = t->cfg.clock_rate ? t->cfg.clock_rate : 90000;
    sp->ended[i].ssrc = 0;
    break;
  }
  t->subs[t->n_subs++] = idx;
  r->now_us = MAX(r->now_us, now_us);
  gint kl = ar_forwarder_keyframe_layer(&s->fwd, t->active_mask);
  if (kl >= 0)
    ar_router_request_keyframe(r, sc->track, (guint)kl);
  return idx;
}

gboolean
ar_router_unsubscribe(ArRouter *r, gint sub)
{
  if (!valid_sub(r, sub))
    return FALSE;
  RouterSub *s = &r->subs[sub];
  RouterTrack *t = &r->tracks[s->cfg.track];
  for (guint i = 0; i < t->n_subs; i++) {
    if (t->subs[i] == sub) {
      t->subs[i] = t->subs[--t->n_subs];
      break;
    }
  }
  if (s->munger.started) {
    RouterParticipant *sp = &r->parts[s->cfg.subscriber];
    guint k = sp->ended_next++ % G_N_ELEMENTS(sp->ended);
    sp->ended[k].ssrc = s->cfg.ssrc;
    sp->ended[k].state = s->munger;
    sp->ended[k].state.map = NULL;
  }
  ar_munger_clear(&s->munger);
  s->used = FALSE;
  s->gen++;
  return TRUE;
}

gboolean
ar_router_remove_track(ArRouter *r, gint track)
{
  if (!valid_track(r, track))
    return FALSE;
  RouterTrack *t = &r->tracks[track];
  while (t->n_subs > 0)
    ar_router_unsubscribe(r, t->subs[0]);
  for (guint l = 0; l < AR_ROUTER_MAX_LAYERS; l++)
    ar_nack_cache_clear(&t->layers[l].cache);
  t->used = FALSE;
  t->gen++;
  ssrc_rebuild(r);
  return TRUE;
}

gboolean
ar_router_remove_participant(ArRouter *r, gint participant)
{
  if (!valid_participant(r, participant))
    return FALSE;
  for (guint i = 0; i < r->n_subs; i++)
    if (r->subs[i].used && r->subs[i].cfg.subscriber == participant)
      ar_router_unsubscribe(r, (gint)i);
  for (guint i = 0; i < r->n_tracks; i++)
    if (r->tracks[i].used && r->tracks[i].owner == participant)
      ar_router_remove_track(r, (gint)i);
  ar_audio_level_remove(&r->speakers, (guint)participant);
  r->parts[participant].used = FALSE;
  r->parts[participant].gen++;
  return TRUE;
}

gboolean
ar_router_set_track_muted(ArRouter *r, gint track, gboolean muted)
{
  if (!valid_track(r, track))
    return FALSE;
  RouterTrack *t = &r->tracks[track];
  if (t->muted && !muted)
    for (guint l = 0; l < AR_ROUTER_MAX_LAYERS; l++)
      t->layers[l].epoch++; /* the munger continues the outgoing stream in a new segment */
  t->muted = muted;
  return TRUE;
}

gboolean
ar_router_set_target_layer(ArRouter *r, gint sub, gint layer, gint64 now_us)
{
  if (!valid_sub(r, sub))
    return FALSE;
  RouterSub *s = &r->subs[sub];
  RouterTrack *t = &r->tracks[s->cfg.track];
  r->now_us = MAX(r->now_us, now_us);
  ar_forwarder_set_target(&s->fwd, layer < 0 ? -1 : MIN(layer, (gint)t->cfg.n_layers - 1));
  gint kl = ar_forwarder_keyframe_layer(&s->fwd, t->active_mask);
  if (kl >= 0)
    ar_router_request_keyframe(r, s->cfg.track, (guint)kl);
  return TRUE;
}

gboolean
ar_router_request_track_keyframe(ArRouter *r, gint track, gint64 now_us)
{
  if (!valid_track(r, track))
    return FALSE;
  r->now_us = MAX(r->now_us, now_us);
  ar_router_request_keyframe(r, track, 0);
  return TRUE;
}

gboolean
ar_router_set_audio_only(ArRouter *r, gint participant, gboolean on, gint64 now_us)
{
  if (!valid_participant(r, participant))
    return FALSE;
  on = !!on;
  r->now_us = MAX(r->now_us, now_us);
  if (r->parts[participant].audio_only == on)
    return TRUE;
  r->parts[participant].audio_only = on;
  for (guint i = 0; i < r->n_subs; i++) {
    RouterSub *s = &r->subs[i];
    if (!s->used || s->cfg.subscriber != participant || !s->fwd.video)
      continue;
    ar_forwarder_set_audio_only(&s->fwd, on);
    gint kl = ar_forwarder_keyframe_layer(&s->fwd, r->tracks[s->cfg.track].active_mask);
    if (kl >= 0)
      ar_router_request_keyframe(r, s->cfg.track, (guint)kl);
  }
  ar_router_queue_event(r, AR_ROUTER_EVENT_AUDIO_ONLY, participant, -1, -1, -1, on);
  return TRUE;
}

gboolean
ar_router_subscription_info(const ArRouter *r, gint sub, gint *current_layer, guint32 *packets_sent)
{
  if (!valid_sub(r, sub))
    return FALSE;
  if (current_layer)
    *current_layer = r->subs[sub].fwd.video ? r->subs[sub].fwd.current : 0;
  if (packets_sent)
    *packets_sent = r->subs[sub].send.packets;
  return TRUE;
}

gboolean
ar_router_participant_info(const ArRouter *r, gint participant, ArRouterParticipantInfo *out)
{
  if (participant < 0 || participant >= AR_ROUTER_MAX_PARTICIPANTS || !r->parts[participant].used)
    return FALSE;
  const RouterParticipant *p = &r->parts[participant];
  *out = (ArRouterParticipantInfo){
    .rtt_us = p->rtt_us,
    .loss_fraction = p->has_down ? p->down_fraction / 256.0 : 0.0,
    .jitter_us = p->has_down ? p->down_jitter_us : 0,
    .quality = p->quality,
  };
  for (guint i = 0; i < r->n_tracks; i++) {
    const RouterTrack *t = &r->tracks[i];
    if (!t->used || t->owner != participant)
      continue;
    for (guint l = 0; l < t->cfg.n_layers; l++)
      out->packets_received += t->layers[l].stats.received;
  }
  return TRUE;
}

RouterSub *
ar_router_sub_by_ssrc(ArRouter *r, gint subscriber, guint32 ssrc, gint *idx)
{
  for (guint i = 0; i < r->n_subs; i++) {
    RouterSub *s = &r->subs[i];
    if (s->used && s->cfg.subscriber == subscriber && s->cfg.ssrc == ssrc) {
      if (idx)
        *idx = (gint)i;
      return s;
    }
  }
  return NULL;
}

void
ar_router_request_keyframe(ArRouter *r, gint track, guint layer)
{
  RouterTrack *t = &r->tracks[track];
  if (layer >= t->cfg.n_layers || t->cfg.kind != AR_ROUTER_VIDEO)
    return;
  RouterLayer *L = &t->layers[layer];
  if (L->ssrc == 0) /* not learned yet: the forwarder asks again when its packets arrive */
    return;
  if (!ar_keyframe_request(&L->kf, r->now_us))
    return;
  RouterQueued *q = ar_router_queue_push(r, Q_KEYFRAME, track, t->gen);
  if (q) {
    q->layer = (guint8)layer;
    ar_router_queue_event(r, AR_ROUTER_EVENT_KEYFRAME_REQUESTED, t->owner, track, -1, (gint)layer,
                          0);
  }
}

const ArRouterCodecConfig *
ar_router_codec(const RouterTrack *t, guint8 pt)
{
  for (guint i = 0; i < t->cfg.n_codecs; i++)
    if (t->cfg.codecs[i].pt == pt)
      return &t->cfg.codecs[i];
  return NULL;
}

/* --- identification of unsignalled streams (RFC 8852 rid, RFC 8843 mid) --- */

static gboolean
ext_equals(const ArRtpView *v, guint8 id, const char *want, gsize want_len)
{
  const char *s;
  guint8 n;
  return id && ar_rtp_ext_string(v, id, &s, &n) && n == want_len && memcmp(s, want, n) == 0;
}

static gboolean
is_rtx_pt(const RouterTrack *t, guint8 pt)
{
  for (guint i = 0; i < t->cfg.n_codecs; i++)
    if (t->cfg.codecs[i].rtx_pt && t->cfg.codecs[i].rtx_pt == pt)
      return TRUE;
  return FALSE;
}

static const RouterSsrcEntry *
learn_ssrc(ArRouter *r, gint from, const ArRtpView *v)
{
  guint32 ssrc = ar_rtp_ssrc(v);
  for (guint ti = 0; ti < r->n_tracks; ti++) {
    RouterTrack *t = &r->tracks[ti];
    if (!t->used || t->owner != from || !t->mid_len ||
        !ext_equals(v, t->cfg.ext.mid, t->cfg.mid, t->mid_len))
      continue;
    gint layer = -1;
    gboolean rtx = is_rtx_pt(t, ar_rtp_pt(v));
    for (guint l = 0; l < t->cfg.n_layers && layer < 0; l++) {
      const char *rid = t->cfg.layers[l].rid;
      gsize n = strlen(rid);
      if (!n)
        continue;
      if (ext_equals(v, t->cfg.ext.rid, rid, n)) {
        layer = (gint)l;
        rtx = FALSE;
      } else if (ext_equals(v, t->cfg.ext.repaired_rid, rid, n)) {
        layer = (gint)l;
        rtx = TRUE;
      }
    }
    if (layer < 0 && t->cfg.n_layers == 1)
      layer = 0;
    if (layer < 0)
      return NULL;
    RouterLayer *L = &t->layers[layer];
    if (rtx) {
      L->rtx_ssrc = ssrc;
    } else {
      if (L->ssrc != 0) { /* the publisher restarted this layer with a new SSRC */
        L->epoch++;
        ar_rtcp_reports_recv_init(&L->stats, t->cfg.clock_rate);
        ar_nack_generator_init(&L->nackgen, r->cfg.nack_delay_us, r->cfg.nack_cache_age_us,
                               r->cfg.nack_max_retries);
        ar_nack_cache_reset(&L->cache);
      }
      L->ssrc = ssrc;
    }
    ssrc_rebuild(r);
    return ar_router_ssrc_lookup(r, from, ssrc);
  }
  return NULL;
}

/* --- the packet path --- */

typedef struct {
  gboolean keyframe;
  ArVp8Desc vp8;
  gboolean has_vp8;
} PayloadInfo;

static void
inspect_payload(ArRouterCodec codec, const ArRtpView *v, PayloadInfo *pi)
{
  const guint8 *p = ar_rtp_payload(v);
  switch (codec) {
  case AR_ROUTER_CODEC_VP8:
    pi->has_vp8 = ar_vp8_parse(&pi->vp8, p, v->payload_len);
    pi->keyframe = pi->has_vp8 && pi->vp8.keyframe;
    break;
  case AR_ROUTER_CODEC_VP9:
    pi->keyframe = ar_vp9_is_keyframe(p, v->payload_len);
    break;
  case AR_ROUTER_CODEC_H264:
    pi->keyframe = ar_h264_is_keyframe(p, v->payload_len);
    break;
  case AR_ROUTER_CODEC_OPUS:
  case AR_ROUTER_CODEC_RED:
    break;
  case AR_ROUTER_CODEC_OTHER:
    pi->keyframe = TRUE;
    break;
  }
}

static const ArRouterPtMap *
pt_map(const RouterSub *s, guint8 pt)
{
  for (guint i = 0; i < s->cfg.n_pts; i++)
    if (s->cfg.pts[i].in_pt == pt)
      return &s->cfg.pts[i];
  return NULL;
}

/* A RED packet's primary block, for the subscribers that did not negotiate RED: parsed once
 * per packet, when the first of them needs it. */
typedef struct {
  gint8 state; /* 0 not parsed yet, 1 usable, -1 malformed or empty */
  guint8 pt;   /* the block's payload type, the publisher's */
  guint16 off; /* where the block starts in the payload; >= 1 (the RED header precedes it) */
} RedPrimary;

static gboolean
red_primary(RedPrimary *rp, const ArRtpView *v)
{
  if (rp->state == 0) {
    const guint8 *payload = ar_rtp_payload(v);
    ArRedBlock b;
    gboolean ok = ar_red_primary(payload, v->payload_len, &b) && b.len > 0;
    rp->state = ok ? 1 : -1;
    if (ok) {
      rp->pt = b.pt;
      rp->off = (guint16)(b.data - payload);
    }
  }
  return rp->state > 0;
}

/* The mapping for a subscriber that lacks the RED payload type: the primary block's codec, if
 * the track has it (a RED block inside RED is not unwrapped) and the subscriber too. */
static const ArRouterPtMap *
red_primary_map(const RouterTrack *t, const RouterSub *s, RedPrimary *rp, const ArRtpView *v)
{
  if (!red_primary(rp, v))
    return NULL;
  const ArRouterCodecConfig *c = ar_router_codec(t, rp->pt);
  return c && c->codec != AR_ROUTER_CODEC_RED ? pt_map(s, rp->pt) : NULL;
}

static void
fan_out(ArRouter *r, gint ti, guint layer, const ArRtpView *v, ArRouterCodec codec,
        const PayloadInfo *pi, gint16 level, const guint8 *src, gboolean in_ring, guint32 slot,
        guint32 slot_gen)
{
  RouterTrack *t = &r->tracks[ti];
  RouterLayer *L = &t->layers[layer];
  guint8 pt = ar_rtp_pt(v);
  /* Audio only: video is retransmitted from the ring, which keeps what the publisher sent. */
  gboolean red = codec == AR_ROUTER_CODEC_RED && t->cfg.kind == AR_ROUTER_AUDIO;
  RedPrimary rp = {0};
  ArMungerIn in = {.src = (L->epoch << 2) | layer, .seq = ar_rtp_seq(v), .ts = ar_rtp_ts(v)};
  if (pi->has_vp8 && pi->vp8.picid_bits) {
    in.has_picid = TRUE;
    in.picid = ar_vp8_picture_id(&pi->vp8, ar_rtp_payload(v));
  }
  if (pi->has_vp8 && pi->vp8.tl0_off && pi->vp8.tl0_off < v->payload_len) {
    in.has_tl0 = TRUE;
    in.tl0 = ar_vp8_tl0picidx(&pi->vp8, ar_rtp_payload(v));
  }
  for (guint i = 0; i < t->n_subs; i++) {
    gint si = t->subs[i];
    RouterSub *s = &r->subs[si];
    const ArRouterPtMap *map = pt_map(s, pt);
    guint16 red_off = 0;
    if (!map && red) {
      /* Dropped before the munger sees it: the subscriber reads the gap as one lost packet. */
      map = red_primary_map(t, s, &rp, v);
      if (!map) {
        r->stats.red_dropped++;
        continue;
      }
      red_off = rp.off;
    }
    if (!map) {
      r->stats.rtp_unknown_pt++;
      continue;
    }
    ArForwardDecision d = ar_forwarder_handle(&s->fwd, layer, pi->keyframe, t->active_mask);
    gint kl = ar_forwarder_keyframe_layer(&s->fwd, t->active_mask);
    if (kl >= 0)
      ar_router_request_keyframe(r, ti, (guint)kl);
    if (d == AR_FORWARD_DROP) {
      r->stats.dropped_by_forwarder++;
      continue;
    }
    /* A switch may resume the layer forwarded before a pause (audio-only, allocator): a new
     * segment, or the packets skipped meanwhile would read as one long loss. */
    if (d == AR_FORWARD_SWITCHED && s->munger.started && s->munger.src == in.src)
      s->munger.src = ~in.src;
    ArMungerOut m;
    ArMungerResult res = ar_munger_process(&s->munger, &in, r->now_us, &m);
    if (res == AR_MUNGER_DUPLICATE) {
      r->stats.duplicates++;
      continue;
    }
    if (res == AR_MUNGER_LATE) {
      r->stats.rtp_too_late++;
      continue;
    }
    if (d == AR_FORWARD_SWITCHED && t->cfg.n_layers > 1)
      ar_router_queue_event(r, AR_ROUTER_EVENT_LAYER_CHANGED, s->cfg.subscriber, ti, si,
                            (gint)layer, 0);
    RouterQueued *q = ar_router_queue_push(r, Q_RTP, si, s->gen);
    if (!q)
      return;
    q->layer = (guint8)layer;
    /* The primary goes out without the source's padding, which followed the whole RED payload. */
    gboolean padding = v->pad_len && !red_off;
    q->flags = (guint8)((ar_rtp_marker(v) ? QF_MARKER : 0) | (padding ? QF_PADDING : 0) |
                        (in_ring ? QF_IN_RING : 0));
    q->csrc_count = (guint8)ar_rtp_csrc_count(v);
    q->src = src;
    q->slot = slot;
    q->slot_gen = slot_gen;
    q->src_len = (guint16)(red_off ? v->header_len + v->payload_len : v->len);
    q->red_off = red_off;
    q->header_len = (guint16)v->header_len;
    q->pt = map->out_pt;
    q->picid_off = in.has_picid ? pi->vp8.picid_off : 0;
    q->picid_bits = in.has_picid ? pi->vp8.picid_bits : 0;
    q->tl0_off = in.has_tl0 ? pi->vp8.tl0_off : 0;
    q->level = level;
    q->m = m;
  }
}

void
ar_router_handle_rtp(ArRouter *r, gint from, guint8 *buf, gsize len, gint64 now_us)
{
  r->now_us = MAX(r->now_us, now_us);
  r->rtp_epoch++; /* outputs still referring to the previous caller buffer are now stale */
  r->stats.rtp_in++;
  ArRtpView v;
  if (!valid_participant(r, from) || len > G_MAXUINT16 || !ar_rtp_parse(&v, buf, len)) {
    r->stats.rtp_malformed++;
    return;
  }
  const RouterSsrcEntry *e = ar_router_ssrc_lookup(r, from, ar_rtp_ssrc(&v));
  if (!e)
    e = learn_ssrc(r, from, &v);
  if (!e) {
    r->stats.rtp_unknown++;
    return;
  }
  gint ti = e->track;
  guint layer = e->layer;
  RouterTrack *t = &r->tracks[ti];
  RouterLayer *L = &t->layers[layer];
  gboolean retransmission = e->rtx;
  if (retransmission) {
    guint8 rtx_pt = ar_rtp_pt(&v);
    const ArRouterCodecConfig *apt = NULL;
    for (guint i = 0; i < t->cfg.n_codecs && !apt; i++)
      if (t->cfg.codecs[i].rtx_pt == rtx_pt)
        apt = &t->cfg.codecs[i];
    r->stats.rtx_in++;
    if (v.payload_len < 2) { /* padding-only bandwidth probe */
      r->stats.probes++;
      return;
    }
    if (!apt || L->ssrc == 0 || !ar_rtx_unwrap(&v, apt->pt, L->ssrc)) {
      r->stats.rtp_unknown_pt++;
      return;
    }
  }
  const ArRouterCodecConfig *codec = ar_router_codec(t, ar_rtp_pt(&v));
  if (!codec) {
    r->stats.rtp_unknown_pt++;
    return;
  }
  guint16 seq = ar_rtp_seq(&v);
  if (!t->started) {
    t->started = TRUE;
    for (guint l = 0; l < t->cfg.n_layers; l++)
      t->layers[l].last_us = r->now_us;
  }
  L->seen = TRUE;
  L->last_us = r->now_us;
  ar_router_layer_rate_add(L, v.len, r->now_us);
  t->active_mask |= 1u << layer;
  ar_rtcp_reports_recv_packet(&L->stats, seq, ar_rtp_ts(&v), r->now_us, retransmission);
  if (G_UNLIKELY(t->muted)) {
    r->stats.muted++;
    return;
  }

  PayloadInfo pi = {0};
  gint16 level = -1;
  const guint8 *src = v.buf;
  gboolean in_ring = FALSE;
  guint32 slot = 0, slot_gen = r->rtp_epoch;
  if (t->cfg.kind == AR_ROUTER_VIDEO) {
    if (!ar_nack_generator_on_packet(&L->nackgen, seq, r->now_us))
      ar_router_request_keyframe(r, ti, layer);
    inspect_payload(codec->codec, &v, &pi);
    if (pi.keyframe) {
      ar_keyframe_received(&L->kf);
      guint16 w, h;
      if (pi.has_vp8 && ar_vp8_keyframe_size(&pi.vp8, ar_rtp_payload(&v), v.payload_len, &w, &h))
        L->height = h;
    }
    const guint8 *stored =
        ar_nack_cache_store(&L->cache, seq, v.buf, v.len, r->now_us, &slot, &slot_gen);
    if (stored) {
      src = stored;
      in_ring = TRUE;
    } else {
      slot_gen = r->rtp_epoch;
    }
  } else {
    gboolean voice;
    guint8 lvl;
    if (t->cfg.ext.audio_level &&
        ar_rtp_ext_audio_level(&v, t->cfg.ext.audio_level, &voice, &lvl)) {
      ar_audio_level_observe(&r->speakers, (guint)t->owner, voice, lvl, r->now_us);
      level = (gint16)((voice ? 0x80 : 0) | lvl);
    }
  }
  fan_out(r, ti, layer, &v, codec->codec, &pi, level, src, in_ring, slot, slot_gen);
}
