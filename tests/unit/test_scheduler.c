/* The scheduler shell against a real (in-memory) store: offers persisted with outbox rows,
 * first confirmation wins with alternatives for the rest, the cascade frees and re-offers the
 * winner's old slot, a restart keeps pending offers (same offer, not a new one), expired,
 * foreign and unknown offers answer clearly, bad capacity writes nothing. */
#include "scheduler.h"
#include "outbox.h"

#include <string.h>

#define HOUR 3600

typedef struct {
  ArStore *store;
  ArTokenKeyring *keys;
  ArScheduler *sched;
  gint64 now;
} Fixture;

static void
exec_ok(ArStore *store, const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_store_exec(store, sql, &error));
  g_assert_no_error(error);
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

static char *
text(ArStore *store, const char *sql)
{
  sqlite3_stmt *st = ar_store_prepare(store, sql, NULL);
  g_assert_nonnull(st);
  char *v =
      sqlite3_step(st) == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
  sqlite3_reset(st);
  return v;
}

static ArScheduler *
start(Fixture *f)
{
  ArSchedulerOptions o = {
      .store = f->store, .keys = f->keys, .public_url = "https://clinic.test", .api_token = "t"};
  ar_scheduler_policy_from_config(&o.policy, 5, 1200, 4 * HOUR, 1, 0, 0);
  g_autoptr(GError) error = NULL;
  ArScheduler *s = ar_scheduler_new(&o, &error);
  g_assert_no_error(error);
  ar_scheduler_rebuild_now(s);
  return s;
}

static void
setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  f->store = ar_store_open(":memory:", &error);
  g_assert_no_error(error);
  f->keys = ar_token_keyring_new_ephemeral();
  f->now = g_get_real_time() / G_USEC_PER_SEC;
  exec_ok(f->store, "INSERT INTO clinic VALUES ('cl', 'Clinic', 'Europe/Berlin');"
                    "INSERT INTO practitioner (id, clinic_id, display_name, role)"
                    " VALUES ('prac_a', 'cl', 'Dr A', 'clinician');"
                    "INSERT INTO schedule (id, practitioner_id) VALUES ('sch_a', 'prac_a');");
  f->sched = start(f);
}

static void
teardown(Fixture *f, gconstpointer data)
{
  ar_scheduler_free(f->sched);
  ar_store_close(f->store);
  ar_token_keyring_free(f->keys);
}

static void
waitlist(Fixture *f, const char *patient, const char *appointment)
{
  ArSchedWaitlistRequest r = {.patient_id = patient,
                              .display_name = "Secret Name",
                              .phone = "+15550100",
                              .appointment_id = appointment,
                              .short_notice_ok = TRUE};
  g_autoptr(GError) error = NULL;
  g_autofree char *id = ar_scheduler_add_waitlist(f->sched, &r, &error);
  g_assert_no_error(error);
  g_assert_nonnull(id);
}

static char *
publish(Fixture *f, gint64 start_s)
{
  ArSchedCapacity c = {start_s * G_USEC_PER_SEC, (start_s + 1200) * G_USEC_PER_SEC, NULL, NULL};
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = ar_scheduler_publish_capacity(f->sched, "prac_a", &c, 1, &error);
  g_assert_no_error(error);
  return g_strdup(ids->pdata[0]);
}

static char *
offer_for(Fixture *f, const char *slot, const char *patient)
{
  g_autofree char *sql = g_strdup_printf(
      "SELECT id FROM offer WHERE slot_id = '%s' AND patient_id = '%s' AND status = 'sent'", slot,
      patient);
  return text(f->store, sql);
}

