/* One pipeline per recording: a branch per track (appsrc ! jitterbuffer ! depayloader) linked
 * to a request pad of the muxer, then filesink. A branch the muxer refuses is removed before
 * the pipeline starts, so one participant's codec never stops the others' recording. */
#include "recorder.h"
#include "bytes.h"
#include "pipeline_conf.h"
#include "red.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <string.h>

G_DEFINE_QUARK(ar - recorder - error - quark, ar_recorder_error)

/* Kept in step with conf/recorder-pipelines.conf (a unit test compares them). */
#define DEFAULT_MUXER "matroskamux writing-app=anteroom"
#define DEFAULT_EXTENSION "mkv"
#define DEFAULT_JITTERBUFFER "rtpjitterbuffer latency=300 drop-on-latency=true"
#define DEFAULT_OPUS "rtpopusdepay ! opusparse"
#define DEFAULT_VP8 "rtpvp8depay wait-for-keyframe=true request-keyframe=true"
#define DEFAULT_VP9 "rtpvp9depay request-keyframe=true"
#define DEFAULT_H264 "rtph264depay request-keyframe=true ! h264parse"

/* How long a stop may wait for the muxer to write its index before the file is closed as is. */
#define STOP_TIMEOUT_MS 5000
/* Per track, between depayloader and muxer: minutes of video, hours of audio. */
#define MUX_QUEUE_BYTES (16u * 1024 * 1024)

static const ArPipelineConfField fields[] = {
    {"recorder", "muxer", G_STRUCT_OFFSET(ArRecorderPipelines, muxer)},
    {"recorder", "extension", G_STRUCT_OFFSET(ArRecorderPipelines, extension)},
    {"recorder", "jitterbuffer", G_STRUCT_OFFSET(ArRecorderPipelines, jitterbuffer)},
    {"depayloaders", "opus", G_STRUCT_OFFSET(ArRecorderPipelines, opus)},
    {"depayloaders", "vp8", G_STRUCT_OFFSET(ArRecorderPipelines, vp8)},
    {"depayloaders", "vp9", G_STRUCT_OFFSET(ArRecorderPipelines, vp9)},
    {"depayloaders", "h264", G_STRUCT_OFFSET(ArRecorderPipelines, h264)},
};

void
ar_recorder_pipelines_init_defaults(ArRecorderPipelines *p)
{
  p->muxer = g_strdup(DEFAULT_MUXER);
  p->extension = g_strdup(DEFAULT_EXTENSION);
  p->jitterbuffer = g_strdup(DEFAULT_JITTERBUFFER);
  p->opus = g_strdup(DEFAULT_OPUS);
  p->vp8 = g_strdup(DEFAULT_VP8);
  p->vp9 = g_strdup(DEFAULT_VP9);
  p->h264 = g_strdup(DEFAULT_H264);
}

gboolean
ar_recorder_pipelines_load_data(ArRecorderPipelines *p, const char *data, gsize len,
                                const char *origin, GError **error)
{
  return ar_pipeline_conf_load_data(p, fields, G_N_ELEMENTS(fields), NULL, data, len, origin,
                                    AR_RECORDER_ERROR, AR_RECORDER_ERROR_CONF, error);
}

gboolean
ar_recorder_pipelines_load_file(ArRecorderPipelines *p, const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, error))
    return FALSE;
  return ar_recorder_pipelines_load_data(p, data, len, path, error);
}

void
ar_recorder_pipelines_clear(ArRecorderPipelines *p)
{
  ar_pipeline_conf_clear(p, fields, G_N_ELEMENTS(fields));
}

typedef struct {
  gint key;
  guint8 pt;
  gboolean has_red;
  guint8 red_pt;
  guint32 ssrc; /* the first one seen: simulcast layers and other streams are not mixed in */
  GstAppSrc *src;
  /* Set by the streaming thread when the depayloader asks for a keyframe (it lost sync);
   * read and cleared by ar_recorder_push on the media thread. */
  gint want_keyframe;
  char *participant_id;
  gboolean audio;
  char *codec;
} Branch;

struct ArRecorder {
  char *path;
  GstElement *pipeline;
  GArray *branches; /* Branch */
  GString *skipped;
  guint64 max_queue_bytes;
  guint64 dropped;
  GMainContext *ctx;
  GSource *bus_source;
  GSource *stop_timer;
  ArRecorderDone done;
  gpointer user_data;
  gboolean stopping, finished;
};

