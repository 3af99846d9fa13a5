/* Waiting room over a real (in-memory) store and a fake clock: state transitions, what is
 * announced to whom, grace periods, a restart, learning visit lengths and scoring ETAs. */
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
                 " ('far', 'cl2', 'F', 'clinician');");
  /* Five appointments every 20 minutes from T0 + 10 min, one done earlier today. */
  for (int i = 0; i < 6; i++) {
    g_autofree char *sql = g_strdup_printf(
        "INSERT INTO patient (id, display_name, created_at) VALUES ('p%d', 'P %d', 0);"
        "INSERT INTO appointment (id, patient_id, practitioner_id, status, start_ts, end_ts,"
        " created_at) VALUES ('a%d', 'p%d', 'doc', '%s', %d, %d, 0);",
        i, i, i, i, i == 5 ? "fulfilled" : "booked", i == 5 ? T0 - 3600 : T0 + 600 + i * SLOT,
        i == 5 ? T0 - 3600 + SLOT : T0 + 600 + (i + 1) * SLOT);
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

static gboolean
logged(Fixture *f, const char *what)
{
  for (guint i = 0; i < f->log->len; i++)
    if (g_str_equal(g_ptr_array_index(f->log, i), what))
      return TRUE;
  return FALSE;
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

static const ArWaitingEntry *
get(ArWaitingRoom *wr, const char *id)
{
  const ArWaitingEntry *e = ar_waiting_room_lookup(wr, id, T0);
  g_assert_nonnull(e);
  return e;
}

static void
ready(ArWaitingRoom *wr, const char *id, gint64 now)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_checkin(wr, id, now, &error));
  g_assert_true(ar_waiting_room_device_result(wr, id, 7, now, &error));
  g_assert_no_error(error);
}

static void
test_load_and_positions(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  g_assert_cmpint(get(wr, "a5")->state, ==, AR_QUEUE_STATE_DONE);
  g_assert_cmpint(get(wr, "a0")->state, ==, AR_QUEUE_STATE_NOT_ARRIVED);
  ready(wr, "a1", T0);
  ready(wr, "a2", T0);
  /* a0 has not arrived but is still expected: a1 is second, a2 third. */
  g_assert_cmpuint(get(wr, "a1")->estimate.position, ==, 2);
  g_assert_cmpuint(get(wr, "a2")->estimate.position, ==, 3);
  g_assert_cmpint(get(wr, "a1")->estimate.eta, >=, T0 + 600 + SLOT);
  g_autoptr(GPtrArray) line = ar_waiting_room_line(wr, "doc");
  g_assert_cmpuint(line->len, ==, 6);
  g_assert_cmpstr(((ArWaitingEntry *)line->pdata[0])->appointment_id, ==, "a5");
}

static void
test_admit_moves_everyone(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  ready(wr, "a0", T0);
  ready(wr, "a1", T0);
  ready(wr, "a2", T0);
  g_ptr_array_set_size(f->log, 0);
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_admit(wr, "a0", T0 + 700, &error));
  g_assert_cmpint(get(wr, "a0")->state, ==, AR_QUEUE_STATE_IN_VISIT);
  g_assert_false(get(wr, "a0")->estimate.in_line);
  g_assert_cmpuint(get(wr, "a1")->estimate.position, ==, 1);
  g_assert_cmpuint(get(wr, "a2")->estimate.position, ==, 2);
  g_assert_true(logged(f, "a0:LQ"));
  g_assert_true(logged(f, "a1:LQ"));
  g_assert_true(logged(f, "a2:LQ"));
  /* Double admit: refused, nothing changed or announced. */
  g_ptr_array_set_size(f->log, 0);
  g_assert_false(ar_waiting_room_admit(wr, "a0", T0 + 701, &error));
  g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_BAD_STATE);
  g_assert_cmpint(get(wr, "a0")->started_at, ==, T0 + 700);
  g_assert_cmpuint(f->log->len, ==, 0);
  g_clear_error(&error);
  /* Not checked in, unknown. */
  g_assert_false(ar_waiting_room_admit(wr, "a3", T0, &error));
  g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_BAD_STATE);
  g_clear_error(&error);
  g_assert_false(ar_waiting_room_admit(wr, "zz", T0, &error));
  g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND);
}

