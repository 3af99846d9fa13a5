/* Unit tests for the stream allocator on a fake clock: layers follow a falling estimate (cameras
 * level down, then pause, then audio-only at ~100 kbps), audio is never dropped, recovery waits
 * for the margin to hold 2 s, a noisy estimate does not make layers flap, screen shares win over
 * cameras, viewports cap layers, vanished layers are left at once, padding is asked for; and, in a
 * closed loop with the estimator, a patient whose link collapses keeps the audio. */
#include "allocator.h"
#include "link_sim.h"

enum { AUDIO, CAM, CAM2, SCREEN, N_TRACKS };

/* Chrome-like simulcast: 180p 150 kbps, 360p 500 kbps, 720p 1.5 Mbps. */
static void
camera(ArAllocTrack *t, guint32 id)
{
  *t = (ArAllocTrack){.id = id,
                      .kind = AR_ALLOC_CAMERA,
                      .n_layers = 3,
                      .layer_bps = {150000, 500000, 1500000},
                      .layer_height = {180, 360, 720},
                      .max_height = 720};
}

static void
audio(ArAllocTrack *t, guint32 id)
{
  *t = (ArAllocTrack){.id = id, .kind = AR_ALLOC_AUDIO};
}

/* Calls the allocator every 100 ms for ms milliseconds at a fixed estimate. */
static ArAllocResult
hold(ArAllocator *a, guint64 est, const ArAllocTrack *t, guint n, gint64 *now, guint ms)
{
  ArAllocResult r;
  for (guint i = 0; i < ms; i += 100) {
    g_assert_true(ar_allocator_update(a, est, t, n, *now, &r));
    *now += 100000;
  }
  return r;
}

static void
test_falling_estimate(void)
{
  g_autoptr(ArAllocator) a = ar_allocator_new(NULL);
  ArAllocTrack t[3];
  audio(&t[0], 1);
  camera(&t[1], 2); /* clinician */
  camera(&t[2], 3); /* interpreter */
  gint64 now = 0;
  ArAllocResult r = hold(a, 3000000, t, 3, &now, 3000);
  g_assert_cmpint(r.tracks[1].layer, ==, 2);
  g_assert_cmpint(r.tracks[2].layer, ==, 1); /* 40 + 1500 + 1500 > 3000 / 1.15 */
  /* est -> expected layers of both cameras, applied on the very first call (downgrades are
   * immediate). Cameras level down together, then the later one pauses, then audio-only. */
  static const struct {
    guint64 est;
    gint cam1, cam2;
    gboolean audio_only;
  } steps[] = {
      {2100000, 2, 1, FALSE},
      {1100000, 1, 1, FALSE},
      {700000, 1, 0, FALSE},
      {400000, 0, 0, FALSE},
      {250000, 0, AR_ALLOC_PAUSED, FALSE},
      {100000, AR_ALLOC_PAUSED, AR_ALLOC_PAUSED, TRUE},
      {30000, AR_ALLOC_PAUSED, AR_ALLOC_PAUSED, TRUE},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
    g_assert_true(ar_allocator_update(a, steps[i].est, t, 3, now, &r));
    g_assert_cmpint(r.tracks[0].layer, ==, 0); /* audio, always */
    g_assert_cmpint(r.tracks[1].layer, ==, steps[i].cam1);
    g_assert_cmpint(r.tracks[2].layer, ==, steps[i].cam2);
    g_assert_cmpint(r.audio_only, ==, steps[i].audio_only);
    g_assert_true(r.allocated_bps <= steps[i].est || r.allocated_bps == 40000);
    r = hold(a, steps[i].est, t, 3, &now, 3000); /* and it stays there */
    g_assert_cmpint(r.tracks[1].layer, ==, steps[i].cam1);
    g_assert_cmpint(r.tracks[2].layer, ==, steps[i].cam2);
  }
  g_assert_cmpuint(r.allocated_bps, ==, 40000);
}

static void
test_audio_never_dropped(void)
{
  g_autoptr(ArAllocator) a = ar_allocator_new(NULL);
  ArAllocTrack t[4];
  audio(&t[0], 1);
  audio(&t[1], 2);
  audio(&t[2], 3);
  camera(&t[3], 4);
  ArAllocResult r;
  g_assert_true(ar_allocator_update(a, 1, t, 4, 0, &r));
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint(r.tracks[i].layer, ==, 0);
  g_assert_cmpint(r.tracks[3].layer, ==, AR_ALLOC_PAUSED);
  g_assert_true(r.audio_only);
  g_assert_cmpuint(r.allocated_bps, ==, 120000);
}

