/* Internals shared by the load generator's participant (lg_peer.c: transport, media, anteroom
 * signaling) and its Janus signaling (lg_peer_janus.c: echotest and VideoRoom). */
#pragma once
#include <json-glib/json-glib.h>
#include <nice/agent.h>

#include "lg_janus.h"
#include "lg_peer.h"
#include "peer/peer_signaling.h"
#include "srtp.h"

#define LG_BUF_CAP 1500

struct LgPeer {
  LgPeerConfig cfg;
  LgPeerState state;
  char *failure;
  ArPeerSignaling *sig;
  LgJanus *janus; /* legs borrow their owner's connection */
  gint64 janus_handle;
  /* Janus VideoRoom: a participant owns one receive-only leg (its own ICE/DTLS/SRTP) per
   * other publisher; legs answer Janus's offer instead of offering. */
  LgPeer *owner;
  GPtrArray *legs;
  gint64 feed;
  char *remote_offer;
  guint join_tries;
  gboolean dtls_server; /* the answer said setup:active (Janus does) */
  const char *srtp_profile;
  NiceAgent *agent;
  guint stream_id;
  char *local_sdp_cands;
  char *remote_fp;        /* the server's, from its answer */
  GPtrArray *early_cands; /* trickled before the answer set the remote credentials */
  gboolean offered, answered;
  ArDtls *dtls;
  ArSrtpSession *srtp;
  guint32 ssrc_audio, ssrc_video;
  gint64 connected_ns, start_ns;
  guint64 audio_sent, video_sent;
  guint64 bad;
  guint8 buf[LG_BUF_CAP];
};

void lg_peer_fail(LgPeer *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
JsonObject *lg_peer_obj_member(JsonObject *o, const char *name, JsonObject *fallback);
/* A remote candidate line ("candidate:..." or "a=candidate:..."; "" = end of candidates). */
void lg_peer_add_remote_candidate(LgPeer *p, const char *line);
/* The remote description: ICE credentials, fingerprint, setup role, candidates. */
void lg_peer_apply_answer(LgPeer *p, const char *sdp);
/* A receive-only leg of `owner` (VideoRoom subscriber): same config, own transport. */
LgPeer *lg_peer_new_leg(const LgPeerConfig *cfg, LgPeer *owner);

/* lg_peer_janus.c */
void lg_peer_janus_connect(LgPeer *p);
void lg_peer_janus_send_offer(LgPeer *p, const char *sdp);
void lg_peer_janus_send_answer(LgPeer *leg);
