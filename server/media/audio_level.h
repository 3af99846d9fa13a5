/* Active-speaker detection from the ssrc-audio-level header extension (RFC 6464): a smoothed
 * loudness per participant and an ACTIVE_SPEAKER_CHANGED decision with hysteresis, so the
 * clinician console does not flicker between voices. The router feeds it each audio packet's
 * level and ticks it from its timer. */
#pragma once
#include <glib.h>

#define AR_AUDIO_LEVEL_MAX 16
#define AR_AUDIO_LEVEL_TICK_US (100 * G_TIME_SPAN_MILLISECOND)
/* Smoothed loudness (127 - dBov) below this is silence: -80 dBov and quieter. */
#define AR_AUDIO_LEVEL_SILENCE 47
/* A participant whose audio stopped for this long counts as silent. */
#define AR_AUDIO_LEVEL_STALE_US (500 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  gboolean used;
  gdouble loudness; /* exponentially smoothed 127 - level, 0 = silence */
  gint64 last_us;
} ArAudioLevelEntry;

typedef struct {
  ArAudioLevelEntry e[AR_AUDIO_LEVEL_MAX];
  gint speaker;         /* -1 until someone has spoken */
  gint challenger;      /* loudest participant other than the speaker, -1 none */
  gint64 challenger_us; /* since when the challenger has been loudest */
  gint64 dominate_us;   /* how long a challenger must stay loudest to take over */
  gint64 next_tick_us;
} ArAudioLevel;

void ar_audio_level_init(ArAudioLevel *a, gint64 dominate_us);

/* One packet's RFC 6464 value for participant `idx`. */
void ar_audio_level_observe(ArAudioLevel *a, guint idx, gboolean voice, guint8 level,
                            gint64 now_us);

/* Forgets a participant (it left); if it was the speaker, the next loudest takes over at once. */
void ar_audio_level_remove(ArAudioLevel *a, guint idx);

/* Re-evaluates; TRUE when the active speaker changed (*speaker is the new one). */
gboolean ar_audio_level_tick(ArAudioLevel *a, gint64 now_us, gint *speaker);

gint64 ar_audio_level_next_timeout(const ArAudioLevel *a);
