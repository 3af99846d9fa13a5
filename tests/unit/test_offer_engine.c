/* Offer engine with a fake clock: who is eligible, who is asked first, how waves grow, when
 * offers lapse, that the first confirmation wins and frees the winner's old slot (cascade). */
#include "offer_engine.h"

#include <glib.h>

#define MIN_US ((gint64)60 * G_USEC_PER_SEC)
#define HOUR_US (60 * MIN_US)
#define DAY_US (24 * HOUR_US)
/* 2026-03-02 08:00:00 UTC */
#define T0 ((gint64)1772438400 * G_USEC_PER_SEC)

static ArOfferSlot
slot(guint64 id, guint64 practitioner, gint64 start)
{
  return (ArOfferSlot){.slot_id = id,
                       .practitioner_id = practitioner,
                       .visit_type = 1,
                       .modality = AR_OFFER_MODALITY_VIDEO,
                       .start_us = start,
                       .end_us = start + 20 * MIN_US,
                       .reason = AR_OFFER_REASON_CANCELLED};
}

/* A patient of `practitioner` booked at `current_start` (slot id 1000 + patient id). */
static ArOfferWaitlistEntry
patient(guint64 id, guint64 practitioner, gint64 current_start)
{
  return (ArOfferWaitlistEntry){.patient_id = id,
                                .current = slot(1000 + id, practitioner, current_start),
                                .visit_type = 1,
                                .video_ok = TRUE,
                                .short_notice_ok = TRUE,
                                .min_notice_us = 0};
}

static void
add(ArOfferEngine *e, ArOfferWaitlistEntry en, gint64 now)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_offer_engine_add_waitlist(e, &en, now, &error));
  g_assert_no_error(error);
}

static void
open_slot(ArOfferEngine *e, ArOfferSlot s, gint64 now)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_offer_engine_open_slot(e, &s, now, &error));
  g_assert_no_error(error);
}

static GArray *
drain(ArOfferEngine *e)
{
  GArray *a = g_array_new(FALSE, TRUE, sizeof(ArOfferOutput));
  ArOfferOutput o;
  while (ar_offer_engine_poll_output(e, &o))
    g_array_append_val(a, o);
  return a;
}

static guint
count_kind(GArray *a, ArOfferOutputKind kind)
{
  guint n = 0;
  for (guint i = 0; i < a->len; i++)
    n += g_array_index(a, ArOfferOutput, i).kind == kind;
  return n;
}

static const ArOfferOutput *
find_kind(GArray *a, ArOfferOutputKind kind, guint nth)
{
  for (guint i = 0; i < a->len; i++) {
    const ArOfferOutput *o = &g_array_index(a, ArOfferOutput, i);
    if (o->kind == kind && nth-- == 0)
      return o;
  }
  return NULL;
}

static ArOfferEngine *
fixed_engine(guint k)
{
  ArOfferPolicy p;
  ar_offer_policy_init_fixed(&p, k);
  return ar_offer_engine_new(&p);
}