static void
test_first_confirm_wins(Fixture *f, gconstpointer data)
{
  waitlist(f, "pat_1", NULL);
  waitlist(f, "pat_2", NULL);
  waitlist(f, "pat_3", NULL);
  g_autofree char *slot = publish(f, f->now + 7 * HOUR);
  g_autofree char *spare = publish(f, f->now + 8 * HOUR);
  g_autofree char *o1 = offer_for(f, slot, "pat_1"), *o2 = offer_for(f, slot, "pat_2");
  g_assert_nonnull(o1);
  g_assert_nonnull(o2);
  /* Nobody is online: every offer went to the outbox, with no name in the payload. */
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM notification_outbox"), ==,
                  count(f->store, "SELECT COUNT(*) FROM offer"));
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM notification_outbox WHERE payload LIKE"
                                  " '%Secret%'"),
                  ==, 0);

  g_auto(ArSchedAnswer) won = {0}, taken = {0}, again = {0};
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_scheduler_confirm(f->sched, o1, "pat_1", "test", &won, &error));
  g_assert_cmpint(won.answer, ==, AR_OFFER_WON);
  g_assert_cmpstr(won.slot.slot_id, ==, slot);
  g_assert_true(ar_scheduler_confirm(f->sched, o2, "pat_2", "test", &taken, &error));
  g_assert_cmpint(taken.answer, ==, AR_OFFER_TAKEN);
  gboolean has_spare = FALSE;
  for (guint i = 0; i < taken.alternatives->len; i++)
    has_spare |= g_str_equal(g_array_index(taken.alternatives, ArSchedSlotInfo, i).slot_id, spare);
  g_assert_true(has_spare);
  /* A second click on the winning offer is the same booking, not a new one. */
  g_assert_true(ar_scheduler_confirm(f->sched, o1, "pat_1", "test", &again, &error));
  g_assert_cmpint(again.answer, ==, AR_OFFER_WON);
  g_assert_cmpstr(again.appointment_id, ==, won.appointment_id);
  g_autofree char *sql = g_strdup_printf(
      "SELECT COUNT(*) FROM appointment WHERE slot_id = '%s' AND status = 'booked'", slot);
  g_assert_cmpint(count(f->store, sql), ==, 1);
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM audit_event WHERE action ="
                                  " 'offer.confirm'"),
                  ==, 1);
}

static void
test_cascade(Fixture *f, gconstpointer data)
{
  /* pat_1 holds an appointment three weeks out; taking an earlier slot frees it for pat_2. */
  g_autofree char *far = g_strdup_printf(
      "INSERT INTO patient (id, display_name, created_at) VALUES ('pat_1', 'P1', 0);"
      "INSERT INTO slot (id, schedule_id, start_ts, end_ts, status, modality) VALUES"
      " ('slot_far', 'sch_a', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 'busy', 'video');"
      "INSERT INTO appointment (id, patient_id, practitioner_id, slot_id, status, start_ts, end_ts,"
      " created_at) VALUES ('apt_far', 'pat_1', 'prac_a', 'slot_far', 'booked', %" G_GINT64_FORMAT
      ", %" G_GINT64_FORMAT ", 0);",
      f->now + 21 * 24 * HOUR, f->now + 21 * 24 * HOUR + 1200, f->now + 21 * 24 * HOUR,
      f->now + 21 * 24 * HOUR + 1200);
  exec_ok(f->store, far);
  waitlist(f, "pat_1", "apt_far");
  g_autofree char *slot = publish(f, f->now + 7 * HOUR);
  waitlist(f, "pat_2", NULL);
  g_autofree char *o1 = offer_for(f, slot, "pat_1");
  g_assert_nonnull(o1);
  g_auto(ArSchedAnswer) won = {0};
  g_assert_true(ar_scheduler_confirm(f->sched, o1, "pat_1", "test", &won, NULL));
  g_assert_cmpint(won.answer, ==, AR_OFFER_WON);
  g_autofree char *old = text(f->store, "SELECT status FROM appointment WHERE id = 'apt_far'");
  g_autofree char *freed = text(f->store, "SELECT status FROM slot WHERE id = 'slot_far'");
  g_assert_cmpstr(old, ==, "cancelled");
  g_assert_cmpstr(freed, ==, "free");
  g_autofree char *next = offer_for(f, "slot_far", "pat_2");
  g_assert_nonnull(next); /* offered on at once */
}

static void
test_restart_keeps_offer(Fixture *f, gconstpointer data)
{
  waitlist(f, "pat_1", NULL);
  g_autofree char *slot = publish(f, f->now + 7 * HOUR);
  g_autofree char *offer = offer_for(f, slot, "pat_1");
  g_assert_nonnull(offer);
  ar_scheduler_free(f->sched);
  f->sched = start(f);
  /* The engine asked again after the rebuild: it is the same offer, not a second one. */
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM offer"), ==, 1);
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM notification_outbox"), ==, 1);
  g_auto(ArSchedAnswer) a = {0};
  g_assert_true(ar_scheduler_confirm(f->sched, offer, "pat_1", "test", &a, NULL));
  g_assert_cmpint(a.answer, ==, AR_OFFER_WON);
}

