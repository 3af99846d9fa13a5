/* Unit tests for RFC 2198 RED parsing and unwrapping: one block, several blocks (the primary is
 * the last, its timestamp offset 0), the unwrapped packet is the plain Opus packet the
 * recorder's depayloader takes, and malformed lengths and foreign payload types are refused. */
#include <string.h>

#include "red.h"
#include "rtp.h"

#define OPUS_PT 111
#define RED_PT 63

/* RTP header, pt RED, marker set, seq 0x1234, ts 0x00010000, ssrc 0xcafef00d. */
static gsize
header(guint8 *p, gboolean with_ext)
{
  const guint8 h[] = {0x80, 0x80 | RED_PT, 0x12, 0x34, 0x00, 0x01,
                      0x00, 0x00,          0xca, 0xfe, 0xf0, 0x0d};
  memcpy(p, h, sizeof h);
  if (!with_ext)
    return sizeof h;
  p[0] |= 0x10;
  /* One-byte extension block: audio level (id 1) = 0x25, padded to 4 bytes. */
  const guint8 e[] = {0xbe, 0xde, 0x00, 0x01, 0x10, 0x25, 0x00, 0x00};
  memcpy(p + sizeof h, e, sizeof e);
  return sizeof h + sizeof e;
}

static void
test_one_block(void)
{
  /* Only the final 1-byte header: Chrome's first packet, before it has anything older. */
  const guint8 payload[] = {OPUS_PT, 0xf8, 0xff, 0xfe};
  ArRedBlock b[4];
  g_assert_cmpint(ar_red_parse(payload, sizeof payload, b, 4), ==, 1);
  g_assert_cmpuint(b[0].pt, ==, OPUS_PT);
  g_assert_cmpuint(b[0].ts_offset, ==, 0);
  g_assert_cmpuint(b[0].len, ==, 3);
  g_assert_true(b[0].data == payload + 1);

  guint8 pkt[64], out[64];
  gsize h = header(pkt, FALSE);
  memcpy(pkt + h, payload, sizeof payload);
  gsize n = ar_red_unwrap(pkt, h + sizeof payload, OPUS_PT, out, sizeof out);
  g_assert_cmpuint(n, ==, 12 + 3);
  g_assert_cmpuint(out[1] & 0x7f, ==, OPUS_PT);
  g_assert_true(out[1] & 0x80);              /* marker kept */
  g_assert_cmpmem(out + 2, 10, pkt + 2, 10); /* seq, ts, ssrc unchanged */
  const guint8 opus[] = {0xf8, 0xff, 0xfe};
  g_assert_cmpmem(out + 12, 3, opus, 3);
}

/* Two redundant blocks (40 and 20 ms older, 960 ticks apart) and the primary. */
static gsize
three_blocks(guint8 *p)
{
  const guint8 payload[] = {
      0x80 | OPUS_PT, 0x1e, 0x00, 0x02, /* redundant: ts offset 1920 (0x780 << 2), 2 bytes */
      0x80 | OPUS_PT, 0x0f, 0x00, 0x03, /* redundant: ts offset 960, 3 bytes */
      OPUS_PT,                          /* primary */
      0xa1,           0xa2,             /* oldest */
      0xb1,           0xb2, 0xb3,       /* older */
      0xc1,           0xc2, 0xc3, 0xc4, /* primary */
  };
  memcpy(p, payload, sizeof payload);
  return sizeof payload;
}

static void
test_several_blocks(void)
{
  guint8 payload[32];
  gsize len = three_blocks(payload);
  ArRedBlock b[3];
  g_assert_cmpint(ar_red_parse(payload, len, b, 3), ==, 3);
  g_assert_cmpuint(b[0].ts_offset, ==, 1920);
  g_assert_cmpuint(b[0].len, ==, 2);
  g_assert_cmpuint(b[0].data[0], ==, 0xa1);
  g_assert_cmpuint(b[1].ts_offset, ==, 960);
  g_assert_cmpuint(b[1].len, ==, 3);
  g_assert_cmpuint(b[1].data[0], ==, 0xb1);
  g_assert_cmpuint(b[2].ts_offset, ==, 0);
  g_assert_cmpuint(b[2].len, ==, 4);
  g_assert_cmpuint(b[2].data[0], ==, 0xc1);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint(b[i].pt, ==, OPUS_PT);

  /* Fewer slots than blocks: the count is still the whole packet's; nothing overflows. */
  ArRedBlock one[2] = {{0}};
  g_assert_cmpint(ar_red_parse(payload, len, one, 1), ==, 3);
  g_assert_cmpuint(one[0].len, ==, 2);
  g_assert_cmpuint(one[1].len, ==, 0);
  g_assert_cmpint(ar_red_parse(payload, len, NULL, 0), ==, 3);

  ArRedBlock primary;
  g_assert_true(ar_red_primary(payload, len, &primary));
  g_assert_cmpuint(primary.len, ==, 4);
  g_assert_true(primary.data == b[2].data);
}

