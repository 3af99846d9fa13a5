/* The waiting room: today's appointments of every clinician, each with its waiting-room state
 * (kept in SQLite, table lobby_state, so a restart loses no one's place), ordered and timed by
 * the sans-IO queue model (queue_model.h) after every change and on each tick. lobby.c drives it
 * from WebSocket messages and carries its notifications to patients and lobbies; this module does
 * no I/O but the store and takes the time (unix seconds) as an argument. */
#pragma once
#include "queue_model.h"
#include "store.h"

#define AR_WAITING_ROOM_ERROR (ar_waiting_room_error_quark())
GQuark ar_waiting_room_error_quark(void);
typedef enum {
  AR_WAITING_ROOM_ERROR_NOT_FOUND, /* no such appointment today, or not in that line */
  AR_WAITING_ROOM_ERROR_BAD_STATE, /* the request does not fit the entry's state */
  AR_WAITING_ROOM_ERROR_STORE,     /* SQLite failed; nothing changed */
} ArWaitingRoomError;

/* "Today" is a rolling window around now: appointments starting within this many seconds
 * either side are in the lines. A clinic day seen from now needs no time-zone arithmetic. */
#define AR_WAITING_ROOM_WINDOW_S (12 * 3600)
/* The line is recomputed and every waiting patient told at least this often. */
#define AR_WAITING_ROOM_REFRESH_S 60

enum {
  AR_WAITING_DEVICE_CAMERA = 1 << 0,
  AR_WAITING_DEVICE_MICROPHONE = 1 << 1,
  AR_WAITING_DEVICE_SPEAKER = 1 << 2,
};

typedef struct {
  char *appointment_id;
  char *practitioner_id;
  char *clinic_id;
  char *patient_id;
  char *visit_type;
  gint64 scheduled_start, scheduled_end;
  ArQueueState state;
  ArQueueState state_before_away; /* what a rejoin within the grace period restores */
  gint64 arrived_at, ready_at, started_at, ended_at; /* unix s, 0 = not yet */
  gint64 away_since;                                 /* while AWAY */
  gboolean early;                                    /* "I can be seen earlier" */
  char network[8];                                   /* good, fair, poor, unknown */
  guint devices;                                     /* AR_WAITING_DEVICE_* that worked */
  char *interpreter_language;                        /* needed or requested, or NULL */
  char *interpreter_id;                              /* assigned interpreter, or NULL */
  gboolean walk_in;
  gboolean guests_wait; /* caregivers and other guests wait to be admitted (else go straight in) */
  ArQueueEstimate estimate; /* latest */
  ArQueueEstimate shown;    /* the first estimate once ready: scored against the start */
  char *transferred_from;   /* set only during the notification of a transfer */
  guint pending_changes;    /* AR_WAITING_CHANGED_* owed to it by the next deferred flush */
} ArWaitingEntry;

/* What changed about an entry, for the notify callback. */
enum {
  AR_WAITING_CHANGED_LOBBY = 1 << 0, /* state, flags, position or ETA: lobbies want it */
  AR_WAITING_CHANGED_QUEUE = 1 << 1, /* the patient's own view (state, position, ETA) */
};

typedef void (*ArWaitingNotify)(const ArWaitingEntry *e, guint changes, gpointer user_data);

typedef struct ArWaitingRoom ArWaitingRoom;

/* grace_s: how long a dropped patient keeps their place (AWAY) before it lapses. */
ArWaitingRoom *ar_waiting_room_new(ArStore *store, gint64 grace_s, ArWaitingNotify notify,
                                   gpointer user_data);
void ar_waiting_room_free(ArWaitingRoom *wr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArWaitingRoom, ar_waiting_room_free)

/* Deferred updates (the server's mode; without this call every change recomputes its line and
 * notifies at once, as the unit tests drive it). After this, a change only marks its line
 * dirty and remembers what it owes the changed entry; `schedule` is called once when the first
 * line turns dirty after a flush, and the caller then runs ar_waiting_room_flush from its main
 * loop (soon: fanout_pace.h decides when). A transfer still notifies at once: both lobbies must
 * see it while the entry names its old clinician. */
typedef void (*ArWaitingSchedule)(gpointer user_data);
void ar_waiting_room_defer_updates(ArWaitingRoom *wr, ArWaitingSchedule schedule,
                                   gpointer user_data);
/* Recomputes every dirty line once and notifies each entry whose view changed (or that a
 * change was owed to). Returns how many lines it recomputed. */
guint ar_waiting_room_flush(ArWaitingRoom *wr, gint64 now);
/* Whether a flush is owed (some line is dirty). */
gboolean ar_waiting_room_dirty(const ArWaitingRoom *wr);

/* Loads today's appointments and their saved states. Patients who were present when the server
 * stopped come back AWAY with a fresh grace period: their connections went with the process. */
gboolean ar_waiting_room_load(ArWaitingRoom *wr, gint64 now, GError **error);

