/* Transport-wide cc send side; see twcc_sender.h. The history is a ring indexed by the low bits of
 * the unwrapped sequence number; an entry answers only for the exact number it holds, so feedback
 * about packets older than the ring, never sent, or from a confused receiver is counted and
 * ignored. */
#include "twcc_sender.h"

#include "rtcp_twcc.h"

#define HISTORY_MASK (AR_TWCC_SENDER_HISTORY - 1)
G_STATIC_ASSERT((AR_TWCC_SENDER_HISTORY & HISTORY_MASK) == 0);

enum { SENT, LOST, ACKED };

typedef struct {
  gint64 useq;
  gint64 send_us;
  guint32 size;
  guint8 state;
} Entry;

struct ArTwccSender {
  gint64 next_seq;     /* unwrapped number of the next packet sent */
  gint64 covered_high; /* highest number any feedback covered; -1 before the first */
  gboolean have_fb_count;
  guint8 next_fb_count;
  gboolean have_ref;
  guint32 last_ref;     /* 24-bit reference time of the previous feedback */
  gint64 ref_unwrapped; /* in 64 ms units, continuous across the 24-bit wrap */
  ArTwccSenderStats stats;
  Entry history[AR_TWCC_SENDER_HISTORY];
  ArRtcpTwccStatus status[AR_TWCC_SENDER_MAX_STATUS];
  ArTwccPacketResult results[AR_TWCC_SENDER_HISTORY];
};

ArTwccSender *
ar_twcc_sender_new(void)
{
  ArTwccSender *s = g_new0(ArTwccSender, 1);
  s->covered_high = -1;
  for (guint i = 0; i < AR_TWCC_SENDER_HISTORY; i++)
    s->history[i].useq = -1;
  return s;
}

void
ar_twcc_sender_free(ArTwccSender *s)
{
  g_free(s);
}

guint16
ar_twcc_sender_on_send(ArTwccSender *s, guint32 size, gint64 now_us)
{
  gint64 useq = s->next_seq++;
  s->history[(guint64)useq & HISTORY_MASK] = (Entry){useq, now_us, size, SENT};
  s->stats.sent++;
  return (guint16)useq;
}

/* The number at or before the newest packet sent whose low 16 bits are seq. A number "ahead" of
 * the newest maps 64 Ki back and is then simply not in the history. */
static gint64
unwrap(const ArTwccSender *s, guint16 seq)
{
  gint64 high = s->next_seq - 1;
  return high - (guint16)((guint16)high - seq);
}

static Entry *
lookup(ArTwccSender *s, gint64 useq)
{
  if (useq < 0 || useq >= s->next_seq)
    return NULL;
  Entry *e = &s->history[(guint64)useq & HISTORY_MASK];
  return e->useq == useq ? e : NULL;
}

static void
emit(ArTwccSender *s, gsize *k, const Entry *e, gboolean received, gint64 arrival_us,
     gboolean was_lost)
{
  if (*k >= AR_TWCC_SENDER_HISTORY)
    return;
  s->results[(*k)++] = (ArTwccPacketResult){
      .seq = e->useq,
      .send_us = e->send_us,
      .arrival_us = received ? arrival_us : 0,
      .size = e->size,
      .received = received,
      .was_lost = was_lost,
  };
}

static void
mark_lost(ArTwccSender *s, gsize *k, gint64 useq)
{
  Entry *e = lookup(s, useq);
  if (!e) {
    s->stats.unknown++;
    return;
  }
  if (e->state != SENT)
    return;
  e->state = LOST;
  emit(s, k, e, FALSE, 0, FALSE);
}

static void
mark_received(ArTwccSender *s, gsize *k, gint64 useq, gint64 arrival_us)
{
  Entry *e = lookup(s, useq);
  if (!e) {
    s->stats.unknown++;
    return;
  }
  if (e->state == ACKED)
    return;
  gboolean was_lost = e->state == LOST;
  e->state = ACKED;
  emit(s, k, e, TRUE, arrival_us, was_lost);
}

/* Feedback packet count: a jump means feedback was lost on the way (and what it covered is
 * unknown, not lost). Returns TRUE when this packet directly follows the previous one. */
static gboolean
count_feedback(ArTwccSender *s, guint8 fb_count)
{
  gboolean consecutive = s->have_fb_count && fb_count == s->next_fb_count;
  if (s->have_fb_count) {
    guint8 gap = (guint8)(fb_count - s->next_fb_count);
    if (gap > 0 && gap < 128)
      s->stats.feedbacks_lost += gap;
  }
  s->have_fb_count = TRUE;
  s->next_fb_count = (guint8)(fb_count + 1);
  return consecutive;
}

/* The 24-bit reference time wraps every 12.4 days of receiver clock: follow it by differences. */
static gint64
reference_us(ArTwccSender *s, gint32 ref_time)
{
  guint32 ref = (guint32)ref_time & 0xffffff;
  if (!s->have_ref) {
    s->have_ref = TRUE;
    s->ref_unwrapped = ref;
  } else {
    guint32 d = (ref - s->last_ref) & 0xffffff;
    s->ref_unwrapped += (d & 0x800000) ? (gint64)d - 0x1000000 : (gint64)d;
  }
  s->last_ref = ref;
  return s->ref_unwrapped * AR_TWCC_REF_TIME_US;
}

gboolean
ar_twcc_sender_on_feedback(ArTwccSender *s, const ArRtcpPacket *pkt, gint64 now_us,
                           ArTwccReport *report)
{
  ArRtcpTwcc hdr;
  gssize n;
  if (!ar_rtcp_twcc_parse_header(pkt, &hdr) || hdr.status_count > AR_TWCC_SENDER_MAX_STATUS ||
      (n = ar_rtcp_twcc_parse(pkt, &hdr, s->status, AR_TWCC_SENDER_MAX_STATUS)) < 0) {
    s->stats.malformed++;
    return FALSE;
  }
  s->stats.feedbacks++;
  gboolean consecutive = count_feedback(s, hdr.fb_count);
  gint64 t = reference_us(s, hdr.ref_time);
  gsize k = 0;
  if (n > 0) {
    gint64 base = unwrap(s, hdr.base_seq);
    /* Packets between the previous feedback and this one's base that no feedback mentioned: a
     * receiver that starts each packet at its first arrival skips leading losses. Only when no
     * feedback packet went missing in between, else their fate is unknown. */
    if (consecutive && s->covered_high >= 0 && base > s->covered_high + 1) {
      gint64 from = MAX(s->covered_high + 1, base - AR_TWCC_SENDER_HISTORY);
      for (gint64 u = from; u < base; u++)
        mark_lost(s, &k, u);
    }
    for (gssize i = 0; i < n; i++) {
      if (s->status[i].status == AR_TWCC_NOT_RECEIVED) {
        mark_lost(s, &k, base + i);
      } else {
        t += s->status[i].delta_us;
        mark_received(s, &k, base + i, t);
      }
    }
    s->covered_high = MAX(s->covered_high, MIN(base + n - 1, s->next_seq - 1));
  }
  report->packets = s->results;
  report->n = k;
  report->feedback_us = now_us;
  return TRUE;
}

void
ar_twcc_sender_get_stats(const ArTwccSender *s, ArTwccSenderStats *stats)
{
  *stats = s->stats;
}
