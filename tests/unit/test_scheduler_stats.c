/* Scheduling metrics from the store (scheduler_stats.c) on a real SQLite file with known rows,
 * the expected numbers worked out by hand in the comments; and the migration-6 triggers that
 * record when a slot opened, why, and how the opening ended. */
#include "scheduler_stats.h"

#include <glib/gstdio.h>
#include <math.h>

#define T0 1790000000LL /* start of the period */
#define DAY 86400LL
#define NOW (T0 + 10 * DAY)

typedef struct {
  char *dir;
  ArStore *store;
} Fixture;

static void
exec_ok(ArStore *store, const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_store_exec(store, sql, &error));
  g_assert_no_error(error);
}

static void execf(ArStore *store, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void
execf(ArStore *store, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *sql = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  exec_ok(store, sql);
}

static void
setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  f->dir = g_dir_make_tmp("stats-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *path = g_build_filename(f->dir, "anteroom.db", NULL);
  f->store = ar_store_open(path, &error);
  g_assert_no_error(error);
  exec_ok(f->store, "INSERT INTO clinic VALUES ('cl', 'Clinic', 'UTC');"
                    "INSERT INTO practitioner (id, clinic_id, display_name, role) VALUES"
                    " ('prac_a', 'cl', 'Dr A', 'clinician'), ('prac_b', 'cl', 'Dr B', 'clinician');"
                    "INSERT INTO schedule (id, practitioner_id) VALUES ('sch_a', 'prac_a'),"
                    " ('sch_b', 'prac_b');");
  for (int i = 1; i <= 9; i++)
    execf(f->store, "INSERT INTO patient (id, display_name, created_at) VALUES ('p%d', 'P', 0)", i);
}

static void
teardown(Fixture *f, gconstpointer data)
{
  ar_store_close(f->store);
  g_autofree char *path = g_build_filename(f->dir, "anteroom.db", NULL);
  g_autofree char *wal = g_strconcat(path, "-wal", NULL), *shm = g_strconcat(path, "-shm", NULL);
  g_unlink(path);
  g_unlink(wal);
  g_unlink(shm);
  g_rmdir(f->dir);
  g_free(f->dir);
}

/* A slot (no opened_reason, so no trigger fires: openings are written by hand here). */
static void
slot(Fixture *f, const char *id, const char *sched, gint64 start, const char *status,
     const char *modality)
{
  execf(f->store,
        "INSERT INTO slot (id, schedule_id, start_ts, end_ts, status, modality) VALUES"
        " ('%s', '%s', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", '%s', '%s')",
        id, sched, start, start + 1200, status, modality);
}

static void
opening(Fixture *f, const char *slot_id, const char *prac, const char *reason, gint64 opened,
        gint64 closed, const char *outcome)
{
  g_autofree char *c = closed ? g_strdup_printf("%" G_GINT64_FORMAT, closed) : g_strdup("NULL");
  g_autofree char *o = outcome ? g_strdup_printf("'%s'", outcome) : g_strdup("NULL");
  execf(f->store,
        "INSERT INTO slot_opening (slot_id, practitioner_id, reason, opened_at, closed_at,"
        " outcome) VALUES ('%s', '%s', '%s', %" G_GINT64_FORMAT ", %s, %s)",
        slot_id, prac, reason, opened, c, o);
}

static void
offer(Fixture *f, const char *id, const char *slot_id, const char *patient, gint64 sent,
      gint64 expires, const char *channel, const char *status, const char *wl)
{
  g_autofree char *w = wl ? g_strdup_printf("'%s'", wl) : g_strdup("NULL");
  execf(f->store,
        "INSERT INTO offer (id, slot_id, patient_id, waitlist_entry_id, sent_at, expires_at,"
        " channel, status) VALUES ('%s', '%s', '%s', %s, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
        ", '%s', '%s')",
        id, slot_id, patient, w, sent, expires, channel, status);
}

