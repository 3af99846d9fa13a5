/* The scheduling engine's I/O shell: keeps the sans-IO offer engine (offer_engine.h) fed from
 * SQLite on the main loop, persists every output (offers, AppointmentResponses, bookings),
 * delivers offers live over the WebSocket or through the notification outbox, and performs each
 * winning confirmation in one BEGIN IMMEDIATE transaction. The store is the truth: engine state
 * is rebuilt from it at start, so a restart between offer and confirm loses nothing. */
#pragma once
#include "http_server.h"
#include "offer_engine.h"
#include "store.h"
#include "token.h"

#define AR_SCHEDULER_ERROR (ar_scheduler_error_quark())
GQuark ar_scheduler_error_quark(void);
typedef enum {
  AR_SCHEDULER_ERROR_NOT_FOUND, /* no such slot, appointment, practitioner */
  AR_SCHEDULER_ERROR_FORBIDDEN, /* it belongs to someone else */
  AR_SCHEDULER_ERROR_CONFLICT,  /* slot taken, overlapping capacity, wrong state */
  AR_SCHEDULER_ERROR_INVALID,   /* bad input: times, fields */
  AR_SCHEDULER_ERROR_STORE,     /* SQLite failed; nothing was written */
} ArSchedulerError;

typedef struct ArScheduler ArScheduler;
struct ArSignaling;
struct ArAccounts;

typedef struct {
  ArStore *store;
  const ArTokenKeyring *keys;
  const char *public_url; /* base of offer links */
  ArOfferPolicy policy;
  const char *webhook_url; /* "" or NULL: the outbox keeps offers undelivered */
  guint webhook_max_attempts;
  const char *api_token;       /* staff API bearer token; "" disables the bearer token */
  struct ArAccounts *accounts; /* signed-in staff (session cookie); may be NULL */
} ArSchedulerOptions;

/* Fills policy from the [scheduling] keys (seconds) over the engine defaults. */
void ar_scheduler_policy_from_config(ArOfferPolicy *policy, guint wave_size,
                                     gint64 expiry_same_day_s, gint64 expiry_later_s,
                                     gint64 min_answer_s, gint64 min_notice_s,
                                     gint64 online_only_s);

/* Rebuilds open slots, the waiting list and pending offers from the store as the main loop
 * starts (a high-priority idle, before any request), then arms the engine's timer. */
ArScheduler *ar_scheduler_new(const ArSchedulerOptions *opts, GError **error);
/* Rebuilds at once instead of waiting for the main loop (unit tests). */
void ar_scheduler_rebuild_now(ArScheduler *s);
void ar_scheduler_free(ArScheduler *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArScheduler, ar_scheduler_free)

/* Live delivery goes to this service's joined patient sessions. */
void ar_scheduler_set_signaling(ArScheduler *s, struct ArSignaling *signaling);
/* Staff API, offer-link API and /fhir on the HTTPS server. */
void ar_scheduler_register_routes(ArScheduler *s, ArHttpServer *http);

/* A slot became free outside a patient's own request: no-show (no check-in N minutes after
 * start), a visit ending early (a new slot from now to the end is made), staff reopening it.
 * The caller has already set the appointment's status (noshow, fulfilled). */
gboolean ar_scheduler_slot_opened(ArScheduler *s, const char *slot_id, ArOfferReason reason,
                                  GError **error);
/* The patient is (or is no longer) in the waiting room: live offers and same-hour slots. */
void ar_scheduler_patient_online(ArScheduler *s, const char *patient_id, gboolean online);

typedef struct {
  char *slot_id;
  char *practitioner_id;
  gint64 start_us, end_us;
  char *modality;
} ArSchedSlotInfo;

typedef struct {
  ArOfferAnswer answer;
  char *appointment_id; /* WON */
  ArSchedSlotInfo slot; /* WON: the slot booked; otherwise the slot offered (if known) */
  GArray *alternatives; /* ArSchedSlotInfo: TAKEN, open slots earliest first */
} ArSchedAnswer;
void ar_sched_answer_clear(ArSchedAnswer *a);
void ar_sched_slot_info_clear(ArSchedSlotInfo *i);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ArSchedSlotInfo, ar_sched_slot_info_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ArSchedAnswer, ar_sched_answer_clear)

