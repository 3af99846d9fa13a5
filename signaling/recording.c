/* Recording a visit with everyone's consent: the clinician asks (recording.request), every
 * participant with media in the visit answers (recording.consent), and recording.start is
 * refused until all of them have said yes. A "no", a withdrawal or a new participant who has
 * not consented stops a running recording. Every request and answer is audited; the
 * recording.state event (the indicator) goes to everyone in the visit. The media side is
 * server/media/room.c (ar_room_record_start) via ar_visits_record_*. */
#include "audit.h"
#include "recorder.h"
#include "recording.h"
#include "roster.h"
#include "signaling_private.h"

#include <string.h>

typedef struct {
  char *appointment_id;
  GHashTable *consent;  /* participant id -> GINT_TO_POINTER(1 yes, 2 no) */
  GHashTable *watchers; /* participant ids of clinicians/staff controlling it (no media) */
  char *recording_id;   /* the running (or starting) recording */
  char *stop_reason;    /* why we asked it to stop, reported when the file is closed */
  gboolean recording;   /* the room confirmed the start */
} Visit;

static void
visit_free(gpointer data)
{
  Visit *v = data;
  g_free(v->appointment_id);
  g_hash_table_unref(v->consent);
  g_hash_table_unref(v->watchers);
  g_free(v->recording_id);
  g_free(v->stop_reason);
  g_free(v);
}

GHashTable *
ar_recording_visits_new(void)
{
  return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, visit_free);
}

static Visit *
visit_get(ArSignaling *s, const char *appointment_id, gboolean create)
{
  Visit *v = g_hash_table_lookup(s->recordings, appointment_id);
  if (v || !create)
    return v;
  v = g_new0(Visit, 1);
  v->appointment_id = g_strdup(appointment_id);
  v->consent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  v->watchers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert(s->recordings, v->appointment_id, v);
  return v;
}

static gboolean
clinic_wide(const ArSession *se)
{
  return se->claims.role == AR_TOKEN_ROLE_CLINICIAN || se->claims.role == AR_TOKEN_ROLE_STAFF;
}

static void
audit(ArSignaling *s, ArSession *se, const char *action, const char *appointment_id,
      const char *outcome, const char *detail)
{
  ArAuditEvent a = {se ? se->claims.subject_id : "system",
                    action,
                    "appointment",
                    appointment_id,
                    outcome,
                    detail};
  g_autoptr(GError) error = NULL;
  if (!ar_audit_append(s->store, g_get_real_time() / G_USEC_PER_SEC, &a, &error))
    g_warning("audit %s: %s", action, error->message);
}

/* The appointment a message is about: the sender's own visit, or for clinicians and staff the
 * "appointment_id" they name (one of their clinic's), else the one their media is in. */
static const char *
appointment_of(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!clinic_wide(se))
    return se->claims.visit_id;
  const char *appointment = ar_msg_string(m, "appointment_id");
  if (!appointment)
    appointment = se->media_room;
  if (!appointment) {
    ar_signaling_error(s, se, m->id, "bad_message", "name the visit: \"appointment_id\"");
    return NULL;
  }
  sqlite3_stmt *st =
      ar_store_prepare(s->store,
                       "SELECT 1 FROM appointment a JOIN practitioner p ON p.id = a.practitioner_id"
                       " WHERE a.id = ? AND p.clinic_id = ?",
                       NULL);
  gboolean ok = FALSE;
  if (st) {
    sqlite3_bind_text(st, 1, appointment, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, se->claims.visit_id, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
  }
  if (!ok) {
    ar_signaling_error(s, se, m->id, "not_found", "no such appointment in your clinic");
    return NULL;
  }
  return appointment;
}

/* Participants of a visit: sessions with media in its room (they are the ones recorded). */
static GPtrArray *
participants(ArSignaling *s, const char *appointment_id)
{
  GPtrArray *out = g_ptr_array_new();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, s->sessions);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    ArSession *se = value;
    if (se->joined && se->participant_id && g_strcmp0(se->media_room, appointment_id) == 0)
      g_ptr_array_add(out, se);
  }
  return out;
}

