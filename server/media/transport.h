/* One participant's media transport: ICE (libnice) underneath, RFC 7983 demultiplexing, DTLS
 * for the keys, SRTP/SRTCP for every media packet. Hands decrypted RTP and RTCP up to the room
 * and takes plain packets down, protecting them into pooled buffers that leave in batches.
 * Worker thread only. */
#pragma once
#include "dtls.h"
#include "media_context.h"

typedef enum {
  AR_TRANSPORT_NEW,
  AR_TRANSPORT_CHECKING,  /* ICE checks running */
  AR_TRANSPORT_CONNECTED, /* ICE and DTLS done: SRTP keys in place, media can flow */
  AR_TRANSPORT_FAILED,    /* terminal; detail says why */
  AR_TRANSPORT_CLOSED,    /* terminal; the peer closed DTLS */
} ArTransportState;

typedef struct {
  void (*on_candidate)(ArTransport *t, const char *candidate, gpointer user_data);
  void (*on_gathering_done)(ArTransport *t, gpointer user_data);
  /* detail: "ice_failed", "fingerprint_mismatch", "dtls_handshake", "dtls_timeout", ... */
  void (*on_state)(ArTransport *t, ArTransportState state, const char *detail,
                   gpointer user_data);
  /* Decrypted, in a buffer the callee may rewrite in place and must not keep. */
  void (*on_rtp)(ArTransport *t, guint8 *buf, gsize len, gint64 now_us, gpointer user_data);
  void (*on_rtcp)(ArTransport *t, guint8 *buf, gsize len, gint64 now_us, gpointer user_data);
} ArTransportCallbacks;

ArTransport *ar_transport_new(ArMediaContext *mc, const ArTransportCallbacks *cb,
                              gpointer user_data, GError **error);
void ar_transport_free(ArTransport *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArTransport, ar_transport_free)

void ar_transport_local_ice(ArTransport *t, char **ufrag, char **pwd);
const GPtrArray *ar_transport_local_candidates(ArTransport *t);

/* The peer's ICE credentials and DTLS fingerprint (from its SDP) and our DTLS role. */
gboolean ar_transport_set_remote(ArTransport *t, const char *ufrag, const char *pwd,
                                 const char *fingerprint_sha256, ArDtlsRole role,
                                 GError **error);
gboolean ar_transport_add_remote_candidate(ArTransport *t, const char *candidate,
                                           GError **error);
gboolean ar_transport_ice_restart(ArTransport *t, const char *ufrag, const char *pwd,
                                  GError **error);

/* Queues one plain RTP/RTCP packet: protected into a pooled buffer, sent at the next flush.
 * Returns FALSE (counted) when not connected, out of buffers or SRTP refuses. */
gboolean ar_transport_send_rtp(ArTransport *t, const guint8 *pkt, gsize len);
gboolean ar_transport_send_rtcp(ArTransport *t, const guint8 *pkt, gsize len);
void ar_transport_flush(ArTransport *t);

ArTransportState ar_transport_state(const ArTransport *t);
/* "SRTP_AEAD_AES_128_GCM" or "SRTP_AES128_CM_SHA1_80" once connected, else NULL. */
const char *ar_transport_srtp_profile(const ArTransport *t);
const char *ar_transport_state_name(ArTransportState s);
