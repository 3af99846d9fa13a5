/* FHIR R4 JSON for the resources anteroom serves (Slot, Appointment, Practitioner, Schedule,
 * OperationOutcome): building them from plain structs and parsing and validating Slot and
 * Appointment, including the cardinality rules the official JSON schema cannot express
 * (status 1..1, participant 1..*, start/end together; see notes/calendars.md). No I/O: fhir.c
 * does the store and HTTP. Errors name the element ("Slot.status: ...") for OperationOutcome. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>

#define AR_FHIR_ERROR (ar_fhir_error_quark())
GQuark ar_fhir_error_quark(void);
typedef enum {
  AR_FHIR_ERROR_STRUCTURE,     /* not JSON, wrong resourceType, wrong JSON type: "structure" */
  AR_FHIR_ERROR_REQUIRED,      /* a 1..1 / 1..* element is missing: "required" */
  AR_FHIR_ERROR_VALUE,         /* a code or date that is not allowed: "value" */
  AR_FHIR_ERROR_INVARIANT,     /* a rule across elements (start < end, app-2, app-3) */
  AR_FHIR_ERROR_NOT_FOUND,     /* a referenced or requested resource does not exist */
  AR_FHIR_ERROR_CONFLICT,      /* overlapping slots, slot already booked, version clash */
  AR_FHIR_ERROR_NOT_SUPPORTED, /* resource type, interaction or search parameter */
  AR_FHIR_ERROR_FORBIDDEN,     /* no or wrong credentials: "security" */
  AR_FHIR_ERROR_PROCESSING,    /* the store failed */
} ArFhirError;

typedef struct {
  char *id;
  char *schedule_id;
  char *status; /* free | busy | busy-unavailable | busy-tentative | entered-in-error */
  gint64 start_us, end_us;
  char *modality;   /* video | in-person */
  char *visit_type; /* appointmentType code, "general" by default */
} ArFhirSlot;

typedef struct {
  char *kind;     /* patient | practitioner | translator | caregiver */
  char *actor_id; /* id without the resource type */
  char *status;   /* accepted | declined | tentative | needs-action */
} ArFhirParticipant;

typedef struct {
  char *id;
  char *status;
  gint64 start_us, end_us; /* 0 when absent (proposed, cancelled, waitlist only) */
  gint64 created_us;
  char *slot_id; /* NULL: no slot */
  char *visit_type;
  char *modality;
  gboolean walk_in; /* appointmentType also carries HL7 v2-0276 WALKIN (no slot, seen in line) */
  GArray *participants; /* ArFhirParticipant */
} ArFhirAppointment;

void ar_fhir_slot_clear(ArFhirSlot *s);
void ar_fhir_appointment_clear(ArFhirAppointment *a);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ArFhirSlot, ar_fhir_slot_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ArFhirAppointment, ar_fhir_appointment_clear)

/* Parse and validate; on error nothing in out needs freeing beyond the clear function. */
gboolean ar_fhir_parse_slot(JsonNode *node, ArFhirSlot *out, GError **error);
gboolean ar_fhir_parse_appointment(JsonNode *node, ArFhirAppointment *out, GError **error);

/* FHIR ids are [A-Za-z0-9-.]{1,64}; store ids use '_' (and never '-'): "slot_3f9a" is
 * "slot-3f9a" on the wire. The mapping is one-to-one both ways. */
char *ar_fhir_id_from_store(const char *store_id);
char *ar_fhir_id_to_store(const char *fhir_id);
/* "Slot/slot-abc" -> "slot_abc" (the store id) when the type matches (or the reference is a bare
 * id); NULL otherwise. */
char *ar_fhir_reference_id(const char *reference, const char *type);
/* instant ("2026-11-23T10:00:00Z", zone required) -> UTC microseconds; FALSE if unreadable. */
gboolean ar_fhir_parse_instant(const char *text, gint64 *us);
char *ar_fhir_format_instant(gint64 us);

JsonNode *ar_fhir_slot_to_json(const ArFhirSlot *s);
JsonNode *ar_fhir_appointment_to_json(const ArFhirAppointment *a);
JsonNode *ar_fhir_practitioner_to_json(const char *id, const char *name, gboolean active,
                                       const char *role);
JsonNode *ar_fhir_schedule_to_json(const char *id, const char *practitioner_id, gboolean active);
/* searchset Bundle of the given resources (takes them). */
JsonNode *ar_fhir_searchset(GPtrArray *resources, const char *base_url);

/* OperationOutcome for an error (any domain; AR_FHIR_ERROR codes pick the issue code). */
JsonNode *ar_fhir_outcome(const GError *error, const char *expression);
/* HTTP status for an error. */
int ar_fhir_http_status(const GError *error);

char *ar_fhir_to_string(JsonNode *node); /* takes node */
