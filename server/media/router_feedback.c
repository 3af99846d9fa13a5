/* What comes back to the router: subscribers' and publishers' RTCP (reports, NACK, PLI/FIR) and
 * the timer that drives SR/RR, NACKs towards publishers, deferred keyframe requests, layer
 * activity, network quality and active-speaker detection; see router.h. */
#include "router_private.h"

#include "rtcp_fir.h"
#include "rtcp_nack.h"
#include "rtcp_pli.h"

static void
on_report_block(ArRouter *r, gint from, const ArRtcpReportBlock *rb)
{
  RouterSub *s = ar_router_sub_by_ssrc(r, from, rb->ssrc, NULL);
  if (!s)
    return; /* about a stream we do not send, e.g. its own loopback in echo mode via RTX */
  RouterParticipant *p = &r->parts[from];
  gint64 rtt = ar_rtcp_reports_rtt_us(&s->send, rb, r->now_us);
  if (rtt >= 0)
    p->rtt_us = p->rtt_us < 0 ? rtt : (7 * p->rtt_us + rtt) / 8;
  p->has_down = TRUE;
  p->down_fraction = rb->fraction_lost;
  guint32 clock = r->tracks[s->cfg.track].cfg.clock_rate;
  p->down_jitter_us = (gint64)rb->jitter * G_USEC_PER_SEC / clock;
}

static void
on_sr(ArRouter *r, gint from, const ArRtcpPacket *pkt)
{
  ArRtcpSr sr;
  if (!ar_rtcp_sr_parse(pkt, &sr)) {
    r->stats.rtcp_malformed++;
    return;
  }
  const RouterSsrcEntry *e = ar_router_ssrc_lookup(r, from, sr.ssrc);
  if (e && !e->rtx)
    ar_rtcp_reports_recv_sr(&r->tracks[e->track].layers[e->layer].stats, &sr, r->now_us);
  for (guint i = 0; i < sr.n_reports; i++) {
    ArRtcpReportBlock rb;
    ar_rtcp_sr_report(&sr, i, &rb);
    on_report_block(r, from, &rb);
  }
}

static void
on_rr(ArRouter *r, gint from, const ArRtcpPacket *pkt)
{
  ArRtcpRr rr;
  if (!ar_rtcp_rr_parse(pkt, &rr)) {
    r->stats.rtcp_malformed++;
    return;
  }
  for (guint i = 0; i < rr.n_reports; i++) {
    ArRtcpReportBlock rb;
    ar_rtcp_rr_report(&rr, i, &rb);
    on_report_block(r, from, &rb);
  }
}

/* A subscriber lost packets we sent it: answer each from the cache, as RTX when negotiated. */
static void
on_nack(ArRouter *r, gint from, const ArRtcpPacket *pkt)
{
  ArRtcpNack nack;
  if (ar_rtcp_nack_max_seqs(pkt) > ROUTER_NACK_SCRATCH) {
    r->stats.rtcp_malformed++;
    return;
  }
  gssize n = ar_rtcp_nack_parse(pkt, &nack, r->seqs, ROUTER_NACK_SCRATCH);
  if (n < 0) {
    r->stats.rtcp_malformed++;
    return;
  }
  gint si;
  RouterSub *s = ar_router_sub_by_ssrc(r, from, nack.media_ssrc, &si);
  if (!s)
    return;
  RouterTrack *t = &r->tracks[s->cfg.track];
  for (gssize i = 0; i < n; i++) {
    r->stats.nack_in++;
    ArMungerEntry e;
    const guint8 *data = NULL;
    gsize len;
    guint32 slot = 0, gen = 0;
    if (ar_munger_lookup(&s->munger, r->seqs[i], &e)) {
      RouterLayer *L = &t->layers[e.src & 3];
      if ((e.src & 3) < t->cfg.n_layers && (e.src >> 2) == L->epoch)
        data = ar_nack_cache_get(&L->cache, e.in_seq, r->now_us, &len, &slot, &gen);
    }
    if (!data) {
      r->stats.nack_misses++;
      continue;
    }
    r->stats.nack_hits++;
    RouterQueued *q = ar_router_queue_push(r, Q_RTX, si, s->gen);
    if (!q)
      return;
    q->slot = slot;
    q->slot_gen = gen;
    q->m = (ArMungerOut){.seq = e.out_seq, .ts = e.out_ts, .picid = e.out_picid, .tl0 = e.out_tl0};
  }
}

