/* waitlist-sim: a synthetic clinic run through the real offer engine on a virtual clock, to
 * see what fill rate, offers per fill and "days sooner" each offer policy buys at a given
 * acceptance rate (notes/waitlist-offers.md has the published reference figures).
 *
 * Clinic: 4 clinicians, 20-minute video visits 08:00-17:00 on weekdays, every slot booked 4
 * weeks ahead. Each appointment: 8 % cancel at a uniform time over the weeks before (at least
 * an hour ahead), 10 % of the rest do not show (seen 5 minutes before start: not in the waiting
 * room), 40 % of patients join the waiting list, 15 % wait in the waiting room from 45 minutes
 * before their time marked "can be seen earlier". Without offers a cancelled slot still gets
 * booked by ordinary demand after an exponential delay (mean 9 days) if that comes at least a
 * day before the slot: this is the "no offers" baseline. A patient accepts an offer with
 * probability p, declines with 30 % of the rest and otherwise lets it lapse; answers come at a
 * uniform point inside the offer's window. Each run: 28 days warm-up, then 90 measured days.
 *
 * Usage: waitlist-sim [seed]     (fixed seed 20260105 by default) */
#include "offer_engine.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MIN_US ((gint64)60 * G_USEC_PER_SEC)
#define HOUR_US (60 * MIN_US)
#define DAY_US (24 * HOUR_US)
#define T0 ((gint64)1767571200 * G_USEC_PER_SEC) /* 2026-01-05 00:00 UTC, a Monday */

#define N_CLIN 4
#define SLOTS_PER_DAY 27 /* 08:00 .. 17:00 every 20 minutes */
#define BOOKED_AHEAD_DAYS 28
#define WARMUP_DAYS 28
#define MEASURED_DAYS 90
#define P_CANCEL 0.08
#define P_NOSHOW 0.10
#define P_WAITLIST 0.40
#define P_ONLINE 0.15
#define P_DECLINE 0.30
/* A patient in the waiting room who ticked "can be seen earlier" minutes ago is asked live; the
 * notes give no figure for them, so this is an assumption, shown in the output header. */
#define P_ACCEPT_LIVE 0.50
#define ORGANIC_MEAN_DAYS 9.0

typedef enum {
  EV_BOOK_DAY,
  EV_CANCEL,
  EV_NOSHOW,
  EV_ONLINE,
  EV_SEEN,
  EV_ANSWER,
  EV_ORGANIC,
  EV_SLOT_START,
} EvKind;

typedef struct {
  gint64 at;
  guint64 seq;
  EvKind kind;
  guint64 a, b; /* patient / offer / slot, by kind */
  guint gen;    /* patient generation: stale events after a move are ignored */
  gboolean yes;
} Ev;

typedef struct {
  guint64 slot_id;
  gint64 start;
  guint clin;
  guint gen;
  gboolean waitlisted;
  gboolean noshow;
  gboolean online;
  gint64 min_notice;
} Patient;

typedef enum { POL_NONE, POL_ONE_WAVE3, POL_FIXED1, POL_FIXED3, POL_FIXED10, POL_GROWING } Policy;
static const char *const policy_names[] = {"no offers",   "one wave of 3", "1 at a time",
                                           "3 at a time", "10 at a time",  "growing waves"};

typedef struct {
  /* Separate streams so every policy sees the same clinic (bookings, cancellations, no-shows,
   * who waits) and only the offers and answers differ. */
  GRand *rng;     /* clinic */
  GRand *answers; /* patients' answers, no-shows of moved appointments */
  GRand *demand;  /* ordinary booking delays */
  double p_accept;
  Policy policy;
  ArOfferEngine *engine;
  GArray *heap; /* Ev, binary min-heap by (at, seq) */
  guint64 seq;
  GHashTable *patients;  /* patient id -> Patient* */
  GHashTable *open;      /* slot id -> root slot id: open slots (engine or organic) */
  GHashTable *slot_meta; /* slot id -> opened in measured period (1) or not (2) */
  guint64 next_patient;
  gint64 measure_from, measure_to;
  /* measured figures */
  guint filled_cancel, lost_cancel, filled_noshow, lost_noshow;
  guint opened, opened_orig, filled_engine, filled_organic, unfilled, offers, yes, wasted;
  GArray *sooner;       /* double days, every move */
  GArray *sooner_first; /* double days, first move of a chain (the freed slot itself) */
  GHashTable *chain;    /* root slot id -> max cascade depth booked */
} Sim;

