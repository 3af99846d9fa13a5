/* Unit tests for the RTP header view: byte-exact parses of known packets, in-place rewrites, RFC
 * 8285 extension lookup in both forms, and every bounds rule of ar_rtp_parse. */
#include <string.h>

#include "rtp.h"

/* mediasoup worker/test/src/RTC/RTP/TestPacket.cpp, "Packet::Parse() with One-Byte extensions":
 * id 1 len 1, id 2 len 2, two padding bytes, id 3 len 4, then a 2-byte payload. */
static const guint8 one_byte_pkt[] = {
    0x90, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05, 0xbe, 0xde, 0x00,
    0x03, 0x10, 0xaa, 0x21, 0xbb, 0xff, 0x00, 0x00, 0x33, 0xff, 0xff, 0xff, 0xff, 0x12, 0x23,
};

/* Same file, "Packet::Parse() with Two-Bytes extensions": id 1 len 0, id 2 len 1, id 3 len 2,
 * id 4 len 0, with padding bytes between them. */
static const guint8 two_byte_pkt[] = {
    0x90, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05, 0x10, 0x00, 0x00, 0x04,
    0x00, 0x00, 0x01, 0x00, 0x02, 0x01, 0x42, 0x00, 0x03, 0x02, 0x11, 0x22, 0x00, 0x00, 0x04, 0x00,
};

/* First 32 bytes of a VP8 keyframe packet produced by GStreamer 1.22 (libvpx vp8enc ! rtpvp8pay
 * picture-id-mode=15-bit), no extensions, no padding. */
static const guint8 gst_vp8_pkt[] = {
    0x80, 0x60, 0x3d, 0x3c, 0x03, 0xd5, 0x10, 0xbe, 0xd9, 0x25, 0xaf, 0x5d, 0x90, 0x80, 0xa6, 0xe8,
    0xb0, 0x0f, 0x00, 0x9d, 0x01, 0x2a, 0xa0, 0x00, 0x78, 0x00, 0x00, 0x47, 0x08, 0x85, 0x85, 0x88,
};

static void
test_parse_one_byte(void)
{
  guint8 buf[sizeof one_byte_pkt];
  memcpy(buf, one_byte_pkt, sizeof buf);
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, buf, sizeof buf));
  g_assert_cmpuint(ar_rtp_pt(&v), ==, 1);
  g_assert_false(ar_rtp_marker(&v));
  g_assert_cmpuint(ar_rtp_seq(&v), ==, 8);
  g_assert_cmpuint(ar_rtp_ts(&v), ==, 4);
  g_assert_cmpuint(ar_rtp_ssrc(&v), ==, 5);
  g_assert_cmpuint(v.ext_profile, ==, 0xbede);
  g_assert_cmpuint(v.ext_off, ==, 16);
  g_assert_cmpuint(v.ext_len, ==, 12);
  g_assert_cmpuint(v.header_len, ==, 28);
  g_assert_cmpuint(v.payload_len, ==, 2);
  g_assert_cmpuint(v.pad_len, ==, 0);
  g_assert_true(ar_rtp_payload(&v) == buf + 28);

  guint8 *p;
  guint8 len;
  g_assert_true(ar_rtp_find_ext(&v, 1, &p, &len));
  g_assert_cmpuint(len, ==, 1);
  g_assert_true(p == buf + 17);
  g_assert_true(ar_rtp_find_ext(&v, 2, &p, &len));
  g_assert_cmpuint(len, ==, 2);
  g_assert_true(p == buf + 19);
  g_assert_true(ar_rtp_find_ext(&v, 3, &p, &len));
  g_assert_cmpuint(len, ==, 4);
  g_assert_true(p == buf + 24);
  g_assert_false(ar_rtp_find_ext(&v, 4, &p, &len));
  g_assert_false(ar_rtp_find_ext(&v, 0, &p, &len));
  g_assert_false(ar_rtp_find_ext(&v, 15, &p, &len));
}

