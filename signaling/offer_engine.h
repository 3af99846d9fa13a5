/* Offer engine: turns cancellations, no-shows, early finishes and published capacity into slots
 * offered to waitlisted patients, in growing waves, first confirmation wins, freed appointments
 * offered on (cascade). Sans-IO over plain data; the scheduler shell feeds it and the store
 * persists its outputs (the confirm runs inside the store's SQLite transaction). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AR_OFFER_ENGINE_ERROR (ar_offer_engine_error_quark())
GQuark ar_offer_engine_error_quark(void);

typedef enum {
  AR_OFFER_ENGINE_ERROR_INVALID, /* end <= start, id 0, ... */
  AR_OFFER_ENGINE_ERROR_EXISTS,  /* a slot with this id is already open */
  AR_OFFER_ENGINE_ERROR_PAST,    /* the slot has already started */
} ArOfferEngineError;

typedef enum {
  AR_OFFER_REASON_CANCELLED,
  AR_OFFER_REASON_NOSHOW,
  AR_OFFER_REASON_EARLY_FINISH,
  AR_OFFER_REASON_PUBLISHED,
  AR_OFFER_REASON_CASCADE, /* a waitlisted patient moved earlier and freed this appointment */
} ArOfferReason;

typedef enum {
  AR_OFFER_MODALITY_VIDEO,
  AR_OFFER_MODALITY_IN_PERSON,
} ArOfferModality;

typedef enum {
  AR_OFFER_CHANNEL_LIVE,   /* patient is in the waiting room: push over their WebSocket */
  AR_OFFER_CHANNEL_OUTBOX, /* notification outbox (webhook for SMS / e-mail) */
} ArOfferChannel;

/* All times in this module are UTC microseconds since the epoch (g_get_real_time()): offers are
 * about calendar times, which a monotonic clock cannot express. */
typedef struct {
  guint64 slot_id; /* non-zero */
  guint64 practitioner_id;
  guint32 visit_type; /* 0 = generic capacity, any visit type may take it */
  ArOfferModality modality;
  gint64 start_us; /* for a no-show or early finish: the earliest the clinician can begin */
  gint64 end_us;
  ArOfferReason reason;
} ArOfferSlot;

typedef struct {
  guint64 patient_id; /* non-zero */
  /* The appointment the patient holds now (slot_id 0 = none). Ranking uses its start: the
   * furthest-out appointment is asked first. Freed and offered on when the patient moves. */
  ArOfferSlot current;
  guint32 visit_type;        /* the visit the patient waits for */
  gboolean any_practitioner; /* accepts another clinician for the same visit type */
  gboolean video_ok;         /* the visit type is eligible for video and the patient agrees */
  gboolean in_person_ok;     /* would also take an earlier in-person slot */
  gint64 window_start_us;    /* acceptable slot times, 0 = unbounded */
  gint64 window_end_us;      /* 0 = unbounded */
  gint64 min_notice_us;      /* patient's own notice need when not online */
  gboolean short_notice_ok;  /* may be asked for slots inside policy.short_notice_within_us */
  gboolean online_now;       /* in the waiting room, marked "can be seen earlier" */
} ArOfferWaitlistEntry;

#define AR_OFFER_MAX_WAVE_STEPS 8
#define AR_OFFER_MAX_ALTERNATIVES 4

/* "When the slot starts within `within_us`, keep `size` offers outstanding." */
typedef struct {
  gint64 within_us;
  guint size;
} ArOfferWaveStep;

