/* Offer engine: who is asked for which open slot, when, and who wins. See offer_engine.h and
 * notes/waitlist-offers.md for the measured facts behind the choices: rank by the
 * remaining wait (furthest current appointment first), keep a wave of offers outstanding that
 * grows as the slot nears, and only ask online patients for slots minutes away. */
#include "offer_engine.h"

#include <string.h>

#define MINUTE_US ((gint64)60 * G_USEC_PER_SEC)
#define HOUR_US (60 * MINUTE_US)
#define DAY_US (24 * HOUR_US)

GQuark
ar_offer_engine_error_quark(void)
{
  return g_quark_from_static_string("ar-offer-engine-error-quark");
}

typedef enum {
  OFFER_PENDING,
  OFFER_WON,
  OFFER_DECLINED,
  OFFER_EXPIRED,
  OFFER_WITHDRAWN,
} OfferState;

typedef struct {
  guint64 id;
  guint64 slot_id;
  guint64 patient_id;
  gint64 expires_us;
  gint64 closed_us;
  OfferState state;
  ArOfferWithdrawReason withdraw_reason;
  ArOfferChannel channel;
} Offer;

typedef struct {
  ArOfferSlot slot;
  guint cascade_depth;
  guint64 root_slot_id;
  guint n_offered;
  guint64 exhausted_epoch; /* == engine epoch: nobody eligible, skip the search */
  GPtrArray *pending;      /* Offer*, owned by engine->offers */
  GHashTable *asked;       /* patient ids already asked for this slot */
} OpenSlot;

typedef struct {
  ArOfferWaitlistEntry entry;
  guint n_pending;
} Waiter;

struct _ArOfferEngine {
  ArOfferPolicy policy;
  GPtrArray *slots;     /* OpenSlot*, in opening order so passes are deterministic */
  GHashTable *offers;   /* id -> Offer* (owned) */
  GQueue closed;        /* closed Offer*, in closing order, for forgetting */
  GHashTable *waitlist; /* patient id -> Waiter* (owned) */
  GQueue out;           /* ArOfferOutput* */
  guint64 next_offer_id;
  gint64 last_now_us; /* latest time seen, for the next wave-step crossing */
  /* Bumped whenever someone may have become eligible (joined, came online, an offer closed).
   * Time passing only ever removes eligibility, so a slot that found nobody need not search
   * again until the epoch moves: keeps a pass over many unfillable slots cheap. */
  guint64 epoch;
  ArOfferMetrics m;
  GArray *sooner_us; /* gint64 per fill with an old appointment */
};

static void
open_slot_free(gpointer data)
{
  OpenSlot *s = data;
  g_ptr_array_unref(s->pending);
  g_hash_table_unref(s->asked);
  g_free(s);
}

ArOfferEngine *
ar_offer_engine_new(const ArOfferPolicy *policy)
{
  ArOfferEngine *e = g_new0(ArOfferEngine, 1);
  if (policy)
    e->policy = *policy;
  else
    ar_offer_policy_init_default(&e->policy);
  if (e->policy.n_waves == 0 || e->policy.n_waves > AR_OFFER_MAX_WAVE_STEPS) {
    e->policy.waves[0] = (ArOfferWaveStep){G_MAXINT64, 1};
    e->policy.n_waves = 1;
  }
  if (e->policy.max_pending_per_patient == 0)
    e->policy.max_pending_per_patient = 1;
  e->slots = g_ptr_array_new_with_free_func(open_slot_free);
  e->offers = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
  g_queue_init(&e->closed);
  e->waitlist = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
  g_queue_init(&e->out);
  e->next_offer_id = e->policy.first_offer_id ? e->policy.first_offer_id : 1;
  e->epoch = 1;
  e->sooner_us = g_array_new(FALSE, FALSE, sizeof(gint64));
  return e;
}

void
ar_offer_engine_free(ArOfferEngine *e)
{
  if (!e)
    return;
  g_ptr_array_unref(e->slots);
  g_hash_table_unref(e->offers);
  g_queue_clear(&e->closed);
  g_hash_table_unref(e->waitlist);
  g_queue_clear_full(&e->out, g_free);
  g_array_unref(e->sooner_us);
  g_free(e);
}

