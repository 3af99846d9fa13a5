/* Unit tests for the VP8 payload descriptor: known descriptors from mediasoup's tests, real
 * libvpx packets, keyframe rules, and in-place PictureID/TL0PICIDX rewriting. */
#include <string.h>

#include "codec_vp8.h"

/* GStreamer 1.22 libvpx vp8enc ! rtpvp8pay picture-id-mode=15-bit, payloads only (first bytes).
 * Keyframe: S=1 PID=0, PictureID 0x26e8 (M set), frame tag 0xb0 (P=0), start code 9d 01 2a. */
static const guint8 gst_key[] = {0x90, 0x80, 0xa6, 0xe8, 0xb0, 0x0f, 0x00,
                                 0x9d, 0x01, 0x2a, 0xa0, 0x00, 0x78, 0x00};
/* The next frame: interframe, frame tag 0x71 (P=1). */
static const guint8 gst_delta[] = {0x90, 0x80, 0xa6, 0xe9, 0x71, 0x0b, 0x00, 0x01, 0x10, 0x10};

static void
test_mediasoup_descriptors(void)
{
  ArVp8Desc d;
  /* mediasoup worker/test/src/RTC/Codecs/TestVP8.cpp "parse payload descriptor": X, S, I with a
   * 7-bit PictureID 17, then a zero frame-tag byte (so a keyframe). */
  static const guint8 a[] = {0xd0, 0x80, 0x11, 0x00};
  g_assert_true(ar_vp8_parse(&d, a, sizeof a));
  g_assert_true(d.start);
  g_assert_cmpuint(d.partition, ==, 0);
  g_assert_cmpuint(d.picid_bits, ==, 7);
  g_assert_cmpuint(d.picid_off, ==, 2);
  g_assert_cmpuint(ar_vp8_picture_id(&d, a), ==, 17);
  g_assert_cmpuint(d.tl0_off, ==, 0);
  g_assert_cmpuint(d.desc_len, ==, 3);
  g_assert_true(d.keyframe);

  /* "parse payload descriptor 2": X, T, K; TID 3, Y, KEYIDX 4; S=0 so not a keyframe. */
  static const guint8 b[] = {0x88, 0x3e, 0xe4, 0x00};
  g_assert_true(ar_vp8_parse(&d, b, sizeof b));
  g_assert_false(d.start);
  g_assert_cmpuint(d.picid_bits, ==, 0);
  g_assert_cmpuint(d.tid, ==, 3);
  g_assert_true(d.layer_sync);
  g_assert_cmpuint(d.desc_len, ==, 3);
  g_assert_false(d.keyframe);

  /* "parse payload descriptor, encode": PictureID 17 and TL0PICIDX 3, rewritten to 20 and 1. */
  guint8 c[] = {0xd0, 0xc0, 0x11, 0x03};
  g_assert_true(ar_vp8_parse(&d, c, sizeof c));
  g_assert_cmpuint(ar_vp8_picture_id(&d, c), ==, 17);
  g_assert_cmpuint(d.tl0_off, ==, 3);
  g_assert_cmpuint(ar_vp8_tl0picidx(&d, c), ==, 3);
  ar_vp8_set_picture_id(&d, c, 20);
  ar_vp8_set_tl0picidx(&d, c, 1);
  static const guint8 c_want[] = {0xd0, 0xc0, 0x14, 0x01};
  g_assert_cmpmem(c, sizeof c, c_want, sizeof c_want);

  /* "I flag set but no space for pictureId". */
  static const guint8 e[] = {0xd0, 0x80};
  g_assert_false(ar_vp8_parse(&d, e, sizeof e));
  /* "encode VP8 payload descriptor": I L T, 7-bit PictureID 1, TL0PICIDX 1, TID 3. */
  static const guint8 f[] = {0x80, 0xe0, 0x01, 0x01, 0xe8, 0x40, 0x7a, 0xd8};
  g_assert_true(ar_vp8_parse(&d, f, sizeof f));
  g_assert_cmpuint(ar_vp8_picture_id(&d, f), ==, 1);
  g_assert_cmpuint(ar_vp8_tl0picidx(&d, f), ==, 1);
  g_assert_cmpuint(d.tid, ==, 3);
  g_assert_cmpuint(d.desc_len, ==, 5);
}