static void
test_eligibility(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(10);
  gint64 start = T0 + 3 * DAY_US;
  add(e, patient(1, 7, T0 + 20 * DAY_US), T0); /* same clinician, later: yes */
  ArOfferWaitlistEntry other = patient(2, 8, T0 + 20 * DAY_US);
  add(e, other, T0); /* other clinician: no */
  ArOfferWaitlistEntry any = patient(3, 8, T0 + 20 * DAY_US);
  any.any_practitioner = TRUE;
  add(e, any, T0); /* other clinician, any is fine: yes */
  ArOfferWaitlistEntry novideo = patient(4, 7, T0 + 20 * DAY_US);
  novideo.video_ok = FALSE;
  add(e, novideo, T0);
  add(e, patient(5, 7, T0 + 2 * DAY_US), T0); /* already sooner than the slot: no */
  ArOfferWaitlistEntry window = patient(6, 7, T0 + 20 * DAY_US);
  window.window_start_us = T0 + 5 * DAY_US;
  add(e, window, T0);
  ArOfferWaitlistEntry notice = patient(7, 7, T0 + 20 * DAY_US);
  notice.min_notice_us = 4 * DAY_US;
  add(e, notice, T0);
  ArOfferWaitlistEntry vtype = patient(8, 7, T0 + 20 * DAY_US);
  vtype.visit_type = 2;
  add(e, vtype, T0);
  ArOfferWaitlistEntry window_end = patient(9, 7, T0 + 20 * DAY_US);
  window_end.window_end_us = start + 10 * MIN_US; /* slot ends after the window */
  add(e, window_end, T0);
  g_autoptr(GArray) none = drain(e);
  g_assert_cmpuint(none->len, ==, 0);

  open_slot(e, slot(1, 7, start), T0);
  g_autoptr(GArray) out = drain(e);
  g_assert_cmpuint(count_kind(out, AR_OFFER_OUT_SEND_OFFER), ==, 2);
  /* equal remaining wait: online first, then lower id */
  g_assert_cmpuint(find_kind(out, AR_OFFER_OUT_SEND_OFFER, 0)->patient_id, ==, 1);
  g_assert_cmpuint(find_kind(out, AR_OFFER_OUT_SEND_OFFER, 1)->patient_id, ==, 3);
  g_assert_cmpint(find_kind(out, AR_OFFER_OUT_SEND_OFFER, 0)->channel, ==, AR_OFFER_CHANNEL_OUTBOX);
}

static void
test_longest_remaining_wait_first(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(1);
  /* joined the list in this order; the one booked furthest out must be asked first */
  add(e, patient(1, 7, T0 + 10 * DAY_US), T0);
  add(e, patient(2, 7, T0 + 25 * DAY_US), T0 + MIN_US);
  add(e, patient(3, 7, T0 + 5 * DAY_US), T0 + 2 * MIN_US);
  gint64 now = T0 + 3 * MIN_US;
  open_slot(e, slot(1, 7, T0 + 2 * DAY_US), now);
  g_autoptr(GArray) a = drain(e);
  g_assert_cmpuint(a->len, ==, 1);
  const ArOfferOutput *o = find_kind(a, AR_OFFER_OUT_SEND_OFFER, 0);
  g_assert_cmpuint(o->patient_id, ==, 2);
  g_assert_cmpint(o->expires_us, ==, now + 4 * HOUR_US); /* later slot: hours */

  g_assert_cmpint(ar_offer_engine_decline(e, o->offer_id, 2, now + MIN_US), ==, AR_OFFER_RECORDED);
  g_autoptr(GArray) b = drain(e);
  const ArOfferOutput *d = find_kind(b, AR_OFFER_OUT_DECLINED, 0);
  g_assert_nonnull(d);
  g_assert_cmpstr(ar_offer_output_fhir_status(d->kind), ==, "declined");
  const ArOfferOutput *o2 = find_kind(b, AR_OFFER_OUT_SEND_OFFER, 0);
  g_assert_cmpuint(o2->patient_id, ==, 1);

  /* nobody answers: at expiry the next in line is asked, the lapse is recorded */
  g_assert_cmpint(ar_offer_engine_next_timeout(e), ==, o2->expires_us);
  ar_offer_engine_handle_timeout(e, o2->expires_us - 1);
  g_autoptr(GArray) early = drain(e);
  g_assert_cmpuint(early->len, ==, 0);
  ar_offer_engine_handle_timeout(e, o2->expires_us);
  g_autoptr(GArray) c = drain(e);
  const ArOfferOutput *x = find_kind(c, AR_OFFER_OUT_EXPIRED, 0);
  g_assert_nonnull(x);
  g_assert_cmpuint(x->patient_id, ==, 1);
  g_assert_cmpstr(ar_offer_output_fhir_status(x->kind), ==, "needs-action");
  g_assert_cmpuint(find_kind(c, AR_OFFER_OUT_SEND_OFFER, 0)->patient_id, ==, 3);
  /* a late yes to a lapsed offer does not book */
  g_assert_cmpint(ar_offer_engine_confirm(e, o2->offer_id, 1, o2->expires_us + 1, NULL), ==,
                  AR_OFFER_EXPIRED);
  /* a declined offer cannot be confirmed afterwards either */
  g_assert_cmpint(ar_offer_engine_confirm(e, o->offer_id, 2, now + 2 * MIN_US, NULL), ==,
                  AR_OFFER_EXPIRED);
}