static OpenSlot *
find_slot(ArOfferEngine *e, guint64 slot_id, guint *index)
{
  for (guint i = 0; i < e->slots->len; i++) {
    OpenSlot *s = g_ptr_array_index(e->slots, i);
    if (s->slot.slot_id == slot_id) {
      if (index)
        *index = i;
      return s;
    }
  }
  return NULL;
}

static Waiter *
find_waiter(ArOfferEngine *e, guint64 patient_id)
{
  return g_hash_table_lookup(e->waitlist, &patient_id);
}

static ArOfferOutput *
emit(ArOfferEngine *e, ArOfferOutputKind kind, const OpenSlot *s, gint64 now_us)
{
  ArOfferOutput *o = g_new0(ArOfferOutput, 1);
  o->kind = kind;
  o->at_us = now_us;
  if (s) {
    o->slot_id = s->slot.slot_id;
    o->slot_start_us = s->slot.start_us;
    o->cascade_depth = s->cascade_depth;
    o->root_slot_id = s->root_slot_id;
    o->reason = s->slot.reason;
  }
  g_queue_push_tail(&e->out, o);
  return o;
}

/* Closes a pending offer: off its slot's pending list and its patient's count. */
static void
close_offer(ArOfferEngine *e, OpenSlot *s, Offer *offer, OfferState state, gint64 now_us)
{
  offer->state = state;
  offer->closed_us = now_us;
  g_ptr_array_remove(s->pending, offer);
  Waiter *w = find_waiter(e, offer->patient_id);
  if (w && w->n_pending > 0)
    w->n_pending--;
  e->epoch++;
  g_queue_push_tail(&e->closed, offer);
}

static gint64
time_to_start(const OpenSlot *s, gint64 now_us)
{
  return s->slot.start_us - now_us;
}

static guint
wave_size(const ArOfferEngine *e, const OpenSlot *s, gint64 now_us)
{
  gint64 left = time_to_start(s, now_us);
  gint64 best_within = G_MAXINT64;
  guint size = 0;
  gboolean found = FALSE;
  for (guint i = 0; i < e->policy.n_waves; i++) {
    const ArOfferWaveStep *st = &e->policy.waves[i];
    if (left <= st->within_us && (!found || st->within_us <= best_within)) {
      best_within = st->within_us;
      size = st->size;
      found = TRUE;
    }
  }
  if (e->policy.max_offers_per_slot) {
    guint room = s->n_offered >= e->policy.max_offers_per_slot
                     ? 0
                     : e->policy.max_offers_per_slot - s->n_offered;
    guint allowed = s->pending->len + room;
    size = MIN(size, allowed);
  }
  return size;
}

/* Notice a patient needs: online patients are ready now; others need their own notice. */
static gint64
notice_for(const ArOfferEngine *e, const ArOfferWaitlistEntry *en)
{
  if (en->online_now)
    return e->policy.live_min_notice_us;
  return MAX(en->min_notice_us, e->policy.min_notice_us);
}

/* Expiry of an offer of slot s to entry en sent at now_us: minutes for same-day slots, hours for
 * later ones, never past the slot start minus the patient's notice. 0 if no useful expiry. */
static gint64
offer_expiry(const ArOfferEngine *e, const OpenSlot *s, const ArOfferWaitlistEntry *en,
             gint64 now_us)
{
  gint64 left = time_to_start(s, now_us);
  gint64 span;
  if (left < e->policy.same_day_within_us)
    span = en->online_now ? e->policy.expiry_live_us : e->policy.expiry_same_day_us;
  else
    span = e->policy.expiry_later_us;
  gint64 expires = now_us + span;
  gint64 latest = s->slot.start_us - notice_for(e, en);
  if (expires > latest)
    expires = latest;
  if (expires - now_us < e->policy.min_answer_us)
    return 0;
  return expires;
}

