/* Receive and send counters fed by pad probes. Counters are atomics; the RMS accumulator is a
 * sum of squares and a sample count under a mutex, read and reset once per report. */
#include "peer_meter.h"

#include <math.h>

struct ArPeerMeter {
  guint64 video_rx, audio_rx, video_tx, audio_tx; /* atomics */
  GMutex lock;
  double sum_squares; /* of the audio received since the last snapshot */
  guint64 samples;
  double rms_max;
  double run_sum_squares; /* of all the audio received */
  guint64 run_samples;
};

ArPeerMeter *
ar_peer_meter_new(void)
{
  ArPeerMeter *m = g_new0(ArPeerMeter, 1);
  g_mutex_init(&m->lock);
  return m;
}

void
ar_peer_meter_free(ArPeerMeter *m)
{
  if (!m)
    return;
  g_mutex_clear(&m->lock);
  g_free(m);
}

double
ar_peer_meter_sum_squares_s16(const gint16 *samples, gsize n)
{
  double sum = 0;
  for (gsize i = 0; i < n; i++) {
    double v = samples[i] / 32768.0;
    sum += v * v;
  }
  return sum;
}

static void
bump(guint64 *counter)
{
  /* Only probes write and only one streaming thread feeds each pad, so a relaxed add is
   * enough; snapshots read with an atomic load. */
  __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static guint64
load(guint64 *counter)
{
  return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static GstPadProbeReturn
count_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  bump(user_data);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
audio_rx_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  ArPeerMeter *m = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  bump(&m->audio_rx);
  GstMapInfo map;
  if (!gst_buffer_map(buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  gsize n = map.size / sizeof(gint16);
  double sum = ar_peer_meter_sum_squares_s16((const gint16 *)map.data, n);
  gst_buffer_unmap(buf, &map);
  g_mutex_lock(&m->lock);
  m->sum_squares += sum;
  m->samples += n;
  g_mutex_unlock(&m->lock);
  return GST_PAD_PROBE_OK;
}

static void
watch_count(GstPad *pad, guint64 *counter)
{
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, counter, NULL);
}

void
ar_peer_meter_watch_video_received(ArPeerMeter *m, GstPad *pad)
{
  watch_count(pad, &m->video_rx);
}

void
ar_peer_meter_watch_video_sent(ArPeerMeter *m, GstPad *pad)
{
  watch_count(pad, &m->video_tx);
}

void
ar_peer_meter_watch_audio_sent(ArPeerMeter *m, GstPad *pad)
{
  watch_count(pad, &m->audio_tx);
}

void
ar_peer_meter_watch_audio_received(ArPeerMeter *m, GstPad *pad)
{
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, audio_rx_probe, m, NULL);
}

void
ar_peer_meter_received(ArPeerMeter *m, guint64 *video_frames, guint64 *audio_buffers)
{
  *video_frames = load(&m->video_rx);
  *audio_buffers = load(&m->audio_rx);
}

void
ar_peer_meter_snapshot(ArPeerMeter *m, ArPeerMeterSnapshot *out)
{
  out->video_frames_received = load(&m->video_rx);
  out->audio_buffers_received = load(&m->audio_rx);
  out->video_frames_sent = load(&m->video_tx);
  out->audio_buffers_sent = load(&m->audio_tx);
  g_mutex_lock(&m->lock);
  out->audio_rms = m->samples ? sqrt(m->sum_squares / (double)m->samples) : 0.0;
  if (out->audio_rms > m->rms_max)
    m->rms_max = out->audio_rms;
  out->audio_rms_max = m->rms_max;
  m->run_sum_squares += m->sum_squares;
  m->run_samples += m->samples;
  out->audio_rms_run = m->run_samples ? sqrt(m->run_sum_squares / (double)m->run_samples) : 0.0;
  m->sum_squares = 0;
  m->samples = 0;
  g_mutex_unlock(&m->lock);
}
