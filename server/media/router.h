/* The SFU router of one visit (room): a sans-IO core in the style of str0m. The media worker
 * feeds it decrypted RTP/RTCP with ar_router_handle_rtp/_rtcp and timer ticks with
 * ar_router_handle_timeout, then drains ar_router_poll() for outgoing packets (rewritten RTP,
 * RTX answers, RTCP it generates) and events. It ties together the forwarder (layer choice),
 * munger (seq/ts rewriting), NACK cache and generator, keyframe requests, RTCP reports and active
 * speaker detection. Everything a packet needs is allocated when participants, tracks and
 * subscriptions are added: the packet path allocates nothing. One router lives on one worker
 * thread and takes no locks. */
#pragma once
#include <glib.h>

#define AR_ROUTER_MAX_PARTICIPANTS 16
#define AR_ROUTER_MAX_LAYERS 3
#define AR_ROUTER_MAX_CODECS 4
#define AR_ROUTER_MID_MAX 16
#define AR_ROUTER_RID_MAX 16

#define AR_ROUTER_ERROR (ar_router_error_quark())
GQuark ar_router_error_quark(void);
typedef enum {
  AR_ROUTER_ERROR_FULL,    /* no free participant / track / subscription slot */
  AR_ROUTER_ERROR_INVALID, /* unknown id or inconsistent configuration */
} ArRouterError;

typedef struct {
  guint max_participants;           /* default 8, at most AR_ROUTER_MAX_PARTICIPANTS */
  guint max_tracks_per_participant; /* default 4 (audio, camera, screen share, spare) */
  guint packet_slots;               /* retransmission ring, 1500 B each; default 2048 */
  guint queue_len;                  /* pending outputs; default 1024 */
  guint nack_cache_packets;         /* per video stream, default and at most 512 */
  gint64 nack_cache_age_us;         /* default 1 s */
  gint64 nack_delay_us;             /* wait after a gap before NACKing; default 5 ms */
  guint nack_max_retries;           /* default 10 */
  gint64 keyframe_interval_us;      /* at most one PLI/FIR per stream per this; default 300 ms */
  gint64 rtcp_interval_us;          /* SR/RR and quality; default 1 s */
  gint64 speaker_dominate_us;       /* active-speaker hysteresis; default 1 s */
  gint64 layer_timeout_us;          /* a simulcast layer silent this long is inactive; 1 s */
  gint64 ntp_offset_us;             /* wall clock (since 1900) minus the monotonic clock, for SRs */
} ArRouterConfig;

void ar_router_config_init(ArRouterConfig *cfg);

typedef enum { AR_ROUTER_AUDIO, AR_ROUTER_VIDEO } ArRouterKind;
typedef enum {
  AR_ROUTER_CODEC_OPUS,
  AR_ROUTER_CODEC_VP8,
  AR_ROUTER_CODEC_VP9,
  AR_ROUTER_CODEC_H264,
  AR_ROUTER_CODEC_OTHER, /* forwarded; every packet counts as a keyframe */
  /* RFC 2198 audio redundancy (Chrome's "red/48000/2" around Opus): forwarded as is to
   * subscribers that negotiated RED, as its primary block with the subscriber's payload type
   * for that block's codec to the others. Audio tracks only. */
  AR_ROUTER_CODEC_RED,
} ArRouterCodec;

/* RTP header-extension ids as negotiated with one participant; 0 = not negotiated. */
typedef struct {
  guint8 mid, rid, repaired_rid, abs_send_time, twcc, audio_level;
} ArRouterExtIds;

typedef struct {
  guint32 feedback_ssrc; /* sender SSRC of our RR/NACK/PLI to it; 0 = one derived from its id */
} ArRouterParticipantConfig;

typedef struct {
  guint8 pt;
  ArRouterCodec codec;
  guint8 rtx_pt; /* 0 = no RTX for this codec */
} ArRouterCodecConfig;

/* One simulcast layer (or the only stream of a non-simulcast track). Either the SSRCs are
 * signalled, or they are 0 and the rid names the layer (Chrome's unsignalled simulcast): the
 * router learns the SSRC from the first packet whose mid and rid (or repaired rid) match. */
typedef struct {
  guint32 ssrc;
  guint32 rtx_ssrc;
  char rid[AR_ROUTER_RID_MAX + 1];
} ArRouterLayerConfig;

typedef struct {
  ArRouterKind kind;
  char mid[AR_ROUTER_MID_MAX + 1];
  ArRouterCodecConfig codecs[AR_ROUTER_MAX_CODECS];
  guint n_codecs;
  guint32 clock_rate;
  ArRouterExtIds ext;
  ArRouterLayerConfig layers[AR_ROUTER_MAX_LAYERS]; /* index 0 = lowest resolution */
  guint n_layers;
  gboolean screen_share;
  gboolean use_fir; /* the publisher negotiated ccm fir but not nack pli */
} ArRouterTrackConfig;