static gboolean
eligible(const ArOfferEngine *e, const OpenSlot *s, const Waiter *w, gint64 now_us,
         gboolean check_asked)
{
  const ArOfferWaitlistEntry *en = &w->entry;
  const ArOfferSlot *sl = &s->slot;
  if (check_asked && g_hash_table_contains(s->asked, &en->patient_id))
    return FALSE;
  if (en->current.slot_id != 0) {
    if (en->current.slot_id == sl->slot_id || sl->start_us >= en->current.start_us)
      return FALSE; /* only ever offer something sooner */
  }
  if (sl->visit_type != 0 && sl->visit_type != en->visit_type)
    return FALSE;
  if (!en->any_practitioner && en->current.practitioner_id != 0 &&
      sl->practitioner_id != en->current.practitioner_id)
    return FALSE;
  if (sl->modality == AR_OFFER_MODALITY_VIDEO ? !en->video_ok : !en->in_person_ok)
    return FALSE;
  if (en->window_start_us && sl->start_us < en->window_start_us)
    return FALSE;
  if (en->window_end_us && sl->end_us > en->window_end_us)
    return FALSE;
  gint64 left = time_to_start(s, now_us);
  if (left < e->policy.online_only_within_us && !en->online_now)
    return FALSE;
  if (left < e->policy.short_notice_within_us && !en->short_notice_ok && !en->online_now)
    return FALSE;
  return offer_expiry(e, s, en, now_us) != 0;
}

/* Rank: furthest current appointment first (the longest remaining wait), then online, then id. */
static gboolean
ranks_before(const Waiter *a, const Waiter *b)
{
  gint64 ka = a->entry.current.slot_id ? a->entry.current.start_us : G_MAXINT64;
  gint64 kb = b->entry.current.slot_id ? b->entry.current.start_us : G_MAXINT64;
  if (ka != kb)
    return ka > kb;
  if (a->entry.online_now != b->entry.online_now)
    return a->entry.online_now;
  return a->entry.patient_id < b->entry.patient_id;
}

/* Offers a patient may hold at once. An online patient may hold one more for a slot only online
 * patients can make: a live question about a slot minutes away must not wait behind a text
 * message about next month. */
static guint
pending_limit(const ArOfferEngine *e, const OpenSlot *s, const Waiter *w, gint64 now_us)
{
  guint limit = e->policy.max_pending_per_patient;
  if (w->entry.online_now && time_to_start(s, now_us) < e->policy.online_only_within_us)
    limit++;
  return limit;
}

static Waiter *
best_candidate(ArOfferEngine *e, const OpenSlot *s, gint64 now_us)
{
  Waiter *best = NULL;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, e->waitlist);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    Waiter *w = value;
    if (w->n_pending >= pending_limit(e, s, w, now_us))
      continue;
    if (best && !ranks_before(w, best))
      continue;
    if (eligible(e, s, w, now_us, TRUE))
      best = w;
  }
  return best;
}

static Offer *
send_offer(ArOfferEngine *e, OpenSlot *s, Waiter *w, gint64 now_us)
{
  Offer *offer = g_new0(Offer, 1);
  offer->id = e->next_offer_id++;
  offer->slot_id = s->slot.slot_id;
  offer->patient_id = w->entry.patient_id;
  offer->expires_us = offer_expiry(e, s, &w->entry, now_us);
  offer->state = OFFER_PENDING;
  offer->channel = w->entry.online_now ? AR_OFFER_CHANNEL_LIVE : AR_OFFER_CHANNEL_OUTBOX;
  g_hash_table_insert(e->offers, &offer->id, offer);
  g_ptr_array_add(s->pending, offer);
  guint64 *pid = g_new(guint64, 1);
  *pid = w->entry.patient_id;
  g_hash_table_add(s->asked, pid);
  s->n_offered++;
  w->n_pending++;
  e->m.offers_sent++;
  ArOfferOutput *o = emit(e, AR_OFFER_OUT_SEND_OFFER, s, now_us);
  o->offer_id = offer->id;
  o->patient_id = offer->patient_id;
  o->expires_us = offer->expires_us;
  o->channel = offer->channel;
  return offer;
}

static gint
cmp_slot_start(gconstpointer a, gconstpointer b)
{
  const OpenSlot *x = *(OpenSlot *const *)a, *y = *(OpenSlot *const *)b;
  if (x->slot.start_us != y->slot.start_us)
    return x->slot.start_us < y->slot.start_us ? -1 : 1;
  return x->slot.slot_id < y->slot.slot_id ? -1 : x->slot.slot_id > y->slot.slot_id;
}

