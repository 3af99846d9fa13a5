/* One subscriber's allocation loop; see room_alloc.h. A decision goes:
 *   1. describe what it receives: audio slots as audio, video slots with the layers their
 *      publisher sends (bitrate and height as the router measured them) and the viewport;
 *   2. run the allocator against the estimate (unconstrained while no feedback has come in);
 *   3. hand each changed layer to the router, enter or leave audio-only;
 *   4. set the probe rate: the allocator's padding wish, unless the link is congested now or a
 *      recent probe met congestion (then back off, doubling).
 * Padding goes out in 20 ms slices between decisions, at most 16 packets a slice. */
#include "room_alloc.h"

#include "allocator.h"

#include <string.h>

/* Bytes a padding packet adds on the wire as the estimator counts it (RTP header, extensions). */
#define PROBE_PACKET_BYTES (AR_ROUTER_PADDING_LEN + 24)
#define UNCONSTRAINED_BPS G_GUINT64_CONSTANT(1000000000)

typedef struct {
  gint subscription;
  gint layer;
} Applied;

struct ArRoomAlloc {
  gint participant;
  ArAllocator *alloc;
  gint64 next_decision_us; /* G_MININT64: at the first run */
  Applied applied[AR_ALLOC_MAX_TRACKS];
  guint n_applied;
  gboolean audio_only;
  gint64 audio_only_since_us;
  gint64 audio_only_pending_us; /* -1: the allocator does not ask for audio-only */
  guint64 estimate_bps, allocated_bps;
  /* probing */
  guint64 probe_bps;
  gint64 probe_last_us;
  double probe_credit; /* bytes */
  gint64 probe_blocked_until_us;
  gint64 probe_backoff_us;
  guint64 probes_sent;
  guint probes_failed;
};

ArRoomAlloc *
ar_room_alloc_new(gint participant)
{
  ArRoomAlloc *a = g_new0(ArRoomAlloc, 1);
  a->participant = participant;
  a->alloc = ar_allocator_new(NULL);
  a->next_decision_us = G_MININT64;
  a->audio_only_pending_us = -1;
  a->probe_blocked_until_us = G_MININT64;
  a->probe_backoff_us = AR_ROOM_ALLOC_PROBE_BACKOFF_US;
  return a;
}

void
ar_room_alloc_free(ArRoomAlloc *a)
{
  if (!a)
    return;
  ar_allocator_free(a->alloc);
  g_free(a);
}

/* Step 1 for one video slot; FALSE when its track has no measured layer yet. */
static gboolean
describe_video(ArRouter *r, const ArRoomAllocSlot *slot, gint64 now_us, ArAllocTrack *t)
{
  ArRouterLayerInfo li[AR_ALLOC_MAX_LAYERS];
  guint n = ar_router_track_layers(r, slot->track, now_us, li, AR_ALLOC_MAX_LAYERS);
  gboolean measured = FALSE;
  *t = (ArAllocTrack){.id = (guint32)slot->subscription,
                      .kind = slot->screen ? AR_ALLOC_SCREEN : AR_ALLOC_CAMERA,
                      .n_layers = n,
                      .max_height = slot->max_height};
  for (guint l = 0; l < n; l++) {
    t->layer_bps[l] = li[l].bitrate_bps;
    t->layer_height[l] = li[l].height;
    measured |= li[l].bitrate_bps > 0;
  }
  return measured;
}

static void
apply_layer(ArRoomAlloc *a, ArRouter *r, const Applied *old, guint n_old, gint sub, gint layer,
            gint64 now_us)
{
  gboolean same = FALSE;
  for (guint i = 0; i < n_old && !same; i++)
    same = old[i].subscription == sub && old[i].layer == layer;
  if (!same)
    ar_router_set_target_layer(r, sub, layer, now_us);
  if (a->n_applied < AR_ALLOC_MAX_TRACKS)
    a->applied[a->n_applied++] = (Applied){sub, layer};
}

static void
set_audio_only(ArRoomAlloc *a, ArRouter *r, gboolean want, gint64 now_us)
{
  if (want && !a->audio_only) {
    a->audio_only = TRUE;
    a->audio_only_since_us = now_us;
    ar_router_set_audio_only(r, a->participant, TRUE, now_us);
  } else if (!want && a->audio_only &&
             now_us - a->audio_only_since_us >= AR_ROOM_ALLOC_AUDIO_ONLY_MIN_US) {
    a->audio_only = FALSE;
    ar_router_set_audio_only(r, a->participant, FALSE, now_us);
  }
}