static void
test_parse_two_byte(void)
{
  guint8 buf[sizeof two_byte_pkt];
  memcpy(buf, two_byte_pkt, sizeof buf);
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, buf, sizeof buf));
  g_assert_cmpuint(v.ext_profile, ==, 0x1000);
  g_assert_cmpuint(v.ext_len, ==, 16);
  g_assert_cmpuint(v.payload_len, ==, 0);
  guint8 *p;
  guint8 len;
  g_assert_true(ar_rtp_find_ext(&v, 1, &p, &len));
  g_assert_cmpuint(len, ==, 0);
  g_assert_true(ar_rtp_find_ext(&v, 2, &p, &len));
  g_assert_cmpuint(len, ==, 1);
  g_assert_cmpuint(p[0], ==, 0x42);
  g_assert_true(ar_rtp_find_ext(&v, 3, &p, &len));
  g_assert_cmpuint(len, ==, 2);
  g_assert_cmpuint(p[0], ==, 0x11);
  g_assert_cmpuint(p[1], ==, 0x22);
  g_assert_true(ar_rtp_find_ext(&v, 4, &p, &len));
  g_assert_cmpuint(len, ==, 0);
  g_assert_false(ar_rtp_find_ext(&v, 5, &p, &len));
}

static void
test_parse_real_vp8(void)
{
  guint8 buf[sizeof gst_vp8_pkt];
  memcpy(buf, gst_vp8_pkt, sizeof buf);
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, buf, sizeof buf));
  g_assert_cmpuint(ar_rtp_pt(&v), ==, 96);
  g_assert_cmpuint(ar_rtp_seq(&v), ==, 0x3d3c);
  g_assert_cmpuint(ar_rtp_ts(&v), ==, 0x03d510be);
  g_assert_cmpuint(ar_rtp_ssrc(&v), ==, 0xd925af5d);
  g_assert_cmpuint(v.ext_off, ==, 0);
  g_assert_cmpuint(v.header_len, ==, 12);
  g_assert_cmpuint(v.payload_len, ==, 20);
  guint8 *p;
  guint8 len;
  g_assert_false(ar_rtp_find_ext(&v, 1, &p, &len));
}

static void
test_rewrite_in_place(void)
{
  guint8 buf[sizeof one_byte_pkt];
  memcpy(buf, one_byte_pkt, sizeof buf);
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, buf, sizeof buf));
  ar_rtp_set_seq(&v, 0xfffe);
  ar_rtp_set_ts(&v, 0xdeadbeef);
  ar_rtp_set_ssrc(&v, 0x01020304);
  ar_rtp_set_pt(&v, 0xff); /* masked to 7 bits */
  ar_rtp_set_marker(&v, TRUE);
  static const guint8 want_hdr[] = {0x90, 0xff, 0xff, 0xfe, 0xde, 0xad,
                                    0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
  g_assert_cmpmem(buf, 12, want_hdr, 12);
  g_assert_cmpmem(buf + 12, sizeof buf - 12, one_byte_pkt + 12, sizeof buf - 12);
  ar_rtp_set_pt(&v, 111);
  g_assert_true(ar_rtp_marker(&v));
  g_assert_cmpuint(ar_rtp_pt(&v), ==, 111);
  ar_rtp_set_marker(&v, FALSE);
  g_assert_false(ar_rtp_marker(&v));
  g_assert_cmpuint(ar_rtp_pt(&v), ==, 111);

  /* Same-length extension rewrite, and refusal of another length. */
  static const guint8 four[] = {1, 2, 3, 4};
  g_assert_true(ar_rtp_set_ext(&v, 3, four, 4));
  g_assert_cmpmem(buf + 24, 4, four, 4);
  g_assert_false(ar_rtp_set_ext(&v, 3, four, 3));
  g_assert_false(ar_rtp_set_ext(&v, 9, four, 1));
}

/* A packet carrying every extension anteroom negotiates, in the one-byte form; the ids are
 * arbitrary here (the SDP decides them). */
static const guint8 typed_pkt[] = {
    0x90, 0x6f, 0x12, 0x34, 0x00, 0x00, 0x10, 0x00, 0xca,
    0xfe, 0xba, 0xbe, 0xbe, 0xde, 0x00, 0x05, 0x10, 0xaa, /* id 1 audio level: V=1, level 42 */
    0x22, 0x12, 0x34, 0x56,                               /* id 2 abs-send-time */
    0x31, 0x01, 0x02,                                     /* id 3 transport-wide seq 0x0102 */
    0x40, '0',                                            /* id 4 mid "0" */
    0x51, 'h',  'i',                                      /* id 5 rid "hi" */
    0x62, 'l',  'o',  'w',                                /* id 6 repaired rid "low" */
    0x00, 0x00,                                           /* padding to 20 bytes */
    0xde, 0xad,                                           /* payload */
};

