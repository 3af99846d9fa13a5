/* mint_links: link tokens for benchmark visits, made the way the scheduler makes them. It opens
 * a server's own state directory (token keyring and SQLite store, after `anteroom --demo` has
 * seeded the clinic), books N appointments ap_bench_0000.. for a demo patient and clinician, and
 * prints one patient token per appointment, one per line. The server is not changed: every
 * visit the load generator opens is joined through the ordinary `join` request.
 *
 * Usage: mint_links STATE_DIR DB_PATH N */
#include <stdio.h>
#include <stdlib.h>

#include "store.h"
#include "token.h"

static gboolean
book(ArStore *store, const char *id, gint64 now, GError **error)
{
  sqlite3_stmt *st = ar_store_prepare(
      store,
      "INSERT OR IGNORE INTO appointment (id, patient_id, practitioner_id, slot_id, status,"
      " start_ts, end_ts, created_at) VALUES (?, 'pat_demo00', 'prac_okafor', NULL, 'booked',"
      " ?, ?, ?)",
      error);
  if (!st)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now);
  sqlite3_bind_int64(st, 3, now + 4 * 3600);
  sqlite3_bind_int64(st, 4, now);
  return ar_store_step_done(store, st, error);
}

int
main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: mint_links STATE_DIR DB_PATH N\n");
    return 2;
  }
  int n = atoi(argv[3]);
  g_autoptr(GError) error = NULL;
  g_autofree char *keys_path = g_build_filename(argv[1], "token-keys", NULL);
  g_autoptr(ArTokenKeyring) kr = ar_token_keyring_load_or_create(keys_path, &error);
  g_autoptr(ArStore) store = kr ? ar_store_open(argv[2], &error) : NULL;
  if (!store) {
    fprintf(stderr, "mint_links: %s\n", error->message);
    return 1;
  }
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  if (!ar_store_exec(store, "BEGIN", &error))
    goto fail;
  for (int i = 0; i < n; i++) {
    char id[32];
    g_snprintf(id, sizeof id, "ap_bench_%04d", i);
    if (!book(store, id, now, &error))
      goto fail;
  }
  if (!ar_store_exec(store, "COMMIT", &error))
    goto fail;
  for (int i = 0; i < n; i++) {
    char id[32];
    g_snprintf(id, sizeof id, "ap_bench_%04d", i);
    ArTokenClaims c;
    if (!ar_token_claims_init(&c, AR_TOKEN_ROLE_PATIENT, id, "pat_demo00", now, 24 * 3600, 0)) {
      fprintf(stderr, "mint_links: claims refused\n");
      return 1;
    }
    g_autofree char *tok = ar_token_sign(kr, &c, &error);
    if (!tok)
      goto fail;
    printf("%s\n", tok);
  }
  return 0;
fail:
  fprintf(stderr, "mint_links: %s\n", error->message);
  return 1;
}