static void
response(Fixture *f, const char *offer_id, const char *actor, const char *status, gint64 at,
         const char *appointment)
{
  g_autofree char *a = appointment ? g_strdup_printf("'%s'", appointment) : g_strdup("NULL");
  execf(f->store,
        "INSERT INTO appointment_response (id, offer_id, appointment_id, actor_id,"
        " participant_status, created_at) VALUES ('r_%s', '%s', %s, '%s', '%s', %" G_GINT64_FORMAT
        ")",
        offer_id, offer_id, a, actor, status, at);
}

static void
appointment(Fixture *f, const char *id, const char *patient, const char *prac, const char *slot_id,
            const char *status, gint64 start)
{
  g_autofree char *s = slot_id ? g_strdup_printf("'%s'", slot_id) : g_strdup("NULL");
  execf(f->store,
        "INSERT INTO appointment (id, patient_id, practitioner_id, slot_id, status, start_ts,"
        " end_ts, created_at) VALUES ('%s', '%s', '%s', %s, '%s', %" G_GINT64_FORMAT
        ", %" G_GINT64_FORMAT ", 0)",
        id, patient, prac, s, status, start, start + 1200);
}

static void
waitlist(Fixture *f, const char *id, const char *patient, const char *appointment_id)
{
  execf(f->store,
        "INSERT INTO waitlist_entry (id, patient_id, appointment_id, visit_type, earliest_ts,"
        " latest_ts, active, created_at) VALUES ('%s', '%s', '%s', 'general', 0, 0, 0, 0)",
        id, patient, appointment_id);
}

/* The period [T0, T0 + 30 days), now = T0 + 10 days:
 * s1 (A, video)     cancelled,    opened T0+100,  filled T0+500 by o2 (p2; old visit 10 d later)
 *                   offers o1 live declined, o2 outbox delivered accepted, o3 outbox undelivered
 *                   withdrawn; o8 from an opening before the period (sent T0-950) not counted
 * s2 (B, in-person) noshow,       opened T0+1000, closed by staff T0+2000; o4 outbox undelivered,
 *                   lapsed (needs-action)
 * s3 (A, video)     published,    opened T0+3000, still open, starts NOW+1h; o5 live in flight;
 *                   o9 sent before the period, lapsed unmarked: neither counted nor in flight
 * s4 (B, video)     early-finish, opened T0+4000, began (NOW-1h) unfilled, no offers
 * s5 (A, video)     cascade,      opened T0+5000, filled T0+6000 by o6 (p6; old visit 3 d later)
 * s6 (A, video)     published,    opened T0-100 (before the period), filled T0-10 by o7 */
