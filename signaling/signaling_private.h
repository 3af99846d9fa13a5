/* Shared by the signaling service's files (signaling.c, join.c, media_signaling.c): the
 * service and session structs and the reply helpers. Not for use outside signaling/. */
#pragma once
#include "protocol.h"
#include "rate_limit.h"
#include "signaling.h"
#include "store.h"
#include "token.h"
#include "visits.h"

typedef struct {
  ArWsConn *conn;
  ArRateLimit rate;
  guint errors;
  gboolean joined;
  ArTokenClaims claims;  /* valid when joined */
  char *participant_id;  /* opaque, stable for this join */
  char *media_room;      /* room holding this participant's media, or NULL */
} ArSession;

struct ArSignaling {
  ArSignalingOptions opts;
  ArStore *store;
  const ArTokenKeyring *keys;
  ArVisits *visits;
  GHashTable *sessions;       /* ArWsConn* -> ArSession* */
  GHashTable *by_participant; /* participant id -> ArSession* */
  GHashTable *error_counts;   /* code -> count */
  struct ArLobby *lobby;      /* waiting room and lobbies (lobby.c), NULL without a store */
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

/* join.c */
extern const ArSignalingRoute ar_join_routes[];

/* media_signaling.c */
extern const ArSignalingRoute ar_media_routes[];
void ar_signaling_media_session_closed(ArSignaling *s, ArSession *se);

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
