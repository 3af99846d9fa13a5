/* libFuzzer target for the SDP module: parse arbitrary text; whatever parses is answered,
 * printed and parsed again, so the builder and the answer logic see every accepted shape. */
#include "sdp.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* abort(), not g_error(): libFuzzer saves the input on SIGABRT but not on G_BREAKPOINT's trap. */
static void G_GNUC_PRINTF(1, 2) fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  abort();
}

static const char *const candidates[] = {"1 1 udp 2130706431 127.0.0.1 40000 typ host", NULL};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = g_strndup((const char *)data, size);
  GError *error = NULL;
  ArSdpSession *s = ar_sdp_parse(text, &error);
  g_free(text);
  if (!s) {
    g_clear_error(&error);
    return 0;
  }
  char *printed = ar_sdp_build(s);
  ArSdpSession *again = ar_sdp_parse(printed, &error);
  /* What the parser accepted, the builder must print as something the parser accepts. */
  if (!again)
    fail("printed SDP does not parse: %s\n%s", error->message, printed);
  g_free(printed);
  ar_sdp_session_free(again);

  ArSdpLocalMedia media[2] = {
      {.direction = AR_SDP_DIR_SENDRECV, .ssrc = 1, .rtx_ssrc = 2, .msid = "s t"},
      {.direction = AR_SDP_DIR_RECVONLY}};
  ArSdpLocal local = {
      .session_id = 1,
      .session_version = 1,
      .ice_ufrag = "fuzz",
      .ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz",
      .fingerprint = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:"
                     "88:99:AA:BB:CC:DD:EE:FF",
      .candidates = candidates,
      .cname = "fuzz",
      .h264_profiles = 0x1f,
      .codecs = 0x7f,
      .media = media,
      .n_media = 2,
  };
  ArSdpSession *ans = ar_sdp_answer(s, &local, &error);
  if (ans) {
    char *answer = ar_sdp_build(ans);
    ArSdpSession *back = ar_sdp_parse(answer, &error);
    if (!back)
      fail("answer does not parse: %s\n%s", error->message, answer);
    if (back->media->len > 0) {
      ArSdpSlot slot = {.mid = "fuzz-slot",
                        .like = g_ptr_array_index(back->media, 0),
                        .ssrc = 9,
                        .rtx_ssrc = 10,
                        .msid = "a b"};
      ArSdpSession *offer = ar_sdp_offer_build(back, &local, &slot, 1, NULL);
      if (offer) {
        char *o = ar_sdp_build(offer);
        ArSdpSession *ob = ar_sdp_parse(o, &error);
        if (!ob)
          fail("server offer does not parse: %s\n%s", error->message, o);
        ar_sdp_session_free(ob);
        g_free(o);
        ar_sdp_session_free(offer);
      }
    }
    ar_sdp_session_free(back);
    g_free(answer);
    ar_sdp_session_free(ans);
  }
  g_clear_error(&error);
  ar_sdp_session_free(s);
  return 0;
}