static const char *
depayloader_for(const ArRecorderPipelines *pl, const char *codec)
{
  if (g_ascii_strcasecmp(codec, "opus") == 0)
    return pl->opus;
  if (g_ascii_strcasecmp(codec, "VP8") == 0)
    return pl->vp8;
  if (g_ascii_strcasecmp(codec, "VP9") == 0)
    return pl->vp9;
  if (g_ascii_strcasecmp(codec, "H264") == 0)
    return pl->h264;
  return NULL;
}

static void
skip(ArRecorder *r, const ArRecorderTrack *t, const char *why)
{
  g_string_append_printf(r->skipped, "%s%s %s %s: %s", r->skipped->len ? "; " : "",
                         t->participant_id, t->audio ? "audio" : "video", t->codec, why);
}

static char *
muxer_name(GstElement *mux)
{
  GstElementFactory *f = gst_element_get_factory(mux);
  return g_strdup(f ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f)) : "the muxer");
}

/* A depayloader that lost sync (request-keyframe=true) sends GstForceKeyUnit upstream; appsrc
 * would drop it, so it is noted here for the media thread to turn into a PLI. */
static GstPadProbeReturn
on_upstream_event(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  const GstStructure *st = gst_event_get_structure(GST_PAD_PROBE_INFO_EVENT(info));
  if (st && gst_structure_has_name(st, "GstForceKeyUnit"))
    g_atomic_int_set((gint *)user_data, 1);
  return GST_PAD_PROBE_OK;
}

/* appsrc ! jitterbuffer ! depayloader ! queue as a bin with a ghost src pad, linked to the
 * muxer. The muxer writes in timestamp order, so it holds every track until each has data (a
 * video track waits for its first keyframe); the queue takes what piles up meanwhile, where the
 * jitterbuffer would drop it (a lost video packet then costs everything up to the next
 * keyframe, and the muxer waits again). Bounded in bytes, never in time. */
static gboolean
add_branch(ArRecorder *r, const ArRecorderPipelines *pl, GstElement *mux, const ArRecorderTrack *t,
           Branch *b)
{
  const char *depay = t->codec ? depayloader_for(pl, t->codec) : NULL;
  if (!depay) {
    skip(r, t, "no depayloader configured for this codec");
    return FALSE;
  }
  g_autofree char *desc = g_strdup_printf(
      "appsrc name=src ! %s ! %s ! queue max-size-buffers=0 max-size-time=0 max-size-bytes=%u",
      pl->jitterbuffer, depay, MUX_QUEUE_BYTES);
  g_autoptr(GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description(desc, TRUE, &error);
  if (!bin) {
    skip(r, t, error->message);
    return FALSE;
  }
  gst_bin_add(GST_BIN(r->pipeline), bin);
  if (!gst_element_link(bin, mux)) {
    g_autofree char *name = muxer_name(mux);
    g_autofree char *why = g_strdup_printf("%s cannot take it", name);
    skip(r, t, why);
    gst_bin_remove(GST_BIN(r->pipeline), bin);
    return FALSE;
  }
  GstElement *src = gst_bin_get_by_name(GST_BIN(bin), "src");
  g_autofree char *encoding = g_ascii_strup(t->codec, -1);
  g_autoptr(GstCaps) caps =
      gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, t->audio ? "audio" : "video",
                          "encoding-name", G_TYPE_STRING, encoding, "clock-rate", G_TYPE_INT,
                          (gint)t->clock_rate, "payload", G_TYPE_INT, (gint)t->pt, NULL);
  g_object_set(src, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE,
               "max-bytes", r->max_queue_bytes, "block", FALSE, NULL);
  *b = (Branch){.key = t->key,
                .pt = t->pt,
                .has_red = t->has_red,
                .red_pt = t->red_pt,
                .src = GST_APP_SRC(src),
                .participant_id = g_strdup(t->participant_id),
                .audio = t->audio,
                .codec = g_strdup(t->codec)};
  g_autoptr(GstPad) pad = gst_element_get_static_pad(src, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event, &b->want_keyframe,
                    NULL);
  return TRUE;
}

static void
finish(ArRecorder *r, gboolean ok, const char *reason)
{
  if (r->finished)
    return;
  r->finished = TRUE;
  gst_element_set_state(r->pipeline, GST_STATE_NULL);
  if (r->stop_timer) {
    g_source_destroy(r->stop_timer);
    g_clear_pointer(&r->stop_timer, g_source_unref);
  }
  if (r->done)
    r->done(r, ok, reason, r->user_data); /* may free r */
}

