/* RFC 2198 section 3: every block but the last has a 4-byte header
 *   F=1 | block PT (7) | timestamp offset (14) | block length (10)
 * and the last (the primary) a 1-byte header F=0 | block PT; its length is what remains. The
 * block data follow all the headers, in the same order. */
#include "red.h"
#include "bytes.h"
#include "rtp.h"

#include <string.h>

/* First pass: the headers (lengths and types); the data offsets follow once all are read. */
gint
ar_red_parse(const guint8 *payload, gsize len, ArRedBlock *blocks, guint max_blocks)
{
  gsize off = 0, data_len = 0;
  guint n = 0;
  for (;;) {
    if (off >= len)
      return -1; /* no final header */
    if (!(payload[off] & 0x80))
      break;
    if (len - off < 4)
      return -1;
    const guint8 *h = payload + off;
    gsize block_len = ((gsize)(h[2] & 0x03) << 8) | h[3];
    if (n < max_blocks)
      blocks[n] = (ArRedBlock){.pt = h[0] & 0x7f,
                               .ts_offset = (guint16)((ar_be16(h + 1) >> 2) & 0x3fff),
                               .len = block_len};
    data_len += block_len;
    n++;
    off += 4;
  }
  guint8 primary_pt = payload[off] & 0x7f;
  off += 1;
  if (data_len > len - off)
    return -1; /* the redundant blocks claim more bytes than there are */
  /* Second pass over the stored blocks: their data offsets, then the primary's. */
  gsize data = off;
  for (guint i = 0; i < n && i < max_blocks; i++) {
    blocks[i].data = payload + data;
    data += blocks[i].len;
  }
  if (n < max_blocks)
    blocks[n] = (ArRedBlock){.pt = primary_pt,
                             .ts_offset = 0,
                             .data = payload + off + data_len,
                             .len = len - off - data_len};
  return (gint)n + 1;
}

gboolean
ar_red_primary(const guint8 *payload, gsize len, ArRedBlock *primary)
{
  gsize off = 0, data_len = 0;
  while (off < len && (payload[off] & 0x80)) {
    if (len - off < 4)
      return FALSE;
    data_len += ((gsize)(payload[off + 2] & 0x03) << 8) | payload[off + 3];
    off += 4;
  }
  if (off >= len || data_len > len - off - 1)
    return FALSE;
  *primary = (ArRedBlock){.pt = payload[off] & 0x7f,
                          .ts_offset = 0,
                          .data = payload + off + 1 + data_len,
                          .len = len - off - 1 - data_len};
  return TRUE;
}

gsize
ar_red_unwrap(const guint8 *pkt, gsize len, guint8 media_pt, guint8 *out, gsize out_cap)
{
  ArRtpView v;
  /* ar_rtp_parse takes a writable buffer but only reads it. */
  if (!ar_rtp_parse(&v, (guint8 *)pkt, len))
    return 0;
  ArRedBlock primary;
  if (!ar_red_primary(ar_rtp_payload(&v), v.payload_len, &primary) || primary.len == 0 ||
      primary.pt != (media_pt & 0x7f))
    return 0;
  gsize total = v.header_len + primary.len;
  if (total > out_cap)
    return 0;
  memcpy(out, pkt, v.header_len);
  out[0] &= (guint8)~0x20; /* no padding any more */
  out[1] = (guint8)((out[1] & 0x80) | (media_pt & 0x7f));
  memcpy(out + v.header_len, primary.data, primary.len);
  return total;
}
