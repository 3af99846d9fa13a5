/* The participants of each visit: the sessions joined with the same appointment id. Broadcast
 * helpers for in-visit events (chat, mute, participant.joined/left, visit.ended) and for the
 * waiting room. Main thread only; it holds borrowed session pointers, the owner removes them. */
#pragma once
#include <glib.h>

struct ArSession;
typedef struct ArRoster ArRoster;

ArRoster *ar_roster_new(void);
void ar_roster_free(ArRoster *r);

/* Adding twice is a no-op; removing an absent session is a no-op. */
void ar_roster_add(ArRoster *r, const char *appointment_id, struct ArSession *se);
void ar_roster_remove(ArRoster *r, const char *appointment_id, struct ArSession *se);
guint ar_roster_size(ArRoster *r, const char *appointment_id);

/* Calls fn on a snapshot of the visit's sessions, so fn may remove sessions. */
typedef void (*ArRosterFunc)(struct ArSession *se, gpointer user_data);
void ar_roster_foreach(ArRoster *r, const char *appointment_id, ArRosterFunc fn,
                       gpointer user_data);

/* Sends json to every connected session of the visit except `except` (may be NULL); sessions
 * parked for resume are skipped. Returns the number of sessions it was queued for. */
guint ar_roster_broadcast(ArRoster *r, const char *appointment_id, const char *json,
                          const struct ArSession *except);
