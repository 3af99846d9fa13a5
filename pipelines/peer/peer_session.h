/* anteroom-peer's WebRTC side: a GStreamer pipeline around one webrtcbin that sends test (or
 * file) audio and video and decodes what comes back, counting it in an ArPeerMeter. The
 * session makes the offer, applies the answer and trickles candidates both ways; main.c
 * carries them over signaling. Callbacks run on the creator's thread-default main context. */
#pragma once
#include <glib.h>

#include "peer_meter.h"
#include "peer_pipelines.h"

typedef struct ArPeerSession ArPeerSession;

typedef enum { AR_PEER_VIDEO_NONE, AR_PEER_VIDEO_VP8, AR_PEER_VIDEO_H264 } ArPeerVideoCodec;
typedef enum { AR_PEER_AUDIO_NONE, AR_PEER_AUDIO_OPUS } ArPeerAudioCodec;

typedef struct {
  ArPeerVideoCodec video;
  ArPeerAudioCodec audio;
  const char *file; /* a media file to send instead of the test sources, or NULL */
  guint slots;      /* extra receive-only audio+video pairs: slots for other participants */
} ArPeerMediaOptions;

typedef struct {
  void (*on_offer)(const char *sdp, gpointer user_data);
  /* A local candidate for `mid`; an empty candidate means gathering is complete. */
  void (*on_candidate)(const char *mid, const char *candidate, gpointer user_data);
  /* The pipeline failed (an element error); the session is of no further use. */
  void (*on_error)(const char *message, gpointer user_data);
} ArPeerSessionCallbacks;

/* Builds the pipeline (nothing runs yet). Fails when a description does not parse or names
 * an element that is not installed. */
ArPeerSession *ar_peer_session_new(const ArPeerPipelines *pipelines, const ArPeerMediaOptions *o,
                                   ArPeerMeter *meter, const ArPeerSessionCallbacks *cb,
                                   gpointer user_data, GError **error);
void ar_peer_session_free(ArPeerSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArPeerSession, ar_peer_session_free)

/* Sets the pipeline playing; webrtcbin then asks for negotiation and on_offer follows. */
gboolean ar_peer_session_start(ArPeerSession *s, GError **error);

/* Applies the server's answer, then any remote candidates that came before it. */
gboolean ar_peer_session_set_answer(ArPeerSession *s, const char *sdp, GError **error);

/* A remote (server) candidate; an empty one (end of candidates) is ignored. */
void ar_peer_session_add_candidate(ArPeerSession *s, const char *mid, const char *candidate);

/* webrtcbin's ICE connection state: "new", "checking", "connected", "completed", ... */
const char *ar_peer_session_ice_state(ArPeerSession *s);
