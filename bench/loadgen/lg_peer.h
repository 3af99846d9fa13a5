/* One synthetic participant of the load generator: a WebSocket to anteroom's /ws (the
 * pipelines/peer signaling client), `join` with a link token, an offer with one Opus and one VP8
 * m-line, then a libnice agent (controlling), the server's own DTLS module as client and its
 * SRTP module for every packet. Sends 50 pkt/s of audio and 150 pkt/s of VP8-shaped video with
 * a send timestamp in each payload, and hands every packet it receives to the stats. All on
 * the main context of the thread that created it. */
#pragma once
#include <glib.h>

#include "dtls.h"
#include "lg_stats.h"

typedef enum {
  LG_PEER_CONNECTING,
  LG_PEER_CONNECTED, /* ICE + DTLS done, media flowing */
  LG_PEER_FAILED,
} LgPeerState;

typedef enum {
  LG_BACKEND_ANTEROOM,        /* docs/protocol.md: join, media.offer */
  LG_BACKEND_JANUS_ECHO,      /* Janus 1.1 janus.plugin.echotest: the same echo, for the ratio */
  LG_BACKEND_JANUS_VIDEOROOM, /* janus.plugin.videoroom: publish, subscribe to the others */
} LgBackend;

typedef struct {
  LgBackend backend;
  const char *ws_url;
  const char *token;
  const char *purpose; /* "device_check" or "visit" */
  guint index;         /* participant index: streams 2*index (audio) and 2*index+1 (video) */
  guint recv_slots;    /* visit: receive-only audio+video pairs offered for the others */
  guint audio_pps, video_pps;
  guint audio_bytes, video_bytes; /* RTP payload sizes */
  ArDtlsContext *dtls;
  const char *local_fingerprint; /* of the DTLS context's certificate */
  LgStats *stats;
} LgPeerConfig;

typedef struct LgPeer LgPeer;

LgPeer *lg_peer_new(const LgPeerConfig *cfg);
void lg_peer_free(LgPeer *p);
LgPeerState lg_peer_state(const LgPeer *p);
/* Why it failed (static or owned by the peer), NULL otherwise. */
const char *lg_peer_failure(const LgPeer *p);
/* Sends what is due by now; drives DTLS retransmission. Call every few milliseconds. */
void lg_peer_tick(LgPeer *p, gint64 now_ns);
/* When the transport connected (ns), 0 before. */
gint64 lg_peer_connected_at(const LgPeer *p);
/* Packets that did not decrypt or did not carry our trailer. */
guint64 lg_peer_bad_packets(const LgPeer *p);
/* The negotiated SRTP profile once connected, else NULL. */
const char *lg_peer_srtp_profile(const LgPeer *p);