static gboolean
ev_less(const Ev *x, const Ev *y)
{
  return x->at != y->at ? x->at < y->at : x->seq < y->seq;
}

static void
push(Sim *s, Ev ev)
{
  ev.seq = s->seq++;
  g_array_append_val(s->heap, ev);
  guint i = s->heap->len - 1;
  Ev *h = (Ev *)s->heap->data;
  while (i > 0 && ev_less(&h[i], &h[(i - 1) / 2])) {
    Ev t = h[i];
    h[i] = h[(i - 1) / 2];
    h[(i - 1) / 2] = t;
    i = (i - 1) / 2;
  }
}

static Ev
pop(Sim *s)
{
  Ev *h = (Ev *)s->heap->data;
  Ev top = h[0];
  h[0] = h[s->heap->len - 1];
  g_array_set_size(s->heap, s->heap->len - 1);
  h = (Ev *)s->heap->data;
  guint n = s->heap->len, i = 0;
  for (;;) {
    guint l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && ev_less(&h[l], &h[m]))
      m = l;
    if (r < n && ev_less(&h[r], &h[m]))
      m = r;
    if (m == i)
      break;
    Ev t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
  return top;
}

static gboolean
measured(Sim *s, gint64 t)
{
  return t >= s->measure_from && t < s->measure_to;
}

static ArOfferSlot
slot_of(guint64 slot_id)
{
  guint64 k = slot_id - 1;
  guint i = k % SLOTS_PER_DAY;
  guint clin = (k / SLOTS_PER_DAY) % N_CLIN;
  guint day = k / SLOTS_PER_DAY / N_CLIN;
  gint64 start = T0 + day * DAY_US + 8 * HOUR_US + i * 20 * MIN_US;
  return (ArOfferSlot){.slot_id = slot_id,
                       .practitioner_id = clin + 1,
                       .visit_type = 1,
                       .modality = AR_OFFER_MODALITY_VIDEO,
                       .start_us = start,
                       .end_us = start + 20 * MIN_US};
}

static void
waitlist_entry(Patient *p, guint64 id, ArOfferWaitlistEntry *en, Sim *s)
{
  *en = (ArOfferWaitlistEntry){.patient_id = id,
                               .current = slot_of(p->slot_id),
                               .visit_type = 1,
                               .any_practitioner = FALSE,
                               .video_ok = TRUE,
                               .min_notice_us = p->min_notice,
                               .short_notice_ok = p->min_notice < DAY_US,
                               .online_now = FALSE};
  en->any_practitioner = (id % 2) == 0; /* half accept any clinician, fixed per patient */
}

/* The slot opens: the engine offers it (unless the policy is "none"), and ordinary demand may
 * book it if it is far enough out. */
/* slot_meta values: 1 cancelled, 4 no-show, 3 cascade (all measured), 2 outside the window */
static gsize
slot_kind(gboolean measured_now, ArOfferReason reason)
{
  if (!measured_now)
    return 2;
  if (reason == AR_OFFER_REASON_CASCADE)
    return 3;
  return reason == AR_OFFER_REASON_NOSHOW ? 4 : 1;
}

static void
open_slot(Sim *s, guint64 slot_id, ArOfferReason reason, guint64 root, gint64 now)
{
  ArOfferSlot sl = slot_of(slot_id);
  sl.reason = reason;
  if (sl.start_us <= now)
    return;
  gboolean m = measured(s, now);
  g_hash_table_insert(s->slot_meta, GSIZE_TO_POINTER(slot_id),
                      GSIZE_TO_POINTER(slot_kind(m, reason)));
  if (m) {
    s->opened++;
    if (reason != AR_OFFER_REASON_CASCADE)
      s->opened_orig++;
  }
  g_hash_table_insert(s->open, GSIZE_TO_POINTER(slot_id), GSIZE_TO_POINTER(root));
  push(s, (Ev){.at = sl.start_us, .kind = EV_SLOT_START, .a = slot_id});
  if (reason != AR_OFFER_REASON_NOSHOW) {
    double delay_days = -ORGANIC_MEAN_DAYS * log(1.0 - g_rand_double(s->demand));
    gint64 at = now + (gint64)(delay_days * DAY_US);
    if (at < sl.start_us - DAY_US)
      push(s, (Ev){.at = at, .kind = EV_ORGANIC, .a = slot_id});
  }
  if (s->engine) {
    g_autoptr(GError) error = NULL;
    if (!ar_offer_engine_open_slot(s->engine, &sl, now, &error))
      g_error("open_slot: %s", error->message);
  }
}