static void
seed(Fixture *f)
{
  gint64 s1 = T0 + DAY, s5 = T0 + 2 * DAY;
  slot(f, "s1", "sch_a", s1, "busy", "video");
  slot(f, "s2", "sch_b", T0 + 3 * DAY, "busy-unavailable", "in-person");
  slot(f, "s3", "sch_a", NOW + 3600, "free", "video");
  slot(f, "s4", "sch_b", NOW - 3600, "free", "video");
  slot(f, "s5", "sch_a", s5, "busy", "video");
  slot(f, "s6", "sch_a", T0 + 4 * DAY, "busy", "video");
  slot(f, "s_old2", "sch_a", s1 + 10 * DAY, "free", "video");
  slot(f, "s_old6", "sch_a", s5 + 3 * DAY, "free", "video");
  opening(f, "s1", "prac_a", "cancelled", T0 - 1000, T0 - 900, "filled");
  opening(f, "s1", "prac_a", "cancelled", T0 + 100, T0 + 500, "filled");
  opening(f, "s2", "prac_b", "noshow", T0 + 1000, T0 + 2000, "closed");
  opening(f, "s3", "prac_a", "published", T0 + 3000, 0, NULL);
  opening(f, "s4", "prac_b", "early-finish", T0 + 4000, 0, NULL);
  opening(f, "s5", "prac_a", "cascade", T0 + 5000, T0 + 6000, "filled");
  opening(f, "s6", "prac_a", "published", T0 - 100, T0 - 10, "filled");
  /* p2 held a2 ten days after s1; p6 held a6 three days after s5. */
  appointment(f, "a2", "p2", "prac_a", "s_old2", "cancelled", s1 + 10 * DAY);
  appointment(f, "n2", "p2", "prac_a", "s1", "booked", s1);
  appointment(f, "a6", "p6", "prac_a", "s_old6", "cancelled", s5 + 3 * DAY);
  appointment(f, "n6", "p6", "prac_a", "s5", "booked", s5);
  appointment(f, "n7", "p7", "prac_a", "s6", "booked", T0 + 4 * DAY);
  waitlist(f, "w2", "p2", "a2");
  waitlist(f, "w6", "p6", "a6");
  offer(f, "o8", "s1", "p8", T0 - 950, T0 - 900, "live", "withdrawn", NULL);
  offer(f, "o1", "s1", "p1", T0 + 110, T0 + 1300, "live", "declined", NULL);
  offer(f, "o2", "s1", "p2", T0 + 120, T0 + 1300, "outbox", "accepted", "w2");
  offer(f, "o3", "s1", "p3", T0 + 120, T0 + 1300, "outbox", "withdrawn", NULL);
  offer(f, "o4", "s2", "p4", T0 + 1010, T0 + 1900, "outbox", "expired", NULL);
  offer(f, "o5", "s3", "p5", T0 + 3010, NOW + 600, "live", "sent", NULL);
  offer(f, "o9", "s3", "p9", T0 - 20, T0 - 10, "outbox", "sent", NULL);
  offer(f, "o6", "s5", "p6", T0 + 5100, T0 + 6100, "live", "accepted", "w6");
  offer(f, "o7", "s6", "p7", T0 - 50, T0 + 100, "live", "accepted", NULL);
  exec_ok(f->store, "INSERT INTO notification_outbox (id, idempotency_key, kind, patient_id,"
                    " offer_id, payload, created_at, next_attempt_at, delivered_at) VALUES"
                    " ('ob2', 'k2', 'offer', 'p2', 'o2', '{}', 0, 0, 1),"
                    " ('ob3', 'k3', 'offer', 'p3', 'o3', '{}', 0, 0, NULL),"
                    " ('ob4', 'k4', 'offer', 'p4', 'o4', '{}', 0, 0, NULL)");
  response(f, "o1", "p1", "declined", T0 + 200, NULL);
  response(f, "o2", "p2", "accepted", T0 + 500, "n2");
  response(f, "o4", "p4", "needs-action", T0 + 1900, NULL);
  response(f, "o6", "p6", "accepted", T0 + 6000, "n6");
  response(f, "o7", "p7", "accepted", T0 - 10, "n7");
}

static ArSchedStats
compute(Fixture *f, gint64 from, gint64 to, const char *prac)
{
  ArSchedStatsQuery q = {from, to, prac, NOW};
  ArSchedStats m;
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_scheduler_stats_compute(f->store, &q, &m, &error));
  g_assert_no_error(error);
  return m;
}

