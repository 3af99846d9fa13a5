/* The router's output queue and ar_router_poll(): each queued entry becomes one packet written
 * into the caller's buffer (forwarded RTP, an RTX answer, SR, RR, NACK, PLI/FIR) or one event. */
#include "router_private.h"

#include "codec_vp8.h"
#include "rtcp_nack.h"
#include "rtp.h"

RouterQueued *
ar_router_queue_push(ArRouter *r, RouterQueueKind kind, gint idx, guint32 gen)
{
  if (r->q_len == r->q_cap) {
    r->stats.queue_overflow++;
    return NULL;
  }
  RouterQueued *q = &r->queue[(r->q_head + r->q_len) % r->q_cap];
  r->q_len++;
  q->kind = (guint8)kind;
  q->idx = idx;
  q->gen = gen;
  return q;
}

void
ar_router_queue_event(ArRouter *r, ArRouterEventType type, gint participant, gint track,
                      gint subscription, gint layer, gint value)
{
  RouterQueued *q = ar_router_queue_push(r, Q_EVENT, participant, 0);
  if (q)
    q->ev = (ArRouterEvent){.type = type,
                            .participant = participant,
                            .track = track,
                            .subscription = subscription,
                            .layer = layer,
                            .value = value};
}

static RouterSub *
live_sub(ArRouter *r, const RouterQueued *q)
{
  RouterSub *s = &r->subs[q->idx];
  return s->used && s->gen == q->gen ? s : NULL;
}

static RouterTrack *
live_track(ArRouter *r, const RouterQueued *q)
{
  RouterTrack *t = &r->tracks[q->idx];
  return t->used && t->gen == q->gen ? t : NULL;
}

/* 6.18 fixed-point seconds, the abs-send-time format. */
static guint32
abs_send_time(gint64 us)
{
  return (guint32)((((guint64)MAX(us, 0)) << 18) / G_USEC_PER_SEC) & 0xffffff;
}

void
ar_router_fill_common(ArRouter *r, RouterSub *s, ArMungerPacket *pk)
{
  RouterParticipant *p = &r->parts[s->cfg.subscriber];
  pk->ssrc = s->cfg.ssrc;
  pk->mid_id = s->cfg.ext.mid;
  pk->mid = s->cfg.mid;
  pk->mid_len = s->mid_len;
  pk->abs_send_time_id = s->cfg.ext.abs_send_time;
  pk->abs_send_time = abs_send_time(r->now_us);
  pk->twcc_id = s->cfg.ext.twcc;
  pk->twcc_seq = p->twcc_seq;
}

/* Accounts a written packet: the subscriber's transport-wide counter and the output record. */
void
ar_router_finish_rtp(ArRouter *r, RouterSub *s, ArRouterOutput *out, gssize n, gboolean rtx)
{
  RouterParticipant *p = &r->parts[s->cfg.subscriber];
  *out = (ArRouterOutput){.kind = AR_ROUTER_OUTPUT_RTP,
                          .participant = s->cfg.subscriber,
                          .len = (gsize)n,
                          .retransmission = rtx,
                          .send_us = r->now_us};
  if (s->cfg.ext.twcc) {
    out->has_twcc = TRUE;
    out->twcc_seq = p->twcc_seq++;
  }
}

static gssize
write_rtp(ArRouter *r, RouterQueued *q, ArRouterOutput *out, guint8 *dst, gsize cap)
{
  RouterSub *s = live_sub(r, q);
  gsize len;
  if (!s ||
      ((q->flags & QF_IN_RING) ? ar_nack_ring_get(r->ring, q->slot, q->slot_gen, &len) != q->src
                               : q->slot_gen != r->rtp_epoch))
    return 0;
  ArMungerPacket pk = {.src = q->src,
                       .src_len = q->src_len,
                       .src_header_len = q->header_len,
                       .pt = q->pt,
                       .csrc_count = q->csrc_count,
                       .marker = (q->flags & QF_MARKER) != 0,
                       .padding = (q->flags & QF_PADDING) != 0,
                       .payload_skip = q->red_off,
                       .m = q->m,
                       .picid_off = q->picid_off,
                       .picid_bits = q->picid_bits,
                       .tl0_off = q->tl0_off,
                       .audio_level_id = s->cfg.ext.audio_level,
                       .audio_level = q->level};
  ar_router_fill_common(r, s, &pk);
  gssize n = ar_munger_write(&pk, dst, cap);
  if (n < 0)
    return -1;
  ar_router_finish_rtp(r, s, out, n, FALSE);
  ar_rtcp_reports_send_packet(&s->send, q->src_len - q->header_len - q->red_off);
  s->src_layer = q->layer;
  r->stats.forwarded++;
  if (q->red_off)
    r->stats.red_unwrapped++;
  return n;
}

