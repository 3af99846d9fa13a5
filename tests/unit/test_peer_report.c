/* anteroom-peer's verdict (its exit status), report lines as JSON, and the audio meter's
 * energy per interval, fed through a real pad probe. */
#include "peer/peer_report.h"

#include <math.h>

static ArPeerReport
connected_report(void)
{
  ArPeerReport r = {0};
  r.t_ms = 6000;
  r.state = "connected";
  r.ice_state = "completed";
  r.srtp_profile = "SRTP_AES128_CM_SHA1_80";
  r.connected_once = TRUE;
  r.meter.video_frames_received = 150;
  r.meter.audio_buffers_received = 250;
  r.meter.audio_rms = 0.2;
  r.meter.audio_rms_max = 0.21;
  r.meter.audio_rms_run = 0.19;
  return r;
}

static void
test_device_check_verdict(void)
{
  ArPeerExpect both = {AR_PEER_PURPOSE_DEVICE_CHECK, TRUE, TRUE};
  const char *reason = "unset";
  ArPeerReport r = connected_report();
  g_assert_true(ar_peer_report_verdict(&r, &both, &reason));
  g_assert_null(reason);

  r.meter.video_frames_received = 0;
  g_assert_false(ar_peer_report_verdict(&r, &both, &reason));
  g_assert_cmpstr(reason, ==, "no echoed video frame was decoded");
  /* Not sending video: no video expected back. */
  ArPeerExpect audio_only = {AR_PEER_PURPOSE_DEVICE_CHECK, FALSE, TRUE};
  g_assert_true(ar_peer_report_verdict(&r, &audio_only, &reason));

  r = connected_report();
  r.meter.audio_buffers_received = 0;
  g_assert_false(ar_peer_report_verdict(&r, &both, &reason));
  g_assert_cmpstr(reason, ==, "no echoed audio was decoded");

  r = connected_report();
  r.connected_once = FALSE;
  g_assert_false(ar_peer_report_verdict(&r, &both, &reason));
  g_assert_cmpstr(reason, ==, "the server never reported the transport connected");

  r = connected_report();
  r.failure = "the server reports the transport failed: dtls_timeout";
  g_assert_false(ar_peer_report_verdict(&r, &both, &reason));
  g_assert_cmpstr(reason, ==, r.failure);
}

static void
test_visit_verdict(void)
{
  ArPeerExpect visit = {AR_PEER_PURPOSE_VISIT, TRUE, TRUE};
  const char *reason = NULL;
  ArPeerReport r = connected_report();
  r.meter.video_frames_received = 0; /* alone in the visit: nothing comes back */
  r.meter.audio_buffers_received = 0;
  g_assert_true(ar_peer_report_verdict(&r, &visit, &reason));
  r.connected_once = FALSE;
  g_assert_false(ar_peer_report_verdict(&r, &visit, &reason));
}

static JsonObject *
parse_line(const char *line, JsonParser *parser)
{
  g_assert_null(strchr(line, '\n')); /* one line per report */
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_data(parser, line, -1, &error));
  return json_node_get_object(json_parser_get_root(parser));
}

static void
test_lines(void)
{
  ArPeerReport r = connected_report();
  g_autoptr(JsonParser) p1 = json_parser_new();
  g_autofree char *line = ar_peer_report_line(&r);
  JsonObject *o = parse_line(line, p1);
  g_assert_cmpint(json_object_get_int_member(o, "t_ms"), ==, 6000);
  g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "connected");
  g_assert_cmpint(json_object_get_int_member(o, "video_frames_received"), ==, 150);
  g_assert_cmpint(json_object_get_int_member(o, "audio_buffers_received"), ==, 250);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(o, "audio_rms"), 0.2, 1e-9);
  g_assert_cmpstr(json_object_get_string_member(o, "srtp_profile"), ==, "SRTP_AES128_CM_SHA1_80");
  g_assert_true(json_object_get_null_member(o, "stats"));
  g_assert_false(json_object_has_member(o, "final"));

  /* Before anything happened: state "new", no profile; server stats are carried as given. */
  ArPeerReport early = {0};
  g_autoptr(JsonParser) sp = json_parser_new();
  g_assert_true(json_parser_load_from_data(sp, "{\"rtt_ms\":3,\"verdict\":\"good\"}", -1, NULL));
  early.stats = json_parser_get_root(sp);
  g_autoptr(JsonParser) p2 = json_parser_new();
  g_autofree char *line2 = ar_peer_report_line(&early);
  o = parse_line(line2, p2);
  g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "new");
  g_assert_true(json_object_get_null_member(o, "srtp_profile"));
  JsonObject *stats = json_object_get_object_member(o, "stats");
  g_assert_cmpint(json_object_get_int_member(stats, "rtt_ms"), ==, 3);
  g_assert_cmpstr(json_object_get_string_member(stats, "verdict"), ==, "good");

  ArPeerExpect both = {AR_PEER_PURPOSE_DEVICE_CHECK, TRUE, TRUE};
  g_autoptr(JsonParser) p3 = json_parser_new();
  g_autofree char *fin = ar_peer_report_final_line(&r, &both);
  o = parse_line(fin, p3);
  g_assert_true(json_object_get_boolean_member(o, "final"));
  g_assert_cmpstr(json_object_get_string_member(o, "result"), ==, "ok");
  g_assert_true(json_object_get_null_member(o, "reason"));
  g_assert_cmpstr(json_object_get_string_member(o, "purpose"), ==, "device_check");
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(o, "audio_rms_max"), 0.21, 1e-9);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(o, "audio_rms"), 0.19, 1e-9);

  r.meter.video_frames_received = 0;
  g_autoptr(JsonParser) p4 = json_parser_new();
  g_autofree char *fail = ar_peer_report_final_line(&r, &both);
  o = parse_line(fail, p4);
  g_assert_cmpstr(json_object_get_string_member(o, "result"), ==, "fail");
  g_assert_cmpstr(json_object_get_string_member(o, "reason"), ==,
                  "no echoed video frame was decoded");
}