static void
test_waves_grow(void)
{
  g_autoptr(ArOfferEngine) e = ar_offer_engine_new(NULL); /* default: growing waves */
  for (guint64 p = 1; p <= 200; p++)
    add(e, patient(p, 7, T0 + (10 + p) * DAY_US), T0);
  gint64 start = T0 + 5 * DAY_US;
  open_slot(e, slot(1, 7, start), T0);
  g_autoptr(GArray) first = drain(e);
  g_assert_cmpuint(count_kind(first, AR_OFFER_OUT_SEND_OFFER), ==, 1);
  /* nobody ever answers: run the clock by the engine's own timeouts */
  struct {
    gint64 before;
    guint pending;
  } expect[] = {{3 * DAY_US, 2}, {DAY_US, 3}, {8 * HOUR_US, 5}, {2 * HOUR_US, 10}};
  gint64 now = T0;
  for (guint i = 0; i < G_N_ELEMENTS(expect); i++) {
    g_assert_cmpuint(ar_offer_engine_pending_count(e, 1), <, expect[i].pending);
    while (now < start - expect[i].before) {
      gint64 next = ar_offer_engine_next_timeout(e);
      g_assert_cmpint(next, >, now);
      now = MIN(next, start - expect[i].before);
      ar_offer_engine_handle_timeout(e, now);
    }
    g_assert_cmpuint(ar_offer_engine_pending_count(e, 1), ==, expect[i].pending);
  }
  g_autoptr(GArray) rest = drain(e);
  /* every offer went to a different patient, in order of remaining wait */
  guint64 last = G_MAXUINT64;
  for (guint i = 0; i < rest->len; i++) {
    const ArOfferOutput *o = &g_array_index(rest, ArOfferOutput, i);
    if (o->kind != AR_OFFER_OUT_SEND_OFFER)
      continue;
    g_assert_cmpuint(o->patient_id, <, last);
    last = o->patient_id;
    /* never beyond the slot start minus notice */
    g_assert_cmpint(o->expires_us, <=, start - 30 * MIN_US);
  }
}

static void
test_expiry_rules(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(1);
  gint64 now = T0;
  add(e, patient(1, 7, T0 + 9 * DAY_US), now);
  open_slot(e, slot(1, 7, now + 3 * HOUR_US), now); /* same day: minutes */
  g_autoptr(GArray) a = drain(e);
  g_assert_cmpint(find_kind(a, AR_OFFER_OUT_SEND_OFFER, 0)->expires_us, ==, now + 20 * MIN_US);

  g_autoptr(ArOfferEngine) e2 = fixed_engine(1);
  ArOfferWaitlistEntry slow = patient(1, 7, T0 + 9 * DAY_US);
  slow.min_notice_us = 50 * MIN_US;
  add(e2, slow, now);
  open_slot(e2, slot(1, 7, now + HOUR_US), now); /* capped at start - notice */
  g_autoptr(GArray) b = drain(e2);
  g_assert_cmpint(find_kind(b, AR_OFFER_OUT_SEND_OFFER, 0)->expires_us, ==, now + 10 * MIN_US);

  g_autoptr(ArOfferEngine) e3 = fixed_engine(1);
  ArOfferWaitlistEntry online = patient(1, 7, T0 + 9 * DAY_US);
  online.online_now = TRUE;
  add(e3, online, now);
  open_slot(e3, slot(1, 7, now + 2 * HOUR_US), now); /* online, same day: live, short */
  g_autoptr(GArray) c = drain(e3);
  const ArOfferOutput *o = find_kind(c, AR_OFFER_OUT_SEND_OFFER, 0);
  g_assert_cmpint(o->channel, ==, AR_OFFER_CHANNEL_LIVE);
  g_assert_cmpint(o->expires_us, ==, now + 5 * MIN_US);

  /* notice too long to leave time to answer: not asked at all */
  g_autoptr(ArOfferEngine) e4 = fixed_engine(1);
  ArOfferWaitlistEntry tight = patient(1, 7, T0 + 9 * DAY_US);
  tight.min_notice_us = 59 * MIN_US;
  add(e4, tight, now);
  open_slot(e4, slot(1, 7, now + HOUR_US), now);
  g_autoptr(GArray) d = drain(e4);
  g_assert_cmpuint(count_kind(d, AR_OFFER_OUT_SEND_OFFER), ==, 0);
}

