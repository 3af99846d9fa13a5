/* Fuzzes the FHIR R4 parsers (Slot, Appointment) with arbitrary bytes as the JSON body. An
 * accepted resource must satisfy the rules the parser promises (status set, end after start,
 * a patient participant) and survive a round trip: built back to JSON and parsed again, it
 * gives the same values. */
#include "fhir_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static JsonNode *
parse(const uint8_t *data, size_t size)
{
  JsonParser *p = json_parser_new();
  JsonNode *root = NULL;
  if (json_parser_load_from_data(p, (const char *)data, (gssize)size, NULL) &&
      json_parser_get_root(p))
    root = json_node_copy(json_parser_get_root(p));
  g_object_unref(p);
  return root;
}

static void
check_slot(JsonNode *root)
{
  ArFhirSlot s, again;
  GError *error = NULL;
  if (!ar_fhir_parse_slot(root, &s, &error)) {
    if (!error || !error->message[0])
      abort();
    g_error_free(error);
    return;
  }
  if (!s.status || !s.schedule_id || s.end_us <= s.start_us)
    abort();
  JsonNode *out = ar_fhir_slot_to_json(&s);
  if (!ar_fhir_parse_slot(out, &again, NULL) || g_strcmp0(s.status, again.status) != 0 ||
      g_strcmp0(s.schedule_id, again.schedule_id) != 0 ||
      s.start_us / G_USEC_PER_SEC != again.start_us / G_USEC_PER_SEC)
    abort();
  json_node_unref(out);
  ar_fhir_slot_clear(&again);
  ar_fhir_slot_clear(&s);
}

static void
check_appointment(JsonNode *root)
{
  ArFhirAppointment a, again;
  GError *error = NULL;
  if (!ar_fhir_parse_appointment(root, &a, &error)) {
    if (!error || !error->message[0])
      abort();
    g_error_free(error);
    return;
  }
  if (!a.status || !a.participants || a.participants->len == 0 ||
      (a.start_us && a.end_us <= a.start_us))
    abort();
  JsonNode *out = ar_fhir_appointment_to_json(&a);
  if (!ar_fhir_parse_appointment(out, &again, NULL) || g_strcmp0(a.status, again.status) != 0 ||
      again.participants->len != a.participants->len || g_strcmp0(a.slot_id, again.slot_id) != 0)
    abort();
  json_node_unref(out);
  ar_fhir_appointment_clear(&again);
  ar_fhir_appointment_clear(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 65536)
    return 0;
  JsonNode *root = parse(data, size);
  if (!root)
    return 0;
  check_slot(root);
  check_appointment(root);
  json_node_unref(root);
  return 0;
}