static void
collect(ArSession *se, gpointer set)
{
  g_hash_table_add(set, se);
}

/* Everyone of the visit (its roster: sessions joined for it, with media or not), the sessions
 * with media in its room, and the controlling clinicians/staff; each once. */
static void
broadcast(ArSignaling *s, Visit *v, const char *json)
{
  g_autoptr(GHashTable) to = g_hash_table_new(g_direct_hash, g_direct_equal);
  ar_roster_foreach(s->roster, v->appointment_id, collect, to);
  g_autoptr(GPtrArray) ps = participants(s, v->appointment_id);
  for (guint i = 0; i < ps->len; i++)
    g_hash_table_add(to, g_ptr_array_index(ps, i));
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, v->watchers);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    ArSession *se = g_hash_table_lookup(s->by_participant, key);
    if (se)
      g_hash_table_add(to, se);
  }
  g_hash_table_iter_init(&it, to);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    ArSession *se = key;
    if (se->conn)
      ar_ws_conn_send(se->conn, json, -1);
  }
}

static void
send_state(ArSignaling *s, Visit *v, gboolean recording, const char *reason, const char *skipped)
{
  JsonBuilder *b = ar_protocol_begin("recording.state", 0);
  json_builder_set_member_name(b, "appointment_id");
  json_builder_add_string_value(b, v->appointment_id);
  json_builder_set_member_name(b, "recording");
  json_builder_add_boolean_value(b, recording);
  if (v->recording_id) {
    json_builder_set_member_name(b, "recording_id");
    json_builder_add_string_value(b, v->recording_id);
  }
  json_builder_set_member_name(b, "reason");
  if (reason)
    json_builder_add_string_value(b, reason);
  else
    json_builder_add_null_value(b);
  if (skipped) {
    json_builder_set_member_name(b, "skipped");
    json_builder_add_string_value(b, skipped);
  }
  g_autofree char *json = ar_protocol_finish(b);
  broadcast(s, v, json);
}

/* Asks the room to stop; the reason is reported with the closed file. */
static void
stop_recording(ArSignaling *s, Visit *v, const char *reason)
{
  if (!v->recording_id || v->stop_reason)
    return;
  v->stop_reason = g_strdup(reason);
  ar_visits_record_stop(s->visits, v->appointment_id, v->recording_id);
}

static void
ask_consent(ArSignaling *s, Visit *v, ArSession *to)
{
  JsonBuilder *b = ar_protocol_begin("recording.consent_requested", 0);
  json_builder_set_member_name(b, "appointment_id");
  json_builder_add_string_value(b, v->appointment_id);
  g_autofree char *json = ar_protocol_finish(b);
  ar_ws_conn_send(to->conn, json, -1);
}

static gboolean
require_staff(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!ar_signaling_require_join(s, se, m))
    return FALSE;
  if (clinic_wide(se))
    return TRUE;
  ar_signaling_error(s, se, m->id, "forbidden", "only the clinician controls recording");
  return FALSE;
}

/* The visit whose recording a clinician asks about or starts, with the caller now watching its
 * recording state; NULL after an error reply. */
static Visit *
watched_visit(ArSignaling *s, ArSession *se, const ArMsg *m, const char **appointment)
{
  if (!require_staff(s, se, m))
    return NULL;
  *appointment = appointment_of(s, se, m);
  if (!*appointment)
    return NULL;
  Visit *v = visit_get(s, *appointment, TRUE);
  g_hash_table_add(v->watchers, g_strdup(se->participant_id));
  return v;
}

