/* The interpreter pool: interpreters online (joined sessions with the interpreter role) and the
 * languages each speaks (practitioner.languages). A clinician's interpreter.request goes to every
 * online interpreter with that language as interpreter.offer; the first interpreter.accept wins,
 * decided by one conditional UPDATE in an IMMEDIATE transaction, so two accepts can never both
 * win; the others are told interpreter.taken and the winner joins the visit. */
#include "signaling_private.h"
#include "waiting_room.h"

#include <string.h>

#define LANGUAGE_MAX 8
#define OPEN_REQUEST_MAX_AGE_S (12 * 3600)

static gint64
now_unix(void)
{
  return g_get_real_time() / G_USEC_PER_SEC;
}

/* "es", "pt-BR": a BCP 47 primary tag and an optional region, nothing that could hide text. */
static gboolean
valid_language(const char *l)
{
  gsize n = strlen(l);
  if (n < 2 || n > LANGUAGE_MAX)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalpha(l[i]) && !(l[i] == '-' && i >= 2))
      return FALSE;
  return TRUE;
}

static gboolean
speaks(ArSignaling *s, const char *practitioner_id, const char *language)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "SELECT languages FROM practitioner WHERE id = ? AND role = 'interpreter' AND active = 1",
      NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, practitioner_id, -1, SQLITE_STATIC);
  gboolean found = FALSE;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    g_auto(GStrv) langs = g_strsplit((const char *)sqlite3_column_text(st, 0), ",", -1);
    for (char **l = langs; *l && !found; l++)
      found = g_ascii_strcasecmp(g_strstrip(*l), language) == 0;
  }
  sqlite3_reset(st);
  return found;
}

static char *
offer_text(const char *request_id, const char *appointment_id, const char *language,
           const char *type)
{
  JsonBuilder *b = ar_protocol_begin(type, 0);
  json_builder_set_member_name(b, "request_id");
  json_builder_add_string_value(b, request_id);
  json_builder_set_member_name(b, "appointment_id");
  json_builder_add_string_value(b, appointment_id);
  json_builder_set_member_name(b, "language");
  json_builder_add_string_value(b, language);
  return ar_protocol_finish(b);
}

/* Sends text to every online interpreter who speaks language, except `except`; returns how
 * many. */
static guint
to_interpreters(ArSignaling *s, const char *language, const char *text, ArSession *except)
{
  guint n = 0;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->sessions);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    ArSession *se = v;
    if (se == except || !se->joined || se->claims.role != AR_TOKEN_ROLE_INTERPRETER ||
        !speaks(s, se->claims.subject_id, language))
      continue;
    ar_ws_conn_send(se->conn, text, -1);
    n++;
  }
  return n;
}

static void
handle_request(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!ar_signaling_require_join(s, se, m))
    return;
  if (se->claims.role != AR_TOKEN_ROLE_CLINICIAN || !ar_lobby_waiting_room(s)) {
    ar_signaling_error(s, se, m->id, "forbidden", "only a clinician may request an interpreter");
    return;
  }
  const char *id = ar_msg_string(m, "appointment_id");
  const char *language = ar_msg_string(m, "language");
  if (!id || !language || !valid_language(language)) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "interpreter.request needs \"appointment_id\" and \"language\" (\"es\")");
    return;
  }
  ArWaitingRoom *wr = ar_lobby_waiting_room(s);
  gint64 now = now_unix();
  const ArWaitingEntry *e = ar_waiting_room_lookup(wr, id, now);
  if (!e || !g_str_equal(e->practitioner_id, se->claims.subject_id)) {
    ar_signaling_error(s, se, m->id, "not_found", "no such appointment in your lobby today");
    return;
  }
  g_autoptr(GError) error = NULL;
  if (!ar_waiting_room_set_interpreter(wr, id, language, NULL, now, &error)) {
    ar_signaling_error(s, se, m->id,
                       error->code == AR_WAITING_ROOM_ERROR_BAD_STATE ? "bad_state" : "internal",
                       error->message);
    return;
  }
  g_autofree char *rid = ar_store_new_id("ireq");
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "INSERT INTO interpreter_request (id, appointment_id, language, requested_by, created_at,"
      " status) VALUES (?, ?, ?, ?, ?, 'open')",
      &error);
  if (st) {
    sqlite3_bind_text(st, 1, rid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, language, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, se->claims.subject_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
  }
  if (!st || !ar_store_step_done(s->store, st, &error)) {
    ar_signaling_error(s, se, m->id, "internal", "the request could not be saved");
    return;
  }
  g_autofree char *offer = offer_text(rid, id, language, "interpreter.offer");
  guint offered = to_interpreters(s, language, offer, NULL);
  g_autofree char *detail = g_strdup_printf(
      "{\"request\":\"%s\",\"language\":\"%s\",\"offered\":%u}", rid, language, offered);
  ar_lobby_audit(s, se, "interpreter.request", "appointment", id, "success", detail);
  JsonBuilder *b = ar_protocol_begin("ok", m->id);
  json_builder_set_member_name(b, "request_id");
  json_builder_add_string_value(b, rid);
  json_builder_set_member_name(b, "offered");
  json_builder_add_int_value(b, offered);
  ar_signaling_send(se, ar_protocol_finish(b));
}

