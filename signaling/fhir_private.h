/* Shared by fhir.c (REST interactions) and fhir_bundle.c (transaction Bundles). */
#pragma once
#include "fhir_json.h"
#include "scheduler_private.h"

typedef enum { AR_FHIR_AFTER_OPEN, AR_FHIR_AFTER_CLOSE, AR_FHIR_AFTER_NOSHOW } ArFhirAfterKind;
typedef struct {
  ArFhirAfterKind kind;
  char *slot_id;
  ArOfferReason reason;
} ArFhirAfter;

/* One write transaction: the engine calls it implies, run once it has committed. */
typedef struct {
  ArScheduler *s;
  GArray *after; /* ArFhirAfter */
  gint64 now;    /* Unix seconds */
} ArFhirTx;

gboolean ar_fhir_fail(GError **error, ArFhirError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void ar_fhir_reply(ArHttpResponse *resp, int status, JsonNode *node); /* takes node */
void ar_fhir_reply_error(ArHttpResponse *resp, const GError *error);
void ar_fhir_after_clear(gpointer p);
void ar_fhir_run_after(ArFhirTx *tx);
/* Parses, validates and writes one Slot or Appointment (id NULL: create) inside the caller's
 * transaction, with its audit event; returns the id. */
char *ar_fhir_write_resource(ArFhirTx *tx, const char *type, JsonNode *body, const char *id,
                             gboolean *created, GError **error);
/* The request body as JSON (a copy to own), or NULL with AR_FHIR_ERROR_STRUCTURE. */
JsonNode *ar_fhir_parse_body(const ArHttpRequest *req, GError **error);
void ar_fhir_post_bundle(ArScheduler *s, const ArHttpRequest *req, ArHttpResponse *resp);
