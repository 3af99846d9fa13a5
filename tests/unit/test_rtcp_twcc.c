/* Unit tests for transport-wide cc feedback: packets produced by Chrome (parsed field by field,
 * and rebuilt byte-exact from their arrival times), every chunk kind, splitting when a packet is
 * full or a delta does not fit, randomized round trips, and malformed input. */
#include <string.h>

#include "rtcp_twcc.h"

/* Sender SSRC 0xfa17fa17 is libwebrtc's kDefaultRtcpReceiverReportSsrc: these were sent by a
 * receive-only Chrome. pion/rtcp transport_layer_cc_test.go TestTransportLayerCC_Unmarshal
 * "example1": one packet, run-length chunk, small delta 37 ms, one byte of padding. */
static const guint8 chrome_ex1[] = {0xaf, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17,
                                    0x43, 0x03, 0x2f, 0xa0, 0x00, 0x99, 0x00, 0x01,
                                    0x3d, 0xe8, 0x02, 0x17, 0x20, 0x01, 0x94, 0x01};
/* Same file, "example4": seven packets in a run-length chunk, three bytes of padding. */
static const guint8 chrome_ex4[] = {
    0xaf, 0xcd, 0x00, 0x07, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb, 0x00, 0x04, 0x00, 0x07,
    0x10, 0x63, 0x6e, 0x01, 0x20, 0x07, 0x4c, 0x24, 0x24, 0x10, 0x0c, 0x0c, 0x10, 0x00, 0x00, 0x03};
/* Same file, "example6", another Chrome: a two-bit vector with a large delta, then a run of lost
 * packets longer than the status count. */
static const guint8 chrome_ex6[] = {
    0xaf, 0xcd, 0x00, 0x07, 0x9b, 0x74, 0xf6, 0x1f, 0x93, 0x71, 0xdc, 0xbc, 0x85, 0x3c, 0x00, 0x09,
    0x63, 0xf9, 0x16, 0xb3, 0xd5, 0x52, 0x00, 0x30, 0x9b, 0xaa, 0x6a, 0xaa, 0x7b, 0x01, 0x09, 0x01};
/* mediasoup worker/test/src/RTC/RTCP/TestFeedbackRtpTransport.cpp "one bit vector chunk", also
 * from 0xfa17fa17: 13 statuses, 10 received, no padding. */
static const guint8 chrome_1bit[] = {
    0x8f, 0xcd, 0x00, 0x07, 0xfa, 0x17, 0xfa, 0x17, 0x09, 0xfa, 0xff, 0x67, 0x00, 0x27, 0x00, 0x0d,
    0x5f, 0xc2, 0xf1, 0x03, 0xbf, 0x8e, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x04, 0x00};

static gssize
parse(const guint8 *buf, gsize len, ArRtcpTwcc *hdr, ArRtcpTwccStatus *st, gsize cap)
{
  ArRtcpPacket pkt;
  g_assert_true(ar_rtcp_packet_parse(&pkt, buf, len));
  g_assert_cmpuint(pkt.len, ==, len);
  return ar_rtcp_twcc_parse(&pkt, hdr, st, cap);
}

/* Turns parsed statuses back into (seq, arrival) for the received ones. */
static gsize
arrivals_of(const ArRtcpTwcc *hdr, const ArRtcpTwccStatus *st, gsize n, ArRtcpTwccArrival *out)
{
  gint64 t = (gint64)hdr->ref_time * AR_TWCC_REF_TIME_US;
  gsize k = 0;
  for (gsize i = 0; i < n; i++) {
    if (st[i].status == AR_TWCC_NOT_RECEIVED)
      continue;
    t += st[i].delta_us;
    out[k++] = (ArRtcpTwccArrival){st[i].seq, t};
  }
  return k;
}