static void
test_first_confirm_wins(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(3);
  gint64 now = T0;
  for (guint64 p = 1; p <= 3; p++)
    add(e, patient(p, 7, T0 + (10 + p) * DAY_US), now);
  open_slot(e, slot(1, 7, T0 + 2 * DAY_US), now);
  g_autoptr(GArray) a = drain(e);
  g_assert_cmpuint(count_kind(a, AR_OFFER_OUT_SEND_OFFER), ==, 3);
  guint64 ids[4] = {0};
  for (guint i = 0; i < 3; i++) {
    const ArOfferOutput *o = find_kind(a, AR_OFFER_OUT_SEND_OFFER, i);
    ids[o->patient_id] = o->offer_id;
  }
  g_assert_cmpint(ar_offer_engine_confirm(e, ids[2], 1, now + MIN_US, NULL), ==,
                  AR_OFFER_NOT_YOURS);
  g_assert_cmpint(ar_offer_engine_confirm(e, 9999, 2, now + MIN_US, NULL), ==, AR_OFFER_UNKNOWN);
  g_assert_cmpint(ar_offer_engine_confirm(e, ids[2], 2, now + MIN_US, NULL), ==, AR_OFFER_WON);
  g_autoptr(GArray) b = drain(e);
  /* booked first, then the others are told at once */
  const ArOfferOutput *booked = &g_array_index(b, ArOfferOutput, 0);
  g_assert_cmpint(booked->kind, ==, AR_OFFER_OUT_BOOKED);
  g_assert_cmpuint(booked->patient_id, ==, 2);
  g_assert_cmpuint(booked->slot_id, ==, 1);
  g_assert_cmpuint(booked->freed_slot_id, ==, 1002);
  g_assert_cmpint(booked->sooner_us, ==, 10 * DAY_US);
  g_assert_cmpuint(count_kind(b, AR_OFFER_OUT_WITHDRAWN), ==, 2);
  for (guint i = 0; i < 2; i++) {
    const ArOfferOutput *w = find_kind(b, AR_OFFER_OUT_WITHDRAWN, i);
    g_assert_cmpint(w->withdraw_reason, ==, AR_OFFER_WITHDRAW_TAKEN);
    g_assert_cmpuint(w->patient_id, !=, 2);
  }
  /* second yes: taken, never a double booking */
  g_assert_cmpint(ar_offer_engine_confirm(e, ids[3], 3, now + 2 * MIN_US, NULL), ==,
                  AR_OFFER_TAKEN);
  g_assert_cmpint(ar_offer_engine_confirm(e, ids[2], 2, now + 2 * MIN_US, NULL), ==,
                  AR_OFFER_EXPIRED);
  ArOfferMetrics m;
  ar_offer_engine_get_metrics(e, &m);
  g_assert_cmpuint(m.slots_filled, ==, 1);
  g_assert_cmpuint(m.accepted, ==, 1);
  g_assert_cmpuint(m.wasted_yes, ==, 1);
  g_assert_cmpfloat_with_epsilon(m.median_days_sooner, 10.0, 1e-9);
}