static char *
error_reason(const ArRecorder *r, GstMessage *msg)
{
  g_autoptr(GError) err = NULL;
  g_autofree char *debug = NULL;
  gst_message_parse_error(msg, &err, &debug);
  g_warning("recording %s: %s from %s (%s)", r->path, err->message, GST_MESSAGE_SRC_NAME(msg),
            debug ? debug : "");
  if (err->domain == GST_RESOURCE_ERROR && err->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT)
    return g_strdup("disk_full");
  return g_strdup_printf("error: %s", err->message);
}

static gboolean
on_bus(GstBus *bus, GstMessage *msg, gpointer user_data)
{
  ArRecorder *r = user_data;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
    finish(r, TRUE, NULL);
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    g_autofree char *reason = error_reason(r, msg);
    finish(r, FALSE, reason);
  }
  return G_SOURCE_CONTINUE;
}

ArRecorder *
ar_recorder_new(const ArRecorderPipelines *pl, const char *path, const ArRecorderTrack *tracks,
                guint n_tracks, guint64 max_queue_bytes, GMainContext *ctx, ArRecorderDone done,
                gpointer user_data, GError **error)
{
  if (!gst_is_initialized())
    gst_init(NULL, NULL);
  ArRecorder *r = g_new0(ArRecorder, 1);
  r->path = g_strdup(path);
  /* Sized once: each branch's keyframe flag is watched by address from a pad probe. */
  r->branches = g_array_sized_new(FALSE, TRUE, sizeof(Branch), MAX(n_tracks, 1));
  r->skipped = g_string_new(NULL);
  r->max_queue_bytes = max_queue_bytes;
  r->ctx = g_main_context_ref(ctx);
  r->done = done;
  r->user_data = user_data;
  g_autofree char *location = ar_pipeline_conf_quote(path);
  g_autofree char *desc =
      g_strdup_printf("%s name=mux ! filesink name=sink location=%s", pl->muxer, location);
  g_autoptr(GError) local = NULL;
  r->pipeline = gst_parse_launch(desc, &local);
  if (!r->pipeline || local) {
    g_set_error(error, AR_RECORDER_ERROR, AR_RECORDER_ERROR_PIPELINE, "muxer \"%s\": %s", pl->muxer,
                local ? local->message : "cannot be built");
    r->finished = TRUE;
    ar_recorder_free(r);
    return NULL;
  }
  GstElement *mux = gst_bin_get_by_name(GST_BIN(r->pipeline), "mux");
  for (guint i = 0; i < n_tracks; i++) {
    g_array_set_size(r->branches, r->branches->len + 1);
    Branch *b = &g_array_index(r->branches, Branch, r->branches->len - 1);
    if (!add_branch(r, pl, mux, &tracks[i], b))
      g_array_set_size(r->branches, r->branches->len - 1);
  }
  gst_object_unref(mux);
  if (r->branches->len == 0) {
    g_set_error(error, AR_RECORDER_ERROR, AR_RECORDER_ERROR_NO_TRACKS,
                "no track can be recorded: %s", r->skipped->len ? r->skipped->str : "none");
    r->finished = TRUE;
    ar_recorder_free(r);
    return NULL;
  }
  GstBus *bus = gst_element_get_bus(r->pipeline);
  r->bus_source = gst_bus_create_watch(bus);
  g_source_set_callback(r->bus_source, (GSourceFunc)(void (*)(void))on_bus, r, NULL);
  g_source_attach(r->bus_source, ctx);
  gst_object_unref(bus);
  if (gst_element_set_state(r->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, AR_RECORDER_ERROR, AR_RECORDER_ERROR_PIPELINE,
                "the recording pipeline for %s does not start", path);
    r->finished = TRUE;
    ar_recorder_free(r);
    return NULL;
  }
  return r;
}

/* RED's primary block as a plain packet of the track's codec, or NULL when the packet carries
 * nothing to record (malformed, or a primary of another payload type). */
static GstBuffer *
unwrap_red(const Branch *b, const guint8 *buf, gsize len)
{
  GstBuffer *out = gst_buffer_new_allocate(NULL, len, NULL);
  GstMapInfo map;
  if (!gst_buffer_map(out, &map, GST_MAP_WRITE)) {
    gst_buffer_unref(out);
    return NULL;
  }
  gsize n = ar_red_unwrap(buf, len, b->pt, map.data, map.size);
  gst_buffer_unmap(out, &map);
  if (!n) {
    gst_buffer_unref(out);
    return NULL;
  }
  gst_buffer_set_size(out, (gssize)n);
  return out;
}

