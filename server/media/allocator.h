/* Stream allocator, one per subscriber (after LiveKit's StreamAllocator, simplified): given the
 * subscriber's bandwidth estimate (bwe.h) and the tracks it receives, chooses the simulcast layer
 * of each video track, or pauses it. Audio is always allocated first and never dropped; screen
 * shares come before cameras; video goes to lower layers, then to audio-only. Downgrades are
 * immediate, upgrades need the estimate to exceed the new need by a margin for ~2 s, so a noisy
 * estimate does not make layers flap. The router calls ar_allocator_update() periodically (and
 * when tracks or viewports change) and switches layers as told. Sans-IO, fixed memory. */
#pragma once
#include <glib.h>

#define AR_ALLOC_MAX_LAYERS 4
#define AR_ALLOC_MAX_TRACKS 16
#define AR_ALLOC_PAUSED (-1)

typedef enum {
  AR_ALLOC_AUDIO,
  AR_ALLOC_CAMERA,
  AR_ALLOC_SCREEN, /* allocated before every camera */
} ArAllocKind;

typedef struct {
  guint32 id; /* the caller's track id, stable across calls: the allocator's state follows it */
  ArAllocKind kind;
  /* Video only. Layers lowest first (one without simulcast); layer_bps is the measured bitrate,
   * 0 when the publisher does not send that layer now. Heights 0 when unknown. */
  guint n_layers;
  guint32 layer_bps[AR_ALLOC_MAX_LAYERS];
  guint16 layer_height[AR_ALLOC_MAX_LAYERS];
  /* Viewport hint: the tile is at most this tall (pixels); the smallest layer at least as tall is
   * enough. 0: not shown, pause it. G_MAXUINT16: no limit. */
  guint16 max_height;
} ArAllocTrack;

typedef struct {
  guint32 audio_bps;      /* per audio track; default 40 kbps */
  double upgrade_margin;  /* upgrade when estimate >= need * (1 + margin); default 0.15 */
  gint64 upgrade_hold_us; /* ... continuously for this long; default 2 s */
} ArAllocatorConfig;

typedef struct {
  gint layer;       /* audio: 0; video: layer index, or AR_ALLOC_PAUSED */
  gboolean changed; /* differs from the previous call (a new track counts as changed) */
} ArAllocDecision;

typedef struct {
  ArAllocDecision tracks[AR_ALLOC_MAX_TRACKS]; /* in the order of the input tracks */
  guint n;
  gboolean audio_only;   /* some video is meant to be shown, but none fits */
  guint64 allocated_bps; /* audio plus the chosen layers */
  /* Padding worth sending: a video track is below what its viewport wants and the estimate does
   * not cover the next step. The estimator cannot grow past 1.5x what it sees acknowledged, so
   * without it a subscriber in audio-only would stay there. 0 when nothing is wanted. */
  guint64 padding_bps;
} ArAllocResult;

typedef struct ArAllocator ArAllocator;

/* cfg NULL: the defaults above. */
ArAllocator *ar_allocator_new(const ArAllocatorConfig *cfg);
void ar_allocator_free(ArAllocator *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArAllocator, ar_allocator_free)

/* Chooses layers for the n tracks (n <= AR_ALLOC_MAX_TRACKS, else FALSE and out untouched).
 * Tracks missing from a call are forgotten. */
gboolean ar_allocator_update(ArAllocator *a, guint64 estimate_bps, const ArAllocTrack *tracks,
                             guint n, gint64 now_us, ArAllocResult *out);
