/* The visit recorder: the shipped conf equals the built-in defaults and a bad file changes
 * nothing; real Opus and VP8 RTP become a Matroska file with both tracks; a codec the muxer
 * cannot take is skipped with the reason; the queue in front of the muxer is bounded (drops
 * are counted); a file that cannot be written is an error at start; Chrome's RED-wrapped Opus
 * is recorded as its primary frames, each once. */
#include "recorder.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <string.h>

static void
test_shipped_file_equals_defaults(void)
{
  g_autofree char *path =
      g_build_filename(g_getenv("AR_SOURCE_DIR"), "conf", "recorder-pipelines.conf", NULL);
  ArRecorderPipelines shipped = {0}, builtin = {0};
  ar_recorder_pipelines_init_defaults(&shipped);
  ar_recorder_pipelines_init_defaults(&builtin);
  g_free(shipped.muxer);
  shipped.muxer = g_strdup("x");
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_recorder_pipelines_load_file(&shipped, path, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(shipped.muxer, ==, builtin.muxer);
  g_assert_cmpstr(shipped.extension, ==, builtin.extension);
  g_assert_cmpstr(shipped.jitterbuffer, ==, builtin.jitterbuffer);
  g_assert_cmpstr(shipped.opus, ==, builtin.opus);
  g_assert_cmpstr(shipped.vp8, ==, builtin.vp8);
  g_assert_cmpstr(shipped.vp9, ==, builtin.vp9);
  g_assert_cmpstr(shipped.h264, ==, builtin.h264);
  ar_recorder_pipelines_clear(&shipped);
  ar_recorder_pipelines_clear(&builtin);
}

static void
test_bad_file_changes_nothing(void)
{
  ArRecorderPipelines p = {0};
  ar_recorder_pipelines_init_defaults(&p);
  static const char *const bad[] = {
      "[recorder]\nmuxer = webmmux\nmuxr = x\n", /* unknown key, after a good one */
      "[depayloaders]\nopus =   \n",             /* empty value */
      "[nope]\nmuxer = webmmux\n",               /* unknown group */
      "not a key file",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(ar_recorder_pipelines_load_data(&p, bad[i], strlen(bad[i]), "t", &error));
    g_assert_error(error, AR_RECORDER_ERROR, AR_RECORDER_ERROR_CONF);
    g_assert_cmpstr(p.muxer, ==, "matroskamux writing-app=anteroom");
  }
  ar_recorder_pipelines_clear(&p);
}

/* RTP packets from a real encoder and payloader. */
static GPtrArray *
rtp_packets(const char *desc)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *full = g_strdup_printf("%s ! appsink name=out sync=false", desc);
  GstElement *pl = gst_parse_launch(full, &error);
  g_assert_no_error(error);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pl), "out");
  gst_element_set_state(pl, GST_STATE_PLAYING);
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  GstSample *s;
  while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
    GstMapInfo map;
    GstBuffer *b = gst_sample_get_buffer(s);
    gst_buffer_map(b, &map, GST_MAP_READ);
    g_ptr_array_add(out, g_bytes_new(map.data, map.size));
    gst_buffer_unmap(b, &map);
    gst_sample_unref(s);
  }
  gst_element_set_state(pl, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pl);
  return out;
}

typedef struct {
  gboolean done, ok;
  char *reason;
} Outcome;

static void
on_done(ArRecorder *r, gboolean ok, const char *reason, gpointer user_data)
{
  Outcome *o = user_data;
  o->done = TRUE;
  o->ok = ok;
  o->reason = g_strdup(reason);
}

static void
push_all(ArRecorder *r, gint key, GPtrArray *pkts)
{
  for (guint i = 0; i < pkts->len; i++) {
    gsize len;
    const guint8 *d = g_bytes_get_data(g_ptr_array_index(pkts, i), &len);
    ar_recorder_push(r, key, d, len);
  }
}

static gint64
media_us(GBytes *pkt, guint32 first_ts, guint clock_rate)
{
  const guint8 *d = g_bytes_get_data(pkt, NULL);
  guint32 ts = (guint32)d[4] << 24 | (guint32)d[5] << 16 | (guint32)d[6] << 8 | d[7];
  return (gint64)(guint32)(ts - first_ts) * G_USEC_PER_SEC / clock_rate;
}