/* Open slots other than `except` this patient could take now, earliest first. */
static guint
alternatives_for(ArOfferEngine *e, const Waiter *w, guint64 except, gint64 now_us, guint64 *ids,
                 guint max)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new();
  for (guint i = 0; i < e->slots->len; i++) {
    OpenSlot *s = g_ptr_array_index(e->slots, i);
    if (s->slot.slot_id != except && eligible(e, s, w, now_us, FALSE))
      g_ptr_array_add(found, s);
  }
  g_ptr_array_sort(found, cmp_slot_start);
  guint n = MIN(found->len, max);
  for (guint i = 0; i < n; i++)
    ids[i] = ((OpenSlot *)g_ptr_array_index(found, i))->slot.slot_id;
  return n;
}

static void
withdraw_pending(ArOfferEngine *e, OpenSlot *s, Offer *offer, ArOfferWithdrawReason why,
                 gint64 now_us)
{
  offer->withdraw_reason = why;
  close_offer(e, s, offer, OFFER_WITHDRAWN, now_us);
  e->m.withdrawn++;
  ArOfferOutput *o = emit(e, AR_OFFER_OUT_WITHDRAWN, s, now_us);
  o->offer_id = offer->id;
  o->patient_id = offer->patient_id;
  o->channel = offer->channel;
  o->withdraw_reason = why;
  Waiter *w = find_waiter(e, offer->patient_id);
  if (w && why != AR_OFFER_WITHDRAW_BOOKED) {
    guint64 next = 0;
    if (alternatives_for(e, w, s->slot.slot_id, now_us, &next, 1))
      o->next_slot_id = next;
  }
}

static void
remove_slot(ArOfferEngine *e, OpenSlot *s, ArOfferWithdrawReason why, gint64 now_us)
{
  guint index;
  if (!find_slot(e, s->slot.slot_id, &index))
    return;
  /* Take it off the open list first so withdrawals never suggest this very slot. */
  g_ptr_array_steal_index(e->slots, index);
  while (s->pending->len > 0)
    withdraw_pending(e, s, g_ptr_array_index(s->pending, 0), why, now_us);
  open_slot_free(s);
}

static void
withdraw_patient_offers(ArOfferEngine *e, guint64 patient_id, ArOfferWithdrawReason why,
                        gint64 now_us)
{
  for (guint i = 0; i < e->slots->len; i++) {
    OpenSlot *s = g_ptr_array_index(e->slots, i);
    for (guint j = 0; j < s->pending->len;) {
      Offer *offer = g_ptr_array_index(s->pending, j);
      if (offer->patient_id == patient_id)
        withdraw_pending(e, s, offer, why, now_us);
      else
        j++;
    }
  }
}

static void
expire_offer(ArOfferEngine *e, OpenSlot *s, Offer *offer, gint64 now_us)
{
  close_offer(e, s, offer, OFFER_EXPIRED, now_us);
  e->m.expired++;
  ArOfferOutput *o = emit(e, AR_OFFER_OUT_EXPIRED, s, now_us);
  o->offer_id = offer->id;
  o->patient_id = offer->patient_id;
}

static void
forget_old_offers(ArOfferEngine *e, gint64 now_us)
{
  while (!g_queue_is_empty(&e->closed)) {
    Offer *offer = g_queue_peek_head(&e->closed);
    if (offer->closed_us + e->policy.forget_after_us > now_us)
      break;
    g_queue_pop_head(&e->closed);
    g_hash_table_remove(e->offers, &offer->id);
  }
}

