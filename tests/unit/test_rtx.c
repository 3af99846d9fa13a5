/* Unit tests for RFC 4588 wrap/unwrap in place: wrap then unwrap restores the original bytes, the
 * OSN lands where RFC 4588 4 puts it, extensions stay reachable, and the edge cases refuse. */
#include <string.h>

#include "rtx.h"

/* An Opus-like packet with a one-byte extension block (transport-wide seq, id 3) and padding. */
static const guint8 orig[] = {
    0xb0, 0xe0, 0x5c, 0x41, 0x62, 0xf5, 0x0b, 0xda, 0x9f, 0x71, 0x6e, 0xe2, 0xbe, 0xde,
    0x00, 0x01, 0x31, 0x00, 0x2a, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x00, 0x00, 0x03,
};

static void
test_wrap_unwrap_round_trip(void)
{
  guint8 mem[2 + sizeof orig];
  memcpy(mem + 2, orig, sizeof orig);
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, mem + 2, sizeof orig));

  g_assert_true(ar_rtx_wrap(&v, 2, 97, 0x11223344, 0x0007));
  g_assert_true(v.buf == mem);
  g_assert_cmpuint(v.len, ==, sizeof orig + 2);
  g_assert_cmpuint(v.payload_len, ==, 7);

  /* What a receiver sees: a valid RTP packet of the RTX stream with the OSN first. */
  ArRtpView r;
  g_assert_true(ar_rtp_parse(&r, mem, sizeof mem));
  g_assert_cmpuint(ar_rtp_pt(&r), ==, 97);
  g_assert_true(ar_rtp_marker(&r)); /* marker is kept from the original */
  g_assert_cmpuint(ar_rtp_seq(&r), ==, 7);
  g_assert_cmpuint(ar_rtp_ssrc(&r), ==, 0x11223344);
  g_assert_cmpuint(ar_rtp_ts(&r), ==, 0x62f50bda);
  g_assert_cmpuint(ar_be16(ar_rtp_payload(&r)), ==, 0x5c41);
  g_assert_cmpmem(ar_rtp_payload(&r) + 2, 5, orig + 20, 5);
  g_assert_cmpuint(r.pad_len, ==, 3);
  guint16 tw;
  g_assert_true(ar_rtp_ext_twcc_seq(&r, 3, &tw));
  g_assert_cmpuint(tw, ==, 0x002a);

  g_assert_true(ar_rtx_unwrap(&r, 96, 0x9f716ee2));
  g_assert_true(r.buf == mem + 2);
  g_assert_cmpuint(r.len, ==, sizeof orig);
  g_assert_cmpuint(r.payload_len, ==, 5);
  g_assert_cmpmem(r.buf, r.len, orig, sizeof orig);
  g_assert_true(ar_rtp_ext_twcc_seq(&r, 3, &tw));
  g_assert_cmpuint(tw, ==, 0x002a);
}

static void
test_refusals(void)
{
  guint8 mem[2 + sizeof orig];
  memcpy(mem + 2, orig, sizeof orig);
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, mem + 2, sizeof orig));
  g_assert_false(ar_rtx_wrap(&v, 1, 97, 1, 1));
  g_assert_true(v.buf == mem + 2);
  g_assert_cmpmem(mem + 2, sizeof orig, orig, sizeof orig);

  /* A padding-only RTX probe (libwebrtc sends these for bandwidth probing) has no OSN. */
  guint8 probe[] = {0xa0, 97, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4};
  g_assert_true(ar_rtp_parse(&v, probe, sizeof probe));
  g_assert_false(ar_rtx_unwrap(&v, 96, 3));
  g_assert_cmpuint(ar_rtp_seq(&v), ==, 9);
  /* A one-byte payload cannot hold an OSN either. */
  guint8 one[] = {0x80, 97, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0xaa};
  g_assert_true(ar_rtp_parse(&v, one, sizeof one));
  g_assert_false(ar_rtx_unwrap(&v, 96, 3));
  /* An RTX packet of just the OSN (empty original payload) unwraps. */
  guint8 two[] = {0x80, 97, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0x12, 0x34};
  g_assert_true(ar_rtp_parse(&v, two, sizeof two));
  g_assert_true(ar_rtx_unwrap(&v, 96, 3));
  g_assert_cmpuint(ar_rtp_seq(&v), ==, 0x1234);
  g_assert_cmpuint(v.payload_len, ==, 0);
  g_assert_cmpuint(v.len, ==, 12);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtx/wrap-unwrap-round-trip", test_wrap_unwrap_round_trip);
  g_test_add_func("/rtx/refusals", test_refusals);
  return g_test_run();
}
