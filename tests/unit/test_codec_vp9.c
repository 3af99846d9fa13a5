/* Unit tests for the VP9 payload descriptor: real libvpx packets, layer ids, keyframe rule. */
#include "codec_vp9.h"

/* GStreamer 1.22 libvpx vp9enc ! rtpvp9pay picture-id-mode=15-bit, payloads (first bytes).
 * Keyframe: I, B, V (scalability structure 160x120); PictureID 0x4586. */
static const guint8 gst_key[] = {0x8a, 0xc5, 0x86, 0x18, 0x00, 0xa0, 0x00, 0x78, 0x01, 0x04};
/* Next frame: I, P, B, E; PictureID 0x4587. */
static const guint8 gst_delta[] = {0xcc, 0xc5, 0x87, 0xb3, 0x00, 0x20, 0x49, 0x4e};

static void
test_real_libvpx(void)
{
  ArVp9Desc d;
  g_assert_true(ar_vp9_parse(&d, gst_key, sizeof gst_key));
  g_assert_false(d.inter);
  g_assert_true(d.begin);
  g_assert_false(d.end);
  g_assert_true(d.has_ss);
  g_assert_cmpuint(d.picid_bits, ==, 15);
  g_assert_cmpuint(d.picid_off, ==, 1);
  g_assert_cmpuint(d.desc_len, ==, 3);
  g_assert_true(d.keyframe);
  g_assert_true(ar_vp9_is_keyframe(gst_key, sizeof gst_key));

  g_assert_true(ar_vp9_parse(&d, gst_delta, sizeof gst_delta));
  g_assert_true(d.inter);
  g_assert_true(d.end);
  g_assert_false(d.keyframe);
  g_assert_false(ar_vp9_is_keyframe(gst_delta, sizeof gst_delta));
}

static void
test_layers(void)
{
  ArVp9Desc d;
  /* mediasoup worker/test/src/RTC/Codecs/TestVP9.cpp CreateVP9Packet: 0xAD (I L B E Z), 15-bit
   * PictureID, layer byte TID<<5 | U, then TL0PICIDX (non-flexible mode). TID 2, SID 0. */
  static const guint8 a[] = {0xad, 0x80, 0x05, (2 << 5) | (1 << 4), 0x00, 0x00};
  g_assert_true(ar_vp9_parse(&d, a, sizeof a));
  g_assert_cmpuint(d.tid, ==, 2);
  g_assert_cmpuint(d.sid, ==, 0);
  g_assert_cmpuint(d.desc_len, ==, 5);
  g_assert_true(d.keyframe);
  /* Same with SID 1: an upper spatial layer does not start a keyframe. */
  static const guint8 b[] = {0xad, 0x80, 0x05, (2 << 5) | (1 << 1), 0x00, 0x00};
  g_assert_true(ar_vp9_parse(&d, b, sizeof b));
  g_assert_cmpuint(d.sid, ==, 1);
  g_assert_false(d.keyframe);
  /* Flexible mode: no TL0PICIDX after the layer byte. */
  static const guint8 c[] = {0xb8, 0x05, 0x00};
  g_assert_true(ar_vp9_parse(&d, c, sizeof c));
  g_assert_true(d.flexible);
  g_assert_cmpuint(d.picid_bits, ==, 7);
  g_assert_cmpuint(d.desc_len, ==, 3);
  /* B not set: a continuation packet is never a keyframe start. */
  static const guint8 e[] = {0x84, 0x05};
  g_assert_true(ar_vp9_parse(&d, e, sizeof e));
  g_assert_false(d.keyframe);
}

static void
test_truncation(void)
{
  ArVp9Desc d;
  g_assert_false(ar_vp9_parse(&d, gst_key, 0));
  g_assert_false(ar_vp9_parse(&d, gst_key, 1));
  g_assert_false(ar_vp9_parse(&d, gst_key, 2));
  g_assert_true(ar_vp9_parse(&d, gst_key, 3));
  static const guint8 a[] = {0xad, 0x80, 0x05, 0x40};
  g_assert_false(ar_vp9_parse(&d, a, 3)); /* L byte missing */
  g_assert_false(ar_vp9_parse(&d, a, 4)); /* TL0PICIDX missing */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/codec-vp9/real-libvpx", test_real_libvpx);
  g_test_add_func("/codec-vp9/layers", test_layers);
  g_test_add_func("/codec-vp9/truncation", test_truncation);
  return g_test_run();
}
