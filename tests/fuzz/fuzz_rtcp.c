/* libFuzzer target for RTCP: compound iteration and every type's parser on each packet. Oracles:
 * iteration covers the input exactly when it reports no error; SR, RR, BYE, FIR, REMB, PLI and
 * NACK rebuild from what was parsed and parse back to the same values; TWCC arrivals rebuilt
 * through the builder parse back to the same arrival times. */
#include <stdlib.h>
#include <string.h>

#include "rtcp.h"
#include "rtcp_bye.h"
#include "rtcp_fir.h"
#include "rtcp_nack.h"
#include "rtcp_pli.h"
#include "rtcp_remb.h"
#include "rtcp_rr.h"
#include "rtcp_sdes.h"
#include "rtcp_sr.h"
#include "rtcp_twcc.h"

static guint16 seqs[65536 / 4 * 17];
static ArRtcpTwccStatus st[65536], st2[65536];
static ArRtcpTwccArrival arr[65536];
static guint8 out[1 << 16];

static void
check_sr_rr(const ArRtcpPacket *pkt)
{
  ArRtcpSr sr, sr2;
  ArRtcpRr rr, rr2;
  ArRtcpReportBlock blocks[31], rb;
  ArRtcpPacket p2;
  if (ar_rtcp_sr_parse(pkt, &sr)) {
    for (guint i = 0; i < sr.n_reports; i++)
      ar_rtcp_sr_report(&sr, i, &blocks[i]);
    gssize n = ar_rtcp_sr_build(out, sizeof out, &sr, blocks, sr.n_reports);
    if (n < 0 || !ar_rtcp_packet_parse(&p2, out, (gsize)n) || !ar_rtcp_sr_parse(&p2, &sr2) ||
        sr2.ntp != sr.ntp || sr2.n_reports != sr.n_reports ||
        memcmp(sr2.reports, sr.reports, 24u * sr.n_reports) != 0)
      abort();
  }
  if (ar_rtcp_rr_parse(pkt, &rr)) {
    for (guint i = 0; i < rr.n_reports; i++)
      ar_rtcp_rr_report(&rr, i, &blocks[i]);
    gssize n = ar_rtcp_rr_build(out, sizeof out, rr.ssrc, blocks, rr.n_reports);
    if (n < 0 || !ar_rtcp_packet_parse(&p2, out, (gsize)n) || !ar_rtcp_rr_parse(&p2, &rr2) ||
        rr2.ssrc != rr.ssrc || rr2.n_reports != rr.n_reports)
      abort();
    for (guint i = 0; i < rr.n_reports; i++) {
      ar_rtcp_rr_report(&rr2, i, &rb);
      if (rb.ssrc != blocks[i].ssrc || rb.cumulative_lost != blocks[i].cumulative_lost)
        abort();
    }
  }
}