static void
rebuild_exact(const guint8 *capture, gsize len)
{
  ArRtcpTwcc hdr;
  ArRtcpTwccStatus st[64];
  ArRtcpTwccArrival arr[64];
  gssize n = parse(capture, len, &hdr, st, G_N_ELEMENTS(st));
  g_assert_cmpint(n, >, 0);
  gsize k = arrivals_of(&hdr, st, (gsize)n, arr);
  guint8 out[128];
  gsize consumed;
  gssize w = ar_rtcp_twcc_build(out, sizeof out, hdr.sender_ssrc, hdr.media_ssrc, hdr.fb_count, arr,
                                k, &consumed);
  g_assert_cmpuint(consumed, ==, k);
  g_assert_cmpint(w, ==, (gssize)len);
  g_assert_cmpmem(out, len, capture, len);
}

static void
test_chrome_parse(void)
{
  ArRtcpTwcc hdr;
  ArRtcpTwccStatus st[64];

  g_assert_cmpint(parse(chrome_ex1, sizeof chrome_ex1, &hdr, st, 64), ==, 1);
  g_assert_cmpuint(hdr.sender_ssrc, ==, 4195875351u);
  g_assert_cmpuint(hdr.media_ssrc, ==, 1124282272u);
  g_assert_cmpuint(hdr.base_seq, ==, 153);
  g_assert_cmpuint(hdr.status_count, ==, 1);
  g_assert_cmpint(hdr.ref_time, ==, 4057090);
  g_assert_cmpuint(hdr.fb_count, ==, 23);
  g_assert_cmpuint(st[0].seq, ==, 153);
  g_assert_cmpuint(st[0].status, ==, AR_TWCC_SMALL_DELTA);
  g_assert_cmpint(st[0].delta_us, ==, 37000);

  g_assert_cmpint(parse(chrome_ex4, sizeof chrome_ex4, &hdr, st, 64), ==, 7);
  g_assert_cmpuint(hdr.base_seq, ==, 4);
  g_assert_cmpint(hdr.ref_time, ==, 1074030);
  g_assert_cmpuint(hdr.fb_count, ==, 1);
  static const gint32 d4[] = {19000, 9000, 9000, 4000, 3000, 3000, 4000};
  for (guint i = 0; i < 7; i++) {
    g_assert_cmpuint(st[i].seq, ==, 4 + i);
    g_assert_cmpuint(st[i].status, ==, AR_TWCC_SMALL_DELTA);
    g_assert_cmpint(st[i].delta_us, ==, d4[i]);
  }

  g_assert_cmpint(parse(chrome_ex6, sizeof chrome_ex6, &hdr, st, 64), ==, 9);
  g_assert_cmpuint(hdr.sender_ssrc, ==, 2608133663u);
  g_assert_cmpuint(hdr.media_ssrc, ==, 2473712828u);
  g_assert_cmpuint(hdr.base_seq, ==, 34108);
  g_assert_cmpint(hdr.ref_time, ==, 6551830);
  g_assert_cmpuint(hdr.fb_count, ==, 179);
  static const guint8 s6[] = {1, 1, 1, 1, 1, 0, 2, 0, 0};
  static const gint32 d6[] = {38750, 42500, 26500, 42500, 30750, 0, 66250, 0, 0};
  for (guint i = 0; i < 9; i++) {
    g_assert_cmpuint(st[i].seq, ==, (guint16)(34108 + i));
    g_assert_cmpuint(st[i].status, ==, s6[i]);
    g_assert_cmpint(st[i].delta_us, ==, d6[i]);
  }

  g_assert_cmpint(parse(chrome_1bit, sizeof chrome_1bit, &hdr, st, 64), ==, 13);
  g_assert_cmpuint(hdr.base_seq, ==, 39);
  g_assert_cmpint(hdr.ref_time, ==, 6275825);
  g_assert_cmpuint(hdr.fb_count, ==, 3);
  static const guint8 s1[] = {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1};
  static const gint32 d1[] = {4000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7000, 1000, 0};
  for (guint i = 0; i < 13; i++) {
    g_assert_cmpuint(st[i].status, ==, s1[i]);
    g_assert_cmpint(st[i].delta_us, ==, d1[i]);
  }

  /* mediasoup "parse FeedbackRtpTransportPacket with negative reference time". */
  static const guint8 neg[] = {0x8f, 0xcd, 0x00, 0x04, 0xfa, 0x17, 0xfa, 0x17, 0x09, 0xfa,
                               0xff, 0x67, 0x00, 0x27, 0x00, 0x00, 0xff, 0xff, 0xfe, 0x01};
  g_assert_cmpint(parse(neg, sizeof neg, &hdr, st, 64), ==, 0);
  g_assert_cmpint(hdr.ref_time, ==, -2);
  g_assert_cmpuint(hdr.fb_count, ==, 1);
}

