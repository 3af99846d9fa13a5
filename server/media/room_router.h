/* Glue between a room's transports and the sans-IO router core (router.c): tells the router
 * about each participant's tracks from its negotiated SDP, feeds it decrypted packets and
 * timeouts, and carries what it polls out to the right transport. Worker thread only. */
#pragma once
#include "room.h"

typedef struct ArRoomRouter ArRoomRouter;
typedef struct ArRoomPeer ArRoomPeer;

ArRoomRouter *ar_room_router_new(ArMediaContext *mc);
void ar_room_router_free(ArRoomRouter *rr);

ArRoomPeer *ar_room_router_add(ArRoomRouter *rr, const char *participant_id, ArTransport *t);
void ar_room_router_remove(ArRoomRouter *rr, ArRoomPeer *peer);

/* (Re)declares the peer's published tracks and, for echo, subscribes it to itself on the
 * SSRCs the answer announced. */
gboolean ar_room_router_configure(ArRoomRouter *rr, ArRoomPeer *peer, const ArSdpSession *offer,
                                  const ArSdpSession *answer, gboolean echo, GError **error);
void ar_room_router_connected(ArRoomRouter *rr, ArRoomPeer *peer, gint64 now_us);
void ar_room_router_rtp(ArRoomRouter *rr, ArRoomPeer *peer, guint8 *buf, gsize len,
                        gint64 now_us);
void ar_room_router_rtcp(ArRoomRouter *rr, ArRoomPeer *peer, guint8 *buf, gsize len,
                         gint64 now_us);
void ar_room_router_stats(ArRoomRouter *rr, ArRoomPeer *peer, ArRoomStats *out);
