/* The patient's answer to "how was your visit?" after it ended (visit.rating): a score of 1 to
 * 5 or none, and an optional comment, kept per appointment in the store (one answer, the last
 * one wins). The comment is the patient's own words: stored, never logged or audited. */
#include "signaling_private.h"

#define COMMENT_MAX 1000

static void
handle_rating(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  gint64 rating = 0;
  gboolean has_rating = ar_msg_int(m, "rating", &rating);
  const char *comment = ar_msg_string(m, "comment");
  if ((has_rating && (rating < 1 || rating > 5)) ||
      (comment && g_utf8_strlen(comment, -1) > COMMENT_MAX)) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "\"rating\" is 1 to 5 or null, \"comment\" at most 1000 characters");
    return;
  }
  if (!s->store) {
    ar_signaling_error(s, se, m->id, "unavailable", "ratings are not kept on this server");
    return;
  }
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *st = ar_store_prepare(
      s->store,
      "INSERT OR REPLACE INTO visit_rating (appointment_id, patient_id, rating, comment,"
      " created_at) VALUES (?, ?, ?, ?, ?)",
      &error);
  if (st) {
    sqlite3_bind_text(st, 1, se->claims.visit_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, se->claims.subject_id, -1, SQLITE_TRANSIENT);
    if (has_rating)
      sqlite3_bind_int64(st, 3, rating);
    else
      sqlite3_bind_null(st, 3);
    if (comment && *comment)
      sqlite3_bind_text(st, 4, comment, -1, SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, g_get_real_time() / G_USEC_PER_SEC);
  }
  if (!st || !ar_store_step_done(s->store, st, &error)) {
    g_warning("rating: not saved: %s", error ? error->message : "?");
    ar_signaling_error(s, se, m->id, "internal", "the rating could not be saved");
    return;
  }
  g_autofree char *detail = g_strdup_printf("{\"rated\":%s}", has_rating ? "true" : "false");
  ar_signaling_audit(s, se->claims.subject_id, "visit.rating", "appointment", se->claims.visit_id,
                     "success", detail);
  ar_signaling_ok(se, m->id);
}

const ArSignalingRoute ar_rating_routes[] = {
    {"visit.rating", handle_rating},
    {NULL},
};
