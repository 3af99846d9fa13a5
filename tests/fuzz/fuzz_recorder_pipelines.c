/* Fuzzes the recorder's pipeline file loader (the loader shared with anteroom-peer, with the
 * recorder's keys): any input is either refused with nothing changed, or accepted with every
 * value non-empty and without surrounding whitespace. */
#include "recorder.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ArRecorderPipelines p = {0}, d = {0};
  ar_recorder_pipelines_init_defaults(&p);
  ar_recorder_pipelines_init_defaults(&d);
  GError *error = NULL;
  if (ar_recorder_pipelines_load_data(&p, (const char *)data, size, "fuzz", &error)) {
    const char *v[] = {p.muxer, p.extension, p.jitterbuffer, p.opus, p.vp8, p.vp9, p.h264};
    for (guint i = 0; i < G_N_ELEMENTS(v); i++)
      if (!v[i] || !*v[i] || g_ascii_isspace(v[i][0]) || g_ascii_isspace(v[i][strlen(v[i]) - 1]))
        abort();
  } else {
    if (!error || error->domain != AR_RECORDER_ERROR || strcmp(p.muxer, d.muxer) != 0 ||
        strcmp(p.opus, d.opus) != 0 || strcmp(p.h264, d.h264) != 0)
      abort();
    g_error_free(error);
  }
  ar_recorder_pipelines_clear(&p);
  ar_recorder_pipelines_clear(&d);
  return 0;
}