typedef struct {
  guint8 in_pt;  /* the publisher's payload type */
  guint8 out_pt; /* the subscriber's for the same codec */
  guint8 out_rtx_pt;
} ArRouterPtMap;

typedef struct {
  gint subscriber;
  gint track;
  char mid[AR_ROUTER_MID_MAX + 1]; /* the subscriber's mid for this receive slot */
  guint32 ssrc;
  guint32 rtx_ssrc; /* 0 = retransmit as plain RTP */
  ArRouterPtMap pts[AR_ROUTER_MAX_CODECS];
  guint n_pts;
  ArRouterExtIds ext; /* the subscriber's ids: they may differ from the publisher's */
  gint initial_layer; /* target until the allocator sets one; -1 = the highest */
} ArRouterSubscriptionConfig;

typedef enum {
  AR_ROUTER_EVENT_ACTIVE_SPEAKER,     /* participant = the new speaker */
  AR_ROUTER_EVENT_LAYER_CHANGED,      /* participant = subscriber; subscription, layer */
  AR_ROUTER_EVENT_AUDIO_ONLY,         /* participant; value 1 = video paused, 0 = resumed */
  AR_ROUTER_EVENT_QUALITY,            /* participant; value = score 0..5 */
  AR_ROUTER_EVENT_KEYFRAME_REQUESTED, /* participant = publisher; track, layer */
} ArRouterEventType;

typedef struct {
  ArRouterEventType type;
  gint participant;
  gint track;
  gint subscription;
  gint layer;
  gint value;
} ArRouterEvent;

typedef enum {
  AR_ROUTER_OUTPUT_RTP,  /* dst holds an RTP packet (forwarded or retransmitted) */
  AR_ROUTER_OUTPUT_RTCP, /* dst holds an RTCP packet */
  AR_ROUTER_OUTPUT_EVENT,
} ArRouterOutputKind;

typedef struct {
  ArRouterOutputKind kind;
  gint participant; /* destination of a packet; subject of an event */
  gsize len;
  gboolean retransmission;
  /* Transport-wide cc: the sequence number written into the packet, and what the bandwidth
   * estimator must record to match feedback. send_us is the router's clock at poll time; the
   * shell may overwrite it with the real send time. */
  gboolean has_twcc;
  guint16 twcc_seq;
  gint64 send_us;
  ArRouterEvent event;
} ArRouterOutput;

typedef struct {
  guint64 rtp_in, rtp_malformed, rtp_unknown, rtp_unknown_pt, rtp_too_late;
  guint64 rtx_in, probes, duplicates;
  guint64 rtcp_in, rtcp_malformed;
  guint64 forwarded, dropped_by_forwarder, queue_overflow, dst_too_small, stale;
  guint64 nack_in, nack_hits, nack_misses, nacks_sent, keyframes_sent;
  guint64 muted; /* packets of muted tracks, not forwarded */
  guint64 padding_sent; /* padding-only probe packets written */
  /* Copies of RED packets sent as their primary block to subscribers without RED, and copies
   * not sent because the RED payload was malformed or its primary empty or of a codec the
   * subscriber lacks. */
  guint64 red_unwrapped, red_dropped;
} ArRouterStats;

typedef struct _ArRouter ArRouter;

ArRouter *ar_router_new(const ArRouterConfig *cfg);
void ar_router_free(ArRouter *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArRouter, ar_router_free)

/* Each returns the new id (>= 0), or -1 with error set. */
gint ar_router_add_participant(ArRouter *r, const ArRouterParticipantConfig *pc, GError **error);
gint ar_router_add_track(ArRouter *r, gint participant, const ArRouterTrackConfig *tc,
                         GError **error);
/* Subscribing asks the publisher for a keyframe. A participant may subscribe to its own tracks
 * (echo mode for the device check). */
gint ar_router_subscribe(ArRouter *r, const ArRouterSubscriptionConfig *sc, gint64 now_us,
                         GError **error);

/* Removing a participant removes its tracks and subscriptions; removing a track, its
 * subscriptions. FALSE for an unknown id. */
gboolean ar_router_remove_participant(ArRouter *r, gint participant);
gboolean ar_router_remove_track(ArRouter *r, gint track);
gboolean ar_router_unsubscribe(ArRouter *r, gint subscription);