typedef struct {
  char *appointment_id, *language, *requested_by, *status;
} Request;

static void
request_clear(Request *r)
{
  g_free(r->appointment_id);
  g_free(r->language);
  g_free(r->requested_by);
  g_free(r->status);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Request, request_clear)

static gboolean
load_request(ArSignaling *s, const char *id, Request *r)
{
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "SELECT appointment_id, language, requested_by, status FROM interpreter_request WHERE id = ?",
      NULL);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  gboolean found = sqlite3_step(st) == SQLITE_ROW;
  if (found) {
    r->appointment_id = g_strdup((const char *)sqlite3_column_text(st, 0));
    r->language = g_strdup((const char *)sqlite3_column_text(st, 1));
    r->requested_by = g_strdup((const char *)sqlite3_column_text(st, 2));
    r->status = g_strdup((const char *)sqlite3_column_text(st, 3));
  }
  sqlite3_reset(st);
  return found;
}

/* The race: exactly one accept changes the row from open to assigned. */
static gboolean
claim(ArSignaling *s, const char *rid, ArSession *se, gboolean *won, GError **error)
{
  if (!ar_store_begin(s->store, error))
    return FALSE;
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "UPDATE interpreter_request SET status = 'assigned', interpreter_id = ?, answered_at = ?"
      " WHERE id = ? AND status = 'open'",
      error);
  if (!st) {
    ar_store_rollback(s->store);
    return FALSE;
  }
  sqlite3_bind_text(st, 1, se->claims.subject_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now_unix());
  sqlite3_bind_text(st, 3, rid, -1, SQLITE_STATIC);
  if (!ar_store_step_done(s->store, st, error)) {
    ar_store_rollback(s->store);
    return FALSE;
  }
  *won = sqlite3_changes(ar_store_db(s->store)) == 1;
  g_autofree char *detail =
      g_strdup_printf("{\"request\":\"%s\",\"participant\":\"%s\"}", rid, se->participant_id);
  ar_lobby_audit(s, se, "interpreter.accept", "interpreter_request", rid,
                 *won ? "success" : "taken", detail);
  if (!ar_store_commit(s->store, error)) {
    ar_store_rollback(s->store);
    return FALSE;
  }
  return TRUE;
}

static void
tell_clinician(ArSignaling *s, const Request *r, const char *rid, ArSession *winner)
{
  JsonBuilder *b = ar_protocol_begin("interpreter.assigned", 0);
  json_builder_set_member_name(b, "request_id");
  json_builder_add_string_value(b, rid);
  json_builder_set_member_name(b, "appointment_id");
  json_builder_add_string_value(b, r->appointment_id);
  json_builder_set_member_name(b, "language");
  json_builder_add_string_value(b, r->language);
  json_builder_set_member_name(b, "participant_id");
  json_builder_add_string_value(b, winner->participant_id);
  g_autofree char *text = ar_protocol_finish(b);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->sessions);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    ArSession *se = v;
    if (se->joined && se->claims.role == AR_TOKEN_ROLE_CLINICIAN &&
        g_str_equal(se->claims.subject_id, r->requested_by))
      ar_ws_conn_send(se->conn, text, -1);
  }
}

