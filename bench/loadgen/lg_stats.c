/* Accounting for the load generator; see lg_stats.h. */
#include "lg_stats.h"

#include <math.h>
#include <time.h>

#include "bytes.h"

gint64
lg_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* u64 send_ns | u32 stream | u32 seq, big-endian, ending exactly at `end` (the end of the RTP
 * payload, so the router's rewrites of the header and the VP8 descriptor never touch it). */
void
lg_trailer_write(guint8 *end, gint64 send_ns, guint32 stream, guint32 seq)
{
  guint8 *p = end - LG_TRAILER_LEN;
  ar_put_be32(p, (guint32)((guint64)send_ns >> 32));
  ar_put_be32(p + 4, (guint32)send_ns);
  ar_put_be32(p + 8, stream);
  ar_put_be32(p + 12, seq);
}

gboolean
lg_trailer_read(const guint8 *end, gint64 *send_ns, guint32 *stream, guint32 *seq)
{
  const guint8 *p = end - LG_TRAILER_LEN;
  *send_ns = (gint64)(((guint64)ar_be32(p) << 32) | ar_be32(p + 4));
  *stream = ar_be32(p + 8);
  *seq = ar_be32(p + 12);
  return *send_ns > 0;
}

static gsize
n_pairs(const LgStats *s)
{
  return (gsize)s->n_receivers * 2 * s->party;
}

LgStats *
lg_stats_new(guint participants, guint party)
{
  LgStats *s = g_new0(LgStats, 1);
  s->n_streams = 2 * participants;
  s->n_receivers = participants;
  s->party = party;
  s->fanout = party == 1 ? 1 : party - 1;
  s->win_start_ns = G_MAXINT64;
  s->win_end_ns = G_MAXINT64;
  s->sent = g_new0(guint64, s->n_streams);
  s->received = g_new0(guint64, s->n_streams);
  s->hist = g_new0(guint32, LG_HIST_BUCKETS);
  s->prev_transit = g_new0(gint64, n_pairs(s));
  s->jitter_ns = g_new0(double, n_pairs(s));
  s->seen = g_new0(guint32, n_pairs(s) * LG_SEQ_SLOTS);
  return s;
}

void
lg_stats_free(LgStats *s)
{
  if (!s)
    return;
  g_free(s->sent);
  g_free(s->received);
  g_free(s->hist);
  g_free(s->prev_transit);
  g_free(s->jitter_ns);
  g_free(s->seen);
  g_free(s);
}

static gboolean
in_window(const LgStats *s, gint64 t)
{
  return t >= s->win_start_ns && t < s->win_end_ns;
}

void
lg_stats_sent(LgStats *s, guint stream, gint64 send_ns)
{
  if (stream < s->n_streams && in_window(s, send_ns))
    s->sent[stream]++;
}

void
lg_stats_received(LgStats *s, guint receiver, guint stream, guint32 seq, gint64 send_ns,
                  gint64 now_ns)
{
  guint first = 2 * s->party * (receiver / s->party); /* first stream of the receiver's visit */
  if (stream >= s->n_streams || receiver >= s->n_receivers || stream < first ||
      stream >= first + 2 * s->party) {
    s->foreign++;
    return;
  }
  gsize k = (gsize)receiver * 2 * s->party + (stream - first);
  guint32 *slot = &s->seen[k * LG_SEQ_SLOTS + seq % LG_SEQ_SLOTS];
  if (*slot == seq + 1) {
    s->duplicates++;
    return;
  }
  *slot = seq + 1;
  if (!in_window(s, send_ns))
    return; /* loss, transit and jitter all describe the window */
  gint64 transit = now_ns - send_ns;
  if (s->prev_transit[k] != 0) {
    double d = fabs((double)(transit - s->prev_transit[k]));
    s->jitter_ns[k] += (d - s->jitter_ns[k]) / 16.0;
  }
  s->prev_transit[k] = transit;
  s->received[stream]++;
  gint64 b = transit / LG_HIST_BUCKET_NS;
  if (b < 0)
    b = 0;
  if (b >= LG_HIST_BUCKETS)
    b = LG_HIST_BUCKETS - 1;
  s->hist[b]++;
  if (transit > s->late_max_ns)
    s->late_max_ns = transit;
}

static double
percentile_us(const LgStats *s, guint64 total, double q)
{
  if (total == 0)
    return 0;
  guint64 want = (guint64)ceil(q * (double)total), acc = 0;
  for (guint i = 0; i < LG_HIST_BUCKETS; i++) {
    acc += s->hist[i];
    if (acc >= want && want > 0)
      return (i + 0.5) * LG_HIST_BUCKET_NS / 1000.0;
  }
  return (double)LG_HIST_BUCKETS * LG_HIST_BUCKET_NS / 1000.0;
}

void
lg_stats_summary(const LgStats *s, LgSummary *out)
{
  *out = (LgSummary){0};
  for (guint i = 0; i < s->n_streams; i++) {
    out->sent += s->sent[i];
    out->received += s->received[i];
  }
  out->expected = out->sent * s->fanout;
  out->loss_pct =
      out->expected ? 100.0 * (1.0 - (double)out->received / (double)out->expected) : 100.0;
  if (out->loss_pct < 0)
    out->loss_pct = 0;
  out->lat_p50_us = percentile_us(s, out->received, 0.50);
  out->lat_p99_us = percentile_us(s, out->received, 0.99);
  out->lat_max_us = s->late_max_ns / 1000.0;
  double sum = 0;
  guint n = 0;
  out->duplicates = s->duplicates;
  for (gsize k = 0; k < n_pairs(s); k++) {
    if (s->prev_transit[k] == 0)
      continue;
    sum += s->jitter_ns[k];
    n++;
    if (s->jitter_ns[k] / 1e6 > out->jitter_max_ms)
      out->jitter_max_ms = s->jitter_ns[k] / 1e6;
  }
  out->jitter_mean_ms = n ? sum / n / 1e6 : 0;
}
