/* Shared by the waiting room's files: waiting_room.c (lines, the queue model run over them,
 * committing a change, queries), waiting_store.c (lobby_state rows and loading the day),
 * waiting_patient.c (what the patient's connection does) and waiting_clinic.c (what the clinic
 * does to an entry). Not for use outside signaling/. */
#pragma once
#include "waiting_room.h"

typedef struct {
  char *practitioner_id;
  GPtrArray *entries; /* ArWaitingEntry*, borrowed from wr->entries, by scheduled start */
  gint64 announced_late_s;
  gint64 running_late_s;
  gboolean dirty;          /* deferred mode: recompute at the next flush */
  gboolean dirty_everyone; /* ... and tell every present patient (the periodic refresh) */
} Line;

struct ArWaitingRoom {
  ArStore *store;
  gint64 grace_s;
  ArWaitingNotify notify;
  gpointer user_data;
  GHashTable *entries; /* appointment id -> ArWaitingEntry* */
  GHashTable *lines;   /* practitioner id -> Line* */
  GPtrArray *type_names;
  GArray *durations; /* ArDurationStats, parallel to type_names */
  ArQueueErrorStats errors;
  gint64 last_refresh;
  ArWaitingSchedule schedule; /* deferred mode when set (ar_waiting_room_defer_updates) */
  gpointer schedule_data;
  gboolean flush_owed; /* schedule was called and the flush has not run yet */
};

gboolean ar_wr_is_present(ArQueueState st);
ArQueueState ar_wr_state_from_name(const char *name);
/* The index of a visit type's duration statistics, made on first sight. */
guint ar_wr_visit_type_index(ArWaitingRoom *wr, const char *name, gint64 booked_len_s);

/* Lines */
Line *ar_wr_line_for(ArWaitingRoom *wr, const char *practitioner_id);
void ar_wr_line_add(ArWaitingRoom *wr, ArWaitingEntry *e);
/* The queue model's input for a line, with `extra` zeroed places after it (for an entry that
 * is not in the line yet); g_free it. */
ArQueueAppointment *ar_wr_line_input(ArWaitingRoom *wr, Line *l, guint extra);
/* Runs the queue model over one line and tells the callback about every entry whose view
 * changed; `forced` (may be NULL) gets `forced_changes` whatever the model says, and with
 * `everyone` every present patient is told (the periodic refresh). In deferred mode this only
 * marks the line dirty and owes `forced` its changes; the next flush does the rest. */
void ar_wr_recompute(ArWaitingRoom *wr, Line *l, gint64 now, const ArWaitingEntry *forced,
                     guint forced_changes, gboolean everyone);
void ar_wr_recompute_all(ArWaitingRoom *wr, gint64 now, gboolean everyone);

/* Changes */
ArWaitingEntry *ar_wr_find(ArWaitingRoom *wr, const char *id, gint64 now, GError **error);
gboolean ar_wr_bad_state(GError **error, const char *why);
/* Saves the entry after a change; on failure puts back `before` (scalars only: callers that
 * change strings restore those themselves) so memory keeps matching the store. */
gboolean ar_wr_commit(ArWaitingRoom *wr, ArWaitingEntry *e, const ArWaitingEntry *before,
                      gint64 now, GError **error);

/* waiting_store.c */
gboolean ar_wr_persist(ArWaitingRoom *wr, const ArWaitingEntry *e, gint64 now, GError **error);
char *ar_wr_col_dup(sqlite3_stmt *st, int i);
/* Adds the appointments of the window not known yet; with id, only that one. */
gboolean ar_wr_load_entries(ArWaitingRoom *wr, gint64 now, const char *id, GError **error);