gboolean
ar_recorder_push(ArRecorder *r, gint key, const guint8 *buf, gsize len)
{
  if (len < 12 || r->stopping || r->finished)
    return FALSE;
  Branch *b = NULL;
  for (guint i = 0; i < r->branches->len && !b; i++)
    if (g_array_index(r->branches, Branch, i).key == key)
      b = &g_array_index(r->branches, Branch, i);
  if (!b)
    return FALSE;
  gboolean want_keyframe = g_atomic_int_compare_and_exchange(&b->want_keyframe, 1, 0);
  guint8 pt = buf[1] & 0x7f;
  gboolean red = b->has_red && pt == b->red_pt && pt != b->pt;
  if (pt != b->pt && !red)
    return want_keyframe;
  guint32 ssrc = ar_be32(buf + 8);
  if (!b->ssrc)
    b->ssrc = ssrc;
  else if (b->ssrc != ssrc)
    return want_keyframe;
  if (gst_app_src_get_current_level_bytes(b->src) + len > r->max_queue_bytes) {
    r->dropped++;
    return want_keyframe;
  }
  GstBuffer *out = red ? unwrap_red(b, buf, len) : gst_buffer_new_memdup(buf, len);
  if (out)
    gst_app_src_push_buffer(b->src, out);
  return want_keyframe;
}

static gboolean
on_stop_timeout(gpointer user_data)
{
  ArRecorder *r = user_data;
  g_warning("recording %s: the muxer did not finish within %d ms; closing the file as is", r->path,
            STOP_TIMEOUT_MS);
  g_clear_pointer(&r->stop_timer, g_source_unref);
  finish(r, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

void
ar_recorder_stop(ArRecorder *r)
{
  if (r->stopping || r->finished)
    return;
  r->stopping = TRUE;
  for (guint i = 0; i < r->branches->len; i++)
    gst_app_src_end_of_stream(g_array_index(r->branches, Branch, i).src);
  r->stop_timer = g_timeout_source_new(STOP_TIMEOUT_MS);
  g_source_set_callback(r->stop_timer, on_stop_timeout, r, NULL);
  g_source_attach(r->stop_timer, r->ctx);
}

void
ar_recorder_free(ArRecorder *r)
{
  if (!r)
    return;
  if (!r->finished && r->pipeline) {
    /* Freed while recording (the room closed): finish the file here, within bounds. */
    if (!r->stopping)
      for (guint i = 0; i < r->branches->len; i++)
        gst_app_src_end_of_stream(g_array_index(r->branches, Branch, i).src);
    GstBus *bus = gst_element_get_bus(r->pipeline);
    GstMessage *m = gst_bus_timed_pop_filtered(bus, STOP_TIMEOUT_MS * GST_MSECOND,
                                               GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    g_clear_pointer(&m, gst_message_unref);
    gst_object_unref(bus);
  }
  if (r->stop_timer) {
    g_source_destroy(r->stop_timer);
    g_source_unref(r->stop_timer);
  }
  if (r->bus_source) {
    g_source_destroy(r->bus_source);
    g_source_unref(r->bus_source);
  }
  if (r->pipeline) {
    gst_element_set_state(r->pipeline, GST_STATE_NULL);
    gst_object_unref(r->pipeline);
  }
  for (guint i = 0; i < r->branches->len; i++) {
    Branch *b = &g_array_index(r->branches, Branch, i);
    gst_object_unref(b->src);
    g_free(b->participant_id);
    g_free(b->codec);
  }
  g_array_unref(r->branches);
  g_string_free(r->skipped, TRUE);
  g_main_context_unref(r->ctx);
  g_free(r->path);
  g_free(r);
}

const char *
ar_recorder_skipped(const ArRecorder *r)
{
  return r->skipped->str;
}

char *
ar_recorder_tracks_json(const ArRecorder *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  for (guint i = 0; i < r->branches->len; i++) {
    const Branch *br = &g_array_index(r->branches, Branch, i);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "participant_id");
    json_builder_add_string_value(b, br->participant_id);
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, br->audio ? "audio" : "video");
    json_builder_set_member_name(b, "codec");
    json_builder_add_string_value(b, br->codec);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  return json_to_string(root, FALSE);
}

guint
ar_recorder_n_tracks(const ArRecorder *r)
{
  return r->branches->len;
}

guint64
ar_recorder_dropped(const ArRecorder *r)
{
  return r->dropped;
}

const char *
ar_recorder_path(const ArRecorder *r)
{
  return r->path;
}