static guint32
first_ts(GPtrArray *pkts)
{
  const guint8 *d = g_bytes_get_data(g_ptr_array_index(pkts, 0), NULL);
  return (guint32)d[4] << 24 | (guint32)d[5] << 16 | (guint32)d[6] << 8 | d[7];
}

/* Two tracks' packets at the pace their RTP timestamps give, as they arrive from a network,
 * then a pause longer than the jitter buffer's latency before the stop. */
static void
push_paced(ArRecorder *r, gint key_a, GPtrArray *a, guint rate_a, gint key_b, GPtrArray *b,
           guint rate_b)
{
  guint32 fa = first_ts(a), fb = first_ts(b);
  gint64 start = g_get_monotonic_time();
  guint i = 0, j = 0;
  while (i < a->len || j < b->len) {
    gint64 ta = i < a->len ? media_us(g_ptr_array_index(a, i), fa, rate_a) : G_MAXINT64;
    gint64 tb = j < b->len ? media_us(g_ptr_array_index(b, j), fb, rate_b) : G_MAXINT64;
    gboolean take_a = ta <= tb;
    gint64 due = start + (take_a ? ta : tb);
    gint64 now = g_get_monotonic_time();
    if (due > now)
      g_usleep((gulong)(due - now));
    GBytes *pkt = g_ptr_array_index(take_a ? a : b, take_a ? i++ : j++);
    gsize len;
    const guint8 *d = g_bytes_get_data(pkt, &len);
    ar_recorder_push(r, take_a ? key_a : key_b, d, len);
  }
  g_usleep(500000);
}

