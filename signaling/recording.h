/* Recorded visits on disk and in the store: the `recording` table (one row per file), the
 * authorised-staff HTTP API that lists, downloads and deletes them, and the retention sweep.
 * signaling/recording.c writes the rows as recordings start and end. Main thread. */
#pragma once
#include "http_server.h"
#include "store.h"

gboolean ar_recording_files_insert(ArStore *store, const char *id, const char *appointment_id,
                                   const char *file, const char *started_by, gint64 started_ms,
                                   GError **error);
/* The room started it: what it records, and what it could not (NULL: everything). */
void ar_recording_files_started(ArStore *store, const char *id, const char *tracks_json,
                                const char *skipped);
/* The file is closed: status "complete" or "failed", its size read from `dir`. */
void ar_recording_files_finished(ArStore *store, const char *dir, const char *id,
                                 const char *status, const char *reason, gint64 ended_ms);
/* At start-up: rows a crash left "recording" become "interrupted". */
void ar_recording_files_recover(ArStore *store);
/* Deletes recordings (rows and files) that started more than retention_days ago, and stray
 * rec_* files in `dir` older than that. Returns how many files were deleted. */
guint ar_recording_files_expire(ArStore *store, const char *dir, int retention_days,
                                gint64 now_unix);

struct ArAccounts;

typedef struct {
  ArStore *store;
  const char *dir;
  const char *api_token;       /* "" = no bearer token accepted */
  struct ArAccounts *accounts; /* signed-in clinicians and staff; may be NULL */
} ArRecordingApi;

/* GET /api/recordings, GET and DELETE /api/recordings/{id}: register with prefix
 * "/api/recordings" and an ArRecordingApi as user data. Authorised: a signed-in clinician or
 * staff member (ar_session cookie), who sees their clinic's recordings, or the bearer token
 * [recording] api_token (every recording, for archiving tools). */
void ar_recording_api_handle(const ArHttpRequest *req, ArHttpResponse *resp, gpointer api);
