/* Scheduling metrics read from the store, so they hold across restarts and over any period:
 * fill rate, offers per fill, acceptance, days sooner, and what is open and in flight now.
 * The staff API (scheduler_http.c) and the staff page read these; all SQL for them is here.
 * Plain functions over an ArStore and times passed in (Unix seconds); no scheduler needed. */
#pragma once
#include "store.h"

typedef struct {
  gint64 from, to;             /* the period, Unix seconds, [from, to) */
  const char *practitioner_id; /* NULL: every clinician */
  gint64 now;                  /* Unix seconds: decides what is still open or in flight */
} ArSchedStatsQuery;

/* Why a slot opened (slot_opening.reason); anything else counts as STAFF. */
typedef enum {
  AR_SCHED_OPENED_CANCELLED,
  AR_SCHED_OPENED_NOSHOW,
  AR_SCHED_OPENED_EARLY_FINISH,
  AR_SCHED_OPENED_PUBLISHED,
  AR_SCHED_OPENED_CASCADE,
  AR_SCHED_OPENED_STAFF,
  AR_SCHED_OPENED_N
} ArSchedOpenedReason;
const char *ar_scheduler_stats_reason_name(ArSchedOpenedReason r);

typedef struct {
  /* Slots that opened in the period, and what became of them (whenever). */
  guint slots_opened, slots_filled, slots_unfilled, slots_still_open;
  guint opened_by_reason[AR_SCHED_OPENED_N];
  guint offers_for_opened; /* offers made for those openings */
  /* Offers sent in the period and their answers (FHIR AppointmentResponse). */
  guint offers_sent, offers_delivered, accepted, declined, expired, withdrawn, pending;
  /* Bookings through an offer confirmed in the period; samples: those that replaced a later
   * appointment, whose start difference is days sooner. */
  guint bookings, days_sooner_samples;
  /* NAN when there is nothing to divide by. */
  double fill_rate;          /* slots_filled / slots_opened */
  double offers_per_fill;    /* offers_for_opened / slots_filled */
  double acceptance;         /* accepted / offers_delivered */
  double median_days_sooner; /* old start - new start, in days */
  /* Now, whatever the period. */
  guint open_slots, offers_in_flight;
} ArSchedStats;

gboolean ar_scheduler_stats_compute(ArStore *store, const ArSchedStatsQuery *q, ArSchedStats *out,
                                    GError **error);

/* An open slot with the offers out for it now. */
typedef struct {
  char *slot_id, *practitioner_id, *practitioner_name, *modality, *reason;
  gint64 start, end, opened_at; /* opened_at 0: free without a recorded opening */
  guint offers_in_flight, offers_made;
  gint64 next_expiry; /* earliest expiry of the offers in flight, 0 if none */
} ArSchedOpenSlot;
void ar_sched_open_slot_clear(ArSchedOpenSlot *o);

/* Future free slots (q->now on; from/to unused), earliest first, at most limit. GArray of
 * ArSchedOpenSlot (clears its elements when freed), NULL with error when the store failed. */
GArray *ar_scheduler_stats_open_slots(ArStore *store, const ArSchedStatsQuery *q, guint limit,
                                      GError **error);

typedef enum {
  AR_SCHED_OUTCOME_BOOKED,
  AR_SCHED_OUTCOME_DECLINED,
  AR_SCHED_OUTCOME_EXPIRED
} ArSchedOutcomeKind;
const char *ar_scheduler_stats_outcome_name(ArSchedOutcomeKind k);

/* An answer to an offer (or its lapse): no patient data, only the slot and the result. */
typedef struct {
  ArSchedOutcomeKind kind;
  gint64 at;
  char *slot_id, *practitioner_id, *practitioner_name, *modality;
  gint64 slot_start;
  double days_sooner; /* BOOKED replacing a later appointment, else NAN */
} ArSchedOutcome;
void ar_sched_outcome_clear(ArSchedOutcome *o);

/* Answers in the period, newest first, at most limit. GArray of ArSchedOutcome. */
GArray *ar_scheduler_stats_outcomes(ArStore *store, const ArSchedStatsQuery *q, guint limit,
                                    GError **error);

/* "YYYY-MM-DD" (a UTC day) to Unix seconds at its start; FALSE if it is not a real date. */
gboolean ar_scheduler_stats_parse_day(const char *text, gint64 *unix_s);

/* Active clinicians as id, display name, id, name, ... (GPtrArray of char*), by name. */
GPtrArray *ar_scheduler_stats_clinicians(ArStore *store, GError **error);