static void
on_pad(GstElement *demux, GstPad *pad, gpointer user_data)
{
  GstElement *pl = user_data;
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add(GST_BIN(pl), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad *sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
}

/* Counts the tracks of a finished file by playing it through the demuxer to the end. */
static guint
count_tracks(const char *path, const char *demuxer)
{
  g_autofree char *desc = g_strdup_printf("filesrc location=\"%s\" ! %s name=d", path, demuxer);
  GstElement *pl = gst_parse_launch(desc, NULL);
  GstElement *d = gst_bin_get_by_name(GST_BIN(pl), "d");
  g_signal_connect(d, "pad-added", G_CALLBACK(on_pad), pl);
  gst_element_set_state(pl, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pl);
  GstMessage *m =
      gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull(m);
  g_assert_cmpint(GST_MESSAGE_TYPE(m), ==, GST_MESSAGE_EOS);
  gst_message_unref(m);
  gst_object_unref(bus);
  guint n = d->numsrcpads;
  gst_element_set_state(pl, GST_STATE_NULL);
  gst_object_unref(d);
  gst_object_unref(pl);
  return n;
}

static const ArRecorderTrack tracks[] = {
    {1, "par_a", "0", TRUE, "opus", 111, 48000},
    {2, "par_a", "1", FALSE, "VP8", 96, 90000},
    {3, "par_b", "0", FALSE, "H264", 102, 90000},
};

static void
test_records_and_skips(gconstpointer data)
{
  gboolean webm = GPOINTER_TO_INT(data);
  g_autofree char *dir = g_dir_make_tmp("rec-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, webm ? "a.webm" : "a.mkv", NULL);
  ArRecorderPipelines pl = {0};
  ar_recorder_pipelines_init_defaults(&pl);
  if (webm) {
    g_free(pl.muxer);
    pl.muxer = g_strdup("webmmux");
  }
  g_autoptr(GPtrArray) opus =
      rtp_packets("audiotestsrc num-buffers=50 ! opusenc ! rtpopuspay pt=111");
  g_autoptr(GPtrArray) vp8 =
      rtp_packets("videotestsrc num-buffers=30 ! video/x-raw,width=160,height=120,framerate=30/1 ! "
                  "vp8enc deadline=1 ! rtpvp8pay pt=96");
  Outcome o = {0};
  g_autoptr(GError) error = NULL;
  ArRecorder *r = ar_recorder_new(&pl, path, tracks, G_N_ELEMENTS(tracks), 4 << 20,
                                  g_main_context_default(), on_done, &o, &error);
  g_assert_no_error(error);
  /* matroskamux takes H.264; webmmux does not, and says so. */
  g_assert_cmpuint(ar_recorder_n_tracks(r), ==, webm ? 2 : 3);
  if (webm)
    g_assert_nonnull(strstr(ar_recorder_skipped(r), "par_b video H264: webmmux cannot take it"));
  else
    g_assert_cmpstr(ar_recorder_skipped(r), ==, "");
  push_all(r, 99, vp8); /* not a recorded track: ignored */
  push_paced(r, 1, opus, 48000, 2, vp8, 90000);
  ar_recorder_stop(r);
  while (!o.done)
    g_main_context_iteration(NULL, TRUE);
  g_assert_true(o.ok);
  g_assert_cmpuint(ar_recorder_dropped(r), ==, 0);
  ar_recorder_free(r);
  /* Opus and VP8; the H.264 track got no packet, so it has no caps and is not in the file (and
   * its empty branch did not hold the others back at the stop). */
  g_assert_cmpuint(count_tracks(path, "matroskademux"), ==, 2);
  g_unlink(path);
  g_rmdir(dir);
  g_free(o.reason);
  ar_recorder_pipelines_clear(&pl);
}

static GstPadProbeReturn
count_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  g_atomic_int_inc((gint *)user_data);
  return GST_PAD_PROBE_OK;
}

/* Opus frames in a finished Matroska file, counted by decoding it. */
static gint
count_opus_frames(const char *path)
{
  g_autofree char *desc = g_strdup_printf(
      "filesrc location=\"%s\" ! matroskademux ! opusdec name=dec ! fakesink sync=false", path);
  GstElement *pl = gst_parse_launch(desc, NULL);
  GstElement *dec = gst_bin_get_by_name(GST_BIN(pl), "dec");
  GstPad *src = gst_element_get_static_pad(dec, "src");
  gint n = 0;
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, &n, NULL);
  gst_element_set_state(pl, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pl);
  GstMessage *m =
      gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull(m);
  g_assert_cmpint(GST_MESSAGE_TYPE(m), ==, GST_MESSAGE_EOS);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(pl, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(dec);
  gst_object_unref(pl);
  return g_atomic_int_get(&n);
}

/* Chrome's audio: Opus (pt 111) inside RED (pt 63) with the previous frame as a redundant
 * block. With the RED payload type known the primary frames are recorded, each once; without
 * it (has_red FALSE) nothing of the track can be. */
static void
test_red_opus(gconstpointer data)
{
  gboolean know_red = GPOINTER_TO_INT(data);
  g_autofree char *dir = g_dir_make_tmp("rec-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "red.mkv", NULL);
  ArRecorderPipelines pl = {0};
  ar_recorder_pipelines_init_defaults(&pl);
  g_autoptr(GPtrArray) red =
      rtp_packets("audiotestsrc num-buffers=50 samplesperbuffer=960 ! opusenc frame-size=20 ! "
                  "rtpopuspay pt=111 ! rtpredenc pt=63 distance=1");
  g_assert_cmpuint(red->len, >=, 50); /* opusenc adds a packet for its lookahead */
  const guint8 *first = g_bytes_get_data(g_ptr_array_index(red, 1), NULL);
  g_assert_cmpuint(first[1] & 0x7f, ==, 63);
  g_assert_cmpuint(first[12] & 0x80, ==, 0x80); /* a redundant block precedes the primary */
  g_autoptr(GPtrArray) vp8 =
      rtp_packets("videotestsrc num-buffers=30 ! video/x-raw,width=160,height=120,framerate=30/1 ! "
                  "vp8enc deadline=1 ! rtpvp8pay pt=96");
  const ArRecorderTrack t[] = {
      {1, "par_a", "0", TRUE, "opus", 111, 48000, know_red, 63},
      {2, "par_a", "1", FALSE, "VP8", 96, 90000},
  };
  Outcome o = {0};
  g_autoptr(GError) error = NULL;
  ArRecorder *r = ar_recorder_new(&pl, path, t, G_N_ELEMENTS(t), 4 << 20, g_main_context_default(),
                                  on_done, &o, &error);
  g_assert_no_error(error);
  push_paced(r, 1, red, 48000, 2, vp8, 90000);
  ar_recorder_stop(r);
  while (!o.done)
    g_main_context_iteration(NULL, TRUE);
  g_assert_true(o.ok);
  ar_recorder_free(r);
  if (know_red) {
    g_assert_cmpuint(count_tracks(path, "matroskademux"), ==, 2);
    /* Every frame once: the redundant copies are not recorded a second time. The jitter buffer
     * may drop a late first packet or two on a loaded machine. */
    gint frames = count_opus_frames(path);
    g_assert_cmpint(frames, >=, 45);
    g_assert_cmpint(frames, <=, (gint)red->len);
  } else {
    g_assert_cmpuint(count_tracks(path, "matroskademux"), ==, 1); /* the video alone */
  }
  g_unlink(path);
  g_rmdir(dir);
  g_free(o.reason);
  ar_recorder_pipelines_clear(&pl);
}

static void
test_nothing_recordable(void)
{
  ArRecorderPipelines pl = {0};
  ar_recorder_pipelines_init_defaults(&pl);
  ArRecorderTrack g722 = {1, "par_a", "0", TRUE, "G722", 9, 8000};
  g_autoptr(GError) error = NULL;
  ArRecorder *r = ar_recorder_new(&pl, "/tmp/never.mkv", &g722, 1, 1 << 20,
                                  g_main_context_default(), NULL, NULL, &error);
  g_assert_null(r);
  g_assert_error(error, AR_RECORDER_ERROR, AR_RECORDER_ERROR_NO_TRACKS);
  g_assert_nonnull(strstr(error->message, "G722: no depayloader configured"));
  ar_recorder_pipelines_clear(&pl);
}

static void
test_unwritable_path(void)
{
  ArRecorderPipelines pl = {0};
  ar_recorder_pipelines_init_defaults(&pl);
  g_autoptr(GError) error = NULL;
  ArRecorder *r = ar_recorder_new(&pl, "/nonexistent-dir/x.mkv", tracks, 2, 1 << 20,
                                  g_main_context_default(), NULL, NULL, &error);
  g_assert_null(r);
  g_assert_error(error, AR_RECORDER_ERROR, AR_RECORDER_ERROR_PIPELINE);
  ar_recorder_pipelines_clear(&pl);
}

/* A queue bound of a few packets: a burst is dropped and counted, not buffered. */
static void
test_bounded_queue(void)
{
  g_autofree char *dir = g_dir_make_tmp("rec-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "b.mkv", NULL);
  ArRecorderPipelines pl = {0};
  ar_recorder_pipelines_init_defaults(&pl);
  g_autoptr(GPtrArray) vp8 = rtp_packets(
      "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240 ! vp8enc deadline=1 ! "
      "rtpvp8pay pt=96");
  Outcome o = {0};
  ArRecorder *r =
      ar_recorder_new(&pl, path, &tracks[1], 1, 3000, g_main_context_default(), on_done, &o, NULL);
  g_assert_nonnull(r);
  push_all(r, 2, vp8);
  g_assert_cmpuint(ar_recorder_dropped(r), >, 0);
  ar_recorder_free(r);
  g_unlink(path);
  g_rmdir(dir);
  ar_recorder_pipelines_clear(&pl);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/recorder/shipped-file-equals-defaults", test_shipped_file_equals_defaults);
  g_test_add_func("/recorder/bad-file-changes-nothing", test_bad_file_changes_nothing);
  g_test_add_data_func("/recorder/matroska", GINT_TO_POINTER(FALSE), test_records_and_skips);
  g_test_add_data_func("/recorder/webm-skips-h264", GINT_TO_POINTER(TRUE), test_records_and_skips);
  g_test_add_data_func("/recorder/red-opus", GINT_TO_POINTER(TRUE), test_red_opus);
  g_test_add_data_func("/recorder/red-opus-without-red-pt", GINT_TO_POINTER(FALSE), test_red_opus);
  g_test_add_func("/recorder/nothing-recordable", test_nothing_recordable);
  g_test_add_func("/recorder/unwritable-path", test_unwritable_path);
  g_test_add_func("/recorder/bounded-queue", test_bounded_queue);
  int rc = g_test_run();
  /* Frees GStreamer's registry and pools, so the leak checker sees only our own leaks. */
  gst_deinit();
  return rc;
}
