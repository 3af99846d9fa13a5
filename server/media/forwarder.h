/* Per-subscription layer choice (LiveKit's Forwarder): which simulcast layer of a video track a
 * subscriber gets, given the target layer the bandwidth allocator (bwe.c) sets and which layers
 * the publisher is actually sending. Switches happen only on a keyframe of the new layer; audio
 * always passes. The router asks it once per packet per subscriber. */
#pragma once
#include <glib.h>

typedef enum {
  AR_FORWARD_DROP,
  AR_FORWARD,          /* same layer as the previous forwarded packet */
  AR_FORWARD_SWITCHED, /* first packet (a keyframe) of a newly chosen layer */
} ArForwardDecision;

typedef struct {
  gboolean video;
  gboolean audio_only; /* video paused for this subscriber (e.g. poor network, patient's choice) */
  gint8 target;        /* requested spatial layer, -1 = paused by the allocator */
  gint8 current;       /* layer being forwarded, -1 = none yet (waiting for a keyframe) */
  guint32 switches;
} ArForwarder;

void ar_forwarder_init(ArForwarder *f, gboolean video, gint target);

/* The allocator's choice; -1 pauses video. Takes effect at the next keyframe of that layer. */
void ar_forwarder_set_target(ArForwarder *f, gint layer);

/* TRUE when the flag changed. Leaving audio-only waits for a keyframe like a fresh subscriber. */
gboolean ar_forwarder_set_audio_only(ArForwarder *f, gboolean on);

/* The layer to aim for given the layers active at the publisher (bit i = layer i seen recently):
 * the target if active, else the best active layer below it, else the lowest active above it.
 * With no layer active yet it is the target itself. -1 when paused or audio-only. */
gint ar_forwarder_effective_target(const ArForwarder *f, guint active_mask);

/* Decides for one packet of `layer`. `keyframe` is TRUE on the first packet of a keyframe. */
ArForwardDecision ar_forwarder_handle(ArForwarder *f, guint layer, gboolean keyframe,
                                      guint active_mask);

/* The layer the forwarder waits on a keyframe from, or -1 when it needs none. */
gint ar_forwarder_keyframe_layer(const ArForwarder *f, guint active_mask);
