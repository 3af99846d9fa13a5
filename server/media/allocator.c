/* Stream allocation; see allocator.h. One call goes:
 *   1. audio first, unconditionally;
 *   2. each video track keeps its current layer, clipped to what its viewport wants and what the
 *      publisher still sends;
 *   3. downgrade now, one step at a time, while the total exceeds the estimate: cameras before
 *      screen shares, the highest layer first (so cameras level down together, then pause);
 *   4. plan upgrades against estimate / (1 + margin): screen shares before cameras, the lowest
 *      layer first; a planned upgrade happens once it has stayed planned for upgrade_hold_us
 *      (at once for a new track or a viewport that grew).
 * Because the upgrade bar is higher than the downgrade bar and must hold for a while, an estimate
 * that wobbles around a layer's need moves the layer at most once. */
#include "allocator.h"

#include <string.h>

typedef struct {
  guint32 id;
  gint layer;
  gint desired;
  gint64 upgrade_since_us; /* -1: no upgrade planned */
} TrackState;

struct ArAllocator {
  ArAllocatorConfig cfg;
  TrackState st[AR_ALLOC_MAX_TRACKS];
  guint n;
};

ArAllocator *
ar_allocator_new(const ArAllocatorConfig *cfg)
{
  ArAllocator *a = g_new0(ArAllocator, 1);
  a->cfg = cfg ? *cfg : (ArAllocatorConfig){40000, 0.15, 2000000};
  return a;
}

void
ar_allocator_free(ArAllocator *a)
{
  g_free(a);
}

static guint
n_layers(const ArAllocTrack *t)
{
  return MIN(t->n_layers, AR_ALLOC_MAX_LAYERS);
}

static gboolean
available(const ArAllocTrack *t, gint l)
{
  return l >= 0 && (guint)l < n_layers(t) && t->layer_bps[l] > 0;
}

static guint64
cost(const ArAllocator *a, const ArAllocTrack *t, gint l)
{
  if (t->kind == AR_ALLOC_AUDIO)
    return a->cfg.audio_bps;
  return available(t, l) ? t->layer_bps[l] : 0;
}

/* The next layer down that the publisher sends, or paused. */
static gint
lower(const ArAllocTrack *t, gint l)
{
  for (gint k = MIN(l, (gint)n_layers(t)) - 1; k >= 0; k--)
    if (available(t, k))
      return k;
  return AR_ALLOC_PAUSED;
}

/* The next layer up that the publisher sends, or l itself when there is none. */
static gint
higher(const ArAllocTrack *t, gint l)
{
  for (gint k = l + 1; k < (gint)n_layers(t); k++)
    if (available(t, k))
      return k;
  return l;
}

/* The smallest layer at least as tall as the viewport, or the tallest one sent. */
static gint
desired_layer(const ArAllocTrack *t)
{
  if (t->kind == AR_ALLOC_AUDIO)
    return 0;
  if (t->max_height == 0)
    return AR_ALLOC_PAUSED;
  gint best = AR_ALLOC_PAUSED;
  for (gint l = 0; l < (gint)n_layers(t); l++) {
    if (!available(t, l))
      continue;
    best = l;
    if (t->layer_height[l] >= t->max_height)
      break;
  }
  return best;
}

static const TrackState *
find_state(const ArAllocator *a, guint32 id)
{
  for (guint i = 0; i < a->n; i++)
    if (a->st[i].id == id)
      return &a->st[i];
  return NULL;
}

static int
priority(const ArAllocTrack *t)
{
  return t->kind == AR_ALLOC_SCREEN ? 1 : 0;
}

static guint64
total(const ArAllocator *a, const ArAllocTrack *t, const gint *layer, guint n)
{
  guint64 sum = 0;
  for (guint i = 0; i < n; i++)
    sum += cost(a, &t[i], layer[i]);
  return sum;
}

/* Step 3's choice: the lowest-priority video track, highest layer first, later tracks first. */
static gint
pick_downgrade(const ArAllocTrack *t, const gint *layer, guint n)
{
  gint best = -1;
  for (guint i = 0; i < n; i++) {
    if (t[i].kind == AR_ALLOC_AUDIO || layer[i] == AR_ALLOC_PAUSED)
      continue;
    if (best < 0 || priority(&t[i]) < priority(&t[best]) ||
        (priority(&t[i]) == priority(&t[best]) && layer[i] >= layer[best]))
      best = (gint)i;
  }
  return best;
}

/* Step 4's choice: the highest-priority video track below its wish whose next step fits in
 * budget, lowest layer first, earlier tracks first. -1 when none fits. */
