/* Shared by the waiting room's WebSocket files: lobby.c (the ArLobby, session hooks, request
 * checks, route table), lobby_views.c (an entry as JSON and the pushes queue.update and
 * lobby.update), lobby_patient.c (the patient's messages) and lobby_actions.c (the clinician's
 * and staff's lobby messages), lobby_walkin.c (adding a walk-in). Not for use outside
 * signaling/. */
#pragma once
#include "fanout_pace.h"
#include "scheduler.h"
#include "signaling_private.h"
#include "waiting_room.h"

typedef struct ArLobby ArLobby;

struct ArLobby {
  ArSignaling *s;
  ArWaitingRoom *wr;
  GHashTable *patients;    /* appointment id -> ArSession* (the newest connection) */
  GHashTable *subscribers; /* ArSession* set */
  GHashTable *messages;    /* appointment id -> GPtrArray of clinic.message texts */
  GHashTable *guests;      /* participant id -> ArSession*: guests held in the waiting room */
  GHashTable *let_in;      /* participant ids of guests admitted */
  guint timer;
  guint flush_source; /* the armed deferred flush of the waiting room, 0 when none */
  ArFanoutPace pace;  /* when it may run (fanout_pace.h) */
};

/* Wall-clock unix seconds: the waiting room compares with scheduled appointment times. */
static inline gint64
ar_lobby_now(void)
{
  return g_get_real_time() / G_USEC_PER_SEC;
}

gboolean ar_lobby_is_lobby_role(const ArSession *se);
/* Whether this lobby session sees the entry: a clinician their own line, staff their clinic. */
gboolean ar_lobby_sees(const ArSession *se, const ArWaitingEntry *e, const char *practitioner_id);

/* lobby_views.c: JSON members, an entry as lobbies see it, and the waiting room's
 * notifications carried to whoever should see them (the ArWaitingNotify of the lobby). */
void ar_lobby_add_int(JsonBuilder *b, const char *name, gint64 v);
void ar_lobby_add_str(JsonBuilder *b, const char *name, const char *v);
void ar_lobby_add_bool(JsonBuilder *b, const char *name, gboolean v);
/* {"key":"value"} with the value escaped: for audit details that carry a caller's string. */
char *ar_lobby_json_detail(const char *key, const char *value);
void ar_lobby_add_entry(ArLobby *lb, JsonBuilder *b, const ArWaitingEntry *e, gint64 now);
void ar_lobby_on_change(const ArWaitingEntry *e, guint changes, gpointer user_data);

/* lobby.c: replies and request checks. */
void ar_lobby_reply_error(ArSignaling *s, ArSession *se, const ArMsg *m, const GError *error);
gboolean ar_lobby_require_role(ArSignaling *s, ArSession *se, const ArMsg *m, gboolean ok,
                               const char *who);
/* A no-show's or an early finish's slot goes to the waiting list (the scheduler offers it). */
void ar_lobby_open_slot(ArSignaling *s, const char *appointment_id, ArOfferReason reason);

#define REQUIRE_PATIENT(s, se, m)                                                                  \
  ar_lobby_require_role(s, se, m, (se)->joined && (se)->claims.role == AR_TOKEN_ROLE_PATIENT,      \
                        "a patient")
#define REQUIRE_LOBBY(s, se, m)                                                                    \
  ar_lobby_require_role(s, se, m, (se)->joined &&ar_lobby_is_lobby_role(se), "clinic staff")
#define REQUIRE_CLINICIAN(s, se, m)                                                                \
  ar_lobby_require_role(s, se, m, (se)->joined && (se)->claims.role == AR_TOKEN_ROLE_CLINICIAN,    \
                        "a clinician")

/* lobby_patient.c */
void ar_lobby_handle_checkin(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_device_result(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_early(ArSignaling *s, ArSession *se, const ArMsg *m);

/* lobby_actions.c */
void ar_lobby_handle_subscribe(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_admit(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_message(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_noshow(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_transfer(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_late(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_done(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_guests(ArSignaling *s, ArSession *se, const ArMsg *m);
void ar_lobby_handle_admit_guest(ArSignaling *s, ArSession *se, const ArMsg *m);

/* lobby_walkin.c */
void ar_lobby_handle_walkin(ArSignaling *s, ArSession *se, const ArMsg *m);
