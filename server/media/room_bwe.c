/* Per-participant bandwidth glue. The router numbers transport-wide sequence numbers towards
 * each participant; twcc_sender numbers its own history the same way, one per RTP packet sent
 * with the extension, so both counters advance together (checked, and counted if they drift). */
#include "room_bwe.h"
#include "bwe.h"
#include "rtcp.h"
#include "rtcp_remb.h"
#include "rtp.h"
#include "twcc_receiver.h"
#include "twcc_sender.h"

/* Enough for a full visit (7 others' cameras at their top layer) on any link that has it. */
#define AR_ROOM_BWE_MAX_BPS 10000000

struct ArRoomBwe {
  guint32 feedback_ssrc;
  guint8 twcc_id;
  ArTwccReceiver *rx; /* what it publishes */
  ArTwccSender *tx;   /* what we send it */
  ArBwe *bwe;
  guint64 seq_drift;
};

ArRoomBwe *
ar_room_bwe_new(guint32 feedback_ssrc)
{
  ArRoomBwe *b = g_new0(ArRoomBwe, 1);
  b->feedback_ssrc = feedback_ssrc;
  b->tx = ar_twcc_sender_new();
  ArBweConfig cfg = {
      .start_bps = AR_ROOM_BWE_MAX_BPS, .min_bps = 50000, .max_bps = AR_ROOM_BWE_MAX_BPS};
  b->bwe = ar_bwe_new(&cfg);
  return b;
}

void
ar_room_bwe_free(ArRoomBwe *b)
{
  if (!b)
    return;
  g_clear_pointer(&b->rx, ar_twcc_receiver_free);
  ar_twcc_sender_free(b->tx);
  ar_bwe_free(b->bwe);
  g_free(b);
}

void
ar_room_bwe_set_twcc_id(ArRoomBwe *b, guint8 id, guint32 media_ssrc)
{
  b->twcc_id = id;
  if (id && !b->rx)
    b->rx = ar_twcc_receiver_new(b->feedback_ssrc, media_ssrc);
}

void
ar_room_bwe_on_rtp(ArRoomBwe *b, guint8 *buf, gsize len, gint64 now_us)
{
  ArRtpView v;
  guint16 seq;
  if (b->rx && ar_rtp_parse(&v, buf, len) && ar_rtp_ext_twcc_seq(&v, b->twcc_id, &seq))
    ar_twcc_receiver_on_packet(b->rx, seq, now_us);
}

void
ar_room_bwe_on_sent(ArRoomBwe *b, guint16 seq, gsize len, gint64 now_us)
{
  if (ar_twcc_sender_on_send(b->tx, (guint32)len, now_us) != seq)
    b->seq_drift++;
}

void
ar_room_bwe_on_rtcp(ArRoomBwe *b, const guint8 *buf, gsize len, gint64 now_us)
{
  ArRtcpIter it;
  ArRtcpPacket pkt;
  ar_rtcp_iter_init(&it, buf, len);
  while (ar_rtcp_iter_next(&it, &pkt)) {
    ArTwccReport report;
    ArRtcpRemb remb;
    if (pkt.pt == AR_RTCP_RTPFB && pkt.count == 15 &&
        ar_twcc_sender_on_feedback(b->tx, &pkt, now_us, &report))
      ar_bwe_on_twcc_report(b->bwe, &report, now_us);
    else if (pkt.pt == AR_RTCP_PSFB && ar_rtcp_remb_parse(&pkt, &remb))
      ar_bwe_on_remb(b->bwe, remb.bitrate_bps, now_us);
  }
}

void
ar_room_bwe_on_rtt(ArRoomBwe *b, gint64 rtt_us)
{
  if (rtt_us > 0)
    ar_bwe_on_rtt(b->bwe, rtt_us);
}

gssize
ar_room_bwe_poll_feedback(ArRoomBwe *b, gint64 now_us, guint8 *out, gsize cap)
{
  return b->rx ? ar_twcc_receiver_poll(b->rx, now_us, out, cap) : 0;
}

gint64
ar_room_bwe_next_timeout(const ArRoomBwe *b)
{
  return b->rx ? ar_twcc_receiver_next_timeout(b->rx) : G_MAXINT64;
}

guint64
ar_room_bwe_estimate(ArRoomBwe *b, gint64 now_us)
{
  return ar_bwe_target_bps(b->bwe, now_us);
}

void
ar_room_bwe_link(ArRoomBwe *b, gint64 now_us, ArRoomBweLink *out)
{
  ArBweStats st;
  out->estimate_bps = ar_bwe_target_bps(b->bwe, now_us);
  ar_bwe_get_stats(b->bwe, &st);
  out->measured = st.acked_bps > 0 || st.remb_bps > 0;
  out->lossy = st.loss_fraction > 0.02;
  out->congested = st.signal == AR_BWE_OVERUSE || out->lossy;
  out->receiver_capped = st.using_remb;
}