static void
test_chrome_rebuild(void)
{
  /* Our encoder makes libwebrtc's chunk and padding choices: same arrivals, same bytes. */
  rebuild_exact(chrome_ex1, sizeof chrome_ex1);
  rebuild_exact(chrome_ex4, sizeof chrome_ex4);
  rebuild_exact(chrome_1bit, sizeof chrome_1bit);

  /* example6 reports two trailing losses our API cannot express (only received packets are
   * input), but the vector chunk and deltas for the received ones come out identical. */
  ArRtcpTwcc hdr;
  ArRtcpTwccStatus st[16];
  ArRtcpTwccArrival arr[16];
  gssize n = parse(chrome_ex6, sizeof chrome_ex6, &hdr, st, 16);
  gsize k = arrivals_of(&hdr, st, (gsize)n, arr);
  guint8 out[64];
  gsize consumed;
  gssize w = ar_rtcp_twcc_build(out, sizeof out, hdr.sender_ssrc, hdr.media_ssrc, hdr.fb_count, arr,
                                k, &consumed);
  g_assert_cmpint(w, ==, 32);
  g_assert_cmpuint(ar_be16(out + 14), ==, 7);
  g_assert_cmpmem(out + 16, 6, chrome_ex6 + 16, 6); /* ref time, fb count, 0xd552 */
  g_assert_cmpmem(out + 22, 7, chrome_ex6 + 24, 7); /* deltas */
}

static gssize
build_parse(const ArRtcpTwccArrival *arr, gsize n, gsize cap, guint8 *out, ArRtcpTwcc *hdr,
            ArRtcpTwccStatus *st, gsize st_cap, gsize *consumed)
{
  gssize w = ar_rtcp_twcc_build(out, cap, 1, 2, 7, arr, n, consumed);
  if (w < 0)
    return -1;
  g_assert_cmpint(w, <=, (gssize)cap);
  g_assert_cmpint(w % 4, ==, 0);
  return parse(out, (gsize)w, hdr, st, st_cap);
}