static void
handle_request(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *appointment;
  Visit *v = watched_visit(s, se, m, &appointment);
  if (!v)
    return;
  /* A new request asks everyone again: earlier answers do not carry over. */
  g_hash_table_remove_all(v->consent);
  g_autoptr(GPtrArray) ps = participants(s, appointment);
  for (guint i = 0; i < ps->len; i++)
    ask_consent(s, v, g_ptr_array_index(ps, i));
  g_autofree char *detail = g_strdup_printf("{\"participants\":%u}", ps->len);
  audit(s, se, "recording.request", appointment, "success", detail);
  JsonBuilder *b = ar_protocol_begin("ok", m->id);
  json_builder_set_member_name(b, "participants");
  json_builder_add_int_value(b, ps->len);
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
handle_consent(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!ar_signaling_require_join(s, se, m))
    return;
  gboolean value;
  if (!ar_msg_bool(m, "value", &value)) {
    ar_signaling_error(s, se, m->id, "bad_message", "recording.consent needs \"value\" (bool)");
    return;
  }
  const char *appointment = se->media_room ? se->media_room : se->claims.visit_id;
  if (!se->participant_id || !appointment) {
    ar_signaling_error(s, se, m->id, "bad_state", "join the visit first");
    return;
  }
  Visit *v = visit_get(s, appointment, TRUE);
  g_hash_table_replace(v->consent, g_strdup(se->participant_id), GINT_TO_POINTER(value ? 1 : 2));
  g_autofree char *detail = g_strdup_printf("{\"participant_id\":\"%s\",\"value\":%s}",
                                            se->participant_id, value ? "true" : "false");
  audit(s, se, value ? "recording.consent" : "recording.consent_refused", appointment, "success",
        detail);
  ar_signaling_ok(se, m->id);
  JsonBuilder *b = ar_protocol_begin("recording.consent_changed", 0);
  json_builder_set_member_name(b, "participant_id");
  json_builder_add_string_value(b, se->participant_id);
  json_builder_set_member_name(b, "value");
  json_builder_add_boolean_value(b, value);
  g_autofree char *json = ar_protocol_finish(b);
  broadcast(s, v, json);
  if (!value)
    stop_recording(s, v, "consent_withdrawn");
}

/* Participants who have not said yes, as a count (ids stay out of error messages). */
static guint
missing_consents(ArSignaling *s, Visit *v, guint *n_participants)
{
  g_autoptr(GPtrArray) ps = participants(s, v->appointment_id);
  guint missing = 0;
  for (guint i = 0; i < ps->len; i++) {
    ArSession *p = g_ptr_array_index(ps, i);
    if (GPOINTER_TO_INT(g_hash_table_lookup(v->consent, p->participant_id)) != 1)
      missing++;
  }
  *n_participants = ps->len;
  return missing;
}

static void
handle_start(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  const char *appointment;
  Visit *v = watched_visit(s, se, m, &appointment);
  if (!v)
    return;
  if (v->recording_id) {
    ar_signaling_error(s, se, m->id, "bad_state", "this visit is already being recorded");
    return;
  }
  guint n = 0, missing = missing_consents(s, v, &n);
  if (n == 0 || missing > 0) {
    g_autofree char *why =
        n == 0
            ? g_strdup("nobody has media in this visit yet")
            : g_strdup_printf("%u of %u participants have not consented to recording", missing, n);
    audit(s, se, "recording.start", appointment, "consent_missing", NULL);
    ar_signaling_error(s, se, m->id, "consent_missing", why);
    return;
  }
  g_autofree char *id = ar_store_new_id("rec");
  g_autofree char *name = g_strdup_printf("%s.%s", id, s->opts.recorder_pipelines->extension);
  g_autofree char *path = g_build_filename(s->opts.recording_dir, name, NULL);
  g_autoptr(GError) error = NULL;
  if (!ar_recording_files_insert(s->store, id, appointment, name, se->claims.subject_id,
                                 g_get_real_time() / 1000, &error) ||
      !ar_visits_record_start(s->visits, appointment, id, path, s->opts.recorder_pipelines)) {
    ar_signaling_error(s, se, m->id, error ? "internal" : "bad_state",
                       error ? error->message : "no media in this visit");
    return;
  }
  v->recording_id = g_strdup(id);
  g_clear_pointer(&v->stop_reason, g_free);
  v->recording = FALSE;
  g_autofree char *detail = g_strdup_printf("{\"recording_id\":\"%s\",\"participants\":%u}", id, n);
  audit(s, se, "recording.start", appointment, "success", detail);
  JsonBuilder *b = ar_protocol_begin("ok", m->id);
  json_builder_set_member_name(b, "recording_id");
  json_builder_add_string_value(b, id);
  ar_signaling_send(se, ar_protocol_finish(b));
}

