/* Hostile bytes through ArSrtpSession running on the OpenSSL types. The first byte picks the
 * profile and RTP or RTCP; the rest is used twice: as a received packet (must be rejected
 * without harm: nobody can forge a tag) and as a packet to send (protect either refuses it or
 * the peer's unprotect gives back exactly the same bytes). Sessions are fresh per input so the
 * replay state of one input cannot decide the next. */
#include "srtp.h"
#include "srtp_openssl.h"

#include <stdint.h>
#include <string.h>

#define MAX_PKT 1600

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static gboolean ready; /* libsrtp's kernel is process-wide: set it up once */
  if (!ready) {
    if (!ar_srtp_init(NULL) || !ar_srtp_openssl_install(NULL))
      g_error("fuzz_srtp: libsrtp set-up failed");
    ready = TRUE;
  }
  if (size < 1 || size - 1 > MAX_PKT)
    return 0;
  ArSrtpProfile profile = (data[0] & 1) ? AR_SRTP_AES128_CM_SHA1_80 : AR_SRTP_AEAD_AES_128_GCM;
  gboolean rtcp = (data[0] & 2) != 0;
  data++;
  size--;

  guint8 km[60];
  for (gsize i = 0; i < sizeof km; i++)
    km[i] = (guint8)(i * 7 + 1);
  gsize km_len = ar_srtp_profile_keying_material_len(profile);
  g_autoptr(ArSrtpSession) client = ar_srtp_session_new(profile, km, km_len, TRUE, NULL);
  g_autoptr(ArSrtpSession) server = ar_srtp_session_new(profile, km, km_len, FALSE, NULL);
  g_assert(client != NULL && server != NULL);

  guint32 buf32[(MAX_PKT + AR_SRTP_MAX_RTCP_OVERHEAD + 3) / 4];
  guint8 *buf = (guint8 *)buf32;
  gsize len = size;
  memcpy(buf, data, size);
  int r =
      rtcp ? ar_srtp_unprotect_rtcp(server, buf, &len) : ar_srtp_unprotect_rtp(server, buf, &len);
  g_assert(r < 0);
  g_assert(len == size);

  memcpy(buf, data, size);
  len = size;
  r = rtcp ? ar_srtp_protect_rtcp(client, buf, &len, sizeof buf32)
           : ar_srtp_protect_rtp(client, buf, &len, sizeof buf32);
  if (r != AR_SRTP_OK)
    return 0;
  g_assert(len == size + (rtcp ? ar_srtp_profile_rtcp_overhead(profile)
                               : ar_srtp_profile_rtp_overhead(profile)));
  r = rtcp ? ar_srtp_unprotect_rtcp(server, buf, &len) : ar_srtp_unprotect_rtp(server, buf, &len);
  g_assert(r == AR_SRTP_OK);
  g_assert(len == size && memcmp(buf, data, size) == 0);
  return 0;
}