/* One pass: expire lapsed offers, give up on slots too close to start, top waves up. */
static void
pump(ArOfferEngine *e, gint64 now_us)
{
  e->last_now_us = MAX(e->last_now_us, now_us);
  for (guint i = 0; i < e->slots->len;) {
    OpenSlot *s = g_ptr_array_index(e->slots, i);
    for (guint j = 0; j < s->pending->len;) {
      Offer *offer = g_ptr_array_index(s->pending, j);
      if (offer->expires_us <= now_us)
        expire_offer(e, s, offer, now_us);
      else
        j++;
    }
    /* Past the last moment even an online patient could be asked, with nobody left to answer,
     * or the slot has started: it stays empty. */
    gint64 last_ask = s->slot.start_us - e->policy.live_min_notice_us - e->policy.min_answer_us;
    if (now_us >= s->slot.start_us || (now_us >= last_ask && s->pending->len == 0)) {
      e->m.slots_unfilled++;
      emit(e, AR_OFFER_OUT_SLOT_UNFILLED, s, now_us);
      remove_slot(e, s, AR_OFFER_WITHDRAW_SLOT_GONE, now_us);
      continue;
    }
    guint target = wave_size(e, s, now_us);
    while (s->pending->len < target && s->exhausted_epoch != e->epoch) {
      Waiter *w = best_candidate(e, s, now_us);
      if (!w) {
        s->exhausted_epoch = e->epoch;
        break;
      }
      send_offer(e, s, w, now_us);
    }
    i++;
  }
  forget_old_offers(e, now_us);
}

gboolean
ar_offer_engine_open_slot(ArOfferEngine *e, const ArOfferSlot *slot, gint64 now_us, GError **error)
{
  if (slot->slot_id == 0 || slot->end_us <= slot->start_us) {
    g_set_error(error, AR_OFFER_ENGINE_ERROR, AR_OFFER_ENGINE_ERROR_INVALID,
                "slot %" G_GUINT64_FORMAT ": needs a non-zero id and end after start",
                slot->slot_id);
    return FALSE;
  }
  if (find_slot(e, slot->slot_id, NULL)) {
    g_set_error(error, AR_OFFER_ENGINE_ERROR, AR_OFFER_ENGINE_ERROR_EXISTS,
                "slot %" G_GUINT64_FORMAT " is already open", slot->slot_id);
    return FALSE;
  }
  if (slot->start_us <= now_us) {
    g_set_error(error, AR_OFFER_ENGINE_ERROR, AR_OFFER_ENGINE_ERROR_PAST,
                "slot %" G_GUINT64_FORMAT " has already started", slot->slot_id);
    return FALSE;
  }
  /* Whoever held this slot no longer holds an appointment to move from. */
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, e->waitlist);
  guint64 holder = 0;
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    Waiter *w = value;
    if (w->entry.current.slot_id == slot->slot_id)
      holder = w->entry.patient_id;
  }
  if (holder)
    ar_offer_engine_remove_waitlist(e, holder, now_us);

  OpenSlot *s = g_new0(OpenSlot, 1);
  s->slot = *slot;
  s->root_slot_id = slot->slot_id;
  s->pending = g_ptr_array_new();
  s->asked = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  g_ptr_array_add(e->slots, s);
  e->m.slots_opened++;
  pump(e, now_us);
  return TRUE;
}

gboolean
ar_offer_engine_close_slot(ArOfferEngine *e, guint64 slot_id, gint64 now_us)
{
  OpenSlot *s = find_slot(e, slot_id, NULL);
  if (!s)
    return FALSE;
  e->m.slots_closed++;
  remove_slot(e, s, AR_OFFER_WITHDRAW_SLOT_GONE, now_us);
  pump(e, now_us);
  return TRUE;
}

gboolean
ar_offer_engine_add_waitlist(ArOfferEngine *e, const ArOfferWaitlistEntry *entry, gint64 now_us,
                             GError **error)
{
  if (entry->patient_id == 0) {
    g_set_error(error, AR_OFFER_ENGINE_ERROR, AR_OFFER_ENGINE_ERROR_INVALID,
                "waitlist entry needs a non-zero patient id");
    return FALSE;
  }
  Waiter *w = find_waiter(e, entry->patient_id);
  if (!w) {
    w = g_new0(Waiter, 1);
    w->entry = *entry;
    g_hash_table_insert(e->waitlist, &w->entry.patient_id, w);
  } else {
    w->entry = *entry;
  }
  e->epoch++;
  pump(e, now_us);
  return TRUE;
}

gboolean
ar_offer_engine_remove_waitlist(ArOfferEngine *e, guint64 patient_id, gint64 now_us)
{
  if (!find_waiter(e, patient_id))
    return FALSE;
  withdraw_patient_offers(e, patient_id, AR_OFFER_WITHDRAW_LEFT_QUEUE, now_us);
  g_hash_table_remove(e->waitlist, &patient_id);
  pump(e, now_us);
  return TRUE;
}

