/* Internal state of ArRouter shared by router.c (rooms, identification, fan-out),
 * router_feedback.c (RTCP in, timers) and router_output.c (output queue, poll). Not for other
 * modules: they use router.h. */
#pragma once
#include "audio_level.h"
#include "forwarder.h"
#include "keyframe.h"
#include "munger.h"
#include "nack_cache.h"
#include "nack_generator.h"
#include "router.h"
#include "rtcp_reports.h"

typedef struct {
  guint32 ssrc; /* 0 until signalled or learned */
  guint32 rtx_ssrc;
  guint32 epoch; /* bumped when the publisher restarts the stream (new SSRC or sequence) */
  gboolean seen;
  gint64 last_us;
  ArRtcpRecvStats stats;
  ArRtcpReportBlock block; /* computed at the last RTCP tick, sent in the RR */
  gboolean has_block;
  ArNackCache cache; /* video only */
  ArNackGenerator nackgen;
  ArKeyframe kf;
  gboolean nack_queued;
  /* Received bitrate for the allocator (router_probe.c): bytes since rate_since_us, folded into
   * rate_bps when a window closes; height from the last VP8 keyframe. */
  guint64 rate_bytes;
  gint64 rate_since_us; /* 0: no packet yet */
  guint32 rate_bps;
  guint16 height;
} RouterLayer;

typedef struct {
  gboolean used;
  guint32 gen;
  gint owner;
  ArRouterTrackConfig cfg;
  guint8 mid_len;
  gboolean started;  /* a packet of any layer arrived */
  guint active_mask; /* bit i: layer i not silent for layer_timeout_us (all, at first) */
  RouterLayer layers[AR_ROUTER_MAX_LAYERS];
  gint subs[AR_ROUTER_MAX_PARTICIPANTS];
  guint n_subs;
  gboolean muted; /* server-enforced mute: received and reported on, not forwarded */
} RouterTrack;

typedef struct {
  gboolean used;
  guint32 gen;
  ArRouterSubscriptionConfig cfg;
  guint8 mid_len;
  ArForwarder fwd;
  ArMunger munger;
  ArRtcpSendStats send;
  guint16 rtx_seq;
  gint src_layer; /* layer of the last packet sent, for the SR mapping */
} RouterSub;

typedef struct {
  gboolean used;
  guint32 gen;
  guint32 feedback_ssrc;
  guint16 twcc_seq; /* next transport-wide sequence number towards this participant */
  gint64 rtt_us;    /* -1 until an RR names one of our SRs */
  gint quality;     /* last announced score, -1 none */
  gboolean audio_only;
  gboolean has_down;
  guint8 down_fraction; /* from its latest report block about our streams */
  gint64 down_jitter_us;
  /* Where the outgoing streams of ended subscriptions stopped, by SSRC: a new subscription on
   * the same receive slot (admit reuses the echo's m-line) continues the sequence numbers,
   * timestamps and picture ids, or the receiver drops its packets as old. */
  struct {
    guint32 ssrc;
    ArMunger state; /* map NULL: scalars only */
  } ended[4];
  guint ended_next;
} RouterParticipant;

typedef enum { Q_RTP, Q_RTX, Q_SR, Q_RR, Q_NACK, Q_KEYFRAME, Q_EVENT, Q_PADDING } RouterQueueKind;

enum { QF_MARKER = 1, QF_PADDING = 2, QF_IN_RING = 4 };

/* One pending output. Packets are written at poll time from what is recorded here, so the
 * queue holds references (ring slot or the caller's buffer), never packet copies. */
typedef struct {
  guint8 kind;
  guint8 layer;
  guint8 flags;
  guint8 csrc_count;
  gint idx;    /* subscription, participant or track, by kind */
  guint32 gen; /* its generation when queued: a removal since makes the entry stale */
  const guint8 *src;
  guint32 slot;
  guint32 slot_gen; /* ring generation, or the handle_rtp epoch for the caller's buffer */
  guint16 src_len;
  guint16 header_len;
  guint8 pt;
  guint8 picid_off, picid_bits, tl0_off;
  gint16 level;
  guint16 red_off; /* > 0: send only the payload from this offset (a RED packet's primary) */
  ArMungerOut m;
  ArRouterEvent ev;
} RouterQueued;

typedef struct {
  guint32 ssrc;
  gint16 participant;
  gint16 track;
  guint8 layer;
  guint8 rtx;
  guint8 used;
} RouterSsrcEntry;

struct _ArRouter {
  ArRouterConfig cfg;
  gint64 now_us;
  RouterParticipant parts[AR_ROUTER_MAX_PARTICIPANTS];
  RouterTrack *tracks;
  guint n_tracks;
  RouterSub *subs;
  guint n_subs;
  RouterSsrcEntry *ssrcs;
  guint ssrc_mask;
  ArNackRing *ring;
  RouterQueued *queue;
  guint q_head, q_len, q_cap;
  guint32 rtp_epoch;
  ArAudioLevel speakers;
  gint64 next_rtcp_us;
  ArRouterStats stats;
  guint16 seqs[1024]; /* scratch for NACK parsing and building */
};

#define ROUTER_NACK_SCRATCH 1024

/* router_output.c */
RouterQueued *ar_router_queue_push(ArRouter *r, RouterQueueKind kind, gint idx, guint32 gen);
void ar_router_queue_event(ArRouter *r, ArRouterEventType type, gint participant, gint track,
                           gint subscription, gint layer, gint value);

void ar_router_fill_common(ArRouter *r, RouterSub *s, ArMungerPacket *pk);
void ar_router_finish_rtp(ArRouter *r, RouterSub *s, ArRouterOutput *out, gssize n, gboolean rtx);

/* router_probe.c */
void ar_router_layer_rate_add(RouterLayer *L, gsize len, gint64 now_us);
gssize ar_router_write_padding(ArRouter *r, RouterQueued *q, ArRouterOutput *out, guint8 *dst,
                               gsize cap);

/* router.c */
RouterSub *ar_router_sub_by_ssrc(ArRouter *r, gint subscriber, guint32 ssrc, gint *idx);
const RouterSsrcEntry *ar_router_ssrc_lookup(const ArRouter *r, gint participant, guint32 ssrc);
void ar_router_request_keyframe(ArRouter *r, gint track, guint layer);
guint32 ar_router_feedback_ssrc(const ArRouter *r, gint participant);
const ArRouterCodecConfig *ar_router_codec(const RouterTrack *t, guint8 pt);