/* Server-enforced mute of a published track: its packets still count for receiver reports,
 * but are not forwarded nor seen by the active-speaker detection. Unmuting starts a new segment
 * for every subscriber, so their sequence numbers continue one past the last packet sent
 * before the mute (no gap, same SSRC) and timestamps advance by the time muted. */
gboolean ar_router_set_track_muted(ArRouter *r, gint track, gboolean muted);
/* The bandwidth allocator's choice for one subscription: spatial layer index, -1 = pause. */
gboolean ar_router_set_target_layer(ArRouter *r, gint subscription, gint layer, gint64 now_us);
/* Pauses (or resumes) every video subscription of a participant; announced as an event. */
gboolean ar_router_set_audio_only(ArRouter *r, gint participant, gboolean on, gint64 now_us);
/* Asks the publisher of a video track for a keyframe of its first layer (rate-limited like
 * every request), e.g. so a recording starts with a picture. FALSE for an unknown track. */
gboolean ar_router_request_track_keyframe(ArRouter *r, gint track, gint64 now_us);

/* What the router measures of one layer of a track, for the bandwidth allocator (allocator.h). */
typedef struct {
  guint32 bitrate_bps; /* received, smoothed over 1 s windows; 0 before the first closes */
  guint16 height;      /* from the layer's last keyframe (VP8), 0 when unknown */
  gboolean active;     /* the publisher sends it (not silent for layer_timeout_us) */
} ArRouterLayerInfo;
/* Fills out[] lowest layer first and returns how many layers the track has (at most cap); 0 for
 * an unknown track. Closes the rate window when it is due, so call it with a clock. */
guint ar_router_track_layers(ArRouter *r, gint track, gint64 now_us, ArRouterLayerInfo *out,
                             guint cap);
/* Bandwidth probe: queues about `bytes` of padding-only RTP packets (224 bytes of padding each,
 * at most AR_ROUTER_PADDING_MAX_PACKETS per call) to a participant, on the RTX SSRC of one of
 * its video subscriptions, continuing that RTX stream's sequence numbers and carrying the next
 * transport-wide sequence numbers, so the bandwidth estimator counts them like media. The media
 * streams' sequence numbers are untouched. Returns the number of packets queued: 0 when the
 * participant has no video subscription with RTX, or the output queue is half full. */
#define AR_ROUTER_PADDING_MAX_PACKETS 16
#define AR_ROUTER_PADDING_LEN 224
guint ar_router_queue_padding(ArRouter *r, gint participant, guint bytes, gint64 now_us);

/* A decrypted RTP packet from a participant. buf may be rewritten in place (RTX unwrap) and must
 * stay valid until poll returns FALSE or the next handle_rtp call, whichever is first: audio is
 * forwarded from it without a copy (outputs still queued from it are dropped by the next
 * handle_rtp). Video is copied once into the retransmission ring. Malformed packets and
 * unknown streams are counted in the stats and dropped. */
void ar_router_handle_rtp(ArRouter *r, gint from_participant, guint8 *buf, gsize len,
                          gint64 now_us);
/* A decrypted compound RTCP packet: SR/RR (RTT, loss, lip-sync mapping), NACK (answered from the
 * cache), PLI/FIR (translated into a rate-limited request to the publisher of the layer the
 * subscriber gets). Transport-cc and REMB feedback are for the bandwidth estimator. */
void ar_router_handle_rtcp(ArRouter *r, gint from_participant, const guint8 *buf, gsize len,
                           gint64 now_us);
void ar_router_handle_timeout(ArRouter *r, gint64 now_us);
/* When handle_timeout should next be called. */
gint64 ar_router_next_timeout(ArRouter *r);

/* Writes the next output: a packet into dst (out->len bytes, for out->participant), or an event
 * (no bytes). FALSE when nothing is pending. A packet larger than dst_cap is dropped and
 * counted. */
gboolean ar_router_poll(ArRouter *r, ArRouterOutput *out, guint8 *dst, gsize dst_cap);

/* A participant's link as the router sees it: RTT from its receiver reports on our SRs, the loss
 * and jitter it reports on what we send it, packets we received from it, quality score. */
typedef struct {
  gint64 rtt_us; /* -1 until known */
  double loss_fraction;
  gint64 jitter_us;
  guint64 packets_received;
  gint quality; /* 0..5, -1 until known */
} ArRouterParticipantInfo;
gboolean ar_router_participant_info(const ArRouter *r, gint participant,
                                    ArRouterParticipantInfo *out);

const ArRouterStats *ar_router_stats(const ArRouter *r);
/* Per-subscription counters for tests and metrics. */
gboolean ar_router_subscription_info(const ArRouter *r, gint subscription, gint *current_layer,
                                     guint32 *packets_sent);