static void
test_cascade(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(1);
  gint64 now = T0;
  add(e, patient(1, 7, T0 + 10 * DAY_US), now); /* will move to day 2, freeing day 10 */
  add(e, patient(2, 7, T0 + 20 * DAY_US), now); /* then takes day 10, freeing day 20 */
  add(e, patient(3, 7, T0 + 5 * DAY_US), now);  /* day 5: cannot use day 10 */
  open_slot(e, slot(1, 7, T0 + 2 * DAY_US), now);
  g_autoptr(GArray) a = drain(e);
  const ArOfferOutput *o = find_kind(a, AR_OFFER_OUT_SEND_OFFER, 0);
  g_assert_cmpuint(o->patient_id, ==, 2); /* longest remaining wait */
  g_assert_cmpint(ar_offer_engine_decline(e, o->offer_id, 2, now + MIN_US), ==, AR_OFFER_RECORDED);
  g_autoptr(GArray) b = drain(e);
  o = find_kind(b, AR_OFFER_OUT_SEND_OFFER, 0);
  g_assert_cmpuint(o->patient_id, ==, 1);
  g_assert_cmpint(ar_offer_engine_confirm(e, o->offer_id, 1, now + 2 * MIN_US, NULL), ==,
                  AR_OFFER_WON);
  g_autoptr(GArray) c = drain(e);
  const ArOfferOutput *booked = find_kind(c, AR_OFFER_OUT_BOOKED, 0);
  g_assert_cmpuint(booked->freed_slot_id, ==, 1001);
  g_assert_cmpuint(booked->cascade_depth, ==, 0);
  /* the freed day-10 slot is offered on, to patient 2 (patient 3 is already sooner) */
  const ArOfferOutput *next = find_kind(c, AR_OFFER_OUT_SEND_OFFER, 0);
  g_assert_nonnull(next);
  g_assert_cmpuint(next->slot_id, ==, 1001);
  g_assert_cmpuint(next->patient_id, ==, 2);
  g_assert_cmpuint(next->cascade_depth, ==, 1);
  g_assert_cmpint(next->reason, ==, AR_OFFER_REASON_CASCADE);
  g_assert_cmpuint(next->root_slot_id, ==, 1);
  g_assert_cmpint(ar_offer_engine_confirm(e, next->offer_id, 2, now + 3 * MIN_US, NULL), ==,
                  AR_OFFER_WON);
  g_autoptr(GArray) d = drain(e);
  booked = find_kind(d, AR_OFFER_OUT_BOOKED, 0);
  g_assert_cmpuint(booked->cascade_depth, ==, 1);
  g_assert_cmpuint(booked->freed_slot_id, ==, 1002);
  g_assert_cmpuint(booked->root_slot_id, ==, 1);
  /* day 20 is open now, nobody left who is booked later */
  g_assert_cmpuint(ar_offer_engine_open_slot_count(e), ==, 1);
  g_assert_cmpuint(count_kind(d, AR_OFFER_OUT_SEND_OFFER), ==, 0);
  ArOfferMetrics m;
  ar_offer_engine_get_metrics(e, &m);
  g_assert_cmpuint(m.slots_opened, ==, 3);
  g_assert_cmpuint(m.slots_opened_cascade, ==, 2);
  g_assert_cmpuint(m.slots_filled, ==, 2);
  g_assert_cmpuint(m.offers_sent, ==, 3);
  g_assert_cmpfloat_with_epsilon(m.offers_per_fill, 1.5, 1e-9);
  g_assert_cmpfloat_with_epsilon(m.median_days_sooner, 9.0, 1e-9); /* 8 and 10 days */
}

static void
test_online_only_short_notice(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(5);
  gint64 now = T0;
  add(e, patient(1, 7, T0 + 9 * DAY_US), now); /* short notice ok but not online */
  ArOfferWaitlistEntry later_online = patient(2, 7, T0 + 2 * HOUR_US);
  add(e, later_online, now);
  ArOfferSlot s = slot(1, 7, now + 15 * MIN_US);
  s.reason = AR_OFFER_REASON_NOSHOW;
  open_slot(e, s, now);
  g_autoptr(GArray) a = drain(e);
  g_assert_cmpuint(count_kind(a, AR_OFFER_OUT_SEND_OFFER), ==, 0);
  /* patient 2 marks "can be seen earlier" in the waiting room: asked live at once */
  g_assert_true(ar_offer_engine_set_online(e, 2, TRUE, now + MIN_US));
  g_autoptr(GArray) b = drain(e);
  g_assert_cmpuint(count_kind(b, AR_OFFER_OUT_SEND_OFFER), ==, 1);
  const ArOfferOutput *o = find_kind(b, AR_OFFER_OUT_SEND_OFFER, 0);
  g_assert_cmpuint(o->patient_id, ==, 2);
  g_assert_cmpint(o->channel, ==, AR_OFFER_CHANNEL_LIVE);
  g_assert_cmpint(o->expires_us, ==, now + 6 * MIN_US);

  /* a slot a day away is not for online patients only, but needs short-notice consent */
  g_autoptr(ArOfferEngine) e2 = fixed_engine(5);
  ArOfferWaitlistEntry no_short = patient(1, 7, T0 + 9 * DAY_US);
  no_short.short_notice_ok = FALSE;
  add(e2, no_short, now);
  add(e2, patient(2, 7, T0 + 8 * DAY_US), now);
  open_slot(e2, slot(1, 7, now + 20 * HOUR_US), now);
  g_autoptr(GArray) c = drain(e2);
  g_assert_cmpuint(count_kind(c, AR_OFFER_OUT_SEND_OFFER), ==, 1);
  g_assert_cmpuint(find_kind(c, AR_OFFER_OUT_SEND_OFFER, 0)->patient_id, ==, 2);
}

