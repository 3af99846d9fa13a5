/* The waiting room in deferred mode (as the server runs it): changes mark their line dirty and
 * schedule one flush; the flush recomputes each dirty line once and tells each entry once,
 * with what every change owed it; a periodic refresh still tells everyone present. */
#include "waiting_room.h"

#define T0 1800000000
#define SLOT 1200
#define N 8

typedef struct {
  ArStore *store;
  GHashTable *told; /* appointment id -> GUINT changes, ORed */
  guint notifications;
  guint scheduled;
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
  f->told = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  exec(f->store, "INSERT INTO clinic VALUES ('cl', 'C', 'UTC');"
                 "INSERT INTO practitioner (id, clinic_id, display_name, role) VALUES"
                 " ('doc', 'cl', 'D', 'clinician'), ('doc2', 'cl', 'E', 'clinician');");
  for (int i = 0; i < N; i++) {
    g_autofree char *sql = g_strdup_printf(
        "INSERT INTO patient (id, display_name, created_at) VALUES ('p%d', 'P %d', 0);"
        "INSERT INTO appointment (id, patient_id, practitioner_id, status, start_ts, end_ts,"
        " created_at) VALUES ('a%d', 'p%d', '%s', 'booked', %d, %d, 0);",
        i, i, i, i, i == N - 1 ? "doc2" : "doc", T0 + 600 + i * SLOT, T0 + 600 + (i + 1) * SLOT);
    exec(f->store, sql);
  }
}

static void
teardown(Fixture *f, gconstpointer data)
{
  ar_store_close(f->store);
  g_hash_table_unref(f->told);
}

static void
record(const ArWaitingEntry *e, guint changes, gpointer user_data)
{
  Fixture *f = user_data;
  f->notifications++;
  guint had = GPOINTER_TO_UINT(g_hash_table_lookup(f->told, e->appointment_id));
  g_hash_table_insert(f->told, g_strdup(e->appointment_id), GUINT_TO_POINTER(had | changes));
}

static void
schedule(gpointer user_data)
{
  ((Fixture *)user_data)->scheduled++;
}

static ArWaitingRoom *
room(Fixture *f)
{
  ArWaitingRoom *wr = ar_waiting_room_new(f->store, 60, record, f);
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_load(wr, T0, &error));
  g_assert_no_error(error);
  ar_waiting_room_defer_updates(wr, schedule, f);
  g_hash_table_remove_all(f->told);
  f->notifications = 0;
  return wr;
}

static guint
told(Fixture *f, const char *id)
{
  return GPOINTER_TO_UINT(g_hash_table_lookup(f->told, id));
}

static const ArWaitingEntry *
get(ArWaitingRoom *wr, const char *id)
{
  const ArWaitingEntry *e = ar_waiting_room_lookup(wr, id, T0);
  g_assert_nonnull(e);
  return e;
}

#define LQ (AR_WAITING_CHANGED_LOBBY | AR_WAITING_CHANGED_QUEUE)

/* A burst of check-ins: nothing is announced until the flush, which is scheduled once and
 * tells each patient once; the states are stored at once all the same. */