static void
test_typed_extensions(void)
{
  guint8 buf[sizeof typed_pkt];
  memcpy(buf, typed_pkt, sizeof buf);
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, buf, sizeof buf));
  g_assert_cmpuint(v.payload_len, ==, 2);

  gboolean voice;
  guint8 level;
  g_assert_true(ar_rtp_ext_audio_level(&v, 1, &voice, &level));
  g_assert_true(voice);
  g_assert_cmpuint(level, ==, 42);

  guint32 ast;
  g_assert_true(ar_rtp_ext_abs_send_time(&v, 2, &ast));
  g_assert_cmpuint(ast, ==, 0x123456);
  g_assert_true(ar_rtp_ext_set_abs_send_time(&v, 2, 0xabcdef));
  g_assert_true(ar_rtp_ext_abs_send_time(&v, 2, &ast));
  g_assert_cmpuint(ast, ==, 0xabcdef);
  g_assert_false(ar_rtp_ext_abs_send_time(&v, 3, &ast)); /* wrong length */

  guint16 tw;
  g_assert_true(ar_rtp_ext_twcc_seq(&v, 3, &tw));
  g_assert_cmpuint(tw, ==, 0x0102);
  g_assert_true(ar_rtp_ext_set_twcc_seq(&v, 3, 0xfedc));
  g_assert_true(ar_rtp_ext_twcc_seq(&v, 3, &tw));
  g_assert_cmpuint(tw, ==, 0xfedc);
  g_assert_false(ar_rtp_ext_twcc_seq(&v, 2, &tw));

  const char *s;
  guint8 len;
  g_assert_true(ar_rtp_ext_string(&v, 4, &s, &len));
  g_assert_cmpmem(s, len, "0", 1);
  g_assert_true(ar_rtp_ext_string(&v, 5, &s, &len));
  g_assert_cmpmem(s, len, "hi", 2);
  g_assert_true(ar_rtp_ext_string(&v, 6, &s, &len));
  g_assert_cmpmem(s, len, "low", 3);
  g_assert_false(ar_rtp_ext_string(&v, 7, &s, &len));

  /* Rewrites touched nothing but their own bytes. */
  g_assert_cmpmem(buf, 19, typed_pkt, 19);
  g_assert_cmpuint(buf[22], ==, 0x31);
  g_assert_cmpmem(buf + 25, sizeof buf - 25, typed_pkt + 25, sizeof buf - 25);
}

static void
test_csrc_and_padding(void)
{
  /* CC=2, P=1: 2 CSRCs, 3 payload bytes, 3 bytes of padding (count 3). */
  guint8 buf[] = {0xa2, 0x00, 0x00, 0x01, 0, 0, 0, 0,    0,    0,    0,    9,    0,
                  0,    0,    1,    0,    0, 0, 2, 0x11, 0x22, 0x33, 0x00, 0x00, 0x03};
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, buf, sizeof buf));
  g_assert_cmpuint(ar_rtp_csrc_count(&v), ==, 2);
  g_assert_cmpuint(ar_rtp_csrc(&v, 0), ==, 1);
  g_assert_cmpuint(ar_rtp_csrc(&v, 1), ==, 2);
  g_assert_cmpuint(v.header_len, ==, 20);
  g_assert_cmpuint(v.pad_len, ==, 3);
  g_assert_cmpuint(v.payload_len, ==, 3);
  /* Padding may take the whole payload area (padding-only probes). */
  buf[sizeof buf - 1] = 6;
  g_assert_true(ar_rtp_parse(&v, buf, sizeof buf));
  g_assert_cmpuint(v.payload_len, ==, 0);
  /* ...but not reach into the header, and a zero count is invalid. */
  buf[sizeof buf - 1] = 7;
  g_assert_false(ar_rtp_parse(&v, buf, sizeof buf));
  buf[sizeof buf - 1] = 0;
  g_assert_false(ar_rtp_parse(&v, buf, sizeof buf));
}