static void
test_grace(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  ready(wr, "a1", T0);
  ArQueueEstimate before = get(wr, "a1")->estimate;
  ar_waiting_room_disconnected(wr, "a1", T0 + 10);
  g_assert_cmpint(get(wr, "a1")->state, ==, AR_QUEUE_STATE_AWAY);
  g_autoptr(GError) error = NULL;
  g_assert_false(ar_waiting_room_admit(wr, "a1", T0 + 11, &error));
  g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_BAD_STATE);
  ar_waiting_room_tick(wr, T0 + 69); /* 59 s away: still within the 60 s */
  g_assert_cmpint(get(wr, "a1")->state, ==, AR_QUEUE_STATE_AWAY);
  g_assert_cmpint(ar_waiting_room_connected(wr, "a1", T0 + 69), ==, AR_QUEUE_STATE_READY);
  g_assert_cmpuint(get(wr, "a1")->estimate.position, ==, before.position);
  g_assert_cmpint(get(wr, "a1")->arrived_at, ==, T0);
  /* Gone past the grace period: expected again, and back in checking_devices on return. */
  ar_waiting_room_disconnected(wr, "a1", T0 + 100);
  ar_waiting_room_tick(wr, T0 + 161);
  g_assert_cmpint(get(wr, "a1")->state, ==, AR_QUEUE_STATE_NOT_ARRIVED);
  g_assert_cmpint(ar_waiting_room_connected(wr, "a1", T0 + 200), ==,
                  AR_QUEUE_STATE_CHECKING_DEVICES);
  g_assert_cmpint(get(wr, "a1")->arrived_at, ==, T0 + 200);
}

static void
test_restart(Fixture *f, gconstpointer data)
{
  {
    g_autoptr(ArWaitingRoom) wr = room(f, T0);
    ready(wr, "a1", T0);
    g_autoptr(GError) error = NULL;
    g_assert_true(ar_waiting_room_set_early(wr, "a1", TRUE, T0, &error));
    ar_waiting_room_set_network(wr, "a1", "fair", T0);
    ready(wr, "a0", T0);
    g_assert_true(ar_waiting_room_admit(wr, "a0", T0 + 600, &error));
    g_assert_true(ar_waiting_room_noshow(wr, "a2", T0 + 600, &error));
    g_assert_true(ar_waiting_room_set_guests_wait(wr, "a3", TRUE, T0 + 600, &error));
    g_assert_no_error(error);
  }
  g_autoptr(ArWaitingRoom) wr = room(f, T0 + 700);
  const ArWaitingEntry *a1 = get(wr, "a1");
  g_assert_cmpint(a1->state, ==, AR_QUEUE_STATE_AWAY); /* its connection died with the process */
  g_assert_true(a1->early);
  g_assert_cmpstr(a1->network, ==, "fair");
  g_assert_cmpint(a1->devices, ==, 7);
  g_assert_cmpint(a1->arrived_at, ==, T0);
  g_assert_cmpint(get(wr, "a0")->state, ==, AR_QUEUE_STATE_IN_VISIT);
  g_assert_cmpint(get(wr, "a0")->started_at, ==, T0 + 600);
  g_assert_cmpint(get(wr, "a2")->state, ==, AR_QUEUE_STATE_NO_SHOW);
  g_assert_true(get(wr, "a3")->guests_wait);
  g_assert_false(get(wr, "a4")->guests_wait);
  g_assert_cmpint(ar_waiting_room_connected(wr, "a1", T0 + 710), ==, AR_QUEUE_STATE_READY);
  sqlite3_stmt *st =
      ar_store_prepare(f->store, "SELECT status FROM appointment WHERE id = 'a2'", NULL);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  g_assert_cmpstr((const char *)sqlite3_column_text(st, 0), ==, "noshow");
  sqlite3_reset(st);
}

