/* SDP helpers for the load generator; see lg_sdp.h. */
#include "lg_sdp.h"

#include <string.h>

char *
lg_sdp_value(const char *sdp, const char *prefix)
{
  for (const char *at = sdp; (at = strstr(at, prefix)); at++) {
    if (at != sdp && at[-1] != '\n')
      continue; /* only at the start of a line */
    at += strlen(prefix);
    return g_strndup(at, strcspn(at, "\r\n"));
  }
  return NULL;
}

char *
lg_sdp_answer_for(const char *offer, const char *ufrag, const char *pwd, const char *fingerprint,
                  const char *candidates)
{
  g_auto(GStrv) lines = g_strsplit_set(offer, "\r\n", -1);
  GString *mids = g_string_new(NULL), *body = g_string_new(NULL);
  gboolean cands_done = FALSE, in_m = FALSE, rejected = FALSE;
  guint accepted = 0;
  char pt[16] = "";
  for (char **l = lines;; l++) {
    if (!*l || g_str_has_prefix(*l, "m=")) {
      if (in_m && !rejected && !cands_done) {
        g_string_append(body, candidates);
        cands_done = TRUE;
      }
      if (!*l)
        break;
      g_auto(GStrv) f = g_strsplit(*l + 2, " ", 5);
      in_m = g_strv_length(f) >= 4 && *f[0] &&
             strspn(f[0], "abcdefghijklmnopqrstuvwxyz") == strlen(f[0]);
      if (!in_m)
        continue;
      gboolean media = g_str_equal(f[0], "audio") || g_str_equal(f[0], "video");
      gboolean numeric =
          *f[3] && strlen(f[3]) < sizeof pt && strspn(f[3], "0123456789") == strlen(f[3]);
      /* Every offered m-line gets an answer line; what we cannot receive is rejected. */
      rejected = g_str_equal(f[1], "0") || !media || !numeric;
      if (rejected) {
        pt[0] = '\0';
        g_string_append_printf(body, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\na=inactive\r\n", f[0],
                               f[2], f[3]);
        continue;
      }
      accepted++;
      g_strlcpy(pt, f[3], sizeof pt);
      g_string_append_printf(body,
                             "m=%s 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\n"
                             "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:sha-256 %s\r\n"
                             "a=setup:active\r\na=recvonly\r\na=rtcp-mux\r\n",
                             f[0], pt, ufrag, pwd, fingerprint);
    } else if (in_m && g_str_has_prefix(*l, "a=mid:") && (*l)[6] &&
               strcspn(*l + 6, " \t") == strlen(*l + 6)) {
      g_string_append_printf(body, "%s\r\n", *l);
      if (!rejected)
        g_string_append_printf(mids, " %s", *l + 6);
    } else if (in_m && !rejected && g_str_has_prefix(*l, "a=rtpmap:") &&
               g_str_has_prefix(*l + 9, pt) && (*l)[9 + strlen(pt)] == ' ') {
      g_string_append_printf(body, "%s\r\n", *l);
    }
  }
  char *sdp = accepted ? g_strdup_printf("v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                                         "a=group:BUNDLE%s\r\n%s",
                                         g_random_int(), mids->str, body->str)
                       : NULL;
  g_string_free(mids, TRUE);
  g_string_free(body, TRUE);
  return sdp;
}