static void
test_chunk_kinds(void)
{
  guint8 out[256];
  ArRtcpTwcc hdr;
  static ArRtcpTwccStatus st[20000];
  gsize consumed;
  /* Two received packets 10000 apart: a one-bit vector (received + 13 lost), a full run of 8191
   * lost, the remaining 1795 lost, and a run of one received. */
  ArRtcpTwccArrival gap[] = {{100, 1000000}, {10100, 1001000}};
  g_assert_cmpint(build_parse(gap, 2, sizeof out, out, &hdr, st, G_N_ELEMENTS(st), &consumed), ==,
                  10001);
  g_assert_cmpuint(consumed, ==, 2);
  g_assert_cmpuint(ar_be16(out + 20), ==, 0xa000);
  g_assert_cmpuint(ar_be16(out + 22), ==, 0x1fff);
  g_assert_cmpuint(ar_be16(out + 24), ==, 1795);
  g_assert_cmpuint(ar_be16(out + 26), ==, 0x2001);
  g_assert_cmpuint(st[0].status, ==, AR_TWCC_SMALL_DELTA);
  for (guint i = 1; i < 10000; i++)
    g_assert_cmpuint(st[i].status, ==, AR_TWCC_NOT_RECEIVED);
  g_assert_cmpuint(st[10000].seq, ==, 10100);
  g_assert_cmpint(st[10000].delta_us, ==, 1000);

  /* A large (here negative: reordered arrival) delta among small ones: two-bit vectors. */
  ArRtcpTwccArrival mixed[] = {{1, 64000}, {2, 65000}, {3, 64500}, {4, 66000}, {5, 67000},
                               {6, 68000}, {7, 69000}, {8, 70000}, {9, 71000}};
  g_assert_cmpint(build_parse(mixed, 9, sizeof out, out, &hdr, st, 64, &consumed), ==, 9);
  g_assert_cmpuint(ar_be16(out + 20) >> 14, ==, 3); /* two-bit vector of 7 */
  g_assert_cmpuint(ar_be16(out + 20), ==,
                   0xc000 | (1 << 12) | (1 << 10) | (2 << 8) | (1 << 6) | (1 << 4) | (1 << 2) | 1);
  g_assert_cmpuint(st[2].status, ==, AR_TWCC_LARGE_DELTA);
  g_assert_cmpint(st[2].delta_us, ==, -500);
  ArRtcpTwccArrival back[32];
  g_assert_cmpuint(arrivals_of(&hdr, st, 9, back), ==, 9);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpint(back[i].arrival_us, ==, mixed[i].arrival_us);

  /* Slow arrivals: the first delta is small (ref time), then 19 large ones: a two-bit vector of
   * small + 6 large, then the other 13 large as one run-length chunk of status 2. */
  ArRtcpTwccArrival slow[20];
  for (guint i = 0; i < 20; i++)
    slow[i] = (ArRtcpTwccArrival){(guint16)(65530 + i), 100000 * (gint64)i};
  g_assert_cmpint(build_parse(slow, 20, sizeof out, out, &hdr, st, 64, &consumed), ==, 20);
  g_assert_cmpuint(ar_be16(out + 20), ==, 0xdaaa);
  g_assert_cmpuint(ar_be16(out + 22), ==, 0x400d);
  g_assert_cmpuint(arrivals_of(&hdr, st, 20, back), ==, 20);
  for (guint i = 0; i < 20; i++)
    g_assert_cmpint(back[i].arrival_us, ==, slow[i].arrival_us);
}