static gssize
write_rtx(ArRouter *r, RouterQueued *q, ArRouterOutput *out, guint8 *dst, gsize cap)
{
  RouterSub *s = live_sub(r, q);
  gsize len;
  const guint8 *data = s ? ar_nack_ring_get(r->ring, q->slot, q->slot_gen, &len) : NULL;
  ArRtpView v;
  if (!data || !ar_rtp_parse(&v, (guint8 *)data, len))
    return 0;
  const RouterTrack *t = &r->tracks[s->cfg.track];
  const ArRouterPtMap *map = NULL;
  for (guint i = 0; i < s->cfg.n_pts && !map; i++)
    if (s->cfg.pts[i].in_pt == ar_rtp_pt(&v))
      map = &s->cfg.pts[i];
  const ArRouterCodecConfig *codec = ar_router_codec(t, ar_rtp_pt(&v));
  if (!map || !codec)
    return 0;
  ArMungerPacket pk = {.src = data,
                       .src_len = v.len,
                       .src_header_len = v.header_len,
                       .pt = map->out_pt,
                       .csrc_count = (guint8)ar_rtp_csrc_count(&v),
                       .marker = ar_rtp_marker(&v),
                       .padding = v.pad_len != 0,
                       .m = q->m,
                       .audio_level = -1};
  ArVp8Desc d;
  if (codec->codec == AR_ROUTER_CODEC_VP8 && ar_vp8_parse(&d, ar_rtp_payload(&v), v.payload_len)) {
    pk.picid_off = d.picid_bits ? d.picid_off : 0;
    pk.picid_bits = d.picid_bits;
    pk.tl0_off = d.tl0_off < v.payload_len ? d.tl0_off : 0;
  }
  ar_router_fill_common(r, s, &pk);
  if (s->cfg.rtx_ssrc && map->out_rtx_pt) {
    pk.rtx = TRUE;
    pk.rtx_pt = map->out_rtx_pt;
    pk.rtx_ssrc = s->cfg.rtx_ssrc;
    pk.rtx_seq = s->rtx_seq;
  }
  gssize n = ar_munger_write(&pk, dst, cap);
  if (n < 0)
    return -1;
  if (pk.rtx)
    s->rtx_seq++;
  ar_router_finish_rtp(r, s, out, n, TRUE);
  return n;
}

static void
rtcp_out(ArRouterOutput *out, gint participant, gssize n)
{
  *out =
      (ArRouterOutput){.kind = AR_ROUTER_OUTPUT_RTCP, .participant = participant, .len = (gsize)n};
}

static gssize
write_sr(ArRouter *r, RouterQueued *q, ArRouterOutput *out, guint8 *dst, gsize cap)
{
  RouterSub *s = live_sub(r, q);
  if (!s || s->send.packets == 0)
    return 0;
  const RouterTrack *t = &r->tracks[s->cfg.track];
  const ArRtcpRecvStats *src = NULL;
  if (s->src_layer >= 0 && (guint32)s->src_layer == (s->munger.src & 3) &&
      (s->munger.src >> 2) == t->layers[s->src_layer].epoch)
    src = &t->layers[s->src_layer].stats;
  ArRtcpSr sr = {
      .ssrc = s->cfg.ssrc, .packet_count = s->send.packets, .octet_count = s->send.octets};
  ar_rtcp_reports_sr_mapping(src, s->munger.ts_offset,
                             ar_rtcp_reports_ntp(r->now_us + r->cfg.ntp_offset_us),
                             s->munger.last_out_ts, s->munger.last_out_us, t->cfg.clock_rate,
                             r->now_us, &sr.ntp, &sr.rtp_ts);
  gssize n = ar_rtcp_sr_build(dst, cap, &sr, NULL, 0);
  if (n < 0)
    return -1;
  ar_rtcp_reports_send_sr(&s->send, sr.ntp, r->now_us);
  rtcp_out(out, s->cfg.subscriber, n);
  return n;
}