static void
test_all_clinicians(Fixture *f, gconstpointer data)
{
  seed(f);
  ArSchedStats m = compute(f, T0, T0 + 30 * DAY, NULL);
  /* Openings s1..s5: filled s1, s5; unfilled s2 (closed), s4 (began empty); open s3. */
  g_assert_cmpuint(m.slots_opened, ==, 5);
  g_assert_cmpuint(m.slots_filled, ==, 2);
  g_assert_cmpuint(m.slots_unfilled, ==, 2);
  g_assert_cmpuint(m.slots_still_open, ==, 1);
  for (int r = 0; r < AR_SCHED_OPENED_STAFF; r++)
    g_assert_cmpuint(m.opened_by_reason[r], ==, 1);
  g_assert_cmpuint(m.opened_by_reason[AR_SCHED_OPENED_STAFF], ==, 0);
  /* s1: o1 o2 o3 (not o8), s2: o4, s3: o5 (not o9), s5: o6 = 6 offers for 2 fills. */
  g_assert_cmpuint(m.offers_for_opened, ==, 6);
  g_assert_cmpfloat_with_epsilon(m.fill_rate, 0.4, 1e-9);
  g_assert_cmpfloat_with_epsilon(m.offers_per_fill, 3.0, 1e-9);
  /* Sent in the period: o1..o6. Delivered: o1, o5, o6 live; o2 by the gateway = 4. */
  g_assert_cmpuint(m.offers_sent, ==, 6);
  g_assert_cmpuint(m.offers_delivered, ==, 4);
  g_assert_cmpuint(m.accepted, ==, 2);
  g_assert_cmpuint(m.declined, ==, 1);
  g_assert_cmpuint(m.expired, ==, 1);
  g_assert_cmpuint(m.withdrawn, ==, 1);
  g_assert_cmpuint(m.pending, ==, 1);
  g_assert_cmpfloat_with_epsilon(m.acceptance, 0.5, 1e-9);
  /* Bookings o2 (10 days sooner) and o6 (3 days): the median of two is their mean. o7 is
   * before the period. */
  g_assert_cmpuint(m.bookings, ==, 2);
  g_assert_cmpuint(m.days_sooner_samples, ==, 2);
  g_assert_cmpfloat_with_epsilon(m.median_days_sooner, 6.5, 1e-9);
  /* Now: s3 and s_old2 are free and ahead (s4 and s_old6 are free but past). */
  g_assert_cmpuint(m.open_slots, ==, 2);
  g_assert_cmpuint(m.offers_in_flight, ==, 1);
}