static gint
pick_upgrade(const ArAllocator *a, const ArAllocTrack *t, const gint *layer, const gint *desired,
             guint n, guint64 used, guint64 budget)
{
  gint best = -1;
  for (guint i = 0; i < n; i++) {
    if (t[i].kind == AR_ALLOC_AUDIO || layer[i] >= desired[i])
      continue;
    gint next = higher(&t[i], layer[i]);
    if (next == layer[i] || used - cost(a, &t[i], layer[i]) + cost(a, &t[i], next) > budget)
      continue;
    if (best < 0 || priority(&t[i]) > priority(&t[best]) ||
        (priority(&t[i]) == priority(&t[best]) && layer[i] < layer[best]))
      best = (gint)i;
  }
  return best;
}

/* What the next wanted step would need in all, with the margin; 0 when nothing is wanted. */
static guint64
next_step_need(const ArAllocator *a, const ArAllocTrack *t, const gint *layer, const gint *desired,
               guint n, guint64 used)
{
  gint i = pick_upgrade(a, t, layer, desired, n, used, G_MAXUINT64);
  if (i < 0)
    return 0;
  guint64 need = used - cost(a, &t[i], layer[i]) + cost(a, &t[i], higher(&t[i], layer[i]));
  return (guint64)((double)need * (1.0 + a->cfg.upgrade_margin));
}

gboolean
ar_allocator_update(ArAllocator *a, guint64 estimate_bps, const ArAllocTrack *tracks, guint n,
                    gint64 now_us, ArAllocResult *out)
{
  if (n > AR_ALLOC_MAX_TRACKS)
    return FALSE;
  gint layer[AR_ALLOC_MAX_TRACKS], desired[AR_ALLOC_MAX_TRACKS], plan[AR_ALLOC_MAX_TRACKS];
  gint old[AR_ALLOC_MAX_TRACKS];
  gint64 since[AR_ALLOC_MAX_TRACKS];
  gboolean fresh[AR_ALLOC_MAX_TRACKS], grew[AR_ALLOC_MAX_TRACKS];

  /* Steps 1 and 2. */
  for (guint i = 0; i < n; i++) {
    const TrackState *s = find_state(a, tracks[i].id);
    desired[i] = desired_layer(&tracks[i]);
    fresh[i] = s == NULL;
    old[i] = s ? s->layer : AR_ALLOC_PAUSED;
    since[i] = s ? s->upgrade_since_us : -1;
    grew[i] = fresh[i] || desired[i] > s->desired;
    gint l = MIN(old[i], desired[i]);
    if (l != AR_ALLOC_PAUSED && !available(&tracks[i], l))
      l = lower(&tracks[i], l);
    layer[i] = tracks[i].kind == AR_ALLOC_AUDIO ? 0 : l;
  }

  /* Step 3. */
  guint64 used = total(a, tracks, layer, n);
  while (used > estimate_bps) {
    gint i = pick_downgrade(tracks, layer, n);
    if (i < 0)
      break; /* only audio left: it stays */
    layer[i] = lower(&tracks[i], layer[i]);
    used = total(a, tracks, layer, n);
    since[i] = -1;
  }

  /* Step 4. */
  guint64 budget = (guint64)((double)estimate_bps / (1.0 + a->cfg.upgrade_margin));
  memcpy(plan, layer, sizeof(gint) * n);
  guint64 planned = used;
  for (gint i; (i = pick_upgrade(a, tracks, plan, desired, n, planned, budget)) >= 0;) {
    plan[i] = higher(&tracks[i], plan[i]);
    planned = total(a, tracks, plan, n);
  }
  for (guint i = 0; i < n; i++) {
    if (plan[i] <= layer[i]) {
      since[i] = -1;
      continue;
    }
    if (since[i] < 0)
      since[i] = now_us;
    if (grew[i] || now_us - since[i] >= a->cfg.upgrade_hold_us) {
      layer[i] = plan[i];
      since[i] = -1;
    }
  }
  used = total(a, tracks, layer, n);

  /* Results, and the state for the next call. */
  gboolean want_video = FALSE, any_video = FALSE;
  for (guint i = 0; i < n; i++) {
    out->tracks[i] = (ArAllocDecision){layer[i], fresh[i] || layer[i] != old[i]};
    if (tracks[i].kind != AR_ALLOC_AUDIO && desired[i] != AR_ALLOC_PAUSED) {
      want_video = TRUE;
      any_video |= layer[i] != AR_ALLOC_PAUSED;
    }
    a->st[i] = (TrackState){tracks[i].id, layer[i], desired[i], since[i]};
  }
  a->n = n;
  out->n = n;
  out->audio_only = want_video && !any_video;
  out->allocated_bps = used;
  guint64 need = next_step_need(a, tracks, layer, desired, n, used);
  out->padding_bps = need > estimate_bps && estimate_bps > used ? estimate_bps - used : 0;
  return TRUE;
}
