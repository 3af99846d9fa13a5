/* FHIR R4 parsing and building: the cardinality rules the JSON schema cannot express, errors
 * that name the element, id mapping between store and wire, and round trips. */
#include "fhir_json.h"

#include <string.h>

static JsonNode *
json(const char *text)
{
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
  return json_node_copy(json_parser_get_root(p));
}

static void
expect_slot_error(const char *text, ArFhirError code, const char *needle)
{
  g_autoptr(JsonNode) n = json(text);
  ArFhirSlot s;
  g_autoptr(GError) error = NULL;
  g_assert_false(ar_fhir_parse_slot(n, &s, &error));
  g_assert_error(error, AR_FHIR_ERROR, (gint)code);
  if (!strstr(error->message, needle))
    g_error("\"%s\" does not mention \"%s\"", error->message, needle);
}

static void
expect_appointment_error(const char *text, ArFhirError code, const char *needle)
{
  g_autoptr(JsonNode) n = json(text);
  ArFhirAppointment a;
  g_autoptr(GError) error = NULL;
  g_assert_false(ar_fhir_parse_appointment(n, &a, &error));
  g_assert_error(error, AR_FHIR_ERROR, (gint)code);
  if (!strstr(error->message, needle))
    g_error("\"%s\" does not mention \"%s\"", error->message, needle);
}

#define SLOT_OK                                                                                    \
  "\"resourceType\":\"Slot\",\"schedule\":{\"reference\":\"Schedule/sch-a\"},"                     \
  "\"start\":\"2026-12-01T10:00:00+01:00\",\"end\":\"2026-12-01T09:20:00Z\""

static void
test_slot(void)
{
  g_autoptr(JsonNode) n = json("{" SLOT_OK ",\"status\":\"free\"}");
  g_auto(ArFhirSlot) s = {0};
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_fhir_parse_slot(n, &s, &error));
  g_assert_cmpstr(s.schedule_id, ==, "sch_a"); /* wire id -> store id */
  g_assert_cmpstr(s.modality, ==, "video");
  g_assert_cmpint(s.end_us - s.start_us, ==, 20 * 60 * G_USEC_PER_SEC); /* zones honoured */
  g_autoptr(JsonNode) back = ar_fhir_slot_to_json(&s);
  g_autofree char *text = json_to_string(back, FALSE);
  g_assert_nonnull(strstr(text, "\"Schedule/sch-a\""));
  g_assert_nonnull(strstr(text, "\"start\":\"2026-12-01T09:00:00Z\""));

  expect_slot_error("{" SLOT_OK "}", AR_FHIR_ERROR_REQUIRED, "Slot.status: required");
  expect_slot_error("{" SLOT_OK ",\"status\":\"open\"}", AR_FHIR_ERROR_VALUE, "\"open\"");
  expect_slot_error(
      "{\"resourceType\":\"Slot\",\"status\":\"free\",\"start\":\"2026-12-01T10:00:00Z\","
      "\"end\":\"2026-12-01T10:20:00Z\"}",
      AR_FHIR_ERROR_REQUIRED, "Slot.schedule");
  expect_slot_error(
      "{\"resourceType\":\"Slot\",\"status\":\"free\",\"schedule\":{\"reference\":"
      "\"Patient/x\"},\"start\":\"2026-12-01T10:00:00Z\",\"end\":\"2026-12-01T10:20:00Z\"}",
      AR_FHIR_ERROR_VALUE, "Schedule/<id>");
  expect_slot_error("{\"resourceType\":\"Slot\",\"status\":\"free\",\"schedule\":{\"reference\":"
                    "\"Schedule/x\"},\"start\":\"2026-12-01\",\"end\":\"2026-12-01T10:20:00Z\"}",
                    AR_FHIR_ERROR_VALUE, "not an instant");
  expect_slot_error(
      "{\"resourceType\":\"Slot\",\"status\":\"free\",\"schedule\":{\"reference\":"
      "\"Schedule/x\"},\"start\":\"2026-12-01T10:20:00Z\",\"end\":\"2026-12-01T10:20:00Z\"}",
      AR_FHIR_ERROR_INVARIANT, "after Slot.start");
  expect_slot_error("{\"resourceType\":\"Appointment\"}", AR_FHIR_ERROR_STRUCTURE, "\"Slot\"");
  expect_slot_error("[]", AR_FHIR_ERROR_STRUCTURE, "JSON object");
}

