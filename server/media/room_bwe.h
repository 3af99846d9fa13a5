/* Bandwidth control for one participant of a room: transport-wide-cc feedback on what it
 * publishes (so its browser ramps its send rate up), and the estimate of its downlink from its
 * feedback on what we send it (transport-cc, REMB as a fallback), which the allocator turns into
 * a simulcast layer per received video track and, when even the lowest layer does not fit,
 * audio-only (room_alloc.h). Glue over twcc_receiver.c, twcc_sender.c and bwe.c; worker
 * thread. */
#pragma once
#include <glib.h>

typedef struct ArRoomBwe ArRoomBwe;

ArRoomBwe *ar_room_bwe_new(guint32 feedback_ssrc);
void ar_room_bwe_free(ArRoomBwe *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArRoomBwe, ar_room_bwe_free)

/* The transport-wide-cc header-extension id this participant negotiated (0: none). */
void ar_room_bwe_set_twcc_id(ArRoomBwe *b, guint8 id, guint32 media_ssrc);

/* A decrypted RTP packet it sent us (before the router rewrites anything). */
void ar_room_bwe_on_rtp(ArRoomBwe *b, guint8 *buf, gsize len, gint64 now_us);
/* We sent it a packet carrying transport-wide seq `seq` (the router's counter for it). */
void ar_room_bwe_on_sent(ArRoomBwe *b, guint16 seq, gsize len, gint64 now_us);
/* Its compound RTCP: transport-cc feedback and REMB feed the estimator. */
void ar_room_bwe_on_rtcp(ArRoomBwe *b, const guint8 *buf, gsize len, gint64 now_us);
void ar_room_bwe_on_rtt(ArRoomBwe *b, gint64 rtt_us);

/* Feedback packets due for it; loop until 0. */
gssize ar_room_bwe_poll_feedback(ArRoomBwe *b, gint64 now_us, guint8 *out, gsize cap);
gint64 ar_room_bwe_next_timeout(const ArRoomBwe *b);

guint64 ar_room_bwe_estimate(ArRoomBwe *b, gint64 now_us);

/* The downlink as the allocator sees it. The estimate starts at its maximum: an SFU forwards
 * what is published until the receiver's feedback shows loss or growing queues (as LiveKit's
 * allocator does), instead of starting every visit at the lowest layer and climbing for tens of
 * seconds at 8 %/s. */
typedef struct {
  guint64 estimate_bps;
  gboolean measured;  /* feedback (transport-cc or REMB) has come in */
  gboolean congested; /* loss above 2 % or queues growing: no probing now */
  /* Evidence that the link lacks capacity, not only that its delay moves: loss above 2 %, or
   * the estimate is the receiver's own (REMB). Pausing video needs it (room_alloc.c). */
  gboolean lossy;
  gboolean receiver_capped;
} ArRoomBweLink;
void ar_room_bwe_link(ArRoomBwe *b, gint64 now_us, ArRoomBweLink *out);