/* The entry of an appointment, loaded on demand if it was booked after the last load; NULL if
 * it is not an appointment of today. */
const ArWaitingEntry *ar_waiting_room_lookup(ArWaitingRoom *wr, const char *appointment_id,
                                             gint64 now);

/* Adds appointments booked since the last load (the lobby asks before a snapshot). */
void ar_waiting_room_refresh(ArWaitingRoom *wr, gint64 now);

/* Patient actions. */
gboolean ar_waiting_room_checkin(ArWaitingRoom *wr, const char *id, gint64 now, GError **error);
gboolean ar_waiting_room_device_result(ArWaitingRoom *wr, const char *id, guint devices, gint64 now,
                                       GError **error);
gboolean ar_waiting_room_set_early(ArWaitingRoom *wr, const char *id, gboolean early, gint64 now,
                                   GError **error);
/* The latest network verdict of the patient's media path ("good", "fair", "poor"). */
void ar_waiting_room_set_network(ArWaitingRoom *wr, const char *id, const char *verdict,
                                 gint64 now);
/* The patient's connection came back (returns the state now) or dropped. */
ArQueueState ar_waiting_room_connected(ArWaitingRoom *wr, const char *id, gint64 now);
void ar_waiting_room_disconnected(ArWaitingRoom *wr, const char *id, gint64 now);

/* Clinician actions. admit needs a connected patient (checking devices or ready); the estimate
 * they were shown is scored against now. */
gboolean ar_waiting_room_admit(ArWaitingRoom *wr, const char *id, gint64 now, GError **error);
gboolean ar_waiting_room_end(ArWaitingRoom *wr, const char *id, gint64 now, GError **error);
gboolean ar_waiting_room_noshow(ArWaitingRoom *wr, const char *id, gint64 now, GError **error);
/* Moves the appointment to another active clinician of the same clinic. */
gboolean ar_waiting_room_transfer(ArWaitingRoom *wr, const char *id, const char *practitioner_id,
                                  gint64 now, GError **error);
/* What the clinician announced ("running 10 minutes late"), 0 to clear. */
void ar_waiting_room_set_announced_late(ArWaitingRoom *wr, const char *practitioner_id,
                                        gint64 late_s, gint64 now);
gboolean ar_waiting_room_set_guests_wait(ArWaitingRoom *wr, const char *id, gboolean wait,
                                         gint64 now, GError **error);
gboolean ar_waiting_room_set_interpreter(ArWaitingRoom *wr, const char *id, const char *language,
                                         const char *interpreter_id, gint64 now, GError **error);

/* Walk-ins (waiting_walkin.c). FHIR Appointment.appointmentType of a walk-in, as stored. */
#define AR_WAITING_WALK_IN_TYPE "WALKIN"

typedef struct {
  const char *clinic_id;       /* the clinic adding them (the caller's) */
  const char *practitioner_id; /* who sees them; NULL: the first available clinician */
  const char *visit_type;
  const char *language;       /* preferred language, NULL: "en" */
  gboolean needs_interpreter; /* an interpreter for `language` */
  const char *label;          /* what the clinic calls them ("Maria L."), or NULL; kept in the
                                 patient record only, never logged or audited */
  const char *actor;          /* opaque id of who adds them, for the audit log */
} ArWalkIn;

/* Creates the patient and a walk-in appointment starting now (no slot) in one transaction with
 * the audit events patient.create and lobby.walkin, and adds it to its clinician's line, not
 * arrived; every lobby that sees the line is told. NOT_FOUND when practitioner_id is not an
 * active clinician of the clinic (or the clinic has none). Returns the entry (borrowed). */
const ArWaitingEntry *ar_waiting_room_add_walk_in(ArWaitingRoom *wr, const ArWalkIn *req,
                                                  gint64 now, GError **error);
/* The active clinician of the clinic who would start a walk-in checking in now soonest, by the
 * queue model over each line as it stands (ties: the lowest id); NULL when there is none. */
char *ar_waiting_room_first_available(ArWaitingRoom *wr, const char *clinic_id,
                                      const char *visit_type, gint64 now);

/* Lapses grace periods and, every AR_WAITING_ROOM_REFRESH_S, recomputes every line and tells
 * every waiting patient. Call about once a second. */
void ar_waiting_room_tick(ArWaitingRoom *wr, gint64 now);

/* Entries (borrowed) of one clinician's line or one clinic, by scheduled start. */
GPtrArray *ar_waiting_room_line(ArWaitingRoom *wr, const char *practitioner_id);
GPtrArray *ar_waiting_room_clinic(ArWaitingRoom *wr, const char *clinic_id);
/* The lateness the line's ETAs use (announced or measured), seconds. */
gint64 ar_waiting_room_running_late(ArWaitingRoom *wr, const char *practitioner_id);
/* How good the ETAs shown to patients were, over the recent starts. */
void ar_waiting_room_eta_error(ArWaitingRoom *wr, ArQueueErrorSummary *out);

const char *ar_waiting_room_state_name(ArQueueState st);