static void
test_splitting(void)
{
  guint8 out[1500];
  ArRtcpTwcc hdr;
  ArRtcpTwccStatus st[512];
  gsize consumed;
  ArRtcpTwccArrival arr[300];
  for (guint i = 0; i < 300; i++)
    arr[i] = (ArRtcpTwccArrival){(guint16)(1000 + 2 * i), 5000000 + 1000 * (gint64)i};
  /* Small buffer: a prefix goes in, the rest builds into the following packets. */
  gsize done = 0, packets = 0;
  while (done < 300) {
    gssize n = build_parse(arr + done, 300 - done, 64, out, &hdr, st, G_N_ELEMENTS(st), &consumed);
    g_assert_cmpint(n, >, 0);
    g_assert_cmpuint(consumed, >, 0);
    g_assert_cmpuint(hdr.base_seq, ==, arr[done].seq);
    ArRtcpTwccArrival back[300];
    gsize k = arrivals_of(&hdr, st, (gsize)n, back);
    g_assert_cmpuint(k, ==, consumed);
    for (gsize i = 0; i < k; i++) {
      g_assert_cmpuint(back[i].seq, ==, arr[done + i].seq);
      g_assert_cmpint(back[i].arrival_us, ==, arr[done + i].arrival_us);
    }
    done += consumed;
    packets++;
  }
  g_assert_cmpuint(packets, >, 5);
  g_assert_cmpint(ar_rtcp_twcc_build(out, 23, 1, 2, 0, arr, 300, &consumed), ==, -1);
  /* 24 bytes: 20 fixed + one vector chunk [1,0,1] + two one-byte deltas. 28 bytes: the same
   * one-bit vector grows to [1,0,...,1] (11 symbols) with six deltas. */
  g_assert_cmpint(ar_rtcp_twcc_build(out, 24, 1, 2, 0, arr, 300, &consumed), ==, 24);
  g_assert_cmpuint(consumed, ==, 2);
  g_assert_cmpint(ar_rtcp_twcc_build(out, 27, 1, 2, 0, arr, 300, &consumed), ==, 24);
  g_assert_cmpuint(consumed, ==, 2);
  g_assert_cmpint(ar_rtcp_twcc_build(out, 28, 1, 2, 0, arr, 300, &consumed), ==, 28);
  g_assert_cmpuint(consumed, ==, 6);
  g_assert_cmpint(ar_rtcp_twcc_build(out, sizeof out, 1, 2, 0, arr, 0, &consumed), ==, -1);

  /* A delta beyond 16 bits of 250 us (8.19 s) ends the packet; so does a repeated seq. */
  ArRtcpTwccArrival jump[] = {{1, 0}, {2, 1000}, {3, 9000000}};
  g_assert_cmpint(build_parse(jump, 3, sizeof out, out, &hdr, st, 64, &consumed), ==, 2);
  g_assert_cmpuint(consumed, ==, 2);
  ArRtcpTwccArrival dup[] = {{1, 0}, {2, 1000}, {2, 2000}, {3, 3000}};
  g_assert_cmpint(build_parse(dup, 4, sizeof out, out, &hdr, st, 64, &consumed), ==, 2);
  g_assert_cmpuint(consumed, ==, 2);
  ArRtcpTwccArrival older[] = {{10, 0}, {9, 1000}};
  g_assert_cmpint(build_parse(older, 2, sizeof out, out, &hdr, st, 64, &consumed), ==, 1);
}

static void
test_random_round_trip(void)
{
  GRand *rand = g_rand_new_with_seed(0x7cc);
  static ArRtcpTwccArrival arr[2000], back[2000];
  static ArRtcpTwccStatus st[70000];
  static guint8 out[1200];
  for (guint round = 0; round < 200; round++) {
    gsize n = g_rand_int_range(rand, 1, 2000);
    guint16 seq = (guint16)g_rand_int(rand);
    gint64 t = (gint64)g_rand_int_range(rand, -1000000, 1000000) * 1000;
    for (gsize i = 0; i < n; i++) {
      arr[i] = (ArRtcpTwccArrival){seq, t};
      guint r = g_rand_int_range(rand, 0, 100);
      seq = (guint16)(seq + 1 +
                      (r < 80   ? 0
                       : r < 95 ? g_rand_int_range(rand, 1, 20)
                                : g_rand_int_range(rand, 20, 3000)));
      r = g_rand_int_range(rand, 0, 100);
      t += r < 85   ? g_rand_int_range(rand, 0, 64000)
           : r < 95 ? g_rand_int_range(rand, -20000, 0)
                    : g_rand_int_range(rand, 64000, 9000000);
    }
    gsize done = 0;
    while (done < n) {
      ArRtcpTwcc hdr;
      gsize consumed;
      gssize w =
          ar_rtcp_twcc_build(out, sizeof out, 3, 4, (guint8)round, arr + done, n - done, &consumed);
      g_assert_cmpint(w, >, 0);
      g_assert_cmpuint(consumed, >, 0);
      gssize got = parse(out, (gsize)w, &hdr, st, G_N_ELEMENTS(st));
      g_assert_cmpint(got, ==, (guint16)(arr[done + consumed - 1].seq - arr[done].seq) + 1);
      g_assert_cmpuint(hdr.fb_count, ==, (guint8)round);
      gsize k = arrivals_of(&hdr, st, (gsize)got, back);
      g_assert_cmpuint(k, ==, consumed);
      for (gsize i = 0; i < k; i++) {
        g_assert_cmpuint(back[i].seq, ==, arr[done + i].seq);
        /* Quantized down to 250 us, never drifting: the builder tracks the quantized clock. */
        gint64 err = arr[done + i].arrival_us - back[i].arrival_us;
        g_assert_cmpint(err, >=, 0);
        g_assert_cmpint(err, <, AR_TWCC_DELTA_US);
      }
      done += consumed;
    }
  }
  g_rand_free(rand);
}