static void
test_live_offer_not_blocked_by_pending(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(1);
  gint64 now = T0;
  add(e, patient(1, 7, T0 + 20 * DAY_US), now);
  open_slot(e, slot(1, 7, T0 + 5 * DAY_US), now); /* outbox offer, hours to answer */
  g_autoptr(GArray) a = drain(e);
  g_assert_cmpuint(count_kind(a, AR_OFFER_OUT_SEND_OFFER), ==, 1);
  /* a no-show 15 minutes away: the same patient is in the waiting room */
  ArOfferSlot noshow = slot(2, 7, now + 15 * MIN_US);
  noshow.reason = AR_OFFER_REASON_NOSHOW;
  open_slot(e, noshow, now);
  g_autoptr(GArray) b = drain(e);
  g_assert_cmpuint(count_kind(b, AR_OFFER_OUT_SEND_OFFER), ==, 0); /* offline: nobody */
  g_assert_true(ar_offer_engine_set_online(e, 1, TRUE, now + MIN_US));
  g_autoptr(GArray) c = drain(e);
  const ArOfferOutput *o = find_kind(c, AR_OFFER_OUT_SEND_OFFER, 0);
  g_assert_nonnull(o);
  g_assert_cmpuint(o->slot_id, ==, 2);
  g_assert_cmpint(o->channel, ==, AR_OFFER_CHANNEL_LIVE);
  /* but not a second far-away offer while one is pending */
  open_slot(e, slot(3, 7, T0 + 6 * DAY_US), now + 2 * MIN_US);
  g_autoptr(GArray) d = drain(e);
  g_assert_cmpuint(count_kind(d, AR_OFFER_OUT_SEND_OFFER), ==, 0);
}

static void
test_no_offer_after_start(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(1);
  gint64 now = T0;
  ArOfferSlot past = slot(1, 7, now);
  g_autoptr(GError) error = NULL;
  g_assert_false(ar_offer_engine_open_slot(e, &past, now, &error));
  g_assert_error(error, AR_OFFER_ENGINE_ERROR, AR_OFFER_ENGINE_ERROR_PAST);
  g_clear_error(&error);
  ArOfferSlot bad = slot(2, 7, now + HOUR_US);
  bad.end_us = bad.start_us;
  g_assert_false(ar_offer_engine_open_slot(e, &bad, now, &error));
  g_assert_error(error, AR_OFFER_ENGINE_ERROR, AR_OFFER_ENGINE_ERROR_INVALID);

  gint64 start = now + 10 * MIN_US;
  open_slot(e, slot(3, 7, start), now);
  ArOfferSlot dup = slot(3, 7, start);
  g_clear_error(&error);
  g_assert_false(ar_offer_engine_open_slot(e, &dup, now, &error));
  g_assert_error(error, AR_OFFER_ENGINE_ERROR, AR_OFFER_ENGINE_ERROR_EXISTS);
  /* nobody eligible; the engine gives up at start - live notice - answer time */
  g_assert_cmpint(ar_offer_engine_next_timeout(e), ==, start - 4 * MIN_US);
  ar_offer_engine_handle_timeout(e, start - 4 * MIN_US);
  g_autoptr(GArray) a = drain(e);
  g_assert_cmpuint(count_kind(a, AR_OFFER_OUT_SLOT_UNFILLED), ==, 1);
  g_assert_cmpuint(ar_offer_engine_open_slot_count(e), ==, 0);
  ArOfferWaitlistEntry online = patient(1, 7, T0 + DAY_US);
  online.online_now = TRUE;
  add(e, online, start - 3 * MIN_US);
  g_autoptr(GArray) b = drain(e);
  g_assert_cmpuint(b->len, ==, 0);

  /* a pending live offer runs out before the start; nothing is sent afterwards */
  g_autoptr(ArOfferEngine) e2 = fixed_engine(1);
  add(e2, online, now);
  open_slot(e2, slot(4, 7, start), now);
  g_autoptr(GArray) c = drain(e2);
  const ArOfferOutput *o = find_kind(c, AR_OFFER_OUT_SEND_OFFER, 0);
  g_assert_cmpint(o->expires_us, <=, start - 2 * MIN_US);
  ar_offer_engine_handle_timeout(e2, start + MIN_US);
  g_autoptr(GArray) d = drain(e2);
  g_assert_cmpuint(count_kind(d, AR_OFFER_OUT_SEND_OFFER), ==, 0);
  g_assert_cmpuint(count_kind(d, AR_OFFER_OUT_EXPIRED), ==, 1);
  g_assert_cmpuint(count_kind(d, AR_OFFER_OUT_SLOT_UNFILLED), ==, 1);
  g_assert_cmpint(ar_offer_engine_confirm(e2, o->offer_id, 1, start + MIN_US, NULL), ==,
                  AR_OFFER_EXPIRED);
}