/* From audio-only, a large estimate upgrades only after the margin held for 2 s; a dip in
 * between restarts the wait. */
static void
test_recovery_hysteresis(void)
{
  g_autoptr(ArAllocator) a = ar_allocator_new(NULL);
  ArAllocTrack t[2];
  audio(&t[0], 1);
  camera(&t[1], 2);
  gint64 now = 0;
  ArAllocResult r = hold(a, 100000, t, 2, &now, 1000);
  g_assert_true(r.audio_only);
  g_assert_cmpuint(r.padding_bps, ==, 60000); /* fill up to the estimate to let it grow */
  r = hold(a, 3000000, t, 2, &now, 1500);
  g_assert_true(r.audio_only);
  r = hold(a, 200000, t, 2, &now, 100); /* 190 fits, but not with the margin: wait restarts */
  g_assert_true(r.audio_only);
  r = hold(a, 3000000, t, 2, &now, 1900);
  g_assert_true(r.audio_only);
  r = hold(a, 3000000, t, 2, &now, 200);
  g_assert_false(r.audio_only);
  g_assert_cmpint(r.tracks[1].layer, ==, 2);
  g_assert_cmpuint(r.padding_bps, ==, 0);
}

/* An estimate wobbling +-8 % around what layer 1 needs (or what leaving audio-only needs) moves
 * the layer at most once in a minute. */
static void
noisy(guint64 start, gint start_layer, guint64 centre)
{
  g_autoptr(ArAllocator) a = ar_allocator_new(NULL);
  g_autoptr(GRand) rnd = g_rand_new_with_seed(42);
  ArAllocTrack t[2];
  audio(&t[0], 1);
  camera(&t[1], 2);
  gint64 now = 0;
  ArAllocResult r = hold(a, start, t, 2, &now, 3000);
  g_assert_cmpint(r.tracks[1].layer, ==, start_layer);
  guint changes = 0;
  for (guint i = 0; i < 600; i++) {
    guint64 est = (guint64)(centre * g_rand_double_range(rnd, 0.92, 1.08));
    g_assert_true(ar_allocator_update(a, est, t, 2, now, &r));
    changes += r.tracks[1].changed;
    now += 100000;
  }
  g_test_message("centre %" G_GUINT64_FORMAT ": %u changes", centre, changes);
  g_assert_cmpuint(changes, <=, 1);
}

static void
test_no_flapping(void)
{
  noisy(700000, 1, 560000); /* layer 1 needs 540 kbps with audio */
  noisy(250000, 0, 200000); /* the lowest layer needs 190 kbps with audio */
}

static void
test_screen_priority(void)
{
  g_autoptr(ArAllocator) a = ar_allocator_new(NULL);
  ArAllocTrack t[3];
  camera(&t[0], 10); /* camera listed first: order of input does not matter */
  t[1] = (ArAllocTrack){.id = 11,
                        .kind = AR_ALLOC_SCREEN,
                        .n_layers = 2,
                        .layer_bps = {300000, 800000},
                        .layer_height = {540, 1080},
                        .max_height = G_MAXUINT16};
  audio(&t[2], 12);
  ArAllocResult r;
  g_assert_true(ar_allocator_update(a, 1200000, t, 3, 0, &r));
  g_assert_cmpint(r.tracks[1].layer, ==, 1);
  g_assert_cmpint(r.tracks[0].layer, ==, 0);
  /* Less room: the camera pauses before the screen share gives up a layer ... */
  g_assert_true(ar_allocator_update(a, 900000, t, 3, 100000, &r));
  g_assert_cmpint(r.tracks[1].layer, ==, 1);
  g_assert_cmpint(r.tracks[0].layer, ==, AR_ALLOC_PAUSED);
  g_assert_false(r.audio_only);
  /* ... and the screen share keeps its lowest layer after that. */
  g_assert_true(ar_allocator_update(a, 400000, t, 3, 200000, &r));
  g_assert_cmpint(r.tracks[1].layer, ==, 0);
  g_assert_cmpint(r.tracks[0].layer, ==, AR_ALLOC_PAUSED);
  g_assert_cmpint(r.tracks[2].layer, ==, 0);
}