/* Confirm or decline offer_id as patient_id. via is "ws" or "link" (audit detail). FALSE only
 * when the store failed (error set, nothing written); the answer is in out->answer. */
gboolean ar_scheduler_confirm(ArScheduler *s, const char *offer_id, const char *patient_id,
                              const char *via, ArSchedAnswer *out, GError **error);
gboolean ar_scheduler_decline(ArScheduler *s, const char *offer_id, const char *patient_id,
                              const char *via, ArSchedAnswer *out, GError **error);

/* Self-service from the patient's own link: the freed slot is offered to the waiting list. */
gboolean ar_scheduler_cancel_appointment(ArScheduler *s, const char *appointment_id,
                                         const char *patient_id, GError **error);
/* Moves the appointment to a free slot; returns the new appointment id. */
char *ar_scheduler_reschedule(ArScheduler *s, const char *appointment_id, const char *patient_id,
                              const char *slot_id, GError **error);
/* Open slots a patient could move to (future, free), earliest first: GArray of ArSchedSlotInfo. */
GArray *ar_scheduler_open_slots(ArScheduler *s, const char *practitioner_id, guint limit);

typedef struct {
  gint64 start_us, end_us;
  const char *modality;   /* "video" (default) or "in-person" */
  const char *visit_type; /* "general" (default) */
} ArSchedCapacity;
/* Publishes free slots for a practitioner in one transaction: refused whole (nothing written)
 * on a past or inverted time or an overlap with each other or an existing slot. Returns the
 * new slot ids (GPtrArray of char*). */
GPtrArray *ar_scheduler_publish_capacity(ArScheduler *s, const char *practitioner_id,
                                         const ArSchedCapacity *slots, guint n, GError **error);
/* The same, audited as actor (a staff member's practitioner id; the above says "staff"). */
GPtrArray *ar_scheduler_publish_capacity_by(ArScheduler *s, const char *actor,
                                            const char *practitioner_id,
                                            const ArSchedCapacity *slots, guint n, GError **error);

typedef struct {
  const char *patient_id;
  const char *display_name; /* creates the patient when it does not exist yet */
  const char *phone;
  const char *language;
  const char *appointment_id;        /* the appointment they hold now, or NULL */
  const char *practitioner_id;       /* NULL: any clinician */
  const char *visit_type;            /* NULL: "general" */
  gint64 earliest_unix, latest_unix; /* 0: unbounded */
  gint64 min_notice_s;
  gboolean short_notice_ok, in_person_ok;
} ArSchedWaitlistRequest;
char *ar_scheduler_add_waitlist(ArScheduler *s, const ArSchedWaitlistRequest *req, GError **error);

void ar_scheduler_get_metrics(ArScheduler *s, ArOfferMetrics *m);
ArStore *ar_scheduler_store(ArScheduler *s);
/* The one place staff access is decided: a signed-in staff session (the ar_session cookie of
 * POST /api/login, role staff), or "Authorization: Bearer <api_token>" compared in constant time
 * (or ?token= for .ics feeds only). FORBIDDEN: someone known who is not staff (a clinician's
 * session, a patient's or other signed link token). actor (may be NULL) receives who it is for
 * the audit log: the staff member's practitioner id, or "staff" for the bearer token. */
typedef enum {
  AR_SCHED_STAFF_OK,
  AR_SCHED_STAFF_UNAUTHENTICATED,
  AR_SCHED_STAFF_FORBIDDEN,
} ArSchedStaffAccess;
#define AR_SCHED_ACTOR_MAX 64
ArSchedStaffAccess ar_scheduler_staff_access(ArScheduler *s, const ArHttpRequest *req,
                                             char actor[AR_SCHED_ACTOR_MAX]);
gboolean ar_scheduler_staff_authorized(ArScheduler *s, const ArHttpRequest *req);
