/* libFuzzer target for the load generator's SDP helpers (bench/loadgen/lg_sdp.c): arbitrary
 * text as a Janus offer is answered and searched for attributes; the answer, when there is one,
 * must carry our credentials and a BUNDLE line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bench/loadgen/lg_sdp.c"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = g_strndup((const char *)data, size);
  char *a = lg_sdp_answer_for(text, "ufrag", "pwd", "AA:BB",
                              "a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n");
  if (a && (!strstr(a, "a=group:BUNDLE") || !strstr(a, "a=ice-ufrag:ufrag"))) {
    fprintf(stderr, "answer without BUNDLE or credentials:\n%s\n", a);
    abort();
  }
  g_free(a);
  g_free(lg_sdp_value(text, "a=ice-pwd:"));
  g_free(lg_sdp_value(text, "m="));
  g_free(text);
  return 0;
}
