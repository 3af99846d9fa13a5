/* A visit's media on its worker thread: the participants' transports, SDP negotiation with each,
 * and the router that decides what is forwarded to whom. Everything here runs on one media
 * worker; what the signaling layer must hear about leaves as ArRoomEvent values through the
 * emit callback, which the main-thread side (server/visits.c) posts across. */
#pragma once
#include "media_context.h"
#include "sdp.h"
#include "transport.h"

typedef enum {
  AR_ROOM_PURPOSE_DEVICE_CHECK, /* the participant's media is sent back to it (echo) */
  AR_ROOM_PURPOSE_VISIT,
} ArRoomPurpose;

typedef enum {
  AR_ROOM_EVENT_ANSWER,    /* text: SDP answer; or error set */
  AR_ROOM_EVENT_CANDIDATE, /* text: candidate line ("" = end of candidates), mid */
  AR_ROOM_EVENT_STATE,     /* state + detail */
  AR_ROOM_EVENT_STATS,     /* stats */
  AR_ROOM_EVENT_ROUTER,    /* text: JSON object from the router (speaker, layer, quality...) */
  AR_ROOM_EVENT_RECORDING, /* detail: recording id; text: JSON {"event":...}; no participant */
} ArRoomEventKind;

typedef struct {
  double rtt_ms, loss_pct, jitter_ms;
  double downlink_kbps; /* the bandwidth estimate of the path from us to the participant */
  guint64 packets;
} ArRoomStats;

typedef struct {
  ArRoomEventKind kind;
  char *room_id;
  char *participant_id;
  gint64 request_id; /* ANSWER: the signaling request it answers */
  char *text;
  char *mid;
  ArTransportState state;
  char *detail;
  GError *error;
  ArRoomStats stats;
} ArRoomEvent;

void ar_room_event_free(ArRoomEvent *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArRoomEvent, ar_room_event_free)

/* Takes ownership of ev. Called on the worker thread. */
typedef void (*ArRoomEmit)(ArRoomEvent *ev, gpointer user_data);

typedef struct ArRoom ArRoom;

ArRoom *ar_room_new(ArMediaContext *mc, const char *room_id, ArRoomEmit emit,
                    gpointer user_data);
void ar_room_free(ArRoom *room);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArRoom, ar_room_free)

/* Applies a participant's offer (already parsed; ownership taken) and emits ANSWER with
 * request_id. Creates the participant and its transport on first use. An offer from a new
 * RTCPeerConnection (new o= session id or DTLS fingerprint: the page was reloaded) replaces the
 * participant's transport and keeps its purpose, mute and the others' slots showing it. */
void ar_room_offer(ArRoom *room, const char *participant_id, ArSdpSession *offer,
                   ArRoomPurpose purpose, gint64 request_id);
/* A trickled remote candidate; "" or NULL means end of candidates. */
gboolean ar_room_candidate(ArRoom *room, const char *participant_id, const char *candidate,
                           GError **error);
/* Admit: device check (echo) → visit (forwarding to and from the others), or back. */
void ar_room_set_purpose(ArRoom *room, const char *participant_id, ArRoomPurpose purpose);
/* Server-enforced mute of the participant's audio (kept across renegotiation and reloads). */
void ar_room_set_muted(ArRoom *room, const char *participant_id, gboolean muted);
void ar_room_remove(ArRoom *room, const char *participant_id);
/* Viewport hint of a participant for one of its video receive slots (ar_room_router_viewport). */
void ar_room_viewport(ArRoom *room, const char *participant_id, const char *mid,
                      guint max_height);
guint ar_room_size(const ArRoom *room);

/* Records the published tracks of everyone in the visit into `path` (pipelines/recorder.h;
 * `pipelines` is an ArRecorderPipelines that outlives the room). Emits RECORDING events with
 * detail = recording_id and text {"event":"started","tracks":[..],"skipped":".."},
 * {"event":"failed","reason":".."} or, when the file is closed, {"event":"stopped","ok":..,
 * "reason":"disk_full"|"error: .."|null,"dropped":N}. One recording per room at a time. */
void ar_room_record_start(ArRoom *room, const char *recording_id, const char *path,
                          const void *pipelines);
/* Ends the recording `recording_id` (if still running); its "stopped" event follows. */
void ar_room_record_stop(ArRoom *room, const char *recording_id);
