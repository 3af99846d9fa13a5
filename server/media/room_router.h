/* Glue between a room's transports and the sans-IO router core (router.c): tells the router
 * about each participant's tracks from its negotiated SDP, feeds it decrypted packets and
 * timeouts, and carries what it polls out to the right transport. Worker thread only. */
#pragma once
#include "room.h"

typedef struct ArRoomRouter ArRoomRouter;
typedef struct ArRoomPeer ArRoomPeer;

/* Tells the shell which participant now shows on a subscriber's m-line (publisher NULL: the
 * slot is free again), so the client can label its tiles. */
typedef void (*ArRoomSlotNotify)(const char *subscriber_id, const char *mid,
                                 const char *publisher_id, const char *kind, gpointer user_data);

/* A router event for the signaling layer: to_id NULL means every participant of the room. The
 * JSON object is ready to send ({"type":"speaker.active",...}). */
typedef void (*ArRoomEventNotify)(const char *to_id, const char *json, gpointer user_data);

ArRoomRouter *ar_room_router_new(ArMediaContext *mc, ArRoomSlotNotify notify,
                                 ArRoomEventNotify events, gpointer notify_data);
void ar_room_router_free(ArRoomRouter *rr);

ArRoomPeer *ar_room_router_add(ArRoomRouter *rr, const char *participant_id, ArTransport *t);
void ar_room_router_remove(ArRoomRouter *rr, ArRoomPeer *peer);

/* (Re)declares the peer's published tracks (m-lines it sends on) and its receive slots
 * (m-lines the answer lets the server send on), then reassigns slots: a peer in echo mode (the
 * device check) sees its own tracks; the others see every other non-echo peer's tracks, as
 * long as free slots of the right kind and a common codec remain. */
gboolean ar_room_router_configure(ArRoomRouter *rr, ArRoomPeer *peer, const ArSdpSession *offer,
                                  const ArSdpSession *answer, gboolean echo, GError **error);
/* Admit: a peer leaves echo mode and joins the visit's forwarding, with no SDP exchange when
 * its slots were negotiated in advance. */
void ar_room_router_set_echo(ArRoomRouter *rr, ArRoomPeer *peer, gboolean echo);
/* A page reload: the participant's new transport (new ICE, DTLS, SRTP) replaces the old one,
 * which the caller frees afterwards. Its router participant, and with it the receive slots of
 * the others showing its tracks, stay; the next configure re-declares its tracks. */
void ar_room_router_replace_transport(ArRoomRouter *rr, ArRoomPeer *peer, ArTransport *t);
/* The peer's transport failed or was closed: its tracks leave the router, the others' slots
 * showing them are freed (media.slot with a null publisher, or at once the next publisher
 * waiting for a slot, with a keyframe request), and its own slots are emptied. The peer keeps
 * its router place; a new offer (a reload's new transport) declares its tracks again. */
void ar_room_router_transport_ended(ArRoomRouter *rr, ArRoomPeer *peer);
/* Server-enforced mute: the peer's audio tracks are not forwarded (nor recorded, nor counted
 * for the active speaker) until unmuted; it survives renegotiation and reloads. */
void ar_room_router_set_muted(ArRoomRouter *rr, ArRoomPeer *peer, gboolean muted);
gboolean ar_room_router_muted(const ArRoomPeer *peer);
void ar_room_router_connected(ArRoomRouter *rr, ArRoomPeer *peer, gint64 now_us);
void ar_room_router_rtp(ArRoomRouter *rr, ArRoomPeer *peer, guint8 *buf, gsize len,
                        gint64 now_us);
void ar_room_router_rtcp(ArRoomRouter *rr, ArRoomPeer *peer, guint8 *buf, gsize len,
                         gint64 now_us);
void ar_room_router_stats(ArRoomRouter *rr, ArRoomPeer *peer, ArRoomStats *out);
/* The subscriber's viewport hint for the video slot `mid`: its tile is at most max_height pixels
 * tall (0: not shown, video paused; G_MAXUINT16 or more: no limit). The allocator then sends the
 * smallest layer at least that tall. FALSE when the peer has no such video slot. */
gboolean ar_room_router_viewport(ArRoomRouter *rr, ArRoomPeer *peer, const char *mid,
                                 guint max_height);

/* Recording tap: while set, every decrypted RTP packet a peer publishes reaches the sink with
 * the router track it belongs to, before it is forwarded. NULL sink (the default) turns it off;
 * the packet path then pays one pointer test. A sink returning TRUE wants a keyframe on that
 * track (the recording lost sync); the router asks the publisher, rate limited as any PLI. */
typedef gboolean (*ArRoomRecordSink)(gint track, const guint8 *buf, gsize len, gint64 now_us,
                                     gpointer user_data);
void ar_room_router_set_record_sink(ArRoomRouter *rr, ArRoomRecordSink sink, gpointer user_data);

/* A published track of a peer in the visit (not in the device check), as negotiated. */
typedef struct {
  const char *participant_id;
  gint track;
  const char *mid;
  gboolean audio;
  const char *codec; /* the first media codec the answer accepted (not RED, FEC or RTX) */
  guint8 pt;
  guint clock_rate;
  gboolean has_red; /* the answer also accepted RED ("red/48000/2") on this track */
  guint8 red_pt;
} ArRoomTrackInfo;

/* ArRoomTrackInfo of every such track; its strings live until the peers change. */
GArray *ar_room_router_visit_tracks(ArRoomRouter *rr);
/* Asks every video publisher for a keyframe (a recording starts with a picture). */
void ar_room_router_request_keyframes(ArRoomRouter *rr, gint64 now_us);
/* Whether the participant publishes in the visit (has tracks and is not in echo mode). */
gboolean ar_room_router_in_visit(ArRoomRouter *rr, const char *participant_id);
