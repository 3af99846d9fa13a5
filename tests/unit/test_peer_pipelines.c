/* anteroom-peer's pipeline descriptions: the shipped conf file equals the built-in defaults,
 * a file overrides only what it names, a bad file changes nothing, and {file} becomes a
 * path that gst_parse reads back unchanged. */
#include "peer/peer_pipelines.h"

#include <gst/gst.h>
#include <string.h>

static void
assert_same(const ArPeerPipelines *a, const ArPeerPipelines *b)
{
  g_assert_cmpstr(a->video_source, ==, b->video_source);
  g_assert_cmpstr(a->audio_source, ==, b->audio_source);
  g_assert_cmpstr(a->file_source, ==, b->file_source);
  g_assert_cmpstr(a->vp8, ==, b->vp8);
  g_assert_cmpstr(a->h264, ==, b->h264);
  g_assert_cmpstr(a->opus, ==, b->opus);
}

static void
test_shipped_file_equals_defaults(void)
{
  g_autofree char *path =
      g_build_filename(g_getenv("AR_SOURCE_DIR"), "conf", "peer-pipelines.conf", NULL);
  ArPeerPipelines shipped = {0}, builtin = {0};
  ar_peer_pipelines_init_defaults(&shipped);
  ar_peer_pipelines_init_defaults(&builtin);
  /* Start the loaded copy from something else so every key must come from the file. */
  g_free(shipped.vp8);
  shipped.vp8 = g_strdup("x");
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_peer_pipelines_load_file(&shipped, path, &error));
  g_assert_no_error(error);
  assert_same(&shipped, &builtin);
  ar_peer_pipelines_clear(&shipped);
  ar_peer_pipelines_clear(&builtin);
}

/* Every default parses into elements that are installed (x264enc only with plugins-ugly). */
static void
test_defaults_parse(void)
{
  ArPeerPipelines p = {0};
  ar_peer_pipelines_init_defaults(&p);
  const char *descs[] = {p.video_source, p.audio_source, p.vp8, p.opus, p.h264};
  for (guint i = 0; i < G_N_ELEMENTS(descs); i++) {
    if (descs[i] == p.h264 &&
        !gst_registry_check_feature_version(gst_registry_get(), "x264enc", 1, 0, 0))
      continue;
    g_autoptr(GError) error = NULL;
    GstElement *bin = gst_parse_bin_from_description_full(descs[i], TRUE, NULL,
                                                          GST_PARSE_FLAG_FATAL_ERRORS, &error);
    g_assert_no_error(error);
    g_assert_nonnull(bin);
    gst_object_unref(bin);
  }
  ar_peer_pipelines_clear(&p);
}

static void
test_override_one_key(void)
{
  ArPeerPipelines p = {0}, d = {0};
  ar_peer_pipelines_init_defaults(&p);
  ar_peer_pipelines_init_defaults(&d);
  const char *text = "# a comment\n[encoders]\nopus =   opusenc ! rtpopuspay pt=100  \n";
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_peer_pipelines_load_data(&p, text, strlen(text), "t.conf", &error));
  g_assert_cmpstr(p.opus, ==, "opusenc ! rtpopuspay pt=100");
  g_assert_cmpstr(p.vp8, ==, d.vp8);
  g_assert_cmpstr(p.video_source, ==, d.video_source);
  ar_peer_pipelines_clear(&p);
  ar_peer_pipelines_clear(&d);
}

static void
expect_refused(const char *text, gint code, const char *needle)
{
  ArPeerPipelines p = {0}, d = {0};
  ar_peer_pipelines_init_defaults(&p);
  ar_peer_pipelines_init_defaults(&d);
  g_autoptr(GError) error = NULL;
  g_assert_false(ar_peer_pipelines_load_data(&p, text, strlen(text), "bad.conf", &error));
  g_assert_error(error, AR_PEER_PIPELINES_ERROR, code);
  g_assert_nonnull(strstr(error->message, "bad.conf"));
  g_assert_nonnull(strstr(error->message, needle));
  assert_same(&p, &d); /* nothing applied, not even the valid keys before the bad one */
  ar_peer_pipelines_clear(&p);
  ar_peer_pipelines_clear(&d);
}

static void
test_bad_files_change_nothing(void)
{
  expect_refused("[encoders]\nopus = opusenc ! rtpopuspay\nvp9 = vp9enc\n",
                 AR_PEER_PIPELINES_ERROR_KEY, "vp9");
  expect_refused("[encoder]\nopus = opusenc\n", AR_PEER_PIPELINES_ERROR_KEY, "unknown key");
  expect_refused("[sources]\nvideo =   \n", AR_PEER_PIPELINES_ERROR_KEY, "empty value");
  expect_refused("[sources]\nfile = filesrc location=x.webm ! decodebin\n",
                 AR_PEER_PIPELINES_ERROR_FILE, "{file}");
  expect_refused("this is not a key file\n", AR_PEER_PIPELINES_ERROR_KEY, "bad.conf");
}

/* A path with a space, a quote and a backslash reaches filesrc exactly. */
static void
test_file_path_is_quoted(void)
{
  ArPeerPipelines p = {0};
  ar_peer_pipelines_init_defaults(&p);
  g_free(p.file_source);
  p.file_source = g_strdup("filesrc name=f location={file} ! fakesink");
  const char *path = "/tmp/my \"clip\" \\ v1.webm";
  g_autofree char *desc = ar_peer_pipelines_file_source(&p, path);
  g_autoptr(GError) error = NULL;
  GstElement *pipe = gst_parse_launch(desc, &error);
  g_assert_no_error(error);
  GstElement *f = gst_bin_get_by_name(GST_BIN(pipe), "f");
  g_autofree char *location = NULL;
  g_object_get(f, "location", &location, NULL);
  g_assert_cmpstr(location, ==, path);
  gst_object_unref(f);
  gst_object_unref(pipe);
  ar_peer_pipelines_clear(&p);
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/peer_pipelines/shipped_file_equals_defaults",
                  test_shipped_file_equals_defaults);
  g_test_add_func("/peer_pipelines/defaults_parse", test_defaults_parse);
  g_test_add_func("/peer_pipelines/override_one_key", test_override_one_key);
  g_test_add_func("/peer_pipelines/bad_files_change_nothing", test_bad_files_change_nothing);
  g_test_add_func("/peer_pipelines/file_path_is_quoted", test_file_path_is_quoted);
  int rc = g_test_run();
  /* Frees GStreamer's registry and pools, so the leak checker sees only our own leaks. */
  gst_deinit();
  return rc;
}