gboolean
ar_offer_engine_set_online(ArOfferEngine *e, guint64 patient_id, gboolean online, gint64 now_us)
{
  Waiter *w = find_waiter(e, patient_id);
  if (!w)
    return FALSE;
  w->entry.online_now = online;
  e->epoch++;
  pump(e, now_us);
  return TRUE;
}

/* Looks an answer's offer up and settles lapsed offers on the spot, so an answer at exactly the
 * expiry gets the same result whether or not the timeout ran first. */
static ArOfferAnswer
lookup_answer(ArOfferEngine *e, guint64 offer_id, guint64 patient_id, gint64 now_us,
              Offer **offer_out, OpenSlot **slot_out)
{
  Offer *offer = g_hash_table_lookup(e->offers, &offer_id);
  if (!offer)
    return AR_OFFER_UNKNOWN;
  if (offer->patient_id != patient_id)
    return AR_OFFER_NOT_YOURS;
  *offer_out = offer;
  if (offer->state == OFFER_WITHDRAWN && offer->withdraw_reason == AR_OFFER_WITHDRAW_TAKEN)
    return AR_OFFER_TAKEN;
  if (offer->state != OFFER_PENDING)
    return AR_OFFER_EXPIRED;
  OpenSlot *s = find_slot(e, offer->slot_id, NULL);
  g_assert(s); /* pending offers always belong to an open slot */
  *slot_out = s;
  if (offer->expires_us <= now_us) {
    expire_offer(e, s, offer, now_us);
    pump(e, now_us);
    return AR_OFFER_EXPIRED;
  }
  return AR_OFFER_WON;
}

static void
book(ArOfferEngine *e, OpenSlot *s, Offer *offer, gint64 now_us)
{
  Waiter *w = find_waiter(e, offer->patient_id);
  ArOfferWaitlistEntry en = w->entry;
  close_offer(e, s, offer, OFFER_WON, now_us);
  e->m.accepted++;
  e->m.slots_filled++;
  ArOfferOutput *o = emit(e, AR_OFFER_OUT_BOOKED, s, now_us);
  o->offer_id = offer->id;
  o->patient_id = offer->patient_id;
  o->channel = offer->channel;
  guint depth = s->cascade_depth;
  guint64 root = s->root_slot_id;
  if (en.current.slot_id) {
    o->freed_slot_id = en.current.slot_id;
    o->sooner_us = en.current.start_us - s->slot.start_us;
    g_array_append_val(e->sooner_us, o->sooner_us);
  }
  /* The others are told at once; then the winner's other offers go, then the winner leaves. */
  remove_slot(e, s, AR_OFFER_WITHDRAW_TAKEN, now_us);
  withdraw_patient_offers(e, en.patient_id, AR_OFFER_WITHDRAW_BOOKED, now_us);
  g_hash_table_remove(e->waitlist, &en.patient_id);

  if (en.current.slot_id && en.current.start_us > now_us &&
      !find_slot(e, en.current.slot_id, NULL)) {
    OpenSlot *c = g_new0(OpenSlot, 1);
    c->slot = en.current;
    c->slot.reason = AR_OFFER_REASON_CASCADE;
    c->cascade_depth = depth + 1;
    c->root_slot_id = root;
    c->pending = g_ptr_array_new();
    c->asked = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    g_ptr_array_add(e->slots, c);
    e->m.slots_opened++;
    e->m.slots_opened_cascade++;
  }
}

ArOfferAnswer
ar_offer_engine_confirm(ArOfferEngine *e, guint64 offer_id, guint64 patient_id, gint64 now_us,
                        ArOfferConfirmResult *result)
{
  ArOfferConfirmResult scratch;
  if (!result)
    result = &scratch;
  memset(result, 0, sizeof(*result));
  Offer *offer = NULL;
  OpenSlot *s = NULL;
  ArOfferAnswer answer = lookup_answer(e, offer_id, patient_id, now_us, &offer, &s);
  if (answer == AR_OFFER_WON) {
    book(e, s, offer, now_us);
    pump(e, now_us);
    return AR_OFFER_WON;
  }
  if (answer != AR_OFFER_TAKEN)
    return answer;
  /* A "yes" that came too late: say which other slots are open for them, and ask at once. */
  e->m.wasted_yes++;
  Waiter *w = find_waiter(e, patient_id);
  if (!w)
    return answer;
  result->n_alternatives = alternatives_for(e, w, offer->slot_id, now_us, result->alternatives,
                                            AR_OFFER_MAX_ALTERNATIVES);
  if (e->policy.offer_next_on_taken && result->n_alternatives > 0 &&
      w->n_pending < e->policy.max_pending_per_patient) {
    OpenSlot *next = find_slot(e, result->alternatives[0], NULL);
    if (!g_hash_table_contains(next->asked, &patient_id))
      result->next_offer_id = send_offer(e, next, w, now_us)->id;
  }
  return answer;
}

