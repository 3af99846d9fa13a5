/* Unit tests for simulcast layer choice: switches only at a keyframe of the new layer, the old
 * layer keeps flowing meanwhile, inactive layers fall back, audio always passes, audio-only and
 * paused subscribers get no video and resume from a keyframe. */
#include "forwarder.h"

#define ALL 0x7u

static void
test_start_waits_for_keyframe(void)
{
  ArForwarder f;
  ar_forwarder_init(&f, TRUE, 2);
  g_assert_cmpint(ar_forwarder_keyframe_layer(&f, ALL), ==, 2);
  g_assert_cmpint(ar_forwarder_handle(&f, 2, FALSE, ALL), ==, AR_FORWARD_DROP);
  g_assert_cmpint(ar_forwarder_handle(&f, 0, TRUE, ALL), ==, AR_FORWARD_DROP); /* wrong layer */
  g_assert_cmpint(ar_forwarder_handle(&f, 2, TRUE, ALL), ==, AR_FORWARD_SWITCHED);
  g_assert_cmpint(ar_forwarder_keyframe_layer(&f, ALL), ==, -1);
  g_assert_cmpint(ar_forwarder_handle(&f, 2, FALSE, ALL), ==, AR_FORWARD);
  g_assert_cmpint(ar_forwarder_handle(&f, 1, FALSE, ALL), ==, AR_FORWARD_DROP);
  g_assert_cmpint(ar_forwarder_handle(&f, 1, TRUE, ALL), ==, AR_FORWARD_DROP);
}

static void
test_switch_only_at_keyframe(void)
{
  ArForwarder f;
  ar_forwarder_init(&f, TRUE, 2);
  ar_forwarder_handle(&f, 2, TRUE, ALL);
  ar_forwarder_set_target(&f, 0); /* the allocator lowers the subscriber */
  g_assert_cmpint(ar_forwarder_keyframe_layer(&f, ALL), ==, 0);
  for (guint i = 0; i < 5; i++) {
    g_assert_cmpint(ar_forwarder_handle(&f, 2, FALSE, ALL), ==, AR_FORWARD);
    g_assert_cmpint(ar_forwarder_handle(&f, 0, FALSE, ALL), ==, AR_FORWARD_DROP);
    g_assert_cmpint(ar_forwarder_handle(&f, 1, TRUE, ALL), ==, AR_FORWARD_DROP);
  }
  g_assert_cmpint(f.current, ==, 2);
  g_assert_cmpint(ar_forwarder_handle(&f, 0, TRUE, ALL), ==, AR_FORWARD_SWITCHED);
  g_assert_cmpint(ar_forwarder_handle(&f, 2, FALSE, ALL), ==, AR_FORWARD_DROP);
  g_assert_cmpint(ar_forwarder_handle(&f, 2, TRUE, ALL), ==, AR_FORWARD_DROP);
  g_assert_cmpint(ar_forwarder_handle(&f, 0, FALSE, ALL), ==, AR_FORWARD);
  g_assert_cmpuint(f.switches, ==, 2);
}

static void
test_inactive_layers(void)
{
  ArForwarder f;
  ar_forwarder_init(&f, TRUE, 2);
  /* The phone's uplink dropped the high layer: the best active one below is chosen. */
  g_assert_cmpint(ar_forwarder_effective_target(&f, 0x3), ==, 1);
  g_assert_cmpint(ar_forwarder_effective_target(&f, 0x1), ==, 0);
  ar_forwarder_set_target(&f, 0);
  g_assert_cmpint(ar_forwarder_effective_target(&f, 0x6), ==, 1); /* none below: lowest above */
  g_assert_cmpint(ar_forwarder_effective_target(&f, 0), ==, 0);   /* nothing known yet */
  ar_forwarder_set_target(&f, 2);
  g_assert_cmpint(ar_forwarder_handle(&f, 1, TRUE, 0x3), ==, AR_FORWARD_SWITCHED);
  g_assert_cmpint(f.current, ==, 1);
  /* The high layer comes back: wait for its keyframe while layer 1 flows. */
  g_assert_cmpint(ar_forwarder_handle(&f, 2, FALSE, 0x7), ==, AR_FORWARD_DROP);
  g_assert_cmpint(ar_forwarder_handle(&f, 1, FALSE, 0x7), ==, AR_FORWARD);
  g_assert_cmpint(ar_forwarder_handle(&f, 2, TRUE, 0x7), ==, AR_FORWARD_SWITCHED);
}

static void
test_audio_never_dropped(void)
{
  ArForwarder f;
  ar_forwarder_init(&f, FALSE, 0);
  ar_forwarder_set_audio_only(&f, TRUE);
  ar_forwarder_set_target(&f, -1);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpint(ar_forwarder_handle(&f, 0, FALSE, 0x1), ==, AR_FORWARD);
  g_assert_cmpint(ar_forwarder_keyframe_layer(&f, 0x1), ==, -1);
}

static void
test_audio_only_and_pause(void)
{
  ArForwarder f;
  ar_forwarder_init(&f, TRUE, 1);
  ar_forwarder_handle(&f, 1, TRUE, ALL);
  g_assert_true(ar_forwarder_set_audio_only(&f, TRUE));
  g_assert_false(ar_forwarder_set_audio_only(&f, TRUE));
  g_assert_cmpint(ar_forwarder_handle(&f, 1, TRUE, ALL), ==, AR_FORWARD_DROP);
  g_assert_cmpint(ar_forwarder_keyframe_layer(&f, ALL), ==, -1);
  g_assert_true(ar_forwarder_set_audio_only(&f, FALSE));
  g_assert_cmpint(ar_forwarder_keyframe_layer(&f, ALL), ==, 1);
  g_assert_cmpint(ar_forwarder_handle(&f, 1, FALSE, ALL), ==, AR_FORWARD_DROP);
  g_assert_cmpint(ar_forwarder_handle(&f, 1, TRUE, ALL), ==, AR_FORWARD_SWITCHED);

  ar_forwarder_set_target(&f, -1); /* paused by the allocator */
  g_assert_cmpint(ar_forwarder_handle(&f, 1, TRUE, ALL), ==, AR_FORWARD_DROP);
  g_assert_cmpint(f.current, ==, -1);
  ar_forwarder_set_target(&f, 1);
  g_assert_cmpint(ar_forwarder_handle(&f, 1, FALSE, ALL), ==, AR_FORWARD_DROP);
  g_assert_cmpint(ar_forwarder_handle(&f, 1, TRUE, ALL), ==, AR_FORWARD_SWITCHED);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/forwarder/start-waits-for-keyframe", test_start_waits_for_keyframe);
  g_test_add_func("/forwarder/switch-only-at-keyframe", test_switch_only_at_keyframe);
  g_test_add_func("/forwarder/inactive-layers", test_inactive_layers);
  g_test_add_func("/forwarder/audio-never-dropped", test_audio_never_dropped);
  g_test_add_func("/forwarder/audio-only-and-pause", test_audio_only_and_pause);
  return g_test_run();
}
