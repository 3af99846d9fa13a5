/* Offer engine policy defaults and the names of its answers and outputs (for logs, metrics
 * labels and FHIR AppointmentResponse.participantStatus). The engine itself is offer_engine.c. */
#include "offer_engine.h"

#include <string.h>

#define MINUTE_US ((gint64)60 * G_USEC_PER_SEC)
#define HOUR_US (60 * MINUTE_US)
#define DAY_US (24 * HOUR_US)

void
ar_offer_policy_init_default(ArOfferPolicy *p)
{
  memset(p, 0, sizeof(*p));
  /* Growing waves: far out there is time to ask one by one (few wasted yeses); close in, the
   * remaining time only allows a few rounds, so ask many at once (notes: fills like ten at a
   * time with fewer wasted yeses). */
  const ArOfferWaveStep steps[] = {
      {G_MAXINT64, 1}, {3 * DAY_US, 2}, {DAY_US, 3}, {8 * HOUR_US, 5}, {2 * HOUR_US, 10},
  };
  memcpy(p->waves, steps, sizeof(steps));
  p->n_waves = G_N_ELEMENTS(steps);
  p->max_offers_per_slot = 0;
  p->max_pending_per_patient = 1;
  p->same_day_within_us = 12 * HOUR_US;
  p->expiry_same_day_us = 20 * MINUTE_US;
  p->expiry_later_us = 4 * HOUR_US;
  p->expiry_live_us = 5 * MINUTE_US;
  p->online_only_within_us = 30 * MINUTE_US;
  p->short_notice_within_us = DAY_US;
  p->min_notice_us = 30 * MINUTE_US;
  p->live_min_notice_us = 2 * MINUTE_US;
  p->min_answer_us = 2 * MINUTE_US;
  p->offer_next_on_taken = TRUE;
  p->forget_after_us = 48 * HOUR_US;
  p->first_offer_id = 1;
}

void
ar_offer_policy_init_fixed(ArOfferPolicy *p, guint k)
{
  ar_offer_policy_init_default(p);
  p->waves[0].within_us = G_MAXINT64;
  p->waves[0].size = k;
  p->n_waves = 1;
}

const char *
ar_offer_answer_to_string(ArOfferAnswer a)
{
  switch (a) {
  case AR_OFFER_WON:
    return "won";
  case AR_OFFER_RECORDED:
    return "recorded";
  case AR_OFFER_TAKEN:
    return "taken";
  case AR_OFFER_EXPIRED:
    return "expired";
  case AR_OFFER_UNKNOWN:
    return "unknown";
  case AR_OFFER_NOT_YOURS:
    return "not-yours";
  }
  return "?";
}

const char *
ar_offer_output_kind_to_string(ArOfferOutputKind k)
{
  switch (k) {
  case AR_OFFER_OUT_SEND_OFFER:
    return "send-offer";
  case AR_OFFER_OUT_WITHDRAWN:
    return "withdrawn";
  case AR_OFFER_OUT_BOOKED:
    return "booked";
  case AR_OFFER_OUT_EXPIRED:
    return "expired";
  case AR_OFFER_OUT_DECLINED:
    return "declined";
  case AR_OFFER_OUT_SLOT_UNFILLED:
    return "slot-unfilled";
  }
  return "?";
}

const char *
ar_offer_output_fhir_status(ArOfferOutputKind k)
{
  switch (k) {
  case AR_OFFER_OUT_BOOKED:
    return "accepted";
  case AR_OFFER_OUT_DECLINED:
    return "declined";
  case AR_OFFER_OUT_EXPIRED:
  case AR_OFFER_OUT_SEND_OFFER:
  case AR_OFFER_OUT_WITHDRAWN:
    return "needs-action";
  case AR_OFFER_OUT_SLOT_UNFILLED:
    return NULL;
  }
  return NULL;
}