/* A subscriber wants a keyframe: ask the publisher of the layer it is getting (or waiting for),
 * through the same rate limit as every other request for that layer. */
static void
on_keyframe_request(ArRouter *r, gint from, guint32 media_ssrc)
{
  RouterSub *s = ar_router_sub_by_ssrc(r, from, media_ssrc, NULL);
  if (!s || !s->fwd.video)
    return;
  RouterTrack *t = &r->tracks[s->cfg.track];
  gint layer =
      s->fwd.current >= 0 ? s->fwd.current : ar_forwarder_effective_target(&s->fwd, t->active_mask);
  if (layer >= 0)
    ar_router_request_keyframe(r, s->cfg.track, (guint)layer);
}

void
ar_router_handle_rtcp(ArRouter *r, gint from, const guint8 *buf, gsize len, gint64 now_us)
{
  r->now_us = MAX(r->now_us, now_us);
  r->stats.rtcp_in++;
  if (from < 0 || (guint)from >= r->cfg.max_participants || !r->parts[from].used) {
    r->stats.rtcp_malformed++;
    return;
  }
  ArRtcpIter it;
  ArRtcpPacket pkt;
  ar_rtcp_iter_init(&it, buf, len);
  while (ar_rtcp_iter_next(&it, &pkt)) {
    switch (pkt.pt) {
    case AR_RTCP_SR:
      on_sr(r, from, &pkt);
      break;
    case AR_RTCP_RR:
      on_rr(r, from, &pkt);
      break;
    case AR_RTCP_RTPFB:
      if (pkt.count == AR_RTCP_FMT_NACK)
        on_nack(r, from, &pkt);
      break;
    case AR_RTCP_PSFB:
      if (pkt.count == AR_RTCP_FMT_PLI) {
        ArRtcpPli pli;
        if (ar_rtcp_pli_parse(&pkt, &pli))
          on_keyframe_request(r, from, pli.media_ssrc);
        else
          r->stats.rtcp_malformed++;
      } else if (pkt.count == AR_RTCP_FMT_FIR) {
        ArRtcpFir fir;
        if (!ar_rtcp_fir_parse(&pkt, &fir)) {
          r->stats.rtcp_malformed++;
          break;
        }
        for (guint i = 0; i < fir.n_entries; i++) {
          ArRtcpFirEntry e;
          ar_rtcp_fir_entry(&fir, i, &e);
          on_keyframe_request(r, from, e.ssrc);
        }
      }
      break;
    default: /* SDES, BYE, APP, XR; transport-cc and REMB go to the bandwidth estimator */
      break;
    }
  }
  if (it.error)
    r->stats.rtcp_malformed++;
}

/* Once per RTCP interval: report blocks, RR per publisher, SR per outgoing stream, quality. */
static void
rtcp_tick(ArRouter *r)
{
  for (guint ti = 0; ti < r->n_tracks; ti++) {
    RouterTrack *t = &r->tracks[ti];
    if (!t->used)
      continue;
    for (guint l = 0; l < t->cfg.n_layers; l++) {
      RouterLayer *L = &t->layers[l];
      if (L->stats.started && L->ssrc) {
        ar_rtcp_reports_recv_block(&L->stats, L->ssrc, r->now_us, &L->block);
        L->has_block = TRUE;
      }
    }
  }
  for (guint pi = 0; pi < r->cfg.max_participants; pi++) {
    RouterParticipant *p = &r->parts[pi];
    if (!p->used)
      continue;
    gboolean has_up = FALSE;
    guint8 fraction = p->has_down ? p->down_fraction : 0;
    gint64 jitter = p->has_down ? p->down_jitter_us : 0;
    for (guint ti = 0; ti < r->n_tracks; ti++) {
      RouterTrack *t = &r->tracks[ti];
      if (!t->used || t->owner != (gint)pi)
        continue;
      for (guint l = 0; l < t->cfg.n_layers; l++) {
        RouterLayer *L = &t->layers[l];
        if (!L->has_block || !(t->active_mask & (1u << l)))
          continue;
        has_up = TRUE;
        fraction = MAX(fraction, L->block.fraction_lost);
        jitter = MAX(jitter, ar_rtcp_reports_recv_jitter_us(&L->stats));
      }
    }
    if (has_up)
      ar_router_queue_push(r, Q_RR, (gint)pi, p->gen);
    if (has_up || p->has_down) {
      gint q = (gint)ar_rtcp_reports_quality(fraction, MAX(p->rtt_us, 0), jitter);
      if (q != p->quality) {
        p->quality = q;
        ar_router_queue_event(r, AR_ROUTER_EVENT_QUALITY, (gint)pi, -1, -1, -1, q);
      }
    }
  }
  for (guint si = 0; si < r->n_subs; si++)
    if (r->subs[si].used && r->subs[si].send.packets > 0)
      ar_router_queue_push(r, Q_SR, (gint)si, r->subs[si].gen);
}