static void
handle_accept(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!ar_signaling_require_join(s, se, m))
    return;
  if (se->claims.role != AR_TOKEN_ROLE_INTERPRETER || !ar_lobby_waiting_room(s)) {
    ar_signaling_error(s, se, m->id, "forbidden", "only an interpreter may accept");
    return;
  }
  const char *rid = ar_msg_string(m, "request_id");
  if (!rid) {
    ar_signaling_error(s, se, m->id, "bad_message", "interpreter.accept needs \"request_id\"");
    return;
  }
  g_auto(Request) r = {0};
  if (!load_request(s, rid, &r)) {
    ar_signaling_error(s, se, m->id, "not_found", "no such interpreter request");
    return;
  }
  if (!speaks(s, se->claims.subject_id, r.language)) {
    ar_signaling_error(s, se, m->id, "forbidden", "this request is for another language");
    return;
  }
  gboolean won = FALSE;
  g_autoptr(GError) error = NULL;
  if (!claim(s, rid, se, &won, &error)) {
    ar_signaling_error(s, se, m->id, "internal", "the answer could not be saved");
    return;
  }
  if (!won) {
    ar_signaling_error(s, se, m->id, "bad_state", "another interpreter accepted first");
    return;
  }
  ArWaitingRoom *wr = ar_lobby_waiting_room(s);
  if (!ar_waiting_room_set_interpreter(wr, r.appointment_id, r.language, se->claims.subject_id,
                                       now_unix(), &error))
    g_warning("interpreter assigned but the lobby entry was not updated: %s", error->message);
  /* The winner's session now belongs to the visit it accepted: its media goes to that room, and
   * a transport already there (a device check) is switched into the visit. */
  g_strlcpy(se->claims.visit_id, r.appointment_id, sizeof se->claims.visit_id);
  gboolean media =
      s->visits && se->media_room && g_str_equal(se->media_room, r.appointment_id) &&
      ar_visits_set_purpose(s->visits, r.appointment_id, se->participant_id, AR_ROOM_PURPOSE_VISIT);
  JsonBuilder *b = ar_protocol_begin("interpreter.assigned", m->id);
  json_builder_set_member_name(b, "request_id");
  json_builder_add_string_value(b, rid);
  json_builder_set_member_name(b, "appointment_id");
  json_builder_add_string_value(b, r.appointment_id);
  json_builder_set_member_name(b, "visit_id");
  json_builder_add_string_value(b, r.appointment_id);
  json_builder_set_member_name(b, "media");
  json_builder_add_boolean_value(b, media);
  ar_signaling_send(se, ar_protocol_finish(b));
  g_autofree char *taken = offer_text(rid, r.appointment_id, r.language, "interpreter.taken");
  to_interpreters(s, r.language, taken, se);
  tell_clinician(s, &r, rid, se);
}

void
ar_interpreter_pool_joined(ArSignaling *s, ArSession *se)
{
  /* Requests still open when an interpreter comes online are offered to them at once. */
  sqlite3_stmt *st =
      ar_store_prepare(s->store,
                       "SELECT id, appointment_id, language FROM interpreter_request"
                       " WHERE status = 'open' AND created_at >= ? ORDER BY created_at",
                       NULL);
  if (!st)
    return;
  sqlite3_bind_int64(st, 1, now_unix() - OPEN_REQUEST_MAX_AGE_S);
  GPtrArray *offers = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *langs = g_ptr_array_new_with_free_func(g_free);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *lang = (const char *)sqlite3_column_text(st, 2);
    g_ptr_array_add(langs, g_strdup(lang));
    g_ptr_array_add(offers, offer_text((const char *)sqlite3_column_text(st, 0),
                                       (const char *)sqlite3_column_text(st, 1), lang,
                                       "interpreter.offer"));
  }
  sqlite3_reset(st);
  for (guint i = 0; i < offers->len; i++)
    if (speaks(s, se->claims.subject_id, g_ptr_array_index(langs, i)))
      ar_ws_conn_send(se->conn, g_ptr_array_index(offers, i), -1);
  g_ptr_array_unref(offers);
  g_ptr_array_unref(langs);
}

const ArSignalingRoute ar_interpreter_routes[] = {
    {"interpreter.request", handle_request},
    {"interpreter.accept", handle_accept},
    {NULL},
};
