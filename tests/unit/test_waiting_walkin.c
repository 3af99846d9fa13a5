/* Walk-ins over a real (in-memory) store and a fake clock: what one transaction writes (and
 * that a failure writes nothing), the place in line the queue model gives a walk-in (the gap
 * when nobody is due, behind everyone due otherwise), "first available", refusals, and that a
 * walk-in survives a restart. */
#include "waiting_room.h"

#include <string.h>

#define T0 1800000000 /* a fixed "now" */
#define SLOT 1200

typedef struct {
  ArStore *store;
  GPtrArray *log; /* "appointment:changes" strings, in order */
} Fixture;

static void
exec(ArStore *st, const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_store_exec(st, sql, &error));
  g_assert_no_error(error);
}

static char *
query(ArStore *st, const char *sql)
{
  sqlite3_stmt *s = ar_store_prepare(st, sql, NULL);
  g_assert_nonnull(s);
  char *out = NULL;
  if (sqlite3_step(s) == SQLITE_ROW)
    out = g_strdup(sqlite3_column_text(s, 0) ? (const char *)sqlite3_column_text(s, 0) : "NULL");
  sqlite3_reset(s);
  return out;
}

static void
setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  f->store = ar_store_open(":memory:", &error);
  g_assert_no_error(error);
  f->log = g_ptr_array_new_with_free_func(g_free);
  exec(f->store, "INSERT INTO clinic VALUES ('cl', 'C', 'UTC'), ('cl2', 'C2', 'UTC');"
                 "INSERT INTO practitioner (id, clinic_id, display_name, role) VALUES"
                 " ('doc', 'cl', 'D', 'clinician'), ('doc2', 'cl', 'E', 'clinician'),"
                 " ('desk', 'cl', 'S', 'staff'), ('far', 'cl2', 'F', 'clinician');");
  /* doc: five appointments back to back from T0 + 10 min. doc2: nothing today. */
  for (int i = 0; i < 5; i++) {
    g_autofree char *sql = g_strdup_printf(
        "INSERT INTO patient (id, display_name, created_at) VALUES ('p%d', 'P %d', 0);"
        "INSERT INTO appointment (id, patient_id, practitioner_id, status, start_ts, end_ts,"
        " created_at) VALUES ('a%d', 'p%d', 'doc', 'booked', %d, %d, 0);",
        i, i, i, i, T0 + 600 + i * SLOT, T0 + 600 + (i + 1) * SLOT);
    exec(f->store, sql);
  }
}

static void
teardown(Fixture *f, gconstpointer data)
{
  ar_store_close(f->store);
  g_ptr_array_unref(f->log);
}

static void
record(const ArWaitingEntry *e, guint changes, gpointer user_data)
{
  Fixture *f = user_data;
  g_ptr_array_add(f->log, g_strdup_printf("%s:%s%s", e->appointment_id,
                                          changes & AR_WAITING_CHANGED_LOBBY ? "L" : "",
                                          changes & AR_WAITING_CHANGED_QUEUE ? "Q" : ""));
}

static ArWaitingRoom *
room(Fixture *f, gint64 now)
{
  ArWaitingRoom *wr = ar_waiting_room_new(f->store, 60, record, f);
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_load(wr, now, &error));
  g_assert_no_error(error);
  return wr;
}

static void
ready(ArWaitingRoom *wr, const char *id, gint64 now)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_checkin(wr, id, now, &error));
  g_assert_true(ar_waiting_room_device_result(wr, id, 7, now, &error));
  g_assert_no_error(error);
}

static const ArWaitingEntry *
walk_in(ArWaitingRoom *wr, const char *practitioner, gint64 now)
{
  ArWalkIn w = {.clinic_id = "cl",
                .practitioner_id = practitioner,
                .visit_type = "general",
                .language = "es",
                .needs_interpreter = TRUE,
                .label = "Maria Lopez",
                .actor = "desk"};
  g_autoptr(GError) error = NULL;
  const ArWaitingEntry *e = ar_waiting_room_add_walk_in(wr, &w, now, &error);
  g_assert_no_error(error);
  g_assert_nonnull(e);
  return e;
}