/* Step 4. A probe that runs into loss or queueing has found the link's limit: stop at once and
 * wait before the next, longer each time; a successful upgrade makes the next wait short again. */
static void
plan_probe(ArRoomAlloc *a, const ArRoomBweLink *link, const ArAllocResult *res, gboolean upgraded,
           gint64 now_us)
{
  if (upgraded)
    a->probe_backoff_us = AR_ROOM_ALLOC_PROBE_BACKOFF_US;
  if (link->congested) {
    if (a->probe_bps > 0) {
      a->probes_failed++;
      a->probe_blocked_until_us = now_us + a->probe_backoff_us;
      a->probe_backoff_us = MIN(a->probe_backoff_us * 2, AR_ROOM_ALLOC_PROBE_BACKOFF_MAX_US);
    }
    a->probe_bps = 0;
    return;
  }
  guint64 want = link->measured && now_us >= a->probe_blocked_until_us ? res->padding_bps : 0;
  if (a->probe_bps == 0 && want > 0)
    a->probe_last_us = now_us;
  a->probe_bps = MIN(want, AR_ROOM_ALLOC_PROBE_MAX_BPS);
}

static void
log_decision(const ArRoomAlloc *a, const ArRoomBweLink *link, const ArAllocTrack *t, guint n,
             const ArAllocResult *res)
{
  char layers[160] = "";
  for (guint i = 0, off = 0; i < n && off < sizeof layers - 40; i++)
    if (t[i].kind != AR_ALLOC_AUDIO)
      off += (guint)g_snprintf(layers + off, sizeof layers - off, " %d[%u/%u/%u]",
                               res->tracks[i].layer, t[i].layer_bps[0] / 1000,
                               t[i].layer_bps[1] / 1000, t[i].layer_bps[2] / 1000);
  g_debug("alloc: participant %d estimate %" G_GUINT64_FORMAT
          " kbps%s%s%s, allocated %" G_GUINT64_FORMAT
          " kbps, audio-only %d, padding %" G_GUINT64_FORMAT " kbps, layers%s",
          a->participant, a->estimate_bps / 1000, link->measured ? "" : " (no feedback)",
          link->congested ? " congested" : "", link->lossy ? " lossy" : "",
          res->allocated_bps / 1000, a->audio_only, res->padding_bps / 1000, layers);
}

/* What audio and the lowest layer of every wanted video need together. */
static guint64
lowest_need(const ArAllocTrack *t, guint n, guint64 audio_bps)
{
  guint64 need = audio_bps;
  for (guint i = 0; i < n; i++)
    for (guint l = 0; t[i].kind != AR_ALLOC_AUDIO && t[i].max_height != 0 && l < t[i].n_layers; l++)
      if (t[i].layer_bps[l] > 0) {
        need += t[i].layer_bps[l];
        break;
      }
  return need;
}

/* Pausing the picture needs the estimate below what audio and the lowest layers need now (the
 * allocator's own resume waits for a margin and a hold, so it lags), and evidence that the link
 * cannot carry them: loss, the receiver's own cap (REMB), or a delay-based estimate far (40 %)
 * short. Delay alone is a weak signal: jitter, reordering or a one-off latency step read as
 * growing queues to the detector while every packet arrives (net-faults: 200 ms delay with
 * 50 ms jitter cut the estimate to its floor, and video was paused on a link that carried it). */
static gboolean
capacity_short(const ArRoomBweLink *link, guint64 need_bps)
{
  if (link->estimate_bps >= need_bps)
    return FALSE;
  return link->lossy || link->receiver_capped || link->estimate_bps * 10 < need_bps * 6;
}