static void
test_per_clinician(Fixture *f, gconstpointer data)
{
  seed(f);
  ArSchedStats a = compute(f, T0, T0 + 30 * DAY, "prac_a");
  /* s1, s3, s5: 2 of 3 filled; offers 3 + 1 + 1 = 5 for 2 fills. */
  g_assert_cmpuint(a.slots_opened, ==, 3);
  g_assert_cmpuint(a.slots_filled, ==, 2);
  g_assert_cmpfloat_with_epsilon(a.fill_rate, 2.0 / 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(a.offers_per_fill, 2.5, 1e-9);
  g_assert_cmpuint(a.offers_sent, ==, 5);
  g_assert_cmpuint(a.offers_delivered, ==, 4);
  g_assert_cmpfloat_with_epsilon(a.acceptance, 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon(a.median_days_sooner, 6.5, 1e-9);
  g_assert_cmpuint(a.open_slots, ==, 2);
  ArSchedStats b = compute(f, T0, T0 + 30 * DAY, "prac_b");
  /* s2, s4: none filled; o4 never delivered: no acceptance, no days sooner. */
  g_assert_cmpuint(b.slots_opened, ==, 2);
  g_assert_cmpuint(b.slots_unfilled, ==, 2);
  g_assert_cmpfloat_with_epsilon(b.fill_rate, 0.0, 1e-9);
  g_assert_true(isnan(b.offers_per_fill));
  g_assert_cmpuint(b.offers_sent, ==, 1);
  g_assert_cmpuint(b.expired, ==, 1);
  g_assert_true(isnan(b.acceptance));
  g_assert_true(isnan(b.median_days_sooner));
  g_assert_cmpuint(b.open_slots, ==, 0);
  g_assert_cmpuint(b.offers_in_flight, ==, 0);
}

static void
test_period_bounds(Fixture *f, gconstpointer data)
{
  seed(f);
  /* [T0+500, T0+5000): openings s2, s3, s4 (s5 opened at the excluded end); offers o4, o5;
   * booking o2 at T0+500 (the included start). */
  ArSchedStats m = compute(f, T0 + 500, T0 + 5000, NULL);
  g_assert_cmpuint(m.slots_opened, ==, 3);
  g_assert_cmpuint(m.slots_filled, ==, 0);
  g_assert_cmpuint(m.offers_sent, ==, 2);
  g_assert_cmpuint(m.bookings, ==, 1);
  g_assert_cmpfloat_with_epsilon(m.median_days_sooner, 10.0, 1e-9);
  /* Before everything: empty, and every ratio undefined. */
  ArSchedStats none = compute(f, T0 - 10 * DAY, T0 - 5 * DAY, NULL);
  g_assert_cmpuint(none.slots_opened + none.offers_sent + none.bookings, ==, 0);
  g_assert_true(isnan(none.fill_rate) && isnan(none.offers_per_fill) && isnan(none.acceptance) &&
                isnan(none.median_days_sooner));
  g_assert_cmpuint(none.offers_in_flight, ==, 1); /* "now" does not depend on the period */
}

static void
test_open_slots_and_outcomes(Fixture *f, gconstpointer data)
{
  seed(f);
  ArSchedStatsQuery q = {T0, T0 + 30 * DAY, "prac_a", NOW};
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) open = ar_scheduler_stats_open_slots(f->store, &q, 10, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(open->len, ==, 2);
  ArSchedOpenSlot *s3 = &g_array_index(open, ArSchedOpenSlot, 0);
  g_assert_cmpstr(s3->slot_id, ==, "s3");
  g_assert_cmpstr(s3->practitioner_name, ==, "Dr A");
  g_assert_cmpstr(s3->reason, ==, "published");
  g_assert_cmpint(s3->opened_at, ==, T0 + 3000);
  g_assert_cmpuint(s3->offers_in_flight, ==, 1);
  g_assert_cmpuint(s3->offers_made, ==, 1); /* o5; o9 predates this opening */
  g_assert_cmpint(s3->next_expiry, ==, NOW + 600);
  ArSchedOpenSlot *later = &g_array_index(open, ArSchedOpenSlot, 1);
  g_assert_cmpstr(later->slot_id, ==, "s_old2");
  g_assert_cmpint(later->opened_at, ==, 0); /* free without a recorded opening */
  g_assert_cmpuint(later->offers_in_flight, ==, 0);

  q.practitioner_id = NULL;
  g_autoptr(GArray) out = ar_scheduler_stats_outcomes(f->store, &q, 10, &error);
  g_assert_no_error(error);
  /* Newest first: o6 booked, o4 lapsed, o2 booked, o1 declined; o7 is before the period. */
  g_assert_cmpuint(out->len, ==, 4);
  static const ArSchedOutcomeKind kinds[] = {AR_SCHED_OUTCOME_BOOKED, AR_SCHED_OUTCOME_EXPIRED,
                                             AR_SCHED_OUTCOME_BOOKED, AR_SCHED_OUTCOME_DECLINED};
  static const char *const slots[] = {"s5", "s2", "s1", "s1"};
  for (guint i = 0; i < 4; i++) {
    ArSchedOutcome *o = &g_array_index(out, ArSchedOutcome, i);
    g_assert_cmpint(o->kind, ==, kinds[i]);
    g_assert_cmpstr(o->slot_id, ==, slots[i]);
  }
  g_assert_cmpfloat_with_epsilon(g_array_index(out, ArSchedOutcome, 0).days_sooner, 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(g_array_index(out, ArSchedOutcome, 2).days_sooner, 10.0, 1e-9);
  g_assert_true(isnan(g_array_index(out, ArSchedOutcome, 1).days_sooner));
  g_assert_cmpstr(g_array_index(out, ArSchedOutcome, 1).modality, ==, "in-person");
  g_autoptr(GArray) one = ar_scheduler_stats_outcomes(f->store, &q, 1, &error);
  g_assert_cmpuint(one->len, ==, 1);
}

static gint64
count(ArStore *store, const char *sql)
{
  sqlite3_stmt *st = ar_store_prepare(store, sql, NULL);
  g_assert_nonnull(st);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  gint64 n = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return n;
}

/* The triggers, with the wall clock they use. */
static void
test_triggers_record_openings(Fixture *f, gconstpointer data)
{
  gint64 now = g_get_real_time() / G_USEC_PER_SEC, start = now + 3600;
  /* Published capacity (a free slot with a reason) opens; a busy slot or a past one does not. */
  execf(f->store,
        "INSERT INTO slot (id, schedule_id, start_ts, end_ts, status, modality, opened_reason)"
        " VALUES ('t1', 'sch_a', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
        ", 'free', 'video', 'published'),"
        " ('t2', 'sch_a', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'busy', 'video', NULL),"
        " ('t3', 'sch_b', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'free', 'video', 'noshow')",
        start, start + 1200, start + 1200, start + 2400, now - 3600, now - 2400);
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM slot_opening"), ==, 1);
  g_assert_cmpint(count(f->store, "SELECT opened_at FROM slot_opening WHERE slot_id = 't1'"
                                  " AND practitioner_id = 'prac_a' AND reason = 'published'"),
                  >=, now);
  /* Booked: filled. */
  appointment(f, "b1", "p1", "prac_a", "t1", "booked", start);
  exec_ok(f->store, "UPDATE slot SET status = 'busy' WHERE id = 't1'");
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM slot_opening WHERE slot_id = 't1'"
                                  " AND outcome = 'filled' AND closed_at >= opened_at"),
                  ==, 1);
  /* Cancelled and freed: a second opening, with its reason; then staff close it. */
  exec_ok(f->store, "UPDATE appointment SET status = 'cancelled' WHERE id = 'b1';"
                    "UPDATE slot SET status = 'free', opened_reason = 'cancelled' WHERE id = 't1'");
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM slot_opening WHERE slot_id = 't1'"
                                  " AND reason = 'cancelled' AND closed_at IS NULL"),
                  ==, 1);
  /* Setting it free again while free is not a new opening. */
  exec_ok(f->store, "UPDATE slot SET status = 'free' WHERE id = 't1'");
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM slot_opening"), ==, 2);
  exec_ok(f->store, "UPDATE slot SET status = 'busy-unavailable' WHERE id = 't1'");
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM slot_opening WHERE outcome = 'closed'"), ==,
                  1);
  /* Freed without a reason (e.g. by FHIR): staff. */
  exec_ok(f->store, "UPDATE slot SET status = 'free', opened_reason = NULL WHERE id = 't2'");
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM slot_opening WHERE slot_id = 't2'"
                                  " AND reason = 'staff'"),
                  ==, 1);
  ArSchedStatsQuery q = {now - 60, now + 60, NULL, now};
  ArSchedStats m;
  g_assert_true(ar_scheduler_stats_compute(f->store, &q, &m, NULL));
  /* t1 twice (filled, then closed), t2 still open. */
  g_assert_cmpuint(m.slots_opened, ==, 3);
  g_assert_cmpuint(m.slots_filled, ==, 1);
  g_assert_cmpuint(m.slots_unfilled, ==, 1);
  g_assert_cmpuint(m.slots_still_open, ==, 1);
}

