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

/* join.c */
extern const ArSignalingRoute ar_join_routes[];

/* media_signaling.c */
extern const ArSignalingRoute ar_media_routes[];
void ar_signaling_media_session_closed(ArSignaling *s, ArSession *se);

/* recording.c */
extern const ArSignalingRoute ar_recording_routes[];
GHashTable *ar_recording_visits_new(void);
/* A participant's media joined a visit: one who has not consented stops its recording. */
void ar_signaling_recording_media_joined(ArSignaling *s, ArSession *se);
void ar_signaling_recording_room_event(ArSignaling *s, const ArRoomEvent *ev);
