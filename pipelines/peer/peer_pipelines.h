/* The media pipelines of anteroom-peer as gst-launch descriptions an operator may change
 * (conf/peer-pipelines.conf): test sources, the file source, and one encoder + RTP payloader
 * per codec. main.c loads them; peer_session.c turns them into bins. */
#pragma once
#include <glib.h>

#define AR_PEER_PIPELINES_ERROR (ar_peer_pipelines_error_quark())
GQuark ar_peer_pipelines_error_quark(void);

typedef enum {
  AR_PEER_PIPELINES_ERROR_KEY,  /* an unknown section or key, or an empty value */
  AR_PEER_PIPELINES_ERROR_FILE, /* the {file} source lacks {file} or the video/audio names */
} ArPeerPipelinesError;

typedef struct {
  char *video_source; /* ends in a free raw video src pad */
  char *audio_source; /* ends in a free raw audio src pad */
  char *file_source;  /* {file} is the quoted path; elements named "video" and "audio" */
  char *vp8;          /* raw video → VP8 RTP */
  char *h264;         /* raw video → H.264 RTP, packetization-mode 1 */
  char *opus;         /* raw audio → Opus RTP */
} ArPeerPipelines;

/* The built-in descriptions (the same as the shipped conf file). */
void ar_peer_pipelines_init_defaults(ArPeerPipelines *p);

/* Overrides the defaults with the keys of a GKeyFile text ([sources] video, audio, file;
 * [encoders] vp8, h264, opus). Unknown keys are errors so a typo does not pass silently;
 * `origin` names the file in messages. On failure *p keeps its previous values. */
gboolean ar_peer_pipelines_load_data(ArPeerPipelines *p, const char *data, gsize len,
                                     const char *origin, GError **error);
gboolean ar_peer_pipelines_load_file(ArPeerPipelines *p, const char *path, GError **error);

/* The file source with {file} replaced by `path`, quoted for gst_parse_launch. */
char *ar_peer_pipelines_file_source(const ArPeerPipelines *p, const char *path);

void ar_peer_pipelines_clear(ArPeerPipelines *p);