static void
handle_stop(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!require_staff(s, se, m))
    return;
  const char *appointment = appointment_of(s, se, m);
  if (!appointment)
    return;
  Visit *v = visit_get(s, appointment, FALSE);
  if (!v || !v->recording_id) {
    ar_signaling_error(s, se, m->id, "bad_state", "this visit is not being recorded");
    return;
  }
  g_autofree char *detail = g_strdup_printf("{\"recording_id\":\"%s\"}", v->recording_id);
  audit(s, se, "recording.stop", appointment, "success", detail);
  stop_recording(s, v, "stopped");
  ar_signaling_ok(se, m->id);
}

const ArSignalingRoute ar_recording_routes[] = {
    {"recording.request", handle_request},
    {"recording.consent", handle_consent},
    {"recording.start", handle_start},
    {"recording.stop", handle_stop},
    {NULL},
};

void
ar_signaling_recording_media_joined(ArSignaling *s, ArSession *se)
{
  Visit *v = se->media_room ? visit_get(s, se->media_room, FALSE) : NULL;
  if (!v || GPOINTER_TO_INT(g_hash_table_lookup(v->consent, se->participant_id)) == 1)
    return;
  ask_consent(s, v, se);
  stop_recording(s, v, "participant_without_consent");
}

static void
count_stop(ArSignaling *s, const char *reason)
{
  guint64 n = GPOINTER_TO_SIZE(g_hash_table_lookup(s->recording_stops, reason));
  g_hash_table_replace(s->recording_stops, g_strdup(reason), GSIZE_TO_POINTER(n + 1));
}

/* The room's answer: started (with the tracks it records and those it could not), failed to
 * start, or the file closed (after a stop, or on its own: disk full, pipeline error). */
void
ar_signaling_recording_room_event(ArSignaling *s, const ArRoomEvent *ev)
{
  Visit *v = visit_get(s, ev->room_id, FALSE);
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!v || !ev->detail || g_strcmp0(v->recording_id, ev->detail) != 0 ||
      !json_parser_load_from_data(parser, ev->text, -1, NULL))
    return;
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  const char *event = json_object_get_string_member_with_default(o, "event", "");
  const char *reason = json_object_get_string_member_with_default(o, "reason", NULL);
  gint64 now_ms = g_get_real_time() / 1000;
  if (g_str_equal(event, "started")) {
    v->recording = TRUE;
    JsonNode *tracks = json_object_get_member(o, "tracks");
    g_autofree char *tracks_json = tracks ? json_to_string(tracks, FALSE) : g_strdup("[]");
    const char *skipped = json_object_get_string_member_with_default(o, "skipped", NULL);
    ar_recording_files_started(s->store, v->recording_id, tracks_json, skipped);
    if (skipped)
      g_message("recording %s: tracks not recorded: %s", v->recording_id, skipped);
    send_state(s, v, TRUE, skipped ? "track_skipped" : NULL, skipped);
    if (v->stop_reason) /* a stop came while it was starting */
      ar_visits_record_stop(s->visits, v->appointment_id, v->recording_id);
    return;
  }
  gboolean ok =
      g_str_equal(event, "stopped") && json_object_get_boolean_member_with_default(o, "ok", FALSE);
  g_autofree char *why = g_strdup(v->stop_reason && ok ? v->stop_reason
                                  : reason             ? reason
                                                       : "failed");
  if (!ok)
    g_warning("recording %s of %s stopped: %s", v->recording_id, v->appointment_id, why);
  count_stop(s, g_str_has_prefix(why, "error") ? "error" : why);
  ar_recording_files_finished(s->store, s->opts.recording_dir, v->recording_id,
                              ok ? "complete" : "failed", why, now_ms);
  audit(s, NULL, "recording.stopped", v->appointment_id, ok ? "success" : why, NULL);
  v->recording = FALSE;
  send_state(s, v, FALSE, why, NULL);
  g_clear_pointer(&v->recording_id, g_free);
  g_clear_pointer(&v->stop_reason, g_free);
}
