/* Unit tests for H.264 keyframe detection over real payloads (OpenH264 through GStreamer's
 * rtph264pay, pion and mediasoup test vectors) and malformed aggregation packets. */
#include "codec_h264.h"

/* GStreamer 1.22 openh264enc ! rtph264pay aggregate-mode=zero-latency, payloads (first bytes):
 * STAP-A with SPS (15 bytes) and PPS (4 bytes). */
static const guint8 gst_stap_a[] = {0x78, 0x00, 0x0f, 0x67, 0x42, 0xc0, 0x0b, 0x8c,
                                    0x8d, 0x41, 0x42, 0x2f, 0x2c, 0x03, 0xc2, 0x21,
                                    0x1a, 0x80, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80};
/* FU-A, S bit, IDR slice. */
static const guint8 gst_fu_a_idr[] = {0x7c, 0x85, 0xb8, 0x00, 0x04, 0x00, 0x00, 0x04};
/* Next frame: a single non-IDR slice (type 1). */
static const guint8 gst_slice[] = {0x61, 0xe0, 0x00, 0x40, 0x00, 0xbe, 0x40, 0x43};

static void
test_real_openh264(void)
{
  g_assert_true(ar_h264_is_keyframe(gst_stap_a, sizeof gst_stap_a));
  g_assert_true(ar_h264_is_keyframe(gst_fu_a_idr, sizeof gst_fu_a_idr));
  g_assert_false(ar_h264_is_keyframe(gst_slice, sizeof gst_slice));
  /* The same FU-A without S (a middle fragment) does not start a keyframe. */
  static const guint8 mid[] = {0x7c, 0x05, 0xb8, 0x00};
  g_assert_false(ar_h264_is_keyframe(mid, sizeof mid));
  /* FU-A of a non-IDR slice. */
  static const guint8 fu_p[] = {0x7c, 0x81, 0xb8, 0x00};
  g_assert_false(ar_h264_is_keyframe(fu_p, sizeof fu_p));
}

static void
test_vectors(void)
{
  /* mediasoup worker/test/src/RTC/Codecs/TestH264.cpp: a single SPS NAL. */
  static const guint8 sps[] = {0x07, 0x80, 0x11, 0x00};
  g_assert_true(ar_h264_is_keyframe(sps, sizeof sps));
  /* pion/rtp codecs/h264_packet_test.go singlePayloadMultiNALU: STAP-A SPS + PPS. */
  static const guint8 stap[] = {0x78, 0x00, 0x0f, 0x67, 0x42, 0xc0, 0x1f, 0x1a, 0x32,
                                0x35, 0x01, 0x40, 0x7a, 0x40, 0x3c, 0x22, 0x11, 0xa8,
                                0x00, 0x05, 0x68, 0x1a, 0x34, 0xe3, 0xc8};
  g_assert_true(ar_h264_is_keyframe(stap, sizeof stap));
  /* pion's incompleteSinglePayloadMultiNALU: the first NAL size runs past the payload. */
  g_assert_false(ar_h264_is_keyframe(stap, 17));
  /* STAP-A of a PPS then an IDR: the scan reaches the second unit. */
  static const guint8 stap2[] = {0x78, 0x00, 0x02, 0x68, 0xce, 0x00, 0x02, 0x65, 0x88};
  g_assert_true(ar_h264_is_keyframe(stap2, sizeof stap2));
  /* STAP-A of two non-key units; and one with a zero size. */
  static const guint8 stap3[] = {0x78, 0x00, 0x02, 0x68, 0xce, 0x00, 0x02, 0x61, 0x88};
  g_assert_false(ar_h264_is_keyframe(stap3, sizeof stap3));
  static const guint8 stap0[] = {0x78, 0x00, 0x00, 0x65, 0x88};
  g_assert_false(ar_h264_is_keyframe(stap0, sizeof stap0));
  /* Single IDR NAL; reserved/unsupported types. */
  static const guint8 idr[] = {0x65, 0x88};
  g_assert_true(ar_h264_is_keyframe(idr, sizeof idr));
  static const guint8 fub[] = {0x1d, 0x85};
  g_assert_false(ar_h264_is_keyframe(fub, sizeof fub));
  static const guint8 zero[] = {0x00};
  g_assert_false(ar_h264_is_keyframe(zero, sizeof zero));
  g_assert_false(ar_h264_is_keyframe(idr, 0));
  g_assert_false(ar_h264_is_keyframe(gst_fu_a_idr, 1));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/codec-h264/real-openh264", test_real_openh264);
  g_test_add_func("/codec-h264/vectors", test_vectors);
  return g_test_run();
}
