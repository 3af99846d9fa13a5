/* Arbitrary bytes as a subscriber's RTCP (a compound of transport-wide feedback, REMB or anything
 * else) into the send side: twcc_sender matches it against 3000 recorded sends and bwe digests the
 * reports. Nothing may crash, and the estimate must stay finite and within [min, max]. The first
 * byte sets the send pacing, so feedback can look early, late or out of all proportion. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "bwe.h"
#include "rtcp_remb.h"
#include "twcc_sender.h"

#define MIN_BPS 50000
#define MAX_BPS 5000000

static void
check(ArBwe *b, gint64 now)
{
  guint64 t = ar_bwe_target_bps(b, now);
  ArBweStats st;
  ar_bwe_get_stats(b, &st);
  if (t < MIN_BPS || t > MAX_BPS || st.delay_bps < MIN_BPS || st.delay_bps > MAX_BPS ||
      st.loss_bps < MIN_BPS || st.loss_bps > MAX_BPS || !isfinite(st.trend_ms) ||
      !isfinite(st.threshold_ms) || !(st.loss_fraction >= 0 && st.loss_fraction <= 1))
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  ArBweConfig cfg = {300000, MIN_BPS, MAX_BPS};
  ArTwccSender *s = ar_twcc_sender_new();
  ArBwe *b = ar_bwe_new(&cfg);
  gint64 now = 1000000, step = 200 + 100 * (gint64)(data[0] & 0x3f);
  for (guint i = 0; i < 3000; i++) {
    ar_twcc_sender_on_send(s, 200 + (i * 37) % 1000, now);
    now += step;
  }
  ArRtcpIter it;
  ArRtcpPacket pkt;
  ar_rtcp_iter_init(&it, data + 1, size - 1);
  while (ar_rtcp_iter_next(&it, &pkt)) {
    now += 50000;
    ArTwccReport rep;
    ArRtcpRemb remb;
    if (ar_twcc_sender_on_feedback(s, &pkt, now, &rep)) {
      if (rep.n > AR_TWCC_SENDER_HISTORY)
        abort();
      ar_bwe_on_twcc_report(b, &rep, now);
    } else if (ar_rtcp_remb_parse(&pkt, &remb)) {
      ar_bwe_on_remb(b, remb.bitrate_bps, now);
    }
    check(b, now);
  }
  ar_twcc_sender_free(s);
  ar_bwe_free(b);
  return 0;
}