static void
test_viewport_and_layers(void)
{
  g_autoptr(ArAllocator) a = ar_allocator_new(NULL);
  ArAllocTrack t[2];
  audio(&t[0], 1);
  camera(&t[1], 2);
  t[1].max_height = 300; /* a small tile: 360p is enough */
  gint64 now = 0;
  ArAllocResult r = hold(a, 5000000, t, 2, &now, 3000);
  g_assert_cmpint(r.tracks[1].layer, ==, 1);
  g_assert_cmpuint(r.padding_bps, ==, 0); /* nothing more wanted */
  t[1].max_height = 1080;                 /* enlarged: no need to wait */
  g_assert_true(ar_allocator_update(a, 5000000, t, 2, now, &r));
  g_assert_cmpint(r.tracks[1].layer, ==, 2);
  g_assert_true(r.tracks[1].changed);
  t[1].layer_bps[2] = 0; /* publisher stopped sending 720p */
  g_assert_true(ar_allocator_update(a, 5000000, t, 2, now + 100000, &r));
  g_assert_cmpint(r.tracks[1].layer, ==, 1);
  t[1].max_height = 0; /* hidden: paused, but that is not audio-only */
  g_assert_true(ar_allocator_update(a, 5000000, t, 2, now + 200000, &r));
  g_assert_cmpint(r.tracks[1].layer, ==, AR_ALLOC_PAUSED);
  g_assert_false(r.audio_only);
  ArAllocTrack many[AR_ALLOC_MAX_TRACKS + 1] = {0};
  g_assert_false(ar_allocator_update(a, 5000000, many, AR_ALLOC_MAX_TRACKS + 1, now, &r));
}

/* Closed loop: what we send is what the allocator chose plus its padding. The link falls from
 * 2 Mbps to 150 kbps (a patient walking into a lift): within seconds video pauses and audio goes
 * on; when the link comes back, the padding lets the estimate grow and video resumes. */
static void
test_weak_link_loop(void)
{
  g_autoptr(ArAllocator) a = ar_allocator_new(NULL);
  ArAllocTrack t[2];
  audio(&t[0], 1);
  camera(&t[1], 2);
  BweSim *s = bwe_sim_new(2e6, 60000, 400000, 0, 5, NULL);
  ArAllocResult r = {0};
  double to_audio_only = -1, back = -1;
  for (guint ms = 0; ms < 90000; ms++) {
    if (ms == 30000)
      s->link.capacity_bps = 150e3;
    if (ms == 50000)
      s->link.capacity_bps = 2e6;
    bwe_sim_step(s);
    if (ms % 100 == 0) {
      g_assert_true(ar_allocator_update(a, s->target_bps, t, 2, s->now_us, &r));
      g_assert_cmpint(r.tracks[0].layer, ==, 0);
    }
    s->target_bps = r.allocated_bps + r.padding_bps; /* the send rate of the next step */
    if (ms == 29999)
      g_assert_cmpint(r.tracks[1].layer, >=, 1);
    if (ms >= 30000 && ms < 50000 && to_audio_only < 0 && r.audio_only)
      to_audio_only = (ms - 30000) / 1000.0;
    if (ms >= 40000 && ms < 50000)
      g_assert_true(r.audio_only); /* and it stays so while the link is weak */
    if (ms >= 50000 && back < 0 && !r.audio_only)
      back = (ms - 50000) / 1000.0;
  }
  g_test_message("audio-only %.1f s after the fall, video back %.1f s after the recovery",
                 to_audio_only, back);
  g_assert_cmpfloat(to_audio_only, >=, 0);
  g_assert_cmpfloat(to_audio_only, <, 3.0);
  g_assert_cmpfloat(back, >=, 2.0); /* not before the upgrade margin held */
  g_assert_cmpfloat(back, <, 20.0);
  g_assert_cmpint(r.tracks[1].layer, >=, 1);
  bwe_sim_free(s);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/allocator/falling-estimate", test_falling_estimate);
  g_test_add_func("/allocator/audio-never-dropped", test_audio_never_dropped);
  g_test_add_func("/allocator/recovery-hysteresis", test_recovery_hysteresis);
  g_test_add_func("/allocator/no-flapping", test_no_flapping);
  g_test_add_func("/allocator/screen-priority", test_screen_priority);
  g_test_add_func("/allocator/viewport-and-layers", test_viewport_and_layers);
  g_test_add_func("/allocator/weak-link-loop", test_weak_link_loop);
  return g_test_run();
}