static void
test_learns_lengths_and_scores_etas(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  g_autoptr(GError) error = NULL;
  ready(wr, "a0", T0);
  ready(wr, "a1", T0);
  ArQueueEstimate shown = get(wr, "a1")->estimate;
  g_assert_true(ar_waiting_room_admit(wr, "a0", T0 + 600, &error));
  g_assert_true(ar_waiting_room_end(wr, "a0", T0 + 600 + 300, &error)); /* a 5-minute visit */
  g_assert_true(ar_waiting_room_admit(wr, "a1", shown.eta + 120, &error));
  g_assert_no_error(error);
  ArQueueErrorSummary sum;
  ar_waiting_room_eta_error(wr, &sum);
  g_assert_cmpuint(sum.samples, ==, 2);
  /* a0 started on its ETA (its booked time), a1 two minutes after its first shown ETA. */
  g_assert_cmpint(sum.mae_s, ==, 60);
  g_assert_false(ar_waiting_room_end(wr, "a0", T0 + 1000, &error));
  g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_BAD_STATE);
  /* A restart reads the history back: the same score. */
  g_autoptr(ArWaitingRoom) again = room(f, T0 + 2000);
  ar_waiting_room_eta_error(again, &sum);
  g_assert_cmpuint(sum.samples, ==, 2);
  g_assert_cmpint(sum.mae_s, ==, 60);
}

static void
test_transfer(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  ready(wr, "a1", T0);
  g_autoptr(GError) error = NULL;
  g_assert_false(ar_waiting_room_transfer(wr, "a1", "nobody", T0, &error));
  g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_false(ar_waiting_room_transfer(wr, "a1", "far", T0, &error)); /* another clinic */
  g_assert_error(error, AR_WAITING_ROOM_ERROR, AR_WAITING_ROOM_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_cmpstr(get(wr, "a1")->practitioner_id, ==, "doc");
  g_assert_true(ar_waiting_room_transfer(wr, "a1", "doc2", T0, &error));
  g_assert_cmpstr(get(wr, "a1")->practitioner_id, ==, "doc2");
  g_assert_cmpuint(get(wr, "a1")->estimate.position, ==, 1);
  g_autoptr(GPtrArray) line = ar_waiting_room_line(wr, "doc2");
  g_assert_cmpuint(line->len, ==, 1);
}

static void
test_running_late(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f, T0);
  ready(wr, "a2", T0);
  gint64 eta = get(wr, "a2")->estimate.eta;
  g_ptr_array_set_size(f->log, 0);
  ar_waiting_room_set_announced_late(wr, "doc", 3600, T0);
  g_assert_cmpint(ar_waiting_room_running_late(wr, "doc"), ==, 3600);
  g_assert_cmpint(get(wr, "a2")->estimate.eta, >, eta);
  g_assert_cmpint(get(wr, "a2")->estimate.eta, >=, T0 + 600 + 2 * SLOT + 3600);
  g_assert_true(logged(f, "a2:LQ"));
  /* The periodic refresh tells every waiting patient even when nothing moved. */
  g_ptr_array_set_size(f->log, 0);
  ar_waiting_room_tick(wr, T0 + AR_WAITING_ROOM_REFRESH_S);
  g_assert_true(logged(f, "a2:LQ"));
  g_assert_false(logged(f, "a3:LQ"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/waiting_room/" name, Fixture, NULL, setup, fn, teardown)
  ADD("load-and-positions", test_load_and_positions);
  ADD("admit-moves-everyone", test_admit_moves_everyone);
  ADD("grace", test_grace);
  ADD("restart", test_restart);
  ADD("learns-lengths-and-scores-etas", test_learns_lengths_and_scores_etas);
  ADD("transfer", test_transfer);
  ADD("running-late", test_running_late);
  return g_test_run();
}