void
ar_router_handle_timeout(ArRouter *r, gint64 now_us)
{
  r->now_us = MAX(r->now_us, now_us);
  now_us = r->now_us;
  if (now_us >= r->next_rtcp_us) {
    if (r->next_rtcp_us != G_MININT64)
      rtcp_tick(r);
    r->next_rtcp_us = now_us + r->cfg.rtcp_interval_us;
  }
  for (guint ti = 0; ti < r->n_tracks; ti++) {
    RouterTrack *t = &r->tracks[ti];
    if (!t->used)
      continue;
    for (guint l = 0; l < t->cfg.n_layers; l++) {
      RouterLayer *L = &t->layers[l];
      if (t->started && (t->active_mask & (1u << l)) &&
          now_us - L->last_us >= r->cfg.layer_timeout_us)
        t->active_mask &= ~(1u << l);
      if (t->cfg.kind != AR_ROUTER_VIDEO)
        continue;
      if (!L->nack_queued && ar_nack_generator_next_timeout(&L->nackgen) <= now_us) {
        RouterQueued *q = ar_router_queue_push(r, Q_NACK, (gint)ti, t->gen);
        if (q) {
          q->layer = (guint8)l;
          L->nack_queued = TRUE;
        }
      }
      if (L->ssrc && ar_keyframe_poll(&L->kf, now_us)) {
        RouterQueued *q = ar_router_queue_push(r, Q_KEYFRAME, (gint)ti, t->gen);
        if (q) {
          q->layer = (guint8)l;
          ar_router_queue_event(r, AR_ROUTER_EVENT_KEYFRAME_REQUESTED, t->owner, (gint)ti, -1,
                                (gint)l, 0);
        }
      }
    }
  }
  gint speaker;
  if (ar_audio_level_next_timeout(&r->speakers) <= now_us &&
      ar_audio_level_tick(&r->speakers, now_us, &speaker))
    ar_router_queue_event(r, AR_ROUTER_EVENT_ACTIVE_SPEAKER, speaker, -1, -1, -1, 0);
}

gint64
ar_router_next_timeout(ArRouter *r)
{
  gint64 t = r->next_rtcp_us == G_MININT64 ? r->now_us : r->next_rtcp_us;
  t = MIN(t, ar_audio_level_next_timeout(&r->speakers));
  for (guint ti = 0; ti < r->n_tracks; ti++) {
    RouterTrack *tr = &r->tracks[ti];
    if (!tr->used)
      continue;
    for (guint l = 0; l < tr->cfg.n_layers; l++) {
      RouterLayer *L = &tr->layers[l];
      if (tr->started && (tr->active_mask & (1u << l)))
        t = MIN(t, L->last_us + r->cfg.layer_timeout_us);
      if (tr->cfg.kind != AR_ROUTER_VIDEO)
        continue;
      if (!L->nack_queued)
        t = MIN(t, ar_nack_generator_next_timeout(&L->nackgen));
      if (L->ssrc)
        t = MIN(t, ar_keyframe_next_timeout(&L->kf));
    }
  }
  return MAX(t, r->now_us);
}