ArOfferAnswer
ar_offer_engine_decline(ArOfferEngine *e, guint64 offer_id, guint64 patient_id, gint64 now_us)
{
  Offer *offer = NULL;
  OpenSlot *s = NULL;
  ArOfferAnswer answer = lookup_answer(e, offer_id, patient_id, now_us, &offer, &s);
  if (answer != AR_OFFER_WON)
    return answer;
  close_offer(e, s, offer, OFFER_DECLINED, now_us);
  e->m.declined++;
  ArOfferOutput *o = emit(e, AR_OFFER_OUT_DECLINED, s, now_us);
  o->offer_id = offer->id;
  o->patient_id = offer->patient_id;
  pump(e, now_us);
  return AR_OFFER_RECORDED;
}

void
ar_offer_engine_handle_timeout(ArOfferEngine *e, gint64 now_us)
{
  pump(e, now_us);
}

gint64
ar_offer_engine_next_timeout(ArOfferEngine *e)
{
  gint64 next = G_MAXINT64;
  for (guint i = 0; i < e->slots->len; i++) {
    OpenSlot *s = g_ptr_array_index(e->slots, i);
    for (guint j = 0; j < s->pending->len; j++) {
      Offer *offer = g_ptr_array_index(s->pending, j);
      next = MIN(next, offer->expires_us);
    }
    gint64 last_ask = s->slot.start_us - e->policy.live_min_notice_us - e->policy.min_answer_us;
    next = MIN(next, s->pending->len ? s->slot.start_us : last_ask);
    /* Wave steps: the target grows when the slot crosses a step's horizon. */
    for (guint k = 0; k < e->policy.n_waves; k++) {
      gint64 within = e->policy.waves[k].within_us;
      if (within >= s->slot.start_us)
        continue;
      gint64 at = s->slot.start_us - within;
      if (at > e->last_now_us)
        next = MIN(next, at);
    }
  }
  return next;
}

gboolean
ar_offer_engine_poll_output(ArOfferEngine *e, ArOfferOutput *out)
{
  ArOfferOutput *o = g_queue_pop_head(&e->out);
  if (!o)
    return FALSE;
  *out = *o;
  g_free(o);
  return TRUE;
}

guint
ar_offer_engine_open_slot_count(ArOfferEngine *e)
{
  return e->slots->len;
}

guint
ar_offer_engine_pending_count(ArOfferEngine *e, guint64 slot_id)
{
  OpenSlot *s = find_slot(e, slot_id, NULL);
  return s ? s->pending->len : 0;
}

static gint
cmp_i64(gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

void
ar_offer_engine_get_metrics(ArOfferEngine *e, ArOfferMetrics *m)
{
  *m = e->m;
  guint64 resolved = m->slots_filled + m->slots_unfilled + m->slots_closed;
  m->fill_rate = resolved ? (double)m->slots_filled / resolved : 0.0;
  m->offers_per_fill = m->slots_filled ? (double)m->offers_sent / m->slots_filled : 0.0;
  m->acceptance = m->offers_sent ? (double)(m->accepted + m->wasted_yes) / m->offers_sent : 0.0;
  m->median_days_sooner = 0.0;
  guint n = e->sooner_us->len;
  if (n) {
    g_autoptr(GArray) sorted = g_array_copy(e->sooner_us);
    g_array_sort(sorted, cmp_i64);
    gint64 *v = (gint64 *)sorted->data;
    double med = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2.0;
    m->median_days_sooner = med / (double)DAY_US;
  }
}
