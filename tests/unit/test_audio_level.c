/* Unit tests for active-speaker detection: the first speaker takes the floor at once, a
 * challenger must stay loudest for the hysteresis time, short interjections do not switch,
 * silence and stale streams do not count, and a departing speaker is replaced. */
#include "audio_level.h"

#define MS G_TIME_SPAN_MILLISECOND

/* 20 ms of audio per packet from each participant at the given -dBov (127 = silence). */
static void
speak(ArAudioLevel *a, const guint8 *levels, guint n, gint64 from, gint64 to)
{
  for (gint64 t = from; t < to; t += 20 * MS)
    for (guint i = 0; i < n; i++)
      if (levels[i] != 255)
        ar_audio_level_observe(a, i, levels[i] < 127, levels[i], t);
}

/* Ticks every 100 ms over [from, to); returns the last change seen, or -2. */
static gint
run(ArAudioLevel *a, const guint8 *levels, guint n, gint64 from, gint64 to, gint64 *when)
{
  gint changed = -2;
  for (gint64 t = from; t < to; t += 100 * MS) {
    speak(a, levels, n, t, t + 100 * MS);
    gint s;
    if (ar_audio_level_tick(a, t + 100 * MS, &s)) {
      changed = s;
      if (when)
        *when = t + 100 * MS;
    }
  }
  return changed;
}

static void
test_hysteresis(void)
{
  ArAudioLevel a;
  ar_audio_level_init(&a, G_USEC_PER_SEC);
  g_assert_cmpint(ar_audio_level_next_timeout(&a), ==, G_MAXINT64);
  guint8 quiet[] = {127, 127, 127};
  g_assert_cmpint(run(&a, quiet, 3, 0, 500 * MS, NULL), ==, -2);
  guint8 clinician[] = {30, 127, 127};
  gint64 when = 0;
  g_assert_cmpint(run(&a, clinician, 3, 500 * MS, 1000 * MS, &when), ==, 0);
  g_assert_cmpint(when, ==, 600 * MS); /* first speaker: at once */
  /* The patient answers louder for 600 ms: not long enough. */
  guint8 patient[] = {127, 25, 127};
  g_assert_cmpint(run(&a, patient, 3, 1000 * MS, 1600 * MS, NULL), ==, -2);
  g_assert_cmpint(run(&a, clinician, 3, 1600 * MS, 2500 * MS, NULL), ==, -2);
  /* Now the patient talks for 2 s: the switch comes about 1 s after they became loudest. */
  g_assert_cmpint(run(&a, patient, 3, 2500 * MS, 4500 * MS, &when), ==, 1);
  g_assert_cmpint(when, >=, 3500 * MS);
  g_assert_cmpint(when, <=, 3800 * MS);
  g_assert_cmpint(a.speaker, ==, 1);
  /* Both talk over each other at the same level: the speaker keeps the floor. */
  guint8 both[] = {40, 40, 127};
  g_assert_cmpint(run(&a, both, 3, 4500 * MS, 8000 * MS, NULL), ==, -2);
}

static void
test_stale_and_remove(void)
{
  ArAudioLevel a;
  ar_audio_level_init(&a, G_USEC_PER_SEC);
  guint8 one[] = {30, 50};
  g_assert_cmpint(run(&a, one, 2, 0, 500 * MS, NULL), ==, 0);
  /* Participant 0's audio stops (muted: no packets): after the stale time 1 takes over. */
  guint8 only1[] = {255, 50};
  gint64 when;
  g_assert_cmpint(run(&a, only1, 2, 500 * MS, 3000 * MS, &when), ==, 1);
  g_assert_cmpint(when, <=, 2200 * MS);
  guint8 back[] = {30, 50};
  run(&a, back, 2, 3000 * MS, 3300 * MS, NULL);
  ar_audio_level_remove(&a, 1);
  g_assert_cmpint(a.speaker, ==, -1);
  g_assert_cmpint(run(&a, back, 2, 3300 * MS, 3500 * MS, NULL), ==, 0);
  ar_audio_level_observe(&a, 99, TRUE, 0, 0); /* out of range: ignored */
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/audio_level/hysteresis", test_hysteresis);
  g_test_add_func("/audio_level/stale-and-remove", test_stale_and_remove);
  return g_test_run();
}