static void
test_purpose_names(void)
{
  ArPeerPurpose p;
  g_assert_true(ar_peer_purpose_parse("visit", &p));
  g_assert_cmpint(p, ==, AR_PEER_PURPOSE_VISIT);
  g_assert_cmpstr(ar_peer_purpose_name(p), ==, "visit");
  g_assert_true(ar_peer_purpose_parse("device_check", &p));
  g_assert_cmpstr(ar_peer_purpose_name(p), ==, "device_check");
  g_assert_false(ar_peer_purpose_parse("echo", &p));
  g_assert_false(ar_peer_purpose_parse(NULL, &p));
}

static void
test_sum_squares(void)
{
  gint16 full[4] = {32767, -32768, 32767, -32768};
  g_assert_cmpfloat_with_epsilon(sqrt(ar_peer_meter_sum_squares_s16(full, 4) / 4), 1.0, 1e-4);
  gint16 silence[8] = {0};
  g_assert_cmpfloat(ar_peer_meter_sum_squares_s16(silence, 8), ==, 0.0);
  gint16 sine[480];
  for (guint i = 0; i < G_N_ELEMENTS(sine); i++)
    sine[i] = (gint16)(0.3 * 32767 * sin(2 * G_PI * 440 * i / 48000.0));
  double rms = sqrt(ar_peer_meter_sum_squares_s16(sine, 480) / 480);
  g_assert_cmpfloat_with_epsilon(rms, 0.3 / G_SQRT2, 0.005);
}

static GstFlowReturn
swallow(GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  gst_buffer_unref(buf);
  return GST_FLOW_OK;
}

static void
push_s16(GstPad *src, gint16 value, guint n)
{
  gint16 *samples = g_new(gint16, n);
  for (guint i = 0; i < n; i++)
    samples[i] = (i % 2) ? value : (gint16)-value;
  g_assert_cmpint(gst_pad_push(src, gst_buffer_new_wrapped(samples, n * sizeof(gint16))), ==,
                  GST_FLOW_OK);
}

/* RMS is per snapshot interval; the maximum and the counters persist. */
static void
test_meter_intervals(void)
{
  g_autoptr(ArPeerMeter) m = ar_peer_meter_new();
  GstPad *src = gst_pad_new("src", GST_PAD_SRC);
  GstPad *sink = gst_pad_new("sink", GST_PAD_SINK);
  gst_pad_set_chain_function(sink, swallow);
  g_assert_cmpint(gst_pad_link(src, sink), ==, GST_PAD_LINK_OK);
  gst_pad_set_active(sink, TRUE);
  gst_pad_set_active(src, TRUE);
  gst_pad_push_event(src, gst_event_new_stream_start("s"));
  g_autoptr(GstCaps) caps = gst_caps_from_string("audio/x-raw,format=S16LE,channels=1,rate=48000");
  gst_pad_push_event(src, gst_event_new_caps(caps));
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_pad_push_event(src, gst_event_new_segment(&seg));
  ar_peer_meter_watch_audio_received(m, sink);

  ArPeerMeterSnapshot s;
  push_s16(src, 16384, 960); /* a square wave at half scale: RMS 0.5 */
  push_s16(src, 16384, 960);
  ar_peer_meter_snapshot(m, &s);
  g_assert_cmpuint(s.audio_buffers_received, ==, 2);
  g_assert_cmpfloat_with_epsilon(s.audio_rms, 0.5, 1e-6);
  ar_peer_meter_snapshot(m, &s); /* nothing since: the interval's RMS is 0, the max stays */
  g_assert_cmpfloat(s.audio_rms, ==, 0.0);
  g_assert_cmpfloat_with_epsilon(s.audio_rms_max, 0.5, 1e-6);
  push_s16(src, 8192, 960);
  ar_peer_meter_snapshot(m, &s);
  g_assert_cmpuint(s.audio_buffers_received, ==, 3);
  g_assert_cmpfloat_with_epsilon(s.audio_rms, 0.25, 1e-6);
  g_assert_cmpfloat_with_epsilon(s.audio_rms_max, 0.5, 1e-6);
  /* The run's RMS weighs every sample: two buffers at 0.5 and one at 0.25. */
  g_assert_cmpfloat_with_epsilon(s.audio_rms_run, sqrt((2 * 0.25 + 0.0625) / 3), 1e-6);
  g_assert_cmpuint(s.video_frames_received, ==, 0);

  gst_pad_set_active(src, FALSE);
  gst_pad_set_active(sink, FALSE);
  gst_object_unref(src);
  gst_object_unref(sink);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/peer_report/device_check_verdict", test_device_check_verdict);
  g_test_add_func("/peer_report/visit_verdict", test_visit_verdict);
  g_test_add_func("/peer_report/lines", test_lines);
  g_test_add_func("/peer_report/purpose_names", test_purpose_names);
  g_test_add_func("/peer_report/sum_squares", test_sum_squares);
  g_test_add_func("/peer_report/meter_intervals", test_meter_intervals);
  int rc = g_test_run();
  /* Frees GStreamer's registry and pools, so the leak checker sees only our own leaks. */
  gst_deinit();
  return rc;
}