static void
slot_done(Sim *s, guint64 slot_id, int how) /* 0 engine, 1 organic, 2 unfilled */
{
  gpointer meta = g_hash_table_lookup(s->slot_meta, GSIZE_TO_POINTER(slot_id));
  g_hash_table_remove(s->open, GSIZE_TO_POINTER(slot_id));
  g_hash_table_remove(s->slot_meta, GSIZE_TO_POINTER(slot_id));
  gsize kind = GPOINTER_TO_SIZE(meta);
  if (kind == 0 || kind == 2)
    return;
  if (how == 0)
    s->filled_engine++;
  else if (how == 1)
    s->filled_organic++;
  else
    s->unfilled++;
  if (kind == 1 || kind == 4) {
    guint *filled = kind == 1 ? &s->filled_cancel : &s->filled_noshow;
    guint *lost = kind == 1 ? &s->lost_cancel : &s->lost_noshow;
    (*(how != 2 ? filled : lost))++;
  }
}

static Patient *
new_patient(Sim *s, guint64 slot_id, gint64 booked_at, guint64 *id_out)
{
  Patient *p = g_new0(Patient, 1);
  guint64 id = ++s->next_patient;
  ArOfferSlot sl = slot_of(slot_id);
  p->slot_id = slot_id;
  p->start = sl.start_us;
  p->clin = sl.practitioner_id - 1;
  double r = g_rand_double(s->rng);
  p->min_notice = r < 0.5 ? 2 * HOUR_US : r < 0.8 ? DAY_US : 30 * MIN_US;
  g_hash_table_insert(s->patients, GSIZE_TO_POINTER(id), p);
  *id_out = id;
  if (g_rand_double(s->rng) < P_CANCEL) {
    gint64 lo = MAX(booked_at, sl.start_us - BOOKED_AHEAD_DAYS * DAY_US);
    gint64 hi = sl.start_us - HOUR_US;
    gint64 at = lo + (gint64)(g_rand_double(s->rng) * (double)(hi - lo));
    push(s, (Ev){.at = at, .kind = EV_CANCEL, .a = id, .gen = p->gen});
  } else if (g_rand_double(s->rng) < P_NOSHOW) {
    p->noshow = TRUE;
    push(s, (Ev){.at = sl.start_us - 5 * MIN_US, .kind = EV_NOSHOW, .a = id, .gen = p->gen});
  }
  p->waitlisted = g_rand_double(s->rng) < P_WAITLIST;
  p->online = !p->noshow && g_rand_double(s->rng) < P_ONLINE;
  if (p->online)
    push(s, (Ev){.at = sl.start_us - 45 * MIN_US, .kind = EV_ONLINE, .a = id, .gen = p->gen});
  push(s, (Ev){.at = sl.start_us, .kind = EV_SEEN, .a = id, .gen = p->gen});
  if (p->waitlisted && s->engine) {
    ArOfferWaitlistEntry en;
    waitlist_entry(p, id, &en, s);
    g_autoptr(GError) error = NULL;
    ar_offer_engine_add_waitlist(s->engine, &en, booked_at, &error);
  }
  return p;
}

static void
book_day(Sim *s, guint day, gint64 now)
{
  if ((day % 7) >= 5)
    return;
  for (guint c = 0; c < N_CLIN; c++)
    for (guint i = 0; i < SLOTS_PER_DAY; i++) {
      guint64 id;
      new_patient(s, 1 + ((guint64)day * N_CLIN + c) * SLOTS_PER_DAY + i, now, &id);
    }
}