static void
test_bounds(void)
{
  guint8 buf[64];
  ArRtpView v;
  memcpy(buf, one_byte_pkt, sizeof one_byte_pkt);
  /* Every truncation that cuts the header or the extension block fails. */
  for (gsize n = 0; n < 28; n++)
    g_assert_false(ar_rtp_parse(&v, buf, n));
  g_assert_true(ar_rtp_parse(&v, buf, 28));
  g_assert_cmpuint(v.payload_len, ==, 0);

  /* Version must be 2. */
  buf[0] = 0x50;
  g_assert_false(ar_rtp_parse(&v, buf, sizeof one_byte_pkt));
  buf[0] = 0xd0;
  g_assert_false(ar_rtp_parse(&v, buf, sizeof one_byte_pkt));

  /* CSRC count larger than the packet. */
  guint8 csrc[] = {0x8f, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
  g_assert_false(ar_rtp_parse(&v, csrc, sizeof csrc));

  /* Extension length word larger than the packet. */
  memcpy(buf, one_byte_pkt, sizeof one_byte_pkt);
  buf[15] = 0x04;
  g_assert_false(ar_rtp_parse(&v, buf, sizeof one_byte_pkt));
  buf[14] = 0xff;
  buf[15] = 0xff;
  g_assert_false(ar_rtp_parse(&v, buf, sizeof one_byte_pkt));
}

static void
test_malformed_extension_elements(void)
{
  /* One-byte element claiming 16 bytes in a 4-byte block: lookup must not read past it. */
  guint8 bad[] = {0x90, 0, 0,    1,    0,    0,    0,    1,    0,    0,
                  0,    1, 0xbe, 0xde, 0x00, 0x01, 0x1f, 0xaa, 0xbb, 0xcc};
  ArRtpView v;
  guint8 *p;
  guint8 len;
  g_assert_true(ar_rtp_parse(&v, bad, sizeof bad));
  g_assert_false(ar_rtp_find_ext(&v, 1, &p, &len));
  g_assert_false(ar_rtp_find_ext(&v, 2, &p, &len));

  /* Id 15 ends processing: an element after it is not found. */
  guint8 stop[] = {0x90, 0, 0,    1,    0,    0,    0,    1,    0,    0,
                   0,    1, 0xbe, 0xde, 0x00, 0x01, 0xf0, 0x20, 0xaa, 0x00};
  g_assert_true(ar_rtp_parse(&v, stop, sizeof stop));
  g_assert_false(ar_rtp_find_ext(&v, 2, &p, &len));

  /* Two-byte element whose length runs past the block. */
  guint8 bad2[] = {0x90, 0, 0,    1,    0,    0,    0,    1,    0,    0,
                   0,    1, 0x10, 0x00, 0x00, 0x01, 0x01, 0x05, 0xaa, 0xbb};
  g_assert_true(ar_rtp_parse(&v, bad2, sizeof bad2));
  g_assert_false(ar_rtp_find_ext(&v, 1, &p, &len));

  /* An unknown profile carries no RFC 8285 elements. */
  guint8 other[] = {0x90, 0, 0,    1,    0,    0,    0,    1,    0,    0,
                    0,    1, 0x00, 0x01, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00};
  g_assert_true(ar_rtp_parse(&v, other, sizeof other));
  g_assert_false(ar_rtp_find_ext(&v, 1, &p, &len));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtp/parse-one-byte", test_parse_one_byte);
  g_test_add_func("/rtp/parse-two-byte", test_parse_two_byte);
  g_test_add_func("/rtp/parse-real-vp8", test_parse_real_vp8);
  g_test_add_func("/rtp/rewrite-in-place", test_rewrite_in_place);
  g_test_add_func("/rtp/typed-extensions", test_typed_extensions);
  g_test_add_func("/rtp/csrc-and-padding", test_csrc_and_padding);
  g_test_add_func("/rtp/bounds", test_bounds);
  g_test_add_func("/rtp/malformed-extension-elements", test_malformed_extension_elements);
  return g_test_run();
}
