/* Shared by the signaling service's files (signaling.c, join.c, media_signaling.c): the
 * service and session structs and the reply helpers. Not for use outside signaling/. */
#pragma once
#include "protocol.h"
#include "rate_limit.h"
#include "roster.h"
#include "signaling.h"
#include "store.h"
#include "token.h"
#include "visits.h"

typedef struct ArSession {
  ArWsConn *conn; /* NULL while parked for resume (see resume.c) */
  ArRateLimit rate;
  guint errors;
  gboolean joined;
  ArTokenClaims claims; /* valid when joined */
  char *participant_id; /* opaque, stable for this join */
  char *media_room;     /* room holding this participant's media, or NULL */
  char *appointment_id; /* the visit whose roster holds this session, or NULL */
  char *cookie_session; /* accounts.c session key when joined by cookie, else NULL */
  char *peer_ip;        /* for per-IP limits */
  char token_id[2 * AR_TOKEN_ID_BYTES + 1]; /* hex id of the link token ("" for cookie) */
  guint grace_timer; /* parked: the source that ends the participant after the grace */
  gint64 last_activity_us;
} ArSession;

struct ArSignaling {
  ArSignalingOptions opts;
  ArStore *store;
  const ArTokenKeyring *keys;
  ArVisits *visits;
  GHashTable *sessions;       /* ArWsConn* -> ArSession* */
  GHashTable *by_participant; /* participant id -> ArSession* */
  GHashTable *error_counts;   /* code -> count */
  ArRoster *roster;
  struct ArLimiter *limits;
  guint idle_timer;
  GHashTable *parked; /* participant id -> ArSession* (owned) waiting for resume */
  struct ArScheduler *scheduler; /* offers and self-service; NULL until set */
  struct ArLobby *lobby;      /* waiting room and lobbies (lobby.c), NULL without a store */
  GHashTable *recordings;     /* appointment id -> consent and recording state (recording.c) */
  GHashTable *recording_stops; /* reason -> count */
};

typedef void (*ArSignalingHandler)(ArSignaling *s, ArSession *se, const ArMsg *m);

/* Each signaling module exports a table of the message types it handles, ended by {NULL}. */
typedef struct {
  const char *type;
  ArSignalingHandler handler;
} ArSignalingRoute;

void ar_signaling_send(ArSession *se, char *text); /* takes text */
void ar_signaling_error(ArSignaling *s, ArSession *se, gint64 id, const char *code,
                        const char *message);
void ar_signaling_ok(ArSession *se, gint64 id);
/* TRUE when joined; otherwise replies "unauthenticated" and returns FALSE. */
gboolean ar_signaling_require_join(ArSignaling *s, ArSession *se, const ArMsg *m);

void ar_signaling_session_free(gpointer se);
/* Ends a joined participant for good: media, roster, participant.left, audit "visit.leave". */
void ar_signaling_participant_gone(ArSignaling *s, ArSession *se, const char *why);
/* Removes a participant for good (visit.remove, revocation): it gets `removed` with reason,
 * leaves the visit, and its connection is closed. Works on parked sessions too. */
void ar_signaling_end_participant(ArSignaling *s, ArSession *se, const char *reason);
/* Adds a joined session to its visit's roster and tells the others (participant.joined). */
void ar_signaling_enter_visit(ArSignaling *s, ArSession *se, const char *appointment_id);
/* Audit with opaque ids; detail may be NULL. */
void ar_signaling_audit(ArSignaling *s, const char *actor, const char *action,
                        const char *entity_type, const char *entity, const char *outcome,
                        const char *detail);

/* roles.c: TRUE when the session may send this type; otherwise replies and returns FALSE. */
gboolean ar_roles_check(ArSignaling *s, ArSession *se, const ArMsg *m);

/* join.c */
extern const ArSignalingRoute ar_join_routes[];

/* scheduler_ws.c: offers and the patient's own appointment; presence for live offers */
extern const ArSignalingRoute ar_scheduler_routes[];
void ar_signaling_scheduler_presence(ArSignaling *s, ArSession *se, gboolean present);

/* media_signaling.c */
extern const ArSignalingRoute ar_media_routes[];
void ar_signaling_media_session_closed(ArSignaling *s, ArSession *se);