static void
drain(Sim *s, gint64 now)
{
  ArOfferOutput o;
  while (ar_offer_engine_poll_output(s->engine, &o)) {
    switch (o.kind) {
    case AR_OFFER_OUT_SEND_OFFER: {
      if (measured(s, now))
        s->offers++;
      double r = g_rand_double(s->answers);
      gboolean yes = r < (o.channel == AR_OFFER_CHANNEL_LIVE ? P_ACCEPT_LIVE : s->p_accept);
      gboolean no = !yes && g_rand_double(s->answers) < P_DECLINE;
      if (yes || no) {
        gint64 span = o.expires_us - now;
        gint64 at = now + (gint64)((0.02 + 0.88 * g_rand_double(s->answers)) * (double)span);
        push(s, (Ev){.at = at, .kind = EV_ANSWER, .a = o.patient_id, .b = o.offer_id, .yes = yes});
      }
      break;
    }
    case AR_OFFER_OUT_BOOKED: {
      Patient *p = g_hash_table_lookup(s->patients, GSIZE_TO_POINTER(o.patient_id));
      guint64 root = GPOINTER_TO_SIZE(g_hash_table_lookup(s->open, GSIZE_TO_POINTER(o.slot_id)));
      gsize mk = GPOINTER_TO_SIZE(g_hash_table_lookup(s->slot_meta, GSIZE_TO_POINTER(o.slot_id)));
      gboolean m = mk == 1 || mk == 3 || mk == 4;
      slot_done(s, o.slot_id, 0);
      if (m) {
        double d = (double)o.sooner_us / DAY_US;
        g_array_append_val(s->sooner, d);
        if (o.cascade_depth == 0)
          g_array_append_val(s->sooner_first, d);
        guint depth = GPOINTER_TO_UINT(g_hash_table_lookup(s->chain, GSIZE_TO_POINTER(root)));
        if (o.cascade_depth == 0 && !g_hash_table_contains(s->chain, GSIZE_TO_POINTER(root)))
          g_hash_table_insert(s->chain, GSIZE_TO_POINTER(root), GUINT_TO_POINTER(0));
        else if (o.cascade_depth > depth)
          g_hash_table_insert(s->chain, GSIZE_TO_POINTER(root), GUINT_TO_POINTER(o.cascade_depth));
      }
      /* The patient moves: their old appointment's future events no longer apply. */
      if (!p)
        g_error("booked patient %" G_GUINT64_FORMAT " unknown", o.patient_id);
      p->gen++;
      p->slot_id = o.slot_id;
      p->start = o.slot_start_us;
      p->waitlisted = FALSE;
      p->noshow = g_rand_double(s->answers) < P_NOSHOW;
      if (p->noshow && o.slot_start_us - 5 * MIN_US > now)
        push(s, (Ev){.at = o.slot_start_us - 5 * MIN_US,
                     .kind = EV_NOSHOW,
                     .a = o.patient_id,
                     .gen = p->gen});
      push(s, (Ev){.at = o.slot_start_us, .kind = EV_SEEN, .a = o.patient_id, .gen = p->gen});
      /* The engine already opened the freed slot (cascade); mirror it for organic demand. */
      ArOfferSlot fs = slot_of(o.freed_slot_id);
      if (o.freed_slot_id && fs.start_us > now) {
        gboolean fm = measured(s, now);
        g_hash_table_insert(s->slot_meta, GSIZE_TO_POINTER(o.freed_slot_id),
                            GSIZE_TO_POINTER(fm ? 3 : 2));
        if (fm)
          s->opened++;
        g_hash_table_insert(s->open, GSIZE_TO_POINTER(o.freed_slot_id), GSIZE_TO_POINTER(root));
        push(s, (Ev){.at = fs.start_us, .kind = EV_SLOT_START, .a = o.freed_slot_id});
        double delay_days = -ORGANIC_MEAN_DAYS * log(1.0 - g_rand_double(s->demand));
        gint64 at = now + (gint64)(delay_days * DAY_US);
        if (at < fs.start_us - DAY_US)
          push(s, (Ev){.at = at, .kind = EV_ORGANIC, .a = o.freed_slot_id});
      }
      break;
    }
    case AR_OFFER_OUT_SLOT_UNFILLED:
      slot_done(s, o.slot_id, 2);
      break;
    default:
      break;
    }
  }
}