static void
test_one_transaction_writes_it_all(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  g_ptr_array_set_size(f->log, 0);
  const ArWaitingEntry *e = walk_in(wr, "doc", T0);
  g_autofree char *id = g_strdup(e->appointment_id);
  g_autofree char *pat = g_strdup(e->patient_id);
  g_assert_true(g_str_has_prefix(id, "ap_") && g_str_has_prefix(pat, "pat_"));
  g_assert_true(e->walk_in);
  g_assert_cmpint(e->state, ==, AR_QUEUE_STATE_NOT_ARRIVED);
  g_assert_false(e->estimate.in_line); /* a walk-in waits in line only once here */
  g_assert_cmpstr(e->interpreter_language, ==, "es");
  g_assert_cmpstr(e->practitioner_id, ==, "doc");
  /* The lobbies were told. */
  g_autofree char *told = g_strdup_printf("%s:L", id);
  gboolean seen = FALSE;
  for (guint i = 0; i < f->log->len; i++)
    seen |= g_str_equal(g_ptr_array_index(f->log, i), told);
  g_assert_true(seen);

  g_autofree char *q1 = g_strdup_printf(
      "SELECT appointment_type || '|' || ifnull(slot_id, 'none') || '|' || status || '|' ||"
      " start_ts || '|' || (end_ts - start_ts) || '|' || interpreter_language"
      " FROM appointment WHERE id = '%s'",
      id);
  g_autofree char *row = query(f->store, q1);
  /* As long as a visit of its type is expected to take (booked 20 minutes so far). */
  g_autofree char *want = g_strdup_printf("WALKIN|none|booked|%d|%d|es", T0, SLOT);
  g_assert_cmpstr(row, ==, want);
  g_autofree char *q2 =
      g_strdup_printf("SELECT display_name || '|' || language FROM patient WHERE id = '%s'", pat);
  g_autofree char *prow = query(f->store, q2);
  g_assert_cmpstr(prow, ==, "Maria Lopez|es");
  g_autofree char *q3 = g_strdup_printf(
      "SELECT count(*) FROM appointment_participant WHERE appointment_id = '%s'", id);
  g_autofree char *parts = query(f->store, q3);
  g_assert_cmpstr(parts, ==, "2");
  /* Audit: who, what, opaque ids, never the label. */
  g_autofree char *q4 = g_strdup_printf(
      "SELECT group_concat(actor || ':' || action || ':' || entity_id, ',') FROM audit_event"
      " WHERE entity_id IN ('%s', '%s')",
      id, pat);
  g_autofree char *audit = query(f->store, q4);
  g_autofree char *want_audit =
      g_strdup_printf("desk:patient.create:%s,desk:lobby.walkin:%s", pat, id);
  g_assert_cmpstr(audit, ==, want_audit);
  g_autofree char *leak =
      query(f->store, "SELECT count(*) FROM audit_event WHERE detail LIKE '%Maria%'");
  g_assert_cmpstr(leak, ==, "0");
}

static void
test_failure_writes_nothing(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  exec(f->store, "CREATE TRIGGER no_more BEFORE INSERT ON appointment"
                 " BEGIN SELECT RAISE(ABORT, 'full'); END;");
  ArWalkIn w = {
      .clinic_id = "cl", .practitioner_id = "doc", .visit_type = "general", .actor = "desk"};
  g_autoptr(GError) error = NULL;
  g_assert_null(ar_waiting_room_add_walk_in(wr, &w, T0, &error));
  g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_STORE);
  g_autofree char *patients = query(f->store, "SELECT count(*) FROM patient");
  g_assert_cmpstr(patients, ==, "5");
  g_autofree char *audits = query(f->store, "SELECT count(*) FROM audit_event");
  g_assert_cmpstr(audits, ==, "0");
  g_autoptr(GPtrArray) line = ar_waiting_room_line(wr, "doc");
  g_assert_cmpuint(line->len, ==, 5);
}

static void
test_refusals(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  const char *who[] = {"nobody", "far", "desk"}; /* unknown, other clinic, not a clinician */
  for (guint i = 0; i < G_N_ELEMENTS(who); i++) {
    ArWalkIn w = {
        .clinic_id = "cl", .practitioner_id = who[i], .visit_type = "general", .actor = "desk"};
    g_autoptr(GError) error = NULL;
    g_assert_null(ar_waiting_room_add_walk_in(wr, &w, T0, &error));
    g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND);
  }
  /* A clinic with no clinician has nobody first available. */
  ArWalkIn w = {.clinic_id = "cl_none", .visit_type = "general", .actor = "desk"};
  g_autoptr(GError) error = NULL;
  g_assert_null(ar_waiting_room_add_walk_in(wr, &w, T0, &error));
  g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND);
  g_autofree char *patients = query(f->store, "SELECT count(*) FROM patient");
  g_assert_cmpstr(patients, ==, "5");
}

/* Nobody due yet: the walk-in takes the clinician's idle time and starts now. */
static void
test_walk_in_fills_the_gap(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  g_autofree char *id = g_strdup(walk_in(wr, "doc", T0)->appointment_id);
  ready(wr, id, T0);
  const ArWaitingEntry *e = ar_waiting_room_lookup(wr, id, T0);
  g_assert_true(e->estimate.in_line);
  g_assert_cmpuint(e->estimate.position, ==, 1);
  g_assert_cmpint(e->estimate.eta, ==, T0);
}

