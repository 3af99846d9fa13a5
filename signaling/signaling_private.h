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