static void
test_parse_day(void)
{
  gint64 t = 0;
  g_assert_true(ar_scheduler_stats_parse_day("2026-03-01", &t));
  g_assert_cmpint(t, ==, 1772323200);
  g_assert_true(ar_scheduler_stats_parse_day("2024-02-29", &t));
  static const char *const bad[] = {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01",
                                    "2026-01-1",  "26-01-01",   "2026/01/01", "2026-01-01x",
                                    "",           "yesterday",  "+026-01-01", "1969-12-31"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
    g_assert_false(ar_scheduler_stats_parse_day(bad[i], &t));
  g_assert_false(ar_scheduler_stats_parse_day(NULL, &t));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/scheduler_stats/all-clinicians", Fixture, NULL, setup, test_all_clinicians,
             teardown);
  g_test_add("/scheduler_stats/per-clinician", Fixture, NULL, setup, test_per_clinician, teardown);
  g_test_add("/scheduler_stats/period-bounds", Fixture, NULL, setup, test_period_bounds, teardown);
  g_test_add("/scheduler_stats/open-slots-and-outcomes", Fixture, NULL, setup,
             test_open_slots_and_outcomes, teardown);
  g_test_add("/scheduler_stats/triggers", Fixture, NULL, setup, test_triggers_record_openings,
             teardown);
  g_test_add_func("/scheduler_stats/parse-day", test_parse_day);
  return g_test_run();
}