static void
test_burst_coalesces(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f);
  g_autoptr(GError) error = NULL;
  for (int i = 0; i < N - 1; i++) {
    g_autofree char *id = g_strdup_printf("a%d", i);
    g_assert_true(ar_waiting_room_checkin(wr, id, T0, &error));
    g_assert_true(ar_waiting_room_device_result(wr, id, 7, T0, &error));
    g_assert_no_error(error);
  }
  g_assert_cmpuint(f->notifications, ==, 0);
  g_assert_cmpuint(f->scheduled, ==, 1);
  g_assert_true(ar_waiting_room_dirty(wr));
  g_assert_cmpint(get(wr, "a3")->state, ==, AR_QUEUE_STATE_READY);

  g_assert_cmpuint(ar_waiting_room_flush(wr, T0), ==, 1); /* doc's line only */
  g_assert_false(ar_waiting_room_dirty(wr));
  g_assert_cmpuint(f->notifications, ==, N - 1); /* once each, not once per change */
  for (int i = 0; i < N - 1; i++) {
    g_autofree char *id = g_strdup_printf("a%d", i);
    g_assert_cmpuint(told(f, id), ==, LQ);
    g_assert_cmpuint(get(wr, id)->estimate.position, ==, (guint)i + 1);
    g_assert_cmpint(get(wr, id)->shown.eta, >, 0); /* the first estimate shown, kept */
  }
  g_assert_cmpuint(told(f, "a7"), ==, 0); /* doc2's line did not change */

  /* The next change schedules the next flush. */
  f->notifications = 0;
  g_assert_true(ar_waiting_room_admit(wr, "a0", T0 + 700, &error));
  g_assert_cmpuint(f->scheduled, ==, 2);
  g_assert_cmpuint(f->notifications, ==, 0);
  g_assert_cmpuint(ar_waiting_room_flush(wr, T0 + 700), ==, 1);
  g_assert_cmpint(get(wr, "a0")->state, ==, AR_QUEUE_STATE_IN_VISIT);
  g_assert_cmpuint(get(wr, "a1")->estimate.position, ==, 1);
  g_assert_cmpuint(f->notifications, ==, N - 1); /* a0 and everyone who moved up */
  /* Nothing dirty: a flush does nothing and announces nothing. */
  f->notifications = 0;
  g_assert_cmpuint(ar_waiting_room_flush(wr, T0 + 701), ==, 0);
  g_assert_cmpuint(f->notifications, ==, 0);
}

/* A change that moves no estimate is still owed to its entry (the lobby wants the flag). */
static void
test_forced_change_survives(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f);
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_set_guests_wait(wr, "a5", TRUE, T0, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(f->notifications, ==, 0);
  ar_waiting_room_flush(wr, T0);
  g_assert_cmpuint(told(f, "a5"), ==, LQ);
  g_assert_cmpuint(f->notifications, ==, 1);
  g_assert_cmpuint(get(wr, "a5")->pending_changes, ==, 0);
}

/* The refresh each AR_WAITING_ROOM_REFRESH_S still reaches every present patient, through
 * the flush, even when nothing moved. */
static void
test_refresh_tells_everyone_present(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = room(f);
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_checkin(wr, "a2", T0, &error));
  g_assert_true(ar_waiting_room_checkin(wr, "a7", T0, &error));
  ar_waiting_room_flush(wr, T0);
  g_hash_table_remove_all(f->told);
  f->notifications = 0;
  ar_waiting_room_tick(wr, T0 + AR_WAITING_ROOM_REFRESH_S);
  g_assert_cmpuint(f->notifications, ==, 0);
  g_assert_cmpuint(ar_waiting_room_flush(wr, T0 + AR_WAITING_ROOM_REFRESH_S), ==, 2);
  g_assert_cmpuint(told(f, "a2"), ==, LQ);
  g_assert_cmpuint(told(f, "a7"), ==, LQ);
  g_assert_cmpuint(told(f, "a4"), ==, 0); /* not here: nothing to tell */
}

/* Without deferral (no schedule set) every change is announced at once, as before. */
static void
test_immediate_without_defer(Fixture *f, gconstpointer data)
{
  g_autoptr(ArWaitingRoom) wr = ar_waiting_room_new(f->store, 60, record, f);
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_waiting_room_load(wr, T0, &error));
  f->notifications = 0;
  g_assert_true(ar_waiting_room_checkin(wr, "a1", T0, &error));
  g_assert_cmpuint(told(f, "a1"), ==, LQ);
  g_assert_cmpuint(f->scheduled, ==, 0);
  g_assert_false(ar_waiting_room_dirty(wr));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
  ADD("/waiting_deferred/burst_coalesces", test_burst_coalesces);
  ADD("/waiting_deferred/forced_change_survives", test_forced_change_survives);
  ADD("/waiting_deferred/refresh_tells_everyone_present", test_refresh_tells_everyone_present);
  ADD("/waiting_deferred/immediate_without_defer", test_immediate_without_defer);
  return g_test_run();
}