static void
test_real_libvpx(void)
{
  ArVp8Desc d;
  g_assert_true(ar_vp8_parse(&d, gst_key, sizeof gst_key));
  g_assert_cmpuint(d.picid_bits, ==, 15);
  g_assert_cmpuint(ar_vp8_picture_id(&d, gst_key), ==, 0x26e8);
  g_assert_cmpuint(d.desc_len, ==, 4);
  g_assert_true(d.keyframe);
  g_assert_true(ar_vp8_is_keyframe(gst_key, sizeof gst_key));

  g_assert_true(ar_vp8_parse(&d, gst_delta, sizeof gst_delta));
  g_assert_cmpuint(ar_vp8_picture_id(&d, gst_delta), ==, 0x26e9);
  g_assert_false(d.keyframe);
  g_assert_false(ar_vp8_is_keyframe(gst_delta, sizeof gst_delta));

  /* The same keyframe bytes in a later partition or a continuation packet are not a start. */
  guint8 k[sizeof gst_key];
  memcpy(k, gst_key, sizeof k);
  k[0] = 0x91; /* PID 1 */
  g_assert_false(ar_vp8_is_keyframe(k, sizeof k));
  k[0] = 0x80; /* S = 0 */
  g_assert_false(ar_vp8_is_keyframe(k, sizeof k));
  /* Descriptor with nothing after it: no frame tag, no keyframe. */
  g_assert_false(ar_vp8_is_keyframe(gst_key, 4));
}

static void
test_picture_id_rewrite(void)
{
  ArVp8Desc d;
  guint8 k[sizeof gst_key];
  memcpy(k, gst_key, sizeof k);
  g_assert_true(ar_vp8_parse(&d, k, sizeof k));
  ar_vp8_set_picture_id(&d, k, 0x7fff);
  g_assert_cmpuint(k[2], ==, 0xff);
  g_assert_cmpuint(k[3], ==, 0xff);
  g_assert_cmpuint(ar_vp8_picture_id(&d, k), ==, 0x7fff);
  ar_vp8_set_picture_id(&d, k, 0x8000); /* wraps to the field width, M bit kept */
  g_assert_cmpuint(k[2], ==, 0x80);
  g_assert_cmpuint(k[3], ==, 0x00);
  g_assert_cmpuint(ar_vp8_picture_id(&d, k), ==, 0);
  g_assert_cmpmem(k + 4, sizeof k - 4, gst_key + 4, sizeof k - 4);

  /* 7-bit field: 200 wraps to 72, M stays clear. */
  guint8 s[] = {0x90, 0x80, 0x05, 0x00};
  g_assert_true(ar_vp8_parse(&d, s, sizeof s));
  ar_vp8_set_picture_id(&d, s, 200);
  g_assert_cmpuint(s[2], ==, 72);
  g_assert_cmpuint(ar_vp8_picture_id(&d, s), ==, 72);
}

static void
test_truncation(void)
{
  ArVp8Desc d;
  g_assert_false(ar_vp8_parse(&d, gst_key, 0));
  g_assert_false(ar_vp8_parse(&d, gst_key, 1)); /* X set, no extension byte */
  g_assert_false(ar_vp8_parse(&d, gst_key, 2)); /* I set, no PictureID */
  g_assert_false(ar_vp8_parse(&d, gst_key, 3)); /* 15-bit PictureID cut */
  g_assert_true(ar_vp8_parse(&d, gst_key, 4));
  static const guint8 all[] = {0x90, 0xf0, 0x81, 0x02, 0x03};
  g_assert_false(ar_vp8_parse(&d, all, sizeof all)); /* TID byte missing */
  static const guint8 nox[] = {0x10, 0x00};          /* no X: one-byte descriptor */
  g_assert_true(ar_vp8_parse(&d, nox, sizeof nox));
  g_assert_cmpuint(d.desc_len, ==, 1);
  g_assert_true(d.keyframe);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/codec-vp8/mediasoup-descriptors", test_mediasoup_descriptors);
  g_test_add_func("/codec-vp8/real-libvpx", test_real_libvpx);
  g_test_add_func("/codec-vp8/picture-id-rewrite", test_picture_id_rewrite);
  g_test_add_func("/codec-vp8/truncation", test_truncation);
  return g_test_run();
}