static void
test_appointment(void)
{
  g_autoptr(JsonNode) n = json(
      "{\"resourceType\":\"Appointment\",\"status\":\"booked\",\"start\":\"2026-12-01T10:00:00Z\","
      "\"end\":\"2026-12-01T10:20:00Z\",\"slot\":[{\"reference\":\"Slot/"
      "slot-1\"}],\"participant\":["
      "{\"actor\":{\"reference\":\"Patient/pat-1\"},\"status\":\"accepted\"},"
      "{\"type\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
      "participant-type\","
      "\"code\":\"translator\"}]}],\"actor\":{\"reference\":\"Practitioner/prac-i\"},"
      "\"status\":\"accepted\"},{\"actor\":{\"reference\":\"RelatedPerson/rp-1\"},\"status\":"
      "\"tentative\"}]}");
  g_auto(ArFhirAppointment) a = {0};
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_fhir_parse_appointment(n, &a, &error));
  g_assert_cmpstr(a.slot_id, ==, "slot_1");
  g_assert_cmpuint(a.participants->len, ==, 3);
  g_assert_cmpstr(g_array_index(a.participants, ArFhirParticipant, 1).kind, ==, "translator");
  g_assert_cmpstr(g_array_index(a.participants, ArFhirParticipant, 2).kind, ==, "caregiver");

  expect_appointment_error("{\"resourceType\":\"Appointment\",\"participant\":[]}",
                           AR_FHIR_ERROR_REQUIRED, "Appointment.status: required");
  expect_appointment_error("{\"resourceType\":\"Appointment\",\"status\":\"proposed\"}",
                           AR_FHIR_ERROR_REQUIRED, "participant: required (1..*)");
  expect_appointment_error("{\"resourceType\":\"Appointment\",\"status\":\"proposed\","
                           "\"participant\":[{\"actor\":{\"reference\":\"Patient/p\"}}]}",
                           AR_FHIR_ERROR_REQUIRED, "participant[0].status");
  expect_appointment_error("{\"resourceType\":\"Appointment\",\"status\":\"booked\","
                           "\"start\":\"2026-12-01T10:00:00Z\",\"participant\":[]}",
                           AR_FHIR_ERROR_INVARIANT, "app-2");
  expect_appointment_error("{\"resourceType\":\"Appointment\",\"status\":\"booked\","
                           "\"participant\":[{\"actor\":{\"reference\":\"Patient/p\"},"
                           "\"status\":\"accepted\"}]}",
                           AR_FHIR_ERROR_INVARIANT, "app-3");
  expect_appointment_error("{\"resourceType\":\"Appointment\",\"status\":\"proposed\","
                           "\"participant\":[{\"actor\":{\"reference\":\"Practitioner/p\"},"
                           "\"status\":\"accepted\"}]}",
                           AR_FHIR_ERROR_REQUIRED, "must be the Patient");
}

/* A walk-in is said in HL7's appointment-reason codes beside anteroom's visit type, both ways. */
static void
test_appointment_walk_in(void)
{
  g_autoptr(JsonNode) n = json(
      "{\"resourceType\":\"Appointment\",\"status\":\"arrived\",\"start\":\"2026-12-01T10:00:00Z\","
      "\"end\":\"2026-12-01T10:20:00Z\",\"appointmentType\":{\"coding\":["
      "{\"system\":\"urn:anteroom:visit-type\",\"code\":\"follow-up\"},"
      "{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0276\",\"code\":\"WALKIN\"}]},"
      "\"participant\":[{\"actor\":{\"reference\":\"Patient/pat-1\"},\"status\":\"accepted\"}]}");
  g_auto(ArFhirAppointment) a = {0};
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_fhir_parse_appointment(n, &a, &error));
  g_assert_true(a.walk_in);
  g_assert_cmpstr(a.visit_type, ==, "follow-up");

  g_autoptr(JsonNode) out = ar_fhir_appointment_to_json(&a);
  g_autofree char *text = json_to_string(out, FALSE);
  g_assert_nonnull(
      strstr(text, "\"code\":\"follow-up\"},{\"system\":"
                   "\"http://terminology.hl7.org/CodeSystem/v2-0276\",\"code\":\"WALKIN\"}"));

  a.walk_in = FALSE;
  g_autoptr(JsonNode) booked = ar_fhir_appointment_to_json(&a);
  g_autofree char *booked_text = json_to_string(booked, FALSE);
  g_assert_null(strstr(booked_text, "WALKIN"));
}

static void
test_ids(void)
{
  g_autofree char *a = ar_fhir_id_from_store("sch__okafor");
  g_autofree char *b = ar_fhir_id_to_store(a);
  g_assert_cmpstr(a, ==, "sch--okafor");
  g_assert_cmpstr(b, ==, "sch__okafor");
  g_autofree char *r1 = ar_fhir_reference_id("https://h/fhir/Slot/slot-9", "Slot");
  g_assert_cmpstr(r1, ==, "slot_9");
  g_autofree char *r2 = ar_fhir_reference_id("Schedule/slot-9", "Slot");
  g_assert_null(r2);
  g_autofree char *r3 = ar_fhir_reference_id("Slot/a b", "Slot");
  g_assert_null(r3);
  g_autofree char *r4 = ar_fhir_reference_id("XSlot/a", "Slot");
  g_assert_null(r4);
}

static void
test_outcome(void)
{
  g_autoptr(GError) e =
      g_error_new_literal(AR_FHIR_ERROR, AR_FHIR_ERROR_CONFLICT, "Slot: overlaps");
  g_assert_cmpint(ar_fhir_http_status(e), ==, 409);
  g_autofree char *text = ar_fhir_to_string(ar_fhir_outcome(e, "Slot.start"));
  g_assert_cmpstr(text, ==,
                  "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                  "\"code\":\"conflict\",\"diagnostics\":\"Slot: overlaps\",\"expression\":"
                  "[\"Slot.start\"]}]}");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fhir/slot", test_slot);
  g_test_add_func("/fhir/appointment", test_appointment);
  g_test_add_func("/fhir/appointment-walk-in", test_appointment_walk_in);
  g_test_add_func("/fhir/ids", test_ids);
  g_test_add_func("/fhir/outcome", test_outcome);
  return g_test_run();
}
