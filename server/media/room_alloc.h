/* Bandwidth allocation for one subscriber in the live path. Twice a second, and at once when its
 * tracks or viewports change, it runs the allocator (allocator.h) over what the subscriber
 * receives with its downlink estimate (room_bwe.h) and carries the result out on the router: a
 * target layer per video subscription (the switch happens at the next keyframe), audio-only when
 * no video fits (announced by the router, left again when the estimate recovers), and padding
 * probes when an upgrade waits on an estimate that cannot grow past what is sent. Audio is never
 * dropped. Sans-IO over the router core; room_router.c drives it from the worker's timer. */
#pragma once
#include <glib.h>

#include "room_bwe.h"
#include "router.h"

#define AR_ROOM_ALLOC_INTERVAL_US 500000  /* decisions */
#define AR_ROOM_ALLOC_PROBE_TICK_US 20000 /* padding is sent in 20 ms slices */
/* Audio-only lasts at least this long once entered, so a wobbling estimate does not make the
 * picture come and go (the allocator adds its own margin and hold before any upgrade). */
#define AR_ROOM_ALLOC_AUDIO_ONLY_MIN_US 4000000
/* ... and is entered only when no video has fitted for this long: until then the lowest layer
 * stays, so one noisy estimate or keyframe-heavy second does not blank the picture. */
#define AR_ROOM_ALLOC_AUDIO_ONLY_ENTER_US 1500000
/* After a probe met loss or queueing, the next waits this long, doubling up to the maximum. The
 * maximum bounds how long a patient whose network has recovered stays without video (a probe
 * stops at the first sign of loss, so one every 20 s costs a congested link little). */
#define AR_ROOM_ALLOC_PROBE_BACKOFF_US 4000000
#define AR_ROOM_ALLOC_PROBE_BACKOFF_MAX_US 20000000
#define AR_ROOM_ALLOC_PROBE_MAX_BPS 2000000

/* One receive slot of the subscriber that shows a track. */
typedef struct {
  gint subscription; /* router subscription id */
  gint track;        /* router track id */
  gboolean audio;
  gboolean screen;
  guint16 max_height; /* viewport hint: 0 not shown, G_MAXUINT16 no limit */
} ArRoomAllocSlot;

typedef struct {
  gboolean audio_only;
  guint64 estimate_bps, allocated_bps;
  guint64 probe_bps;   /* padding rate now, 0 when not probing */
  guint64 probes_sent; /* padding packets queued so far */
  guint probes_failed; /* probes stopped by congestion */
} ArRoomAllocInfo;

typedef struct ArRoomAlloc ArRoomAlloc;

ArRoomAlloc *ar_room_alloc_new(gint participant);
void ar_room_alloc_free(ArRoomAlloc *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArRoomAlloc, ar_room_alloc_free)

/* Decides when a decision is due (or `force`), then sends the padding due now. Video slots whose
 * track has no measured bitrate yet are left as they are (they forward their initial layer), so
 * a new subscription's first frame does not wait for a measurement. */
void ar_room_alloc_run(ArRoomAlloc *a, ArRouter *r, const ArRoomAllocSlot *slots, guint n,
                       const ArRoomBweLink *link, gboolean force, gint64 now_us);
/* When run should next be called. */
gint64 ar_room_alloc_next_timeout(const ArRoomAlloc *a);
void ar_room_alloc_info(const ArRoomAlloc *a, ArRoomAllocInfo *out);