static void
handle(Sim *s, Ev *ev)
{
  Patient *p = ev->a ? g_hash_table_lookup(s->patients, GSIZE_TO_POINTER(ev->a)) : NULL;
  switch (ev->kind) {
  case EV_BOOK_DAY:
    book_day(s, (guint)ev->a, ev->at);
    break;
  case EV_CANCEL:
    if (p && p->gen == ev->gen) {
      guint64 slot = p->slot_id;
      p->gen++;
      if (s->engine)
        ar_offer_engine_remove_waitlist(s->engine, ev->a, ev->at);
      open_slot(s, slot, AR_OFFER_REASON_CANCELLED, slot, ev->at);
    }
    break;
  case EV_NOSHOW:
    if (p && p->gen == ev->gen) {
      guint64 slot = p->slot_id;
      p->gen++;
      if (s->engine)
        ar_offer_engine_remove_waitlist(s->engine, ev->a, ev->at);
      open_slot(s, slot, AR_OFFER_REASON_NOSHOW, slot, ev->at);
    }
    break;
  case EV_ONLINE:
    if (p && p->gen == ev->gen && s->engine) {
      /* in the waiting room, "can be seen earlier": on the list now if not before */
      ArOfferWaitlistEntry en;
      waitlist_entry(p, ev->a, &en, s);
      en.online_now = TRUE;
      ar_offer_engine_add_waitlist(s->engine, &en, ev->at, NULL);
    }
    break;
  case EV_SEEN:
    if (p && p->gen == ev->gen) {
      if (s->engine)
        ar_offer_engine_remove_waitlist(s->engine, ev->a, ev->at);
      g_hash_table_remove(s->patients, GSIZE_TO_POINTER(ev->a));
    }
    break;
  case EV_ANSWER:
    if (ev->yes) {
      ArOfferAnswer a = ar_offer_engine_confirm(s->engine, ev->b, ev->a, ev->at, NULL);
      if (measured(s, ev->at) && (a == AR_OFFER_WON || a == AR_OFFER_TAKEN))
        s->yes++;
      if (measured(s, ev->at) && a == AR_OFFER_TAKEN)
        s->wasted++;
    } else {
      ar_offer_engine_decline(s->engine, ev->b, ev->a, ev->at);
    }
    break;
  case EV_SLOT_START: /* still open when it starts: lost */
    if (g_hash_table_contains(s->open, GSIZE_TO_POINTER(ev->a)))
      slot_done(s, ev->a, 2);
    break;
  case EV_ORGANIC:
    if (g_hash_table_contains(s->open, GSIZE_TO_POINTER(ev->a))) {
      if (s->engine)
        ar_offer_engine_close_slot(s->engine, ev->a, ev->at);
      slot_done(s, ev->a, 1);
    }
    break;
  }
}

