/* The demo clinic behind `anteroom --demo`: two clinicians, an interpreter and a scheduler with
 * accounts, a day of appointments around now, and a waiting list of patients booked weeks out,
 * all written to a fresh SQLite store. Returns the links to open as a patient, a clinician, an
 * interpreter and a caregiver. The people are invented; their names and phone numbers exist
 * so the privacy tests can prove they never reach a log. */
#pragma once
#include "store.h"
#include "token.h"

typedef struct {
  char *patient;
  char *clinician;
  char *interpreter;
  char *caregiver;
  char *clinician_login;
  char *clinician_password;
  char *appointment_id;
  /* The patient the demo peer plays (pat_demo01, Dr. Okafor's appointment under way now, or
   * the one after the patient link's): a bare link token and its appointment. */
  char *waiting_token;
  char *waiting_appointment_id;
} ArDemoLinks;

gboolean ar_demo_seed(ArStore *store, const ArTokenKeyring *keys, const char *public_url,
                      gint64 now_unix, ArDemoLinks *links, GError **error);
void ar_demo_links_clear(ArDemoLinks *links);
