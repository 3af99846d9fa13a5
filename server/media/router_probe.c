/* The router's side of bandwidth allocation: what each simulcast layer costs (its received
 * bitrate, its height) for the allocator, and padding-only probe packets that let a
 * subscriber's bandwidth estimate grow past what its current layers send; see router.h. */
#include "router_private.h"

#include "rtp.h"

/* Windows shorter than this are too noisy: a keyframe (one per layer switch of any subscriber)
 * is several times a frame, and a low layer's rate read off one would pause it for nothing. */
#define RATE_WINDOW_US 1000000
/* How much one closed window weighs against the previous value. */
#define RATE_NEW_WEIGHT 0.3

/* A padding-only RTP packet before rewriting: header with P set, 224 bytes of padding whose last
 * byte is its count (RFC 3550 5.1). Constant, so one copy serves every probe. */
static const guint8 padding_template[AR_RTP_FIXED_HEADER_LEN + AR_ROUTER_PADDING_LEN] = {
    [0] = 0xa0,
    [AR_RTP_FIXED_HEADER_LEN + AR_ROUTER_PADDING_LEN - 1] = AR_ROUTER_PADDING_LEN,
};

void
ar_router_layer_rate_add(RouterLayer *L, gsize len, gint64 now_us)
{
  if (L->rate_since_us == 0)
    L->rate_since_us = now_us;
  L->rate_bytes += len;
}

static void
layer_rate_update(RouterLayer *L, gint64 now_us)
{
  gint64 dt = now_us - L->rate_since_us;
  if (L->rate_since_us == 0 || dt < RATE_WINDOW_US)
    return;
  double inst = (double)L->rate_bytes * 8.0 * G_USEC_PER_SEC / (double)dt;
  L->rate_bps = L->rate_bps == 0
                    ? (guint32)inst
                    : (guint32)((1 - RATE_NEW_WEIGHT) * L->rate_bps + RATE_NEW_WEIGHT * inst);
  L->rate_bytes = 0;
  L->rate_since_us = now_us;
}

guint
ar_router_track_layers(ArRouter *r, gint track, gint64 now_us, ArRouterLayerInfo *out, guint cap)
{
  if (track < 0 || (guint)track >= r->n_tracks || !r->tracks[track].used)
    return 0;
  RouterTrack *t = &r->tracks[track];
  guint n = MIN(t->cfg.n_layers, cap);
  for (guint l = 0; l < n; l++) {
    RouterLayer *L = &t->layers[l];
    layer_rate_update(L, now_us);
    gboolean active = t->started && (t->active_mask & (1u << l)) && L->seen;
    out[l] = (ArRouterLayerInfo){active ? L->rate_bps : 0, L->height, active};
  }
  return n;
}

/* A video subscription of the participant that can carry probes: it has an RTX stream. One that
 * already sends media is preferred, as its RTP timestamps are meaningful. */
static gint
probe_subscription(ArRouter *r, gint participant, guint8 *rtx_pt)
{
  gint best = -1;
  for (guint i = 0; i < r->n_subs; i++) {
    RouterSub *s = &r->subs[i];
    if (!s->used || s->cfg.subscriber != participant || !s->fwd.video || !s->cfg.rtx_ssrc)
      continue;
    guint8 pt = 0;
    for (guint k = 0; k < s->cfg.n_pts && !pt; k++)
      pt = s->cfg.pts[k].out_rtx_pt;
    if (!pt)
      continue;
    if (best < 0 || (s->munger.started && !r->subs[best].munger.started)) {
      best = (gint)i;
      *rtx_pt = pt;
    }
  }
  return best;
}

guint
ar_router_queue_padding(ArRouter *r, gint participant, guint bytes, gint64 now_us)
{
  if (participant < 0 || (guint)participant >= r->cfg.max_participants ||
      !r->parts[participant].used)
    return 0;
  r->now_us = MAX(r->now_us, now_us);
  guint8 rtx_pt = 0;
  gint si = probe_subscription(r, participant, &rtx_pt);
  if (si < 0)
    return 0;
  guint n = MIN((bytes + AR_ROUTER_PADDING_LEN - 1) / AR_ROUTER_PADDING_LEN,
                AR_ROUTER_PADDING_MAX_PACKETS);
  guint queued = 0;
  /* Media comes first: probes never take the second half of the queue. */
  while (queued < n && r->q_len < r->q_cap / 2) {
    RouterQueued *q = ar_router_queue_push(r, Q_PADDING, si, r->subs[si].gen);
    q->pt = rtx_pt;
    queued++;
  }
  return queued;
}

gssize
ar_router_write_padding(ArRouter *r, RouterQueued *q, ArRouterOutput *out, guint8 *dst, gsize cap)
{
  RouterSub *s = &r->subs[q->idx];
  if (!s->used || s->gen != q->gen)
    return 0;
  ArMungerPacket pk = {.src = padding_template,
                       .src_len = sizeof padding_template,
                       .src_header_len = AR_RTP_FIXED_HEADER_LEN,
                       .pt = q->pt,
                       .padding = TRUE,
                       .m = {.seq = s->rtx_seq, .ts = s->munger.last_out_ts},
                       .audio_level = -1};
  ar_router_fill_common(r, s, &pk);
  pk.ssrc = s->cfg.rtx_ssrc; /* the RTX stream: the media stream's numbering stays whole */
  gssize n = ar_munger_write(&pk, dst, cap);
  if (n < 0)
    return -1;
  s->rtx_seq++;
  ar_router_finish_rtp(r, s, out, n, FALSE);
  r->stats.padding_sent++;
  return n;
}