/* Policy knobs; ar_offer_policy_init_default() documents the defaults. */
typedef struct {
  /* Outstanding offers per slot by time to start; the step with the smallest within_us that
   * still covers the time to start applies. Default (growing): always 1, 3 days 2, 1 day 3,
   * 8 h 5, 2 h 10. A single step {G_MAXINT64, k} gives "k at a time". */
  ArOfferWaveStep waves[AR_OFFER_MAX_WAVE_STEPS];
  guint n_waves;
  guint max_offers_per_slot;     /* 0 = unlimited (default); 3 = "one wave of three" */
  guint max_pending_per_patient; /* default 1: one question at a time per patient */
  gint64 same_day_within_us;     /* default 12 h: below this expiry is minutes */
  gint64 expiry_same_day_us;     /* default 20 min */
  gint64 expiry_later_us;        /* default 4 h */
  gint64 expiry_live_us;         /* default 5 min: same-day offer to a patient online now */
  gint64 online_only_within_us;  /* default 30 min: only online-now patients can make it */
  gint64 short_notice_within_us; /* default 24 h: needs short_notice_ok (or online now) */
  gint64 min_notice_us;          /* default 30 min: floor for patients not online */
  gint64 live_min_notice_us;     /* default 2 min: notice for a patient already online */
  gint64 min_answer_us;          /* default 2 min: no offer leaves less time to answer */
  gboolean offer_next_on_taken;  /* default TRUE: a late "yes" gets the next slot offered */
  gint64 forget_after_us;        /* default 48 h: closed offers then answer UNKNOWN */
  guint64 first_offer_id;        /* default 1; the store passes max(persisted id) + 1 */
} ArOfferPolicy;

void ar_offer_policy_init_default(ArOfferPolicy *policy);
/* "k at a time until the slot": one wave step of size k, other knobs default. */
void ar_offer_policy_init_fixed(ArOfferPolicy *policy, guint k);

typedef enum {
  AR_OFFER_OUT_SEND_OFFER,    /* offer_id, slot, patient, expires_us, channel */
  AR_OFFER_OUT_WITHDRAWN,     /* slot taken (or gone): tell kindly; next_slot_id if any */
  AR_OFFER_OUT_BOOKED,        /* slot -> patient; freed_slot_id is now open (cascade) */
  AR_OFFER_OUT_EXPIRED,       /* AppointmentResponse: needs-action, lapsed */
  AR_OFFER_OUT_DECLINED,      /* AppointmentResponse: declined */
  AR_OFFER_OUT_SLOT_UNFILLED, /* too late to offer it to anyone */
} ArOfferOutputKind;

typedef enum {
  AR_OFFER_WITHDRAW_TAKEN,      /* someone else confirmed first */
  AR_OFFER_WITHDRAW_BOOKED,     /* this patient confirmed another slot */
  AR_OFFER_WITHDRAW_SLOT_GONE,  /* the slot was closed or booked elsewhere */
  AR_OFFER_WITHDRAW_LEFT_QUEUE, /* the patient left the waiting list */
} ArOfferWithdrawReason;

typedef struct {
  ArOfferOutputKind kind;
  guint64 offer_id; /* 0 for BOOKED by close_slot and SLOT_UNFILLED */
  guint64 slot_id;
  guint64 patient_id;
  gint64 at_us;
  gint64 slot_start_us;
  gint64 expires_us;      /* SEND_OFFER */
  ArOfferChannel channel; /* SEND_OFFER, WITHDRAWN */
  ArOfferWithdrawReason withdraw_reason;
  guint64 next_slot_id;  /* WITHDRAWN: an open slot the patient is eligible for, 0 = none */
  guint64 freed_slot_id; /* BOOKED: the winner's old appointment, 0 = none */
  gint64 sooner_us;      /* BOOKED: old start - new start, 0 without an old appointment */
  guint cascade_depth;   /* 0 = the slot opened from outside, n = n-th move of a chain */
  guint64 root_slot_id;  /* first slot of the cascade chain */
  ArOfferReason reason;  /* why the slot opened */
} ArOfferOutput;

typedef enum {
  AR_OFFER_WON,       /* confirm: the slot is the patient's */
  AR_OFFER_RECORDED,  /* decline: recorded */
  AR_OFFER_TAKEN,     /* someone confirmed first; see alternatives */
  AR_OFFER_EXPIRED,   /* lapsed, declined before, or withdrawn for another reason */
  AR_OFFER_UNKNOWN,   /* no such offer (or forgotten) */
  AR_OFFER_NOT_YOURS, /* the offer belongs to another patient */
} ArOfferAnswer;