static void
test_confirm_at_exact_expiry(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(1);
  add(e, patient(1, 7, T0 + 9 * DAY_US), T0);
  open_slot(e, slot(1, 7, T0 + 2 * DAY_US), T0);
  g_autoptr(GArray) a = drain(e);
  const ArOfferOutput *o = find_kind(a, AR_OFFER_OUT_SEND_OFFER, 0);
  /* the timeout has not run yet: the answer must not depend on that */
  g_assert_cmpint(ar_offer_engine_confirm(e, o->offer_id, 1, o->expires_us, NULL), ==,
                  AR_OFFER_EXPIRED);
  g_autoptr(GArray) b = drain(e);
  g_assert_cmpuint(count_kind(b, AR_OFFER_OUT_EXPIRED), ==, 1);
  g_assert_cmpuint(count_kind(b, AR_OFFER_OUT_BOOKED), ==, 0);
}

static void
test_taken_offers_next_slot(void)
{
  g_autoptr(ArOfferEngine) e2 = fixed_engine(2);
  gint64 now = T0;
  add(e2, patient(1, 7, T0 + 20 * DAY_US), now);
  /* no current appointment: ranks first and frees nothing when booked */
  ArOfferWaitlistEntry unbooked = patient(2, 7, 0);
  unbooked.current.slot_id = 0;
  add(e2, unbooked, now);
  open_slot(e2, slot(1, 7, T0 + 2 * DAY_US), now); /* offered to 1 and 2 */
  add(e2, patient(3, 7, T0 + 18 * DAY_US), now);
  add(e2, patient(4, 7, T0 + 17 * DAY_US), now);
  open_slot(e2, slot(2, 7, T0 + 3 * DAY_US), now); /* offered to 3 and 4 */
  g_autoptr(GArray) a = drain(e2);
  g_assert_cmpuint(count_kind(a, AR_OFFER_OUT_SEND_OFFER), ==, 4);
  guint64 offer_of[5] = {0};
  for (guint i = 0; i < 4; i++) {
    const ArOfferOutput *o = find_kind(a, AR_OFFER_OUT_SEND_OFFER, i);
    offer_of[o->patient_id] = o->offer_id;
  }
  g_assert_cmpint(ar_offer_engine_confirm(e2, offer_of[2], 2, now + MIN_US, NULL), ==,
                  AR_OFFER_WON);
  g_autoptr(GArray) b = drain(e2);
  const ArOfferOutput *w = find_kind(b, AR_OFFER_OUT_WITHDRAWN, 0);
  g_assert_cmpuint(w->patient_id, ==, 1);
  g_assert_cmpuint(w->next_slot_id, ==, 2); /* told kindly, with the next slot */
  /* patient 1 read the offer late and says yes: taken, and slot 2 is offered to them */
  ArOfferConfirmResult r;
  g_assert_cmpint(ar_offer_engine_confirm(e2, offer_of[1], 1, now + 2 * MIN_US, &r), ==,
                  AR_OFFER_TAKEN);
  g_assert_cmpuint(r.n_alternatives, >=, 1);
  g_assert_cmpuint(r.alternatives[0], ==, 2);
  g_assert_cmpuint(r.next_offer_id, !=, 0);
  g_assert_cmpint(ar_offer_engine_confirm(e2, r.next_offer_id, 1, now + 3 * MIN_US, NULL), ==,
                  AR_OFFER_WON);
  g_autoptr(GArray) c = drain(e2);
  g_assert_cmpuint(find_kind(c, AR_OFFER_OUT_BOOKED, 0)->slot_id, ==, 2);
  g_assert_cmpuint(count_kind(c, AR_OFFER_OUT_WITHDRAWN), >=, 2); /* 3 and 4 told */
}

