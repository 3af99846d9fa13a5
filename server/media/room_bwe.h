/* Bandwidth control for one participant of a room: transport-wide-cc feedback on what it
 * publishes (so its browser ramps its send rate up), and the estimate of its downlink from its
 * feedback on what we send it (transport-cc, REMB as a fallback), which the allocator turns into
 * a simulcast layer per received video track and, when even the lowest layer does not fit,
 * audio-only. Glue over twcc_receiver.c, twcc_sender.c, bwe.c and allocator.c; worker thread. */
#pragma once
#include "allocator.h"
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
/* Runs the allocator over the tracks it receives; FALSE when nothing changed. */
gboolean ar_room_bwe_allocate(ArRoomBwe *b, const ArAllocTrack *tracks, guint n, gint64 now_us,
                              ArAllocResult *out);
