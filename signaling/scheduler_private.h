/* Shared by scheduler.c (engine shell, persistence), scheduler_book.c (transactions that book
 * and free slots), scheduler_http.c (REST) and scheduler_ws.c (WebSocket requests). */
#pragma once
#include "outbox.h"
#include "scheduler.h"

#include <json-glib/json-glib.h>

struct ArScheduler {
  ArStore *store;
  const ArTokenKeyring *keys;
  char *public_url;
  char *api_token;
  struct ArAccounts *accounts;
  ArOfferPolicy policy;
  ArOfferEngine *engine;
  guint64 first_offer_num; /* offers numbered below this came from an earlier run */
  struct ArSignaling *signaling;
  ArOutbox *outbox;
  guint timer;
  gint64 timer_at_us;
  guint rebuild_source; /* idle that rebuilds engine state from the store, 0 once done */
};

#define AR_SCHED_LIVE_STATUSES "('proposed','pending','booked','arrived','checked-in','fulfilled')"

/* Engine number for a text id of a kind ("slot", "patient", "practitioner", "visit_type"),
 * made on first use; 0 on store failure. */
guint64 ar_sched_num(ArScheduler *s, const char *kind, const char *text_id);
/* The text id for an engine number, or NULL. */
char *ar_sched_text(ArScheduler *s, const char *kind, guint64 num);

/* Loads slot_id into an engine slot; FALSE when it does not exist. */
gboolean ar_sched_engine_slot(ArScheduler *s, const char *slot_id, ArOfferReason reason,
                              ArOfferSlot *out);
/* Opens slot_id in the engine (logs why not), then persists and delivers the outputs. */
void ar_sched_open_in_engine(ArScheduler *s, const char *slot_id, ArOfferReason reason);
/* Persists and delivers every pending engine output and re-arms the timer. */
void ar_sched_drain(ArScheduler *s);
gboolean ar_sched_slot_info(ArScheduler *s, const char *slot_id, ArSchedSlotInfo *out);
void ar_sched_fail(GError **error, ArSchedulerError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* AppointmentResponse for an offer (accepted, declined, needs-action). */
gboolean ar_sched_record_response(ArScheduler *s, const char *offer_id, const char *actor,
                                  const char *status, const char *comment, gint64 now,
                                  GError **error);
const char *ar_sched_reason_name(ArOfferReason r);
ArOfferReason ar_sched_reason_from_name(const char *name);

/* The practitioner's active schedule, made if missing (call inside a transaction). */
char *ar_sched_schedule_for(ArScheduler *s, const char *practitioner_id, GError **error);

/* scheduler_ws.c: push an event (taken; NULL only asks) to the patient's joined sessions;
 * FALSE if there are none. */
gboolean ar_sched_push_live(ArScheduler *s, const char *patient_id, char *json);
void ar_sched_slot_json(JsonBuilder *b, const ArSchedSlotInfo *i);
void ar_sched_slots_json(JsonBuilder *b, const char *name, GArray *slots);
const char *ar_sched_answer_message(ArOfferAnswer a);

/* scheduler_http.c: ISO 8601 (with zone) or Unix seconds member. */
gboolean ar_sched_parse_time(JsonObject *o, const char *name, gint64 *us);

/* scheduler_http.c: HTTP replies of the scheduling API: a JSON object begun by
 * ar_sched_json_object(), finished and sent (no-store); errors are {"error": code, "message":
 * text}. */
JsonBuilder *ar_sched_json_object(void);
void ar_sched_reply_object(ArHttpResponse *resp, int status, JsonBuilder *b);
void ar_sched_reply_error(ArHttpResponse *resp, int status, const char *code, const char *message);

/* scheduler_stats_http.c: GET /api/scheduling/metrics and /api/scheduling/board. */
void ar_sched_http_metrics(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp);
void ar_sched_http_board(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp);

/* fhir.c */
void ar_fhir_register_routes(ArScheduler *s, ArHttpServer *http);