static void
test_leaving_and_closing(void)
{
  g_autoptr(ArOfferEngine) e = fixed_engine(1);
  gint64 now = T0;
  add(e, patient(1, 7, T0 + 20 * DAY_US), now);
  add(e, patient(2, 7, T0 + 10 * DAY_US), now);
  open_slot(e, slot(1, 7, T0 + 2 * DAY_US), now);
  g_autoptr(GArray) a = drain(e);
  g_assert_cmpuint(find_kind(a, AR_OFFER_OUT_SEND_OFFER, 0)->patient_id, ==, 1);
  /* patient 1 leaves the list: offer withdrawn, patient 2 asked */
  g_assert_true(ar_offer_engine_remove_waitlist(e, 1, now + MIN_US));
  g_autoptr(GArray) b = drain(e);
  g_assert_cmpint(find_kind(b, AR_OFFER_OUT_WITHDRAWN, 0)->withdraw_reason, ==,
                  AR_OFFER_WITHDRAW_LEFT_QUEUE);
  g_assert_cmpuint(find_kind(b, AR_OFFER_OUT_SEND_OFFER, 0)->patient_id, ==, 2);
  /* the slot is booked at the front desk */
  g_assert_true(ar_offer_engine_close_slot(e, 1, now + 2 * MIN_US));
  g_autoptr(GArray) c = drain(e);
  g_assert_cmpint(find_kind(c, AR_OFFER_OUT_WITHDRAWN, 0)->withdraw_reason, ==,
                  AR_OFFER_WITHDRAW_SLOT_GONE);
  /* patient 2 cancels their own appointment: it opens, and they leave the list */
  ArOfferSlot own = slot(1002, 7, T0 + 10 * DAY_US);
  open_slot(e, own, now + 3 * MIN_US);
  g_assert_false(ar_offer_engine_set_online(e, 2, TRUE, now + 4 * MIN_US));
  ArOfferMetrics m;
  ar_offer_engine_get_metrics(e, &m);
  g_assert_cmpuint(m.slots_closed, ==, 1);
  g_assert_cmpuint(m.withdrawn, ==, 2);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/offer-engine/eligibility", test_eligibility);
  g_test_add_func("/offer-engine/longest-remaining-wait-first", test_longest_remaining_wait_first);
  g_test_add_func("/offer-engine/waves-grow", test_waves_grow);
  g_test_add_func("/offer-engine/expiry-rules", test_expiry_rules);
  g_test_add_func("/offer-engine/first-confirm-wins", test_first_confirm_wins);
  g_test_add_func("/offer-engine/cascade", test_cascade);
  g_test_add_func("/offer-engine/online-only-short-notice", test_online_only_short_notice);
  g_test_add_func("/offer-engine/no-offer-after-start", test_no_offer_after_start);
  g_test_add_func("/offer-engine/live-offer-not-blocked-by-pending",
                  test_live_offer_not_blocked_by_pending);
  g_test_add_func("/offer-engine/confirm-at-exact-expiry", test_confirm_at_exact_expiry);
  g_test_add_func("/offer-engine/taken-offers-next-slot", test_taken_offers_next_slot);
  g_test_add_func("/offer-engine/leaving-and-closing", test_leaving_and_closing);
  return g_test_run();
}