static void
test_malformed(void)
{
  ArRtcpTwcc hdr;
  ArRtcpTwccStatus st[64];
  ArRtcpPacket pkt;
  guint8 buf[64];
  /* pion "example8"/"example9": status counts the chunks or deltas cannot back. */
  static const guint8 ex8[] = {0xaf, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17,
                               0x43, 0x03, 0x2f, 0xa0, 0x00, 0x99, 0x00, 0x03,
                               0x3d, 0xe8, 0x02, 0x17, 0x20, 0x03, 0x94, 0x01};
  static const guint8 ex9[] = {0xaf, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17,
                               0x43, 0x03, 0x2f, 0xa0, 0x00, 0x99, 0x00, 0x02,
                               0x3d, 0xe8, 0x02, 0x17, 0x40, 0x02, 0x94, 0x01};
  g_assert_cmpint(parse(ex8, sizeof ex8, &hdr, st, 64), ==, -1);
  g_assert_cmpint(parse(ex9, sizeof ex9, &hdr, st, 64), ==, -1);
  /* Output array smaller than the status count. */
  g_assert_cmpint(parse(chrome_ex4, sizeof chrome_ex4, &hdr, st, 6), ==, -1);
  /* Reserved symbol 3 in a run-length and in a two-bit vector. */
  memcpy(buf, chrome_ex1, sizeof chrome_ex1);
  buf[20] = 0x60;
  g_assert_cmpint(parse(buf, sizeof chrome_ex1, &hdr, st, 64), ==, -1);
  memcpy(buf, chrome_ex1, sizeof chrome_ex1);
  buf[20] = 0xf0;
  g_assert_cmpint(parse(buf, sizeof chrome_ex1, &hdr, st, 64), ==, -1);
  /* Too short for the fixed part; wrong FMT. */
  static const guint8 shrt[] = {0x8f, 0xcd, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0};
  g_assert_true(ar_rtcp_packet_parse(&pkt, shrt, sizeof shrt));
  g_assert_cmpint(ar_rtcp_twcc_parse(&pkt, &hdr, st, 64), ==, -1);
  g_assert_false(ar_rtcp_twcc_parse_header(&pkt, &hdr));
  memcpy(buf, chrome_ex4, sizeof chrome_ex4);
  buf[0] = 0xa1;
  g_assert_cmpint(parse(buf, sizeof chrome_ex4, &hdr, st, 64), ==, -1);
  /* Every truncation of a valid packet (re-framed) fails cleanly. */
  for (gsize cut = 20; cut < sizeof chrome_1bit; cut += 4) {
    memcpy(buf, chrome_1bit, cut);
    buf[3] = (guint8)(cut / 4 - 1);
    g_assert_cmpint(parse(buf, cut, &hdr, st, 64), ==, -1);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp-twcc/chrome-parse", test_chrome_parse);
  g_test_add_func("/rtcp-twcc/chrome-rebuild", test_chrome_rebuild);
  g_test_add_func("/rtcp-twcc/chunk-kinds", test_chunk_kinds);
  g_test_add_func("/rtcp-twcc/splitting", test_splitting);
  g_test_add_func("/rtcp-twcc/random-round-trip", test_random_round_trip);
  g_test_add_func("/rtcp-twcc/malformed", test_malformed);
  return g_test_run();
}