static void
check_misc(const ArRtcpPacket *pkt)
{
  ArRtcpPacket p2;
  ArRtcpSdes sdes;
  if (ar_rtcp_sdes_parse(pkt, &sdes)) {
    for (guint i = 0; i < sdes.n_chunks; i++)
      if (sdes.chunks[i].cname && ((const guint8 *)sdes.chunks[i].cname < pkt->body ||
                                   (const guint8 *)sdes.chunks[i].cname + sdes.chunks[i].cname_len >
                                       pkt->body + pkt->body_len))
        abort();
  }
  ArRtcpBye bye, bye2;
  if (ar_rtcp_bye_parse(pkt, &bye)) {
    guint32 ssrcs[31];
    for (guint i = 0; i < bye.n_ssrcs; i++)
      ssrcs[i] = ar_rtcp_bye_ssrc(&bye, i);
    gssize n = ar_rtcp_bye_build(out, sizeof out, ssrcs, bye.n_ssrcs, bye.reason, bye.reason_len);
    if (n < 0 || !ar_rtcp_packet_parse(&p2, out, (gsize)n) || !ar_rtcp_bye_parse(&p2, &bye2) ||
        bye2.n_ssrcs != bye.n_ssrcs || bye2.reason_len != bye.reason_len)
      abort();
  }
  ArRtcpPli pli, pli2;
  if (ar_rtcp_pli_parse(pkt, &pli)) {
    gssize n = ar_rtcp_pli_build(out, sizeof out, pli.sender_ssrc, pli.media_ssrc);
    if (n != 12 || !ar_rtcp_packet_parse(&p2, out, 12) || !ar_rtcp_pli_parse(&p2, &pli2) ||
        pli2.media_ssrc != pli.media_ssrc)
      abort();
  }
  ArRtcpFir fir, fir2;
  if (ar_rtcp_fir_parse(pkt, &fir)) {
    static ArRtcpFirEntry e[32768];
    for (guint i = 0; i < fir.n_entries; i++)
      ar_rtcp_fir_entry(&fir, i, &e[i]);
    gssize n = ar_rtcp_fir_build(out, sizeof out, fir.sender_ssrc, e, fir.n_entries);
    if (n < 0 || !ar_rtcp_packet_parse(&p2, out, (gsize)n) || !ar_rtcp_fir_parse(&p2, &fir2) ||
        fir2.n_entries != fir.n_entries)
      abort();
  }
  ArRtcpRemb remb, remb2;
  if (ar_rtcp_remb_parse(pkt, &remb)) {
    guint32 ssrcs[255];
    for (guint i = 0; i < remb.n_ssrcs; i++)
      ssrcs[i] = ar_rtcp_remb_ssrc(&remb, i);
    gssize n = ar_rtcp_remb_build(out, sizeof out, remb.sender_ssrc, remb.bitrate_bps, ssrcs,
                                  remb.n_ssrcs);
    if (n < 0 || !ar_rtcp_packet_parse(&p2, out, (gsize)n) || !ar_rtcp_remb_parse(&p2, &remb2) ||
        (remb.bitrate_bps != G_MAXUINT64 && remb2.bitrate_bps != remb.bitrate_bps))
      abort();
  }
}

static void
check_nack(const ArRtcpPacket *pkt)
{
  ArRtcpNack nack;
  gsize max = ar_rtcp_nack_max_seqs(pkt);
  gssize n = ar_rtcp_nack_parse(pkt, &nack, seqs, G_N_ELEMENTS(seqs));
  if ((n < 0) != (max == 0) || (n >= 0 && (gsize)n > max))
    abort();
}

static void
check_twcc(const ArRtcpPacket *pkt)
{
  ArRtcpTwcc hdr, hdr2;
  gssize n = ar_rtcp_twcc_parse(pkt, &hdr, st, G_N_ELEMENTS(st));
  if (n <= 0)
    return;
  gint64 t = (gint64)hdr.ref_time * AR_TWCC_REF_TIME_US;
  gsize k = 0;
  for (gssize i = 0; i < n; i++) {
    if (st[i].status == AR_TWCC_NOT_RECEIVED)
      continue;
    t += st[i].delta_us;
    arr[k++] = (ArRtcpTwccArrival){st[i].seq, t};
  }
  if (k == 0 || hdr.ref_time > 0x7fff00 || hdr.ref_time < -0x7fff00)
    return; /* near the 24-bit edge the rebuilt reference time may wrap */
  gsize consumed;
  gssize w = ar_rtcp_twcc_build(out, 1200, 1, 2, 3, arr, k, &consumed);
  ArRtcpPacket p2;
  if (w < 0 || consumed == 0 || !ar_rtcp_packet_parse(&p2, out, (gsize)w))
    abort();
  gssize m = ar_rtcp_twcc_parse(&p2, &hdr2, st2, G_N_ELEMENTS(st2));
  if (m < 0 || hdr2.base_seq != arr[0].seq)
    abort();
  t = (gint64)hdr2.ref_time * AR_TWCC_REF_TIME_US;
  gsize j = 0;
  for (gssize i = 0; i < m; i++) {
    if (st2[i].status == AR_TWCC_NOT_RECEIVED)
      continue;
    t += st2[i].delta_us;
    if (j >= consumed || st2[i].seq != arr[j].seq || t != arr[j].arrival_us)
      abort();
    j++;
  }
  if (j != consumed)
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  guint8 *buf = malloc(size ? size : 1);
  memcpy(buf, data, size);
  ArRtcpIter it;
  ArRtcpPacket pkt;
  gsize covered = 0;
  ar_rtcp_iter_init(&it, buf, size);
  while (ar_rtcp_iter_next(&it, &pkt)) {
    covered += pkt.len;
    check_sr_rr(&pkt);
    check_misc(&pkt);
    check_nack(&pkt);
    check_twcc(&pkt);
  }
  if (!it.error && covered != size)
    abort();
  free(buf);
  return 0;
}