typedef struct {
  guint n_alternatives;
  guint64 alternatives[AR_OFFER_MAX_ALTERNATIVES]; /* open slots, earliest first */
  guint64 next_offer_id; /* TAKEN with offer_next_on_taken: offer sent for alternatives[0] */
} ArOfferConfirmResult;

typedef struct {
  guint64 slots_opened; /* including cascade */
  guint64 slots_opened_cascade;
  guint64 slots_filled; /* by a confirmed offer */
  guint64 slots_unfilled;
  guint64 slots_closed; /* closed from outside (booked elsewhere, withdrawn) */
  guint64 offers_sent;
  guint64 accepted;   /* confirms that won */
  guint64 wasted_yes; /* confirms that came after the slot was taken */
  guint64 declined;
  guint64 expired;
  guint64 withdrawn;
  double fill_rate; /* filled / (filled + unfilled + closed) */
  double offers_per_fill;
  double acceptance;         /* (accepted + wasted_yes) / offers_sent */
  double median_days_sooner; /* over fills with an old appointment; 0 without */
} ArOfferMetrics;

typedef struct _ArOfferEngine ArOfferEngine;

ArOfferEngine *ar_offer_engine_new(const ArOfferPolicy *policy);
void ar_offer_engine_free(ArOfferEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArOfferEngine, ar_offer_engine_free)

/* A slot became open. A waitlisted patient whose current appointment is this slot leaves the
 * list (their appointment no longer exists). Offers go out at once. */
gboolean ar_offer_engine_open_slot(ArOfferEngine *engine, const ArOfferSlot *slot, gint64 now_us,
                                   GError **error);
/* The slot was booked or withdrawn outside the engine: pending offers are withdrawn. */
gboolean ar_offer_engine_close_slot(ArOfferEngine *engine, guint64 slot_id, gint64 now_us);

/* Add or replace a patient's waitlist entry. */
gboolean ar_offer_engine_add_waitlist(ArOfferEngine *engine, const ArOfferWaitlistEntry *entry,
                                      gint64 now_us, GError **error);
gboolean ar_offer_engine_remove_waitlist(ArOfferEngine *engine, guint64 patient_id, gint64 now_us);
gboolean ar_offer_engine_set_online(ArOfferEngine *engine, guint64 patient_id, gboolean online,
                                    gint64 now_us);

/* The first confirmation of a pending, unexpired offer wins; everything after answers TAKEN.
 * Deterministic: an offer is expired at exactly expires_us. result may be NULL. */
ArOfferAnswer ar_offer_engine_confirm(ArOfferEngine *engine, guint64 offer_id, guint64 patient_id,
                                      gint64 now_us, ArOfferConfirmResult *result);
ArOfferAnswer ar_offer_engine_decline(ArOfferEngine *engine, guint64 offer_id, guint64 patient_id,
                                      gint64 now_us);

/* Expire offers, grow waves, give up on slots that start too soon. */
void ar_offer_engine_handle_timeout(ArOfferEngine *engine, gint64 now_us);
/* Next time handle_timeout has work, or G_MAXINT64. */
gint64 ar_offer_engine_next_timeout(ArOfferEngine *engine);
gboolean ar_offer_engine_poll_output(ArOfferEngine *engine, ArOfferOutput *out);

guint ar_offer_engine_open_slot_count(ArOfferEngine *engine);
guint ar_offer_engine_pending_count(ArOfferEngine *engine, guint64 slot_id);
void ar_offer_engine_get_metrics(ArOfferEngine *engine, ArOfferMetrics *metrics);

const char *ar_offer_answer_to_string(ArOfferAnswer answer);
const char *ar_offer_output_kind_to_string(ArOfferOutputKind kind);
/* FHIR AppointmentResponse.participantStatus for an offer outcome output. */
const char *ar_offer_output_fhir_status(ArOfferOutputKind kind);

G_END_DECLS