/* Cookie sessions (accounts.c) as joins: join.c calls this when join has no token. */
void ar_accounts_ws_join(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_accounts_sweep_sessions(ArSignaling *s);
/* join.c: the `joined` reply. */
void ar_signaling_reply_joined(ArSignaling *s, ArSession *se, const ArMsg *m);
extern const ArSignalingRoute ar_accounts_routes[];

/* invites.c */
extern const ArSignalingRoute ar_invites_routes[];
gboolean ar_invites_token_revoked(ArSignaling *s, const char *token_id);
gboolean ar_invites_revoke(ArSignaling *s, const char *token_id, const char *reason);
/* After a successful token join: audits proxy access through a patient's invite. */
void ar_invites_on_join(ArSignaling *s, ArSession *se);
/* Ends every live or parked session joined with token_id (`removed` event, connection closed). */
void ar_invites_disconnect_token(ArSignaling *s, const char *token_id, const char *reason);
/* TRUE when se may act on the appointment: its own (patients, guests) or its clinic's. */
gboolean ar_invites_may_act_on(ArSignaling *s, ArSession *se, const char *appointment_id);

/* resume.c: parks a dropped participant (TRUE) or returns FALSE when it cannot be resumed. */
extern const ArSignalingRoute ar_resume_routes[];
gboolean ar_resume_park(ArSignaling *s, ArSession *se);
/* Draining: ends parked participants now (their media would hold the drain). */
void ar_resume_end_parked(ArSignaling *s);
/* Shutdown: frees sessions still parked. */
void ar_resume_free_parked(ArSignaling *s);

/* visit_controls.c */
extern const ArSignalingRoute ar_visit_routes[];
/* lobby.c: the waiting room's messages (patients, lobbies) and its session hooks. */
extern const ArSignalingRoute ar_lobby_routes[];
struct ArLobby *ar_lobby_new(ArSignaling *s, gint64 grace_s);
void ar_lobby_free(struct ArLobby *lobby);
/* After a successful join, before the reply: a patient's connection takes its place in the
 * waiting room again; returns the state name to report in `joined` (NULL for other roles).
 * After the reply, welcome sends what the newcomer should see at once: the patient's
 * queue.update and kept clinic messages, an interpreter's open requests. */
const char *ar_lobby_joined(ArSignaling *s, ArSession *se);
void ar_lobby_welcome(ArSignaling *s, ArSession *se);
void ar_lobby_session_closed(ArSignaling *s, ArSession *se);
/* visit.end (visit_controls.c): the waiting room marks the visit done and learns its length. */
void ar_lobby_visit_ended(ArSignaling *s, const char *appointment_id);
/* A parked participant came back with `resume` (resume.c): as joined + welcome. */
void ar_lobby_resumed(ArSignaling *s, ArSession *se);
/* The purpose a media.offer really gets: a guest the clinician wants in the waiting room is
 * held in a device check (self view) until admitted. */
ArRoomPurpose ar_lobby_media_purpose(ArSignaling *s, ArSession *se, ArRoomPurpose asked);
/* The network verdict of a participant's media path (media.stats). */
void ar_lobby_media_verdict(ArSignaling *s, ArSession *se, const char *verdict);
struct ArWaitingRoom *ar_lobby_waiting_room(ArSignaling *s);
/* Audit helper shared by lobby.c and interpreter_pool.c: actor is the session's subject. */
void ar_lobby_audit(ArSignaling *s, ArSession *se, const char *action, const char *entity_type,
                    const char *entity_id, const char *outcome, const char *detail);

/* interpreter_pool.c */
extern const ArSignalingRoute ar_interpreter_routes[];
void ar_interpreter_pool_joined(ArSignaling *s, ArSession *se);
/* recording.c */
extern const ArSignalingRoute ar_recording_routes[];
/* rating.c: visit.rating */
extern const ArSignalingRoute ar_rating_routes[];
GHashTable *ar_recording_visits_new(void);
/* A participant's media joined a visit: one who has not consented stops its recording. */
void ar_signaling_recording_media_joined(ArSignaling *s, ArSession *se);
void ar_signaling_recording_room_event(ArSignaling *s, const ArRoomEvent *ev);
