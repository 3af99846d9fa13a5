/* ICE for one participant: a libnice agent (full ICE, controlled role, trickle, UDP and optional
 * ICE-TCP, UPnP off) with one stream and one component, since BUNDLE and rtcp-mux are required.
 * Thin I/O shell: the transport (transport.c) decides what the packets mean. Lives on one media
 * worker's GMainContext; every call and callback happens on that thread. */
#pragma once
#include "metrics.h"
#include "udp_fast.h"

#include <glib.h>
#include <nice/agent.h>

typedef struct {
  /* Local addresses to gather on. NULL or empty: every non-loopback interface address, or
   * 127.0.0.1 when there is none (a test namespace that holds only lo). */
  const char *const *addresses;
  guint port_min, port_max; /* 0, 0: any port */
  gboolean tcp;             /* also offer passive ICE-TCP candidates */
  /* 1:1 NAT: candidates are announced with this address instead of the local one. */
  const char *public_ip;
  /* The worker's receive buffers. Set: once a UDP pair is selected, media is read in batches
   * beside libnice (udp_fast.h), which keeps STUN. NULL: libnice reads every datagram. */
  ArUdpBatch *batch;
  /* With batch: the worker's counters of datagrams read and recvmmsg calls made that way. */
  ArCounter *batched_datagrams, *batched_calls;
} ArIceConfig;

typedef enum {
  AR_ICE_NEW,
  AR_ICE_CHECKING,
  AR_ICE_CONNECTED,
  AR_ICE_FAILED,
} ArIceState;

/* A connected peer from which nothing (media, RTCP, DTLS, ICE) arrives for this long has gone:
 * the transport fails (ice.c, in place of libnice's consent freshness). */
#define AR_ICE_SILENCE_US (15 * G_USEC_PER_SEC)

typedef struct ArIce ArIce;

typedef struct {
  /* "candidate:..." (no "a=" prefix), ready for SDP or a trickle message. */
  void (*on_candidate)(ArIce *ice, const char *candidate, gpointer user_data);
  void (*on_gathering_done)(ArIce *ice, gpointer user_data);
  void (*on_state)(ArIce *ice, ArIceState state, gpointer user_data);
  /* One received datagram; buf is valid only during the call (the caller may modify it). */
  void (*on_receive)(ArIce *ice, guint8 *buf, gsize len, gpointer user_data);
} ArIceCallbacks;

/* Creates the agent on ctx (the worker's context) and starts gathering. */
ArIce *ar_ice_new(GMainContext *ctx, const ArIceConfig *cfg, const ArIceCallbacks *cb,
                  gpointer user_data, GError **error);
void ar_ice_free(ArIce *ice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArIce, ar_ice_free)

void ar_ice_local_credentials(ArIce *ice, char **ufrag, char **pwd);
gboolean ar_ice_set_remote_credentials(ArIce *ice, const char *ufrag, const char *pwd,
                                       GError **error);
/* Trickled or SDP candidate ("candidate:..." with or without "a="). Unparsable: error, state
 * untouched. */
gboolean ar_ice_add_remote_candidate(ArIce *ice, const char *candidate, GError **error);
void ar_ice_remote_gathering_done(ArIce *ice);

/* ICE restart: new local credentials, gathering again; the selected pair keeps media flowing
 * until the new checks succeed. */
gboolean ar_ice_restart(ArIce *ice, GError **error);

/* Sends up to n datagrams in one call (sendmmsg where libnice can). Returns how many were
 * accepted; datagrams it could not take are dropped (real-time media is not queued). */
int ar_ice_send(ArIce *ice, const NiceOutputMessage *msgs, guint n);

/* Local candidate lines gathered so far, and whether gathering has finished. */
const GPtrArray *ar_ice_local_candidates(const ArIce *ice);
gboolean ar_ice_gathering_done(const ArIce *ice);

ArIceState ar_ice_state(const ArIce *ice);
/* Whether media currently arrives through the batched path, and its counters (zeros if not). */
gboolean ar_ice_batched(const ArIce *ice, ArUdpFastStats *stats);

/* "udp" or "tcp" for the selected pair, NULL before one is selected. */
const char *ar_ice_selected_transport(ArIce *ice);
