/* Replays a fuzz target's corpus without libFuzzer: every file under the given directories is
 * fed once to LLVMFuzzerTestOneInput. Used by `meson test` so seeds and past crashes are
 * regression tests in every build, sanitizer builds included. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_dir(const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
  if (!dir) {
    fprintf(stderr, "replay: %s\n", error->message);
    return -1;
  }
  int n = 0;
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *file = g_build_filename(path, name, NULL);
    if (g_file_test(file, G_FILE_TEST_IS_DIR)) {
      int sub = replay_dir(file);
      if (sub < 0)
        return -1;
      n += sub;
      continue;
    }
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(file, &data, &len, &error)) {
      fprintf(stderr, "replay: %s\n", error->message);
      return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    n++;
  }
  return n;
}

int
main(int argc, char **argv)
{
  int total = 0;
  for (int i = 1; i < argc; i++) {
    int n = replay_dir(argv[i]);
    if (n < 0)
      return 1;
    total += n;
  }
  if (total == 0) {
    fprintf(stderr, "replay: no corpus files found\n");
    return 1;
  }
  printf("replayed %d inputs\n", total);
  return 0;
}
