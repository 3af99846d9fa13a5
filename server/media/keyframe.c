/* Rate-limited PLI/FIR requests; see keyframe.h. */
#include "keyframe.h"

#include "rtcp_fir.h"
#include "rtcp_pli.h"

void
ar_keyframe_init(ArKeyframe *k, gint64 min_interval_us)
{
  *k = (ArKeyframe){0};
  k->min_interval_us = min_interval_us > 0 ? min_interval_us : AR_KEYFRAME_DEFAULT_INTERVAL_US;
  k->last_sent_us = G_MININT64;
}

static gboolean
interval_passed(const ArKeyframe *k, gint64 now_us)
{
  return k->last_sent_us == G_MININT64 || now_us - k->last_sent_us >= k->min_interval_us;
}

gboolean
ar_keyframe_request(ArKeyframe *k, gint64 now_us)
{
  k->requested++;
  if (interval_passed(k, now_us)) {
    k->last_sent_us = now_us;
    k->pending = FALSE;
    k->sent++;
    return TRUE;
  }
  k->pending = TRUE;
  return FALSE;
}

gboolean
ar_keyframe_poll(ArKeyframe *k, gint64 now_us)
{
  if (!k->pending || !interval_passed(k, now_us))
    return FALSE;
  k->pending = FALSE;
  k->last_sent_us = now_us;
  k->sent++;
  return TRUE;
}

gint64
ar_keyframe_next_timeout(const ArKeyframe *k)
{
  if (!k->pending)
    return G_MAXINT64;
  if (k->last_sent_us == G_MININT64)
    return G_MININT64 + 1; /* due at once */
  return k->last_sent_us + k->min_interval_us;
}

void
ar_keyframe_received(ArKeyframe *k)
{
  k->pending = FALSE;
}

gssize
ar_keyframe_build(ArKeyframe *k, guint8 *out, gsize cap, gboolean use_fir, guint32 sender_ssrc,
                  guint32 media_ssrc)
{
  if (!use_fir)
    return ar_rtcp_pli_build(out, cap, sender_ssrc, media_ssrc);
  ArRtcpFirEntry e = {.ssrc = media_ssrc, .seq = ++k->fir_seq};
  return ar_rtcp_fir_build(out, cap, sender_ssrc, &e, 1);
}
