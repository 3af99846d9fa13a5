/* Smoothed audio levels and active-speaker hysteresis; see audio_level.h. */
#include "audio_level.h"

/* Per packet (20 ms for Opus) weight of the new value: a time constant of about 100 ms, quick
 * enough to follow speech onsets and slow enough to ride over syllable gaps. */
#define SMOOTHING 0.2

void
ar_audio_level_init(ArAudioLevel *a, gint64 dominate_us)
{
  *a = (ArAudioLevel){0};
  a->speaker = -1;
  a->challenger = -1;
  a->dominate_us = dominate_us > 0 ? dominate_us : G_USEC_PER_SEC;
  a->next_tick_us = G_MININT64 + 1;
}

void
ar_audio_level_observe(ArAudioLevel *a, guint idx, gboolean voice, guint8 level, gint64 now_us)
{
  if (idx >= AR_AUDIO_LEVEL_MAX)
    return;
  ArAudioLevelEntry *e = &a->e[idx];
  if (!e->used) {
    *e = (ArAudioLevelEntry){.used = TRUE};
  }
  /* Senders that set the V flag tell us when it is not speech (noise, music on hold). */
  gdouble x = voice ? 127.0 - MIN(level, 127) : (127.0 - MIN(level, 127)) * 0.5;
  e->loudness += (x - e->loudness) * SMOOTHING;
  e->last_us = now_us;
}

void
ar_audio_level_remove(ArAudioLevel *a, guint idx)
{
  if (idx >= AR_AUDIO_LEVEL_MAX)
    return;
  a->e[idx] = (ArAudioLevelEntry){0};
  if (a->challenger == (gint)idx)
    a->challenger = -1;
  if (a->speaker == (gint)idx) {
    a->speaker = -1;
    a->challenger = -1;
  }
}

gboolean
ar_audio_level_tick(ArAudioLevel *a, gint64 now_us, gint *speaker)
{
  a->next_tick_us = now_us + AR_AUDIO_LEVEL_TICK_US;
  gint loudest = -1;
  gdouble best = AR_AUDIO_LEVEL_SILENCE;
  for (guint i = 0; i < AR_AUDIO_LEVEL_MAX; i++) {
    ArAudioLevelEntry *e = &a->e[i];
    if (!e->used)
      continue;
    if (now_us - e->last_us > AR_AUDIO_LEVEL_STALE_US)
      e->loudness = 0;
    if (e->loudness >= best) {
      best = e->loudness;
      loudest = (gint)i;
    }
  }
  if (loudest < 0 || loudest == a->speaker) {
    a->challenger = -1; /* silence or the speaker is still loudest: nobody is gaining */
    return FALSE;
  }
  if (loudest != a->challenger) {
    a->challenger = loudest;
    a->challenger_us = now_us;
  }
  /* The first speaker of a visit takes the floor at once; later ones must dominate. */
  if (a->speaker >= 0 && now_us - a->challenger_us < a->dominate_us)
    return FALSE;
  a->speaker = loudest;
  a->challenger = -1;
  *speaker = loudest;
  return TRUE;
}

gint64
ar_audio_level_next_timeout(const ArAudioLevel *a)
{
  for (guint i = 0; i < AR_AUDIO_LEVEL_MAX; i++)
    if (a->e[i].used)
      return a->next_tick_us;
  return G_MAXINT64; /* nobody publishes audio levels: no need to wake up */
}
