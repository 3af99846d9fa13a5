/* What anteroom-peer measures on the media it receives: decoded video frames, decoded audio
 * buffers and their RMS energy, and the frames and buffers it sent. peer_session.c attaches
 * pad probes that feed it from streaming threads; main.c reads snapshots for its reports. */
#pragma once
#include <glib.h>
#include <gst/gst.h>

typedef struct ArPeerMeter ArPeerMeter;

typedef struct {
  guint64 video_frames_received;
  guint64 audio_buffers_received;
  guint64 video_frames_sent;
  guint64 audio_buffers_sent;
  double audio_rms;     /* RMS of the audio received since the previous snapshot, 0..1 */
  double audio_rms_max; /* the largest per-snapshot RMS so far */
  double audio_rms_run; /* RMS of all the audio received so far */
} ArPeerMeterSnapshot;

ArPeerMeter *ar_peer_meter_new(void);
void ar_peer_meter_free(ArPeerMeter *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArPeerMeter, ar_peer_meter_free)

/* Counts buffers passing `pad`. Audio pads must carry interleaved S16LE. */
void ar_peer_meter_watch_video_received(ArPeerMeter *m, GstPad *pad);
void ar_peer_meter_watch_audio_received(ArPeerMeter *m, GstPad *pad);
void ar_peer_meter_watch_video_sent(ArPeerMeter *m, GstPad *pad);
void ar_peer_meter_watch_audio_sent(ArPeerMeter *m, GstPad *pad);

/* Reads the counters and starts a new RMS interval. */
void ar_peer_meter_snapshot(ArPeerMeter *m, ArPeerMeterSnapshot *out);

/* The received counters alone, leaving the RMS interval running (for progress checks). */
void ar_peer_meter_received(ArPeerMeter *m, guint64 *video_frames, guint64 *audio_buffers);

/* Sum of squares of S16 samples, each scaled to -1..1: for the RMS of a whole interval. */
double ar_peer_meter_sum_squares_s16(const gint16 *samples, gsize n);
