/* Recording a visit without re-encoding: each participant's decrypted RTP enters an appsrc and
 * goes through jitter buffer and depayloader into one muxer (Matroska or WebM) and a file. The
 * descriptions come from conf/recorder-pipelines.conf. A recorder is created, stopped and freed
 * on one thread (the room's media worker, whose GMainContext also carries its bus watch);
 * ar_recorder_push() is called from that same thread's packet path. */
#pragma once
#include <glib.h>

#define AR_RECORDER_ERROR (ar_recorder_error_quark())
GQuark ar_recorder_error_quark(void);

typedef enum {
  AR_RECORDER_ERROR_CONF,      /* an unknown key or empty value in the pipelines file */
  AR_RECORDER_ERROR_PIPELINE,  /* the muxer or file could not be set up */
  AR_RECORDER_ERROR_NO_TRACKS, /* no track could be recorded (every one skipped) */
} ArRecorderError;

typedef struct {
  char *muxer;                   /* [recorder] muxer: one element, e.g. matroskamux */
  char *extension;               /* [recorder] extension of the files, e.g. mkv */
  char *jitterbuffer;            /* [recorder] jitterbuffer: RTP in, RTP out */
  char *opus, *vp8, *vp9, *h264; /* [depayloaders]: RTP in, what the muxer takes out */
} ArRecorderPipelines;

void ar_recorder_pipelines_init_defaults(ArRecorderPipelines *p);
gboolean ar_recorder_pipelines_load_data(ArRecorderPipelines *p, const char *data, gsize len,
                                         const char *origin, GError **error);
gboolean ar_recorder_pipelines_load_file(ArRecorderPipelines *p, const char *path, GError **error);
void ar_recorder_pipelines_clear(ArRecorderPipelines *p);

/* One published track, as negotiated. */
typedef struct {
  gint key;                   /* the caller's id for it, given again to ar_recorder_push() */
  const char *participant_id; /* opaque */
  const char *mid;
  gboolean audio;
  const char *codec; /* encoding name from the SDP: "opus", "VP8", "H264", ... */
  guint8 pt;
  guint clock_rate;
  /* The publisher's RED payload type wrapping this codec (Chrome's "red/48000/2" over Opus):
   * such packets are unwrapped to their primary block (server/media/red.h) and recorded. */
  gboolean has_red;
  guint8 red_pt;
} ArRecorderTrack;

typedef struct ArRecorder ArRecorder;

/* The file is complete (ok) or the recording ended on an error: reason is "disk_full" or
 * "error: <what GStreamer said>". Called from the recorder's GMainContext; it may free r. */
typedef void (*ArRecorderDone)(ArRecorder *r, gboolean ok, const char *reason, gpointer user_data);

/* Builds and starts the pipeline writing `path`. A track whose codec has no depayloader or
 * which the muxer cannot take is skipped, and ar_recorder_skipped() says why; if every track
 * is skipped, NULL with AR_RECORDER_ERROR_NO_TRACKS. `max_queue_bytes` bounds each track's
 * appsrc queue: beyond it packets are dropped and counted, never buffered without limit. */
ArRecorder *ar_recorder_new(const ArRecorderPipelines *pl, const char *path,
                            const ArRecorderTrack *tracks, guint n_tracks, guint64 max_queue_bytes,
                            GMainContext *ctx, ArRecorderDone done, gpointer user_data,
                            GError **error);

/* A decrypted RTP packet of track `key`: copied into the pipeline when its payload type is
 * the track's codec, or is the track's RED whose primary block is that codec (then the
 * primary alone, as a plain packet of the codec). RTX, FEC and the redundant (older) RED
 * blocks are not recorded. TRUE when the track's depayloader lost sync and wants a keyframe
 * (the caller asks the publisher: a PLI). */
gboolean ar_recorder_push(ArRecorder *r, gint key, const guint8 *buf, gsize len);

/* Ends every track; the muxer finishes the file and `done` follows from the context. */
void ar_recorder_stop(ArRecorder *r);

/* Stops (waiting at most a few seconds for the file to be finished) and frees. */
void ar_recorder_free(ArRecorder *r);

/* "par_x video H264: webmmux cannot take it; ..." or "" when every track is recorded. */
const char *ar_recorder_skipped(const ArRecorder *r);
/* The recorded tracks as a JSON array text [{"participant_id","kind","codec"}...]. */
char *ar_recorder_tracks_json(const ArRecorder *r);
guint ar_recorder_n_tracks(const ArRecorder *r);
guint64 ar_recorder_dropped(const ArRecorder *r);
const char *ar_recorder_path(const ArRecorder *r);
