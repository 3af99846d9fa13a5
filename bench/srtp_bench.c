/* SRTP cost per packet: stock libsrtp2 types (NSS on Debian) against anteroom's OpenSSL-backed
 * types, in the same run. Stock sessions are created before ar_srtp_openssl_install(), OpenSSL
 * ones after (libsrtp binds a session to the types registered when it is created). Both go
 * through ArSrtpSession, the path the transport uses. Thread CPU time, median of RUNS runs of
 * N packets each; stock and OpenSSL runs alternate so machine load hits both alike.
 *
 *   build/bench/srtp_bench [packets-per-run]     (default 100000) prints a markdown table */
#include "srtp.h"
#include "srtp_openssl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"

#define RUNS 5
#define BATCH 1000
#define STRIDE 1280 /* bytes per packet slot: 12 header + 1200 payload + tag, 4-byte aligned */

typedef struct {
  ArSrtpSession *tx; /* client side: protects */
  ArSrtpSession *rx; /* server side: unprotects what tx protected */
  guint16 seq;
} Pair;

static gint64
thread_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static Pair
pair_new(ArSrtpProfile profile)
{
  guint8 km[64];
  for (gsize i = 0; i < sizeof km; i++)
    km[i] = (guint8)(i * 37 + 11);
  g_autoptr(GError) error = NULL;
  gsize len = ar_srtp_profile_keying_material_len(profile);
  Pair p = {ar_srtp_session_new(profile, km, len, TRUE, &error), NULL, 1};
  if (p.tx != NULL)
    p.rx = ar_srtp_session_new(profile, km, len, FALSE, &error);
  if (p.rx == NULL) {
    fprintf(stderr, "srtp_bench: %s\n", error->message);
    exit(1);
  }
  return p;
}

static void
fill_batch(Pair *p, guint8 *slots, gsize *lens, gsize payload)
{
  for (int i = 0; i < BATCH; i++) {
    guint8 *b = slots + (gsize)i * STRIDE;
    b[0] = 0x80;
    b[1] = 96;
    ar_put_be16(b + 2, p->seq++);
    ar_put_be32(b + 4, 90000);
    ar_put_be32(b + 8, 0xbe11c0de);
    memset(b + 12, 0xa5, payload);
    lens[i] = 12 + payload;
  }
}

static void
protect_batch(Pair *p, guint8 *slots, gsize *lens)
{
  for (int i = 0; i < BATCH; i++)
    if (ar_srtp_protect_rtp(p->tx, slots + (gsize)i * STRIDE, &lens[i], STRIDE) != 0)
      g_error("protect failed");
}

static void
unprotect_batch(Pair *p, guint8 *slots, gsize *lens)
{
  for (int i = 0; i < BATCH; i++)
    if (ar_srtp_unprotect_rtp(p->rx, slots + (gsize)i * STRIDE, &lens[i]) != 0)
      g_error("unprotect failed");
}

/* ns per packet over n packets; only the measured operation is timed. */
static double
measure(Pair *p, gboolean unprotect, gsize payload, guint n, guint8 *slots, gsize *lens)
{
  gint64 total = 0;
  for (guint done = 0; done < n; done += BATCH) {
    fill_batch(p, slots, lens, payload);
    if (unprotect)
      protect_batch(p, slots, lens);
    gint64 t0 = thread_ns();
    if (unprotect)
      unprotect_batch(p, slots, lens);
    else
      protect_batch(p, slots, lens);
    total += thread_ns() - t0;
    if (unprotect && lens[0] != 12 + payload)
      g_error("unprotect returned the wrong length");
  }
  return (double)total / n;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
median(double *v)
{
  qsort(v, RUNS, sizeof *v, cmp_double);
  return v[RUNS / 2];
}

int
main(int argc, char **argv)
{
  guint n = argc > 1 ? (guint)strtoul(argv[1], NULL, 10) : 100000;
  n = MAX(BATCH, n / BATCH * BATCH);
  g_autoptr(GError) error = NULL;
  if (!ar_srtp_init(&error))
    g_error("%s", error->message);

  const ArSrtpProfile profiles[2] = {AR_SRTP_AES128_CM_SHA1_80, AR_SRTP_AEAD_AES_128_GCM};
  const char *names[2] = {"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"};
  const gsize payloads[2] = {100, 1200};
  /* [profile][op]: the unprotect pair's receiver sees every packet its sender protected, in
   * order, so the rollover counters stay in step; the protect pair's receiver sees none. */
  Pair stock[2][2], ossl[2][2];
  for (int i = 0; i < 4; i++)
    stock[i / 2][i % 2] = pair_new(profiles[i / 2]);
  if (!ar_srtp_openssl_install(&error))
    g_error("%s", error->message);
  for (int i = 0; i < 4; i++)
    ossl[i / 2][i % 2] = pair_new(profiles[i / 2]);

  guint8 *slots = g_aligned_alloc(BATCH, STRIDE, 64);
  gsize lens[BATCH];
  printf("libsrtp %s, %u packets per run, median of %d runs, thread CPU time\n\n",
         srtp_get_version_string(), n, RUNS);
  printf("| profile | payload | op | stock (NSS) ns | OpenSSL types ns | speed-up |\n");
  printf("|---|---:|---|---:|---:|---:|\n");
  for (int pi = 0; pi < 2; pi++) {
    for (int si = 0; si < 2; si++) {
      for (int op = 0; op < 2; op++) {
        double s[RUNS], o[RUNS];
        for (int r = 0; r < RUNS; r++) {
          s[r] = measure(&stock[pi][op], op, payloads[si], n, slots, lens);
          o[r] = measure(&ossl[pi][op], op, payloads[si], n, slots, lens);
        }
        double ms = median(s), mo = median(o);
        printf("| %s | %" G_GSIZE_FORMAT " B | %s | %.0f | %.0f | %.1f× |\n", names[pi],
               payloads[si], op ? "unprotect" : "protect", ms, mo, ms / mo);
        fflush(stdout);
      }
    }
  }
  g_aligned_free(slots);
  for (int i = 0; i < 4; i++) {
    ar_srtp_session_free(stock[i / 2][i % 2].tx);
    ar_srtp_session_free(stock[i / 2][i % 2].rx);
    ar_srtp_session_free(ossl[i / 2][i % 2].tx);
    ar_srtp_session_free(ossl[i / 2][i % 2].rx);
  }
  srtp_shutdown();
  return 0;
}
