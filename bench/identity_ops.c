/* Costs of the identity and waiting-room operations the signaling thread runs per request:
 * token sign/verify (every join), TURN credentials (every join), password hash/verify (every
 * clinician login) and a queue recompute (every waiting-room change). Prints one line each. */
#include "password.h"
#include "queue_model.h"
#include "token.h"
#include "turn_credentials.h"

#include <stdio.h>
#include <string.h>

#define NOW 1717228800

static void
report(const char *what, gint64 t0, int n)
{
  double us = (double)(g_get_monotonic_time() - t0) / n;
  printf("%-34s %10.2f us/op %12.0f op/s\n", what, us, 1e6 / us);
}

int
main(void)
{
  g_autoptr(ArTokenKeyring) kr = ar_token_keyring_new_ephemeral();
  ArTokenClaims c;
  ar_token_claims_init(&c, AR_TOKEN_ROLE_PATIENT, "appt-0001", "pt-0001", NOW, 3600, 0);
  const int n = 20000;

  gint64 t0 = g_get_monotonic_time();
  for (int i = 0; i < n; i++)
    g_free(ar_token_sign(kr, &c, NULL));
  report("token sign", t0, n);

  g_autofree char *tok = ar_token_sign(kr, &c, NULL);
  t0 = g_get_monotonic_time();
  for (int i = 0; i < n; i++)
    if (!ar_token_verify(kr, tok, NOW, NULL, NULL))
      return 1;
  report("token verify (valid)", t0, n);

  g_autofree char *bad = g_strdup(tok);
  gsize at = strlen(bad) - 10; /* inside the signature: a real HMAC mismatch */
  bad[at] = bad[at] == 'A' ? 'B' : 'A';
  t0 = g_get_monotonic_time();
  for (int i = 0; i < n; i++) {
    GError *e = NULL;
    ar_token_verify(kr, bad, NOW, NULL, &e);
    if (!g_error_matches(e, AR_TOKEN_ERROR, AR_TOKEN_ERROR_BAD_SIGNATURE))
      return 1;
    g_clear_error(&e);
  }
  report("token verify (bad signature)", t0, n);

  t0 = g_get_monotonic_time();
  for (int i = 0; i < n; i++) {
    char *u, *p;
    ar_turn_credentials_make("turn-secret", "pt-0001", 3600, NOW, &u, &p, NULL);
    g_free(u);
    g_free(p);
  }
  report("TURN credentials", t0, n);

  const int np = 5;
  g_autofree char *h = NULL;
  t0 = g_get_monotonic_time();
  for (int i = 0; i < np; i++) {
    g_free(h);
    h = ar_password_hash("correct horse battery staple", NULL);
  }
  report("password hash (scrypt 2^15,8,1)", t0, np);
  t0 = g_get_monotonic_time();
  for (int i = 0; i < np; i++)
    if (!ar_password_verify(h, "correct horse battery staple"))
      return 1;
  report("password verify", t0, np);

  /* A full clinic day: 40 booked, half done, one in visit, the rest waiting or expected, plus
   * walk-ins; learned durations for two visit types. */
  ArQueueAppointment a[46] = {0};
  for (int i = 0; i < 40; i++) {
    a[i].scheduled_start = NOW + 8 * 3600 + i * 15 * 60;
    a[i].visit_type = i % 2;
    a[i].state = i < 20    ? AR_QUEUE_STATE_DONE
                 : i == 20 ? AR_QUEUE_STATE_IN_VISIT
                 : i < 30  ? AR_QUEUE_STATE_READY
                           : AR_QUEUE_STATE_NOT_ARRIVED;
    a[i].started_at = i <= 20 ? a[i].scheduled_start + 600 : 0;
  }
  for (int i = 40; i < 46; i++)
    a[i] = (ArQueueAppointment){
        .walk_in = TRUE, .state = AR_QUEUE_STATE_READY, .arrived_at = NOW + 12 * 3600 + i * 60};
  ArDurationStats st[2];
  for (int t = 0; t < 2; t++) {
    ar_queue_model_duration_init(&st[t], 0);
    for (int i = 0; i < AR_QUEUE_DURATION_RING; i++)
      ar_queue_model_duration_add(&st[t], 600 + 37 * i + 300 * t);
  }
  ArQueueInput in = {.appointments = a, .n_appointments = 46, .durations = st, .n_durations = 2};
  ArQueueResult r = {0};
  ar_queue_model_result_init(&r, 46);
  t0 = g_get_monotonic_time();
  for (int i = 0; i < n; i++)
    ar_queue_model_compute(&in, NOW + 13 * 3600, &r);
  report("queue recompute (46 appointments)", t0, n);
  ar_queue_model_result_clear(&r);
  return 0;
}
