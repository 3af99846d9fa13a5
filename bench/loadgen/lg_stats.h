/* Load generator accounting: what every synthetic stream sent inside the measurement window,
 * what each receiver got back, the one-way transit of each packet (send timestamp carried in
 * the payload, CLOCK_MONOTONIC on the same host) and RFC 3550 interarrival jitter per
 * (receiver, stream) pair. Preallocated; recording a packet allocates nothing. */
#pragma once
#include <glib.h>

/* Carried in the last LG_TRAILER_LEN bytes of every RTP payload we send. */
#define LG_TRAILER_LEN 16
/* Latency histogram: 10 µs buckets up to 2 s. */
#define LG_HIST_BUCKET_NS 10000
#define LG_HIST_BUCKETS 200000

typedef struct {
  guint n_streams;   /* 2 per participant: audio = 2*i, video = 2*i + 1 */
  guint n_receivers; /* participants */
  guint fanout;      /* receivers of each stream: 1 (echo) or party - 1 */
  guint party;       /* participants per visit: a receiver only hears its own visit */
  gint64 win_start_ns, win_end_ns;
  guint64 *sent;     /* per stream, sent inside the window */
  guint64 *received; /* per stream, summed over receivers, sent inside the window */
  guint32 *hist;     /* transit of every packet sent inside the window */
  /* per receiver × stream of its visit (2 * party of them): previous transit, jitter (ns),
   * and the last LG_SEQ_SLOTS sequence numbers seen (seq + 1 at seq % LG_SEQ_SLOTS) */
  gint64 *prev_transit;
  double *jitter_ns;
  guint32 *seen;
  guint64 duplicates, foreign;
  gint64 late_max_ns;
} LgStats;

#define LG_SEQ_SLOTS 1024

LgStats *lg_stats_new(guint participants, guint party);
void lg_stats_free(LgStats *s);

gint64 lg_now_ns(void);
void lg_trailer_write(guint8 *end, gint64 send_ns, guint32 stream, guint32 seq);
gboolean lg_trailer_read(const guint8 *end, gint64 *send_ns, guint32 *stream, guint32 *seq);

void lg_stats_sent(LgStats *s, guint stream, gint64 send_ns);
/* Duplicates (same seq on the same pair) are counted apart and not as received. */
void lg_stats_received(LgStats *s, guint receiver, guint stream, guint32 seq, gint64 send_ns,
                       gint64 now_ns);

typedef struct {
  guint64 sent, expected, received, duplicates;
  double loss_pct;
  double lat_p50_us, lat_p99_us, lat_max_us;
  double jitter_mean_ms, jitter_max_ms;
} LgSummary;

void lg_stats_summary(const LgStats *s, LgSummary *out);