static gint
cmp_double(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void
run(Policy pol, double p_accept, guint32 seed)
{
  Sim s = {0};
  s.rng = g_rand_new_with_seed(seed);
  s.answers = g_rand_new_with_seed(seed ^ 0x5a5a5a5au);
  s.demand = g_rand_new_with_seed(seed ^ 0xa5a5a5a5u);
  s.p_accept = p_accept;
  s.policy = pol;
  s.heap = g_array_new(FALSE, FALSE, sizeof(Ev));
  s.patients = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  s.open = g_hash_table_new(g_direct_hash, g_direct_equal);
  s.slot_meta = g_hash_table_new(g_direct_hash, g_direct_equal);
  s.sooner = g_array_new(FALSE, FALSE, sizeof(double));
  s.sooner_first = g_array_new(FALSE, FALSE, sizeof(double));
  s.chain = g_hash_table_new(g_direct_hash, g_direct_equal);
  s.measure_from = T0 + WARMUP_DAYS * DAY_US;
  s.measure_to = s.measure_from + MEASURED_DAYS * DAY_US;
  if (pol != POL_NONE) {
    ArOfferPolicy policy;
    switch (pol) {
    case POL_ONE_WAVE3:
      ar_offer_policy_init_fixed(&policy, 3);
      policy.max_offers_per_slot = 3;
      break;
    case POL_FIXED1:
      ar_offer_policy_init_fixed(&policy, 1);
      break;
    case POL_FIXED3:
      ar_offer_policy_init_fixed(&policy, 3);
      break;
    case POL_FIXED10:
      ar_offer_policy_init_fixed(&policy, 10);
      break;
    default:
      ar_offer_policy_init_default(&policy);
      break;
    }
    s.engine = ar_offer_engine_new(&policy);
  }
  for (guint d = 0; d < BOOKED_AHEAD_DAYS; d++)
    book_day(&s, d, T0); /* the clinic as found: fully booked four weeks out */
  guint last_day = WARMUP_DAYS + MEASURED_DAYS + BOOKED_AHEAD_DAYS;
  for (guint d = BOOKED_AHEAD_DAYS; d < last_day; d++)
    push(&s,
         (Ev){.at = T0 + (gint64)(d - BOOKED_AHEAD_DAYS) * DAY_US, .kind = EV_BOOK_DAY, .a = d});
  gint64 end = s.measure_to + BOOKED_AHEAD_DAYS * DAY_US;
  for (;;) {
    gint64 next_ev = s.heap->len ? g_array_index(s.heap, Ev, 0).at : G_MAXINT64;
    gint64 next_to = s.engine ? ar_offer_engine_next_timeout(s.engine) : G_MAXINT64;
    gint64 now = MIN(next_ev, next_to);
    if (now >= end)
      break;
    if (next_to <= next_ev) {
      ar_offer_engine_handle_timeout(s.engine, now);
    } else {
      Ev ev = pop(&s);
      handle(&s, &ev);
    }
    if (s.engine)
      drain(&s, now);
  }

  g_array_sort(s.sooner, cmp_double);
  g_array_sort(s.sooner_first, cmp_double);
  double median = s.sooner->len ? g_array_index(s.sooner, double, s.sooner->len / 2) : 0.0;
  double median_first =
      s.sooner_first->len ? g_array_index(s.sooner_first, double, s.sooner_first->len / 2) : 0.0;
  guint roots = 0, one_more = 0, three_more = 0;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s.chain);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    roots++;
    one_more += GPOINTER_TO_UINT(v) >= 1;
    three_more += GPOINTER_TO_UINT(v) >= 3;
  }
  guint filled = s.filled_engine + s.filled_organic;
  guint resolved = filled + s.unfilled;
  guint orig_filled = s.filled_cancel + s.filled_noshow;
  guint orig_resolved = orig_filled + s.lost_cancel + s.lost_noshow;
  guint nc = s.filled_cancel + s.lost_cancel, nn = s.filled_noshow + s.lost_noshow;
  printf("| %4.1f%% | %-13s | %5u | %5u | %5.1f%% | %5.1f%% | %5.1f%% | %5.1f%% | %5u | %5u | %6u "
         "| %5.1f | %4.1f%% | "
         "%5.1f | "
         "%5.1f | %4.0f%% | %4.0f%% | %4.2f |\n",
         p_accept * 100, policy_names[pol], s.opened, s.opened_orig,
         orig_resolved ? 100.0 * orig_filled / orig_resolved : 0.0,
         nc ? 100.0 * s.filled_cancel / nc : 0.0, nn ? 100.0 * s.filled_noshow / nn : 0.0,
         resolved ? 100.0 * filled / resolved : 0.0, s.filled_engine, s.filled_organic, s.offers,
         s.filled_engine ? (double)s.offers / s.filled_engine : 0.0,
         s.offers ? 100.0 * s.yes / s.offers : 0.0, median, median_first,
         roots ? 100.0 * one_more / roots : 0.0, roots ? 100.0 * three_more / roots : 0.0,
         s.filled_engine ? (double)s.wasted / s.filled_engine : 0.0);
  fflush(stdout);
  if (s.engine)
    ar_offer_engine_free(s.engine);
  g_rand_free(s.rng);
  g_rand_free(s.answers);
  g_rand_free(s.demand);
  g_array_unref(s.heap);
  g_hash_table_unref(s.patients);
  g_hash_table_unref(s.open);
  g_hash_table_unref(s.slot_meta);
  g_array_unref(s.sooner);
  g_array_unref(s.sooner_first);
  g_hash_table_unref(s.chain);
}

int
main(int argc, char **argv)
{
  guint32 seed = argc > 1 ? (guint32)strtoul(argv[1], NULL, 10) : 20260105;
  const double rates[] = {0.05, 0.083, 0.11, 0.15};
  printf("waitlist-sim seed %u: %d clinicians, %d slots/day, booked %d days ahead, %d measured "
         "days after %d warm-up\n",
         seed, N_CLIN, SLOTS_PER_DAY, BOOKED_AHEAD_DAYS, MEASURED_DAYS, WARMUP_DAYS);
  printf("accept = yes per outbox offer; live offers (waiting room, \"can be seen earlier\") are "
         "accepted with %.0f %% (assumption)\n\n",
         P_ACCEPT_LIVE * 100);
  printf("| accept | policy        | open  | freed | fill of freed | (cancelled) | (no-shows) | "
         "fill of all open | by offer | "
         "organic | offers | "
         "offers/fill | yes/offer | median days sooner (all moves) | (first move) | cascade >=1 | "
         "cascade >=3 | wasted "
         "yes/fill |\n");
  printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (guint r = 0; r < G_N_ELEMENTS(rates); r++)
    for (Policy pol = POL_NONE; pol <= POL_GROWING; pol++)
      run(pol, rates[r], seed);
  return 0;
}
