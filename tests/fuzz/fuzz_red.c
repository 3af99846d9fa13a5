/* libFuzzer target for RFC 2198 RED (server/media/red.c): the input is first a RED payload,
 * then a whole RTP packet to unwrap. Oracles: every block lies inside the input, the blocks
 * tile the data area, ar_red_primary agrees with ar_red_parse's last block, and an unwrapped
 * packet is valid RTP carrying exactly the primary's bytes. */
#include <stdlib.h>
#include <string.h>

#include "red.h"
#include "rtp.h"

#define MAX_BLOCKS 8

static void
check_payload(const guint8 *data, gsize size)
{
  ArRedBlock b[MAX_BLOCKS];
  gint n = ar_red_parse(data, size, b, MAX_BLOCKS);
  ArRedBlock primary;
  gboolean ok = ar_red_primary(data, size, &primary);
  if ((n < 0) != !ok)
    abort();
  if (n < 0)
    return;
  guint stored = MIN((guint)n, MAX_BLOCKS);
  for (guint i = 0; i < stored; i++)
    if (b[i].data < data || b[i].data + b[i].len > data + size)
      abort();
  for (guint i = 1; i < stored; i++)
    if (b[i].data != b[i - 1].data + b[i - 1].len)
      abort();
  if ((guint)n <= MAX_BLOCKS) {
    const ArRedBlock *last = &b[n - 1];
    if (last->data != primary.data || last->len != primary.len || last->pt != primary.pt ||
        last->ts_offset != 0 || primary.data + primary.len != data + size)
      abort();
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  check_payload(data, size);
  if (size < 1)
    return 0;
  /* First byte: the media payload type to expect; the rest: an RTP packet. */
  guint8 media_pt = data[0] & 0x7f;
  const guint8 *pkt = data + 1;
  gsize len = size - 1;
  guint8 *out = malloc(len ? len : 1);
  gsize n = ar_red_unwrap(pkt, len, media_pt, out, len);
  if (n) {
    ArRtpView v, in;
    if (n > len || !ar_rtp_parse(&v, out, n) || ar_rtp_pt(&v) != media_pt || v.pad_len)
      abort();
    guint8 *copy = g_memdup2(pkt, len);
    if (!ar_rtp_parse(&in, copy, len))
      abort();
    ArRedBlock primary;
    if (!ar_red_primary(ar_rtp_payload(&in), in.payload_len, &primary) ||
        primary.len != v.payload_len ||
        memcmp(primary.data, ar_rtp_payload(&v), primary.len) != 0 ||
        memcmp(out + 2, pkt + 2, 10) != 0)
      abort();
    g_free(copy);
  }
  free(out);
  return 0;
}