static void
test_unwrap_keeps_header_drops_padding(void)
{
  guint8 pkt[64], out[64];
  gsize h = header(pkt, TRUE);
  gsize len = h + three_blocks(pkt + h);
  /* Three bytes of padding (P bit, count in the last byte). */
  pkt[0] |= 0x20;
  pkt[len++] = 0;
  pkt[len++] = 0;
  pkt[len++] = 3;
  gsize n = ar_red_unwrap(pkt, len, OPUS_PT, out, sizeof out);
  g_assert_cmpuint(n, ==, h + 4);
  ArRtpView v;
  g_assert_true(ar_rtp_parse(&v, out, n));
  g_assert_cmpuint(ar_rtp_pt(&v), ==, OPUS_PT);
  g_assert_cmpuint(v.pad_len, ==, 0);
  g_assert_cmpuint(ar_rtp_seq(&v), ==, 0x1234);
  g_assert_cmpuint(ar_rtp_ts(&v), ==, 0x00010000); /* the primary's timestamp is the packet's */
  g_assert_cmpuint(ar_rtp_ssrc(&v), ==, 0xcafef00d);
  g_assert_cmpuint(v.payload_len, ==, 4);
  const guint8 primary[] = {0xc1, 0xc2, 0xc3, 0xc4};
  g_assert_cmpmem(ar_rtp_payload(&v), 4, primary, 4);
  g_assert_cmpmem(out + 12, 8, pkt + 12, 8); /* the extension block is kept */

  /* An output buffer one byte short is refused, not overrun. */
  g_assert_cmpuint(ar_red_unwrap(pkt, len, OPUS_PT, out, h + 3), ==, 0);
}

static void
test_malformed_refused(void)
{
  guint8 payload[32];
  gsize len = three_blocks(payload);
  ArRedBlock b[4];
  g_assert_cmpint(ar_red_parse(payload, len, b, 4), ==, 3);
  /* Truncated inside the data: the redundant blocks' lengths (5) exceed what is left. */
  g_assert_cmpint(ar_red_parse(payload, 9 + 4, b, 4), ==, -1);
  g_assert_false(ar_red_primary(payload, 9 + 4, b));
  /* Cut inside a 4-byte header, and headers only with no final one. */
  g_assert_cmpint(ar_red_parse(payload, 6, b, 4), ==, -1);
  g_assert_cmpint(ar_red_parse(payload, 8, b, 4), ==, -1);
  g_assert_false(ar_red_primary(payload, 8, b));
  /* Empty payload. */
  g_assert_cmpint(ar_red_parse(payload, 0, b, 4), ==, -1);
  g_assert_false(ar_red_primary(payload, 0, b));
  /* A block length of 1023 in a short packet. */
  guint8 big[] = {0x80 | OPUS_PT, 0x00, 0x03, 0xff, OPUS_PT, 1, 2, 3};
  g_assert_cmpint(ar_red_parse(big, sizeof big, b, 4), ==, -1);
  /* The exact fit is fine: the primary is then empty, which unwrap refuses. */
  guint8 exact[] = {0x80 | OPUS_PT, 0x00, 0x00, 0x02, OPUS_PT, 1, 2};
  g_assert_cmpint(ar_red_parse(exact, sizeof exact, b, 4), ==, 2);
  g_assert_cmpuint(b[1].len, ==, 0);

  guint8 pkt[64], out[64];
  gsize h = header(pkt, FALSE);
  memcpy(pkt + h, exact, sizeof exact);
  g_assert_cmpuint(ar_red_unwrap(pkt, h + sizeof exact, OPUS_PT, out, sizeof out), ==, 0);
  memcpy(pkt + h, big, sizeof big);
  g_assert_cmpuint(ar_red_unwrap(pkt, h + sizeof big, OPUS_PT, out, sizeof out), ==, 0);
  /* Not RTP at all. */
  g_assert_cmpuint(ar_red_unwrap(pkt, 8, OPUS_PT, out, sizeof out), ==, 0);
}

static void
test_other_payload_type_skipped(void)
{
  /* The primary carries PT 110 (another codec of the publisher), not its Opus: not recorded
   * as Opus. */
  guint8 pkt[64], out[64];
  gsize h = header(pkt, FALSE);
  const guint8 payload[] = {110, 0x01, 0x02};
  memcpy(pkt + h, payload, sizeof payload);
  g_assert_cmpuint(ar_red_unwrap(pkt, h + sizeof payload, OPUS_PT, out, sizeof out), ==, 0);
  g_assert_cmpuint(ar_red_unwrap(pkt, h + sizeof payload, 110, out, sizeof out), ==, h + 2);
  g_assert_cmpuint(out[1] & 0x7f, ==, 110);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/red/one-block", test_one_block);
  g_test_add_func("/red/several-blocks", test_several_blocks);
  g_test_add_func("/red/unwrap-keeps-header-drops-padding", test_unwrap_keeps_header_drops_padding);
  g_test_add_func("/red/malformed-refused", test_malformed_refused);
  g_test_add_func("/red/other-payload-type-skipped", test_other_payload_type_skipped);
  return g_test_run();
}
