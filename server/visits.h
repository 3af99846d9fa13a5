/* The main thread's view of running visits: which worker holds each room, and the commands and
 * events that cross between signaling (main thread) and media (workers). Signaling calls
 * ar_visits_*; room events come back through the handler, on the main thread. */
#pragma once
#include "media_context.h"
#include "room.h"
#include "worker.h"

typedef struct ArVisits ArVisits;

/* Called on the main thread for every event a room emits; ev is freed after it returns. */
typedef void (*ArVisitsHandler)(const ArRoomEvent *ev, gpointer user_data);

ArVisits *ar_visits_new(ArWorkerPool *workers, ArMediaContext **contexts,
                        ArVisitsHandler handler, gpointer user_data);
void ar_visits_free(ArVisits *v);

/* Sends the parsed offer (ownership taken) to the room's worker; the answer arrives as an
 * ANSWER event with this request_id. The room is created, and pinned to the least loaded
 * worker, on first use. */
void ar_visits_offer(ArVisits *v, const char *room_id, const char *participant_id,
                     ArSdpSession *offer, ArRoomPurpose purpose, gint64 request_id);
void ar_visits_candidate(ArVisits *v, const char *room_id, const char *participant_id,
                         const char *candidate);
/* Admit (and back): switches a participant with media in the room between the device check
 * (echo) and the visit (forwarding to and from the others, on slots negotiated in advance).
 * FALSE when the participant has no media in that room. */
gboolean ar_visits_set_purpose(ArVisits *v, const char *room_id, const char *participant_id,
                               ArRoomPurpose purpose);
/* Server-enforced mute of the participant's audio: the room stops forwarding it (and keeps
 * that across renegotiation and reloads) until unmuted. FALSE when it has no media there. */
gboolean ar_visits_set_muted(ArVisits *v, const char *room_id, const char *participant_id,
                             gboolean muted);

/* The participant's viewport hint for its video receive slot `mid` (see
 * ar_room_router_viewport). FALSE when it has no media in that room. */
gboolean ar_visits_viewport(ArVisits *v, const char *room_id, const char *participant_id,
                            const char *mid, guint max_height);
gboolean ar_visits_has_media(const ArVisits *v, const char *room_id, const char *participant_id);

/* Records the visit in room_id into `path` (see ar_room_record_start; `pipelines` is an
 * ArRecorderPipelines that outlives the workers). The outcome comes back as RECORDING room
 * events with detail = recording_id. FALSE when the room has no media. */
gboolean ar_visits_record_start(ArVisits *v, const char *room_id, const char *recording_id,
                                const char *path, const void *pipelines);
void ar_visits_record_stop(ArVisits *v, const char *room_id, const char *recording_id);

/* The participant leaves; an empty room is freed on its worker. */
void ar_visits_leave(ArVisits *v, const char *room_id, const char *participant_id);

/* Rooms with at least one participant. */
guint ar_visits_active(const ArVisits *v);
