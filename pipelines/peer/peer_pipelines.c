/* Loads the operator's pipeline descriptions over built-in defaults. The defaults are kept in
 * step with conf/peer-pipelines.conf (a unit test compares them), so an installed anteroom-peer
 * without its conf file behaves exactly as one with the shipped file. */
#include "peer_pipelines.h"
#include "pipeline_conf.h"

#include <string.h>

GQuark
ar_peer_pipelines_error_quark(void)
{
  return g_quark_from_static_string("ar-peer-pipelines-error");
}

#define DEFAULT_VIDEO                                                                              \
  "videotestsrc is-live=true pattern=ball ! "                                                      \
  "capsfilter caps=\"video/x-raw,width=640,height=360,framerate=30/1\""
#define DEFAULT_AUDIO                                                                              \
  "audiotestsrc is-live=true wave=sine freq=440 volume=0.3 ! "                                     \
  "capsfilter caps=\"audio/x-raw,rate=48000,channels=2\""
#define DEFAULT_FILE                                                                               \
  "filesrc location={file} ! decodebin name=d d. ! video/x-raw ! queue ! videoconvert "            \
  "! videoscale ! videorate ! video/x-raw,width=640,height=360,framerate=30/1 ! "                  \
  "clocksync name=video d. ! audio/x-raw ! queue ! audioconvert ! audioresample ! "                \
  "audio/x-raw,rate=48000,channels=2 ! clocksync name=audio"
#define DEFAULT_VP8                                                                                \
  "vp8enc deadline=1 cpu-used=8 threads=2 end-usage=cbr target-bitrate=800000 "                    \
  "keyframe-max-dist=60 error-resilient=partitions ! rtpvp8pay pt=96 "                             \
  "picture-id-mode=15-bit mtu=1200 ! capsfilter "                                                  \
  "caps=\"application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96\""
#define DEFAULT_H264                                                                               \
  "x264enc tune=zerolatency speed-preset=ultrafast bitrate=800 key-int-max=60 ! "                  \
  "video/x-h264,profile=constrained-baseline,level=(string)3.1 ! rtph264pay pt=102 "               \
  "config-interval=-1 "                                                                            \
  "aggregate-mode=zero-latency mtu=1200 ! capsfilter caps=\"application/x-rtp,media=video,"        \
  "encoding-name=H264,clock-rate=90000,payload=102,packetization-mode=(string)1,"                  \
  "profile-level-id=(string)42c01f\""
#define DEFAULT_OPUS                                                                               \
  "opusenc bitrate=48000 frame-size=20 ! rtpopuspay pt=111 ! capsfilter "                          \
  "caps=\"application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111\""

static const ArPipelineConfField fields[] = {
    {"sources", "video", G_STRUCT_OFFSET(ArPeerPipelines, video_source)},
    {"sources", "audio", G_STRUCT_OFFSET(ArPeerPipelines, audio_source)},
    {"sources", "file", G_STRUCT_OFFSET(ArPeerPipelines, file_source)},
    {"encoders", "vp8", G_STRUCT_OFFSET(ArPeerPipelines, vp8)},
    {"encoders", "h264", G_STRUCT_OFFSET(ArPeerPipelines, h264)},
    {"encoders", "opus", G_STRUCT_OFFSET(ArPeerPipelines, opus)},
};

void
ar_peer_pipelines_init_defaults(ArPeerPipelines *p)
{
  p->video_source = g_strdup(DEFAULT_VIDEO);
  p->audio_source = g_strdup(DEFAULT_AUDIO);
  p->file_source = g_strdup(DEFAULT_FILE);
  p->vp8 = g_strdup(DEFAULT_VP8);
  p->h264 = g_strdup(DEFAULT_H264);
  p->opus = g_strdup(DEFAULT_OPUS);
}

void
ar_peer_pipelines_clear(ArPeerPipelines *p)
{
  ar_pipeline_conf_clear(p, fields, G_N_ELEMENTS(fields));
}

/* The file source must say where the path goes. */
static gboolean
check_value(const char *group, const char *key, const char *value, const char *origin,
            GError **error)
{
  if (g_str_equal(key, "file") && !strstr(value, "{file}")) {
    g_set_error(error, AR_PEER_PIPELINES_ERROR, AR_PEER_PIPELINES_ERROR_FILE,
                "%s: [sources] file must contain {file}", origin);
    return FALSE;
  }
  return TRUE;
}

gboolean
ar_peer_pipelines_load_data(ArPeerPipelines *p, const char *data, gsize len, const char *origin,
                            GError **error)
{
  return ar_pipeline_conf_load_data(p, fields, G_N_ELEMENTS(fields), check_value, data, len,
                                    origin, AR_PEER_PIPELINES_ERROR,
                                    AR_PEER_PIPELINES_ERROR_KEY, error);
}

gboolean
ar_peer_pipelines_load_file(ArPeerPipelines *p, const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, error))
    return FALSE;
  return ar_peer_pipelines_load_data(p, data, len, path, error);
}

char *
ar_peer_pipelines_file_source(const ArPeerPipelines *p, const char *path)
{
  g_autofree char *quoted = ar_pipeline_conf_quote(path);
  g_auto(GStrv) parts = g_strsplit(p->file_source, "{file}", -1);
  return g_strjoinv(quoted, parts);
}