static gssize
write_rr(ArRouter *r, RouterQueued *q, ArRouterOutput *out, guint8 *dst, gsize cap)
{
  gint p = q->idx;
  if (!r->parts[p].used || r->parts[p].gen != q->gen)
    return 0;
  ArRtcpReportBlock blocks[AR_RTCP_MAX_COUNT];
  guint n = 0;
  for (guint ti = 0; ti < r->n_tracks && n < AR_RTCP_MAX_COUNT; ti++) {
    RouterTrack *t = &r->tracks[ti];
    if (!t->used || t->owner != p)
      continue;
    for (guint l = 0; l < t->cfg.n_layers && n < AR_RTCP_MAX_COUNT; l++)
      if (t->layers[l].has_block)
        blocks[n++] = t->layers[l].block;
  }
  if (n == 0)
    return 0;
  gssize len = ar_rtcp_rr_build(dst, cap, ar_router_feedback_ssrc(r, p), blocks, n);
  if (len < 0)
    return -1;
  rtcp_out(out, p, len);
  return len;
}

static gssize
write_nack(ArRouter *r, RouterQueued *q, ArRouterOutput *out, guint8 *dst, gsize cap)
{
  RouterTrack *t = live_track(r, q);
  if (!t)
    return 0;
  RouterLayer *L = &t->layers[q->layer];
  L->nack_queued = FALSE;
  gsize n = ar_nack_generator_collect(&L->nackgen, r->now_us, r->parts[t->owner].rtt_us, r->seqs,
                                      ROUTER_NACK_SCRATCH);
  if (n == 0 || L->ssrc == 0)
    return 0;
  gssize len =
      ar_rtcp_nack_build(dst, cap, ar_router_feedback_ssrc(r, t->owner), L->ssrc, r->seqs, n);
  if (len < 0)
    return -1;
  r->stats.nacks_sent++;
  rtcp_out(out, t->owner, len);
  return len;
}

static gssize
write_keyframe(ArRouter *r, RouterQueued *q, ArRouterOutput *out, guint8 *dst, gsize cap)
{
  RouterTrack *t = live_track(r, q);
  if (!t || t->layers[q->layer].ssrc == 0)
    return 0;
  RouterLayer *L = &t->layers[q->layer];
  gssize len = ar_keyframe_build(&L->kf, dst, cap, t->cfg.use_fir,
                                 ar_router_feedback_ssrc(r, t->owner), L->ssrc);
  if (len < 0)
    return -1;
  r->stats.keyframes_sent++;
  rtcp_out(out, t->owner, len);
  return len;
}

gboolean
ar_router_poll(ArRouter *r, ArRouterOutput *out, guint8 *dst, gsize dst_cap)
{
  while (r->q_len > 0) {
    RouterQueued *q = &r->queue[r->q_head];
    r->q_head = (r->q_head + 1) % r->q_cap;
    r->q_len--;
    gssize n = 0;
    switch ((RouterQueueKind)q->kind) {
    case Q_EVENT:
      *out = (ArRouterOutput){
          .kind = AR_ROUTER_OUTPUT_EVENT, .participant = q->ev.participant, .event = q->ev};
      return TRUE;
    case Q_RTP:
      n = write_rtp(r, q, out, dst, dst_cap);
      break;
    case Q_RTX:
      n = write_rtx(r, q, out, dst, dst_cap);
      break;
    case Q_SR:
      n = write_sr(r, q, out, dst, dst_cap);
      break;
    case Q_RR:
      n = write_rr(r, q, out, dst, dst_cap);
      break;
    case Q_NACK:
      n = write_nack(r, q, out, dst, dst_cap);
      break;
    case Q_KEYFRAME:
      n = write_keyframe(r, q, out, dst, dst_cap);
      break;
    case Q_PADDING:
      n = ar_router_write_padding(r, q, out, dst, dst_cap);
      break;
    }
    if (n > 0)
      return TRUE;
    if (n < 0)
      r->stats.dst_too_small++;
    else
      r->stats.stale++;
  }
  return FALSE;
}