/* Scheduled patients who are due go first, every one of them: a booked time is a promise. */
static void
test_walk_in_queues_behind_due(Fixture *f, gconstpointer data)
{
  gint64 now = T0 + 600; /* a0 is due now */
  g_autoptr(ArWaitingRoom) wr = room(f, now);
  ready(wr, "a0", now);
  ready(wr, "a1", now);
  g_autofree char *id = g_strdup(walk_in(wr, "doc", now)->appointment_id);
  ready(wr, id, now + 5);
  const ArWaitingEntry *w = ar_waiting_room_lookup(wr, id, now);
  g_assert_true(w->estimate.in_line);
  for (int i = 0; i < 5; i++) {
    g_autofree char *a = g_strdup_printf("a%d", i);
    const ArWaitingEntry *e = ar_waiting_room_lookup(wr, a, now);
    g_assert_true(e->estimate.in_line);
    /* Back to back, each is due when the one before ends. */
    g_assert_cmpuint(e->estimate.position, <, w->estimate.position);
    g_assert_cmpint(e->estimate.eta, <, w->estimate.eta);
  }
  g_assert_cmpuint(w->estimate.position, ==, 6);
  /* Admitting a0 moves the walk-in up one. */
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_admit(wr, "a0", now + 10, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(ar_waiting_room_lookup(wr, id, now)->estimate.position, ==, 5);
  g_assert_true(ar_waiting_room_admit(wr, id, now + 20, &error)); /* out of order is allowed */
  g_assert_cmpint(ar_waiting_room_lookup(wr, id, now)->state, ==, AR_QUEUE_STATE_IN_VISIT);
}

static void
test_first_available(Fixture *f, gconstpointer data)
{
  gint64 now = T0 + 600;
  g_autoptr(ArWaitingRoom) wr = room(f, now);
  ready(wr, "a0", now);
  /* doc has a full day; doc2 is free now. */
  g_autofree char *best = ar_waiting_room_first_available(wr, "cl", "general", now);
  g_assert_cmpstr(best, ==, "doc2");
  const ArWaitingEntry *e = walk_in(wr, NULL, now);
  g_assert_cmpstr(e->practitioner_id, ==, "doc2");
  g_autofree char *id = g_strdup(e->appointment_id);
  ready(wr, id, now);
  g_assert_cmpint(ar_waiting_room_lookup(wr, id, now)->estimate.eta, ==, now);
  /* With that walk-in in a visit, doc2 is free in one visit's time; doc has five to see. */
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_admit(wr, id, now, &error));
  g_autofree char *next = ar_waiting_room_first_available(wr, "cl", "general", now);
  g_assert_cmpstr(next, ==, "doc2");
  /* Another clinic's view: its only clinician. */
  g_autofree char *far = ar_waiting_room_first_available(wr, "cl2", "general", now);
  g_assert_cmpstr(far, ==, "far");
}

static void
test_restart_keeps_walk_in(Fixture *f, gconstpointer data)
{
  g_autofree char *id = NULL, *ready_id = NULL;
  {
    g_autoptr(ArWaitingRoom) wr = room(f, T0);
    id = g_strdup(walk_in(wr, "doc", T0)->appointment_id);
    ready_id = g_strdup(walk_in(wr, "doc2", T0)->appointment_id);
    ready(wr, ready_id, T0);
  }
  g_autoptr(ArWaitingRoom) wr = room(f, T0 + 30);
  const ArWaitingEntry *e = ar_waiting_room_lookup(wr, id, T0 + 30);
  g_assert_nonnull(e);
  g_assert_true(e->walk_in);
  g_assert_cmpint(e->state, ==, AR_QUEUE_STATE_NOT_ARRIVED);
  g_assert_cmpstr(e->interpreter_language, ==, "es");
  const ArWaitingEntry *r = ar_waiting_room_lookup(wr, ready_id, T0 + 30);
  g_assert_true(r->walk_in);
  g_assert_cmpint(r->state, ==, AR_QUEUE_STATE_AWAY); /* keeps the place for the grace */
  g_assert_cmpint(ar_waiting_room_connected(wr, ready_id, T0 + 40), ==, AR_QUEUE_STATE_READY);
  g_assert_cmpint(r->estimate.position, ==, 1);
  g_assert_cmpint(r->arrived_at, ==, T0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
  ADD("/waiting_walkin/one_transaction", test_one_transaction_writes_it_all);
  ADD("/waiting_walkin/failure_writes_nothing", test_failure_writes_nothing);
  ADD("/waiting_walkin/refusals", test_refusals);
  ADD("/waiting_walkin/fills_the_gap", test_walk_in_fills_the_gap);
  ADD("/waiting_walkin/behind_due", test_walk_in_queues_behind_due);
  ADD("/waiting_walkin/first_available", test_first_available);
  ADD("/waiting_walkin/restart", test_restart_keeps_walk_in);
  return g_test_run();
}