static void
decide(ArRoomAlloc *a, ArRouter *r, const ArRoomAllocSlot *slots, guint n,
       const ArRoomBweLink *link, gint64 now_us)
{
  ArAllocTrack tracks[AR_ALLOC_MAX_TRACKS];
  guint m = 0;
  for (guint i = 0; i < n && m < AR_ALLOC_MAX_TRACKS; i++) {
    if (slots[i].audio)
      tracks[m++] = (ArAllocTrack){.id = (guint32)slots[i].subscription, .kind = AR_ALLOC_AUDIO};
    else if (describe_video(r, &slots[i], now_us, &tracks[m]))
      m++;
  }
  a->estimate_bps = link->measured ? link->estimate_bps : UNCONSTRAINED_BPS;
  ArAllocResult res;
  if (!ar_allocator_update(a->alloc, a->estimate_bps, tracks, m, now_us, &res))
    return;
  /* Audio-only waits for AUDIO_ONLY_ENTER_US of "nothing fits" while the link shows it lacks
   * capacity; until then (or without that evidence) every wanted video keeps its lowest layer,
   * and no padding is added on top of it. */
  gboolean want_pause = res.audio_only && !a->audio_only;
  if (!want_pause || !capacity_short(link, lowest_need(tracks, m, res.allocated_bps)))
    a->audio_only_pending_us = -1;
  else if (a->audio_only_pending_us < 0)
    a->audio_only_pending_us = now_us;
  gboolean hold_lowest =
      want_pause && (a->audio_only_pending_us < 0 ||
                     now_us - a->audio_only_pending_us < AR_ROOM_ALLOC_AUDIO_ONLY_ENTER_US);
  if (hold_lowest) {
    res.audio_only = FALSE;
    res.padding_bps = 0;
    for (guint i = 0; i < m; i++)
      if (tracks[i].kind != AR_ALLOC_AUDIO && tracks[i].max_height != 0)
        for (guint l = 0; l < tracks[i].n_layers && res.tracks[i].layer < 0; l++)
          if (tracks[i].layer_bps[l] > 0)
            res.tracks[i].layer = (gint)l;
  }
  Applied old[AR_ALLOC_MAX_TRACKS];
  guint n_old = a->n_applied;
  memcpy(old, a->applied, sizeof old);
  a->n_applied = 0;
  for (guint i = 0; i < m; i++)
    if (tracks[i].kind != AR_ALLOC_AUDIO)
      apply_layer(a, r, old, n_old, (gint)tracks[i].id, res.tracks[i].layer, now_us);
  gboolean was_audio_only = a->audio_only;
  set_audio_only(a, r, res.audio_only, now_us);
  gboolean upgraded = res.allocated_bps > a->allocated_bps && a->allocated_bps > 0;
  gboolean changed = was_audio_only != a->audio_only;
  for (guint i = 0; i < m; i++)
    changed |= tracks[i].kind != AR_ALLOC_AUDIO && res.tracks[i].changed;
  if (changed)
    log_decision(a, link, tracks, m, &res);
  a->allocated_bps = res.allocated_bps;
  plan_probe(a, link, &res, upgraded, now_us);
}

static void
send_padding(ArRoomAlloc *a, ArRouter *r, gint64 now_us)
{
  if (a->probe_bps == 0) {
    a->probe_credit = 0;
    return;
  }
  gint64 dt = CLAMP(now_us - a->probe_last_us, 0, 4 * AR_ROOM_ALLOC_PROBE_TICK_US);
  if (dt < AR_ROOM_ALLOC_PROBE_TICK_US / 2)
    return;
  a->probe_last_us = now_us;
  double cap = (double)a->probe_bps * 2 * AR_ROOM_ALLOC_PROBE_TICK_US / 8e6 + PROBE_PACKET_BYTES;
  a->probe_credit = MIN(a->probe_credit + (double)a->probe_bps * (double)dt / 8e6, cap);
  guint packets = (guint)(a->probe_credit / PROBE_PACKET_BYTES);
  if (packets == 0)
    return;
  guint queued =
      ar_router_queue_padding(r, a->participant, packets * AR_ROUTER_PADDING_LEN, now_us);
  a->probe_credit -= (double)queued * PROBE_PACKET_BYTES;
  a->probes_sent += queued;
}

void
ar_room_alloc_run(ArRoomAlloc *a, ArRouter *r, const ArRoomAllocSlot *slots, guint n,
                  const ArRoomBweLink *link, gboolean force, gint64 now_us)
{
  if (force || now_us >= a->next_decision_us) {
    decide(a, r, slots, n, link, now_us);
    a->next_decision_us = now_us + AR_ROOM_ALLOC_INTERVAL_US;
  }
  send_padding(a, r, now_us);
}

gint64
ar_room_alloc_next_timeout(const ArRoomAlloc *a)
{
  if (a->probe_bps > 0)
    return MIN(a->next_decision_us, a->probe_last_us + AR_ROOM_ALLOC_PROBE_TICK_US);
  return a->next_decision_us;
}

void
ar_room_alloc_info(const ArRoomAlloc *a, ArRoomAllocInfo *out)
{
  *out = (ArRoomAllocInfo){.audio_only = a->audio_only,
                           .estimate_bps = a->estimate_bps,
                           .allocated_bps = a->allocated_bps,
                           .probe_bps = a->probe_bps,
                           .probes_sent = a->probes_sent,
                           .probes_failed = a->probes_failed};
}
