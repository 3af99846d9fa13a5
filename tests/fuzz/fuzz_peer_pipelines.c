/* Fuzzes anteroom-peer's pipeline file loader: any input is either refused with nothing
 * changed, or accepted with every value non-empty and the {file} source still holding its
 * placeholder; substituting a path then leaves no placeholder behind. */
#include "peer/peer_pipelines.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ArPeerPipelines p = {0}, d = {0};
  ar_peer_pipelines_init_defaults(&p);
  ar_peer_pipelines_init_defaults(&d);
  GError *error = NULL;
  if (ar_peer_pipelines_load_data(&p, (const char *)data, size, "fuzz", &error)) {
    const char *v[] = {p.video_source, p.audio_source, p.file_source, p.vp8, p.h264, p.opus};
    for (guint i = 0; i < G_N_ELEMENTS(v); i++)
      if (!v[i] || !*v[i])
        abort();
    if (!strstr(p.file_source, "{file}"))
      abort();
    char *desc = ar_peer_pipelines_file_source(&p, "/tmp/a \"b\" \\c");
    if (strstr(desc, "{file}"))
      abort();
    g_free(desc);
  } else {
    if (!error || strcmp(p.vp8, d.vp8) != 0 || strcmp(p.file_source, d.file_source) != 0 ||
        strcmp(p.video_source, d.video_source) != 0)
      abort();
    g_error_free(error);
  }
  ar_peer_pipelines_clear(&p);
  ar_peer_pipelines_clear(&d);
  return 0;
}