static void
test_expired_foreign_unknown(Fixture *f, gconstpointer data)
{
  waitlist(f, "pat_1", NULL);
  g_autofree char *slot = publish(f, f->now + 7 * HOUR);
  g_autofree char *offer = offer_for(f, slot, "pat_1");
  g_auto(ArSchedAnswer) foreign = {0}, unknown = {0}, expired = {0};
  g_assert_true(ar_scheduler_confirm(f->sched, offer, "pat_9", "test", &foreign, NULL));
  g_assert_cmpint(foreign.answer, ==, AR_OFFER_NOT_YOURS);
  g_assert_true(ar_scheduler_confirm(f->sched, "off_none", "pat_1", "test", &unknown, NULL));
  g_assert_cmpint(unknown.answer, ==, AR_OFFER_UNKNOWN);
  exec_ok(f->store, "UPDATE offer SET expires_at = 1");
  g_assert_true(ar_scheduler_confirm(f->sched, offer, "pat_1", "test", &expired, NULL));
  g_assert_cmpint(expired.answer, ==, AR_OFFER_EXPIRED);
  g_autofree char *resp =
      text(f->store, "SELECT participant_status || '/' || comment FROM appointment_response");
  g_assert_cmpstr(resp, ==, "needs-action/lapsed");
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM appointment"), ==, 0);
}

static void
test_bad_requests_write_nothing(Fixture *f, gconstpointer data)
{
  gint64 t = (f->now + 9 * HOUR) * G_USEC_PER_SEC;
  ArSchedCapacity overlap[] = {{t, t + 1200 * G_USEC_PER_SEC},
                               {t + 600 * G_USEC_PER_SEC, t + 1800 * G_USEC_PER_SEC}};
  g_autoptr(GError) error = NULL;
  g_assert_null(ar_scheduler_publish_capacity(f->sched, "prac_a", overlap, 2, &error));
  g_assert_error(error, AR_SCHEDULER_ERROR, AR_SCHEDULER_ERROR_CONFLICT);
  g_assert_nonnull(strstr(error->message, "overlaps slot 1"));
  g_clear_error(&error);
  g_assert_null(ar_scheduler_publish_capacity(f->sched, "prac_zz", overlap, 1, &error));
  g_assert_error(error, AR_SCHEDULER_ERROR, AR_SCHEDULER_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_cmpint(count(f->store, "SELECT COUNT(*) FROM slot"), ==, 0);
  waitlist(f, "pat_1", NULL);
  g_autofree char *slot = publish(f, f->now + 7 * HOUR);
  g_autofree char *offer = offer_for(f, slot, "pat_1");
  g_auto(ArSchedAnswer) a = {0};
  g_assert_true(ar_scheduler_confirm(f->sched, offer, "pat_1", "test", &a, NULL));
  g_assert_false(ar_scheduler_cancel_appointment(f->sched, a.appointment_id, "pat_2", &error));
  g_assert_error(error, AR_SCHEDULER_ERROR, AR_SCHEDULER_ERROR_FORBIDDEN);
  g_clear_error(&error);
  g_assert_true(ar_scheduler_cancel_appointment(f->sched, a.appointment_id, "pat_1", &error));
  g_assert_no_error(error);
  g_autofree char *st = text(f->store, "SELECT status FROM slot WHERE id IN (SELECT slot_id FROM"
                                       " appointment WHERE status = 'cancelled')");
  g_assert_cmpstr(st, ==, "free");
}

static void
test_backoff(void)
{
  g_assert_cmpint(ar_outbox_backoff_s(0), ==, 0);
  g_assert_cmpint(ar_outbox_backoff_s(1), ==, 2);
  g_assert_cmpint(ar_outbox_backoff_s(3), ==, 8);
  g_assert_cmpint(ar_outbox_backoff_s(11), ==, 2048);
  g_assert_cmpint(ar_outbox_backoff_s(200), ==, 2048);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL);
  g_test_add("/scheduler/first-confirm-wins", Fixture, NULL, setup, test_first_confirm_wins,
             teardown);
  g_test_add("/scheduler/cascade", Fixture, NULL, setup, test_cascade, teardown);
  g_test_add("/scheduler/restart-keeps-offer", Fixture, NULL, setup, test_restart_keeps_offer,
             teardown);
  g_test_add("/scheduler/expired-foreign-unknown", Fixture, NULL, setup,
             test_expired_foreign_unknown, teardown);
  g_test_add("/scheduler/bad-requests-write-nothing", Fixture, NULL, setup,
             test_bad_requests_write_nothing, teardown);
  g_test_add_func("/outbox/backoff", test_backoff);
  return g_test_run();
}
