/* Transport-wide cc feedback; see rtcp_twcc.h. Status chunks come before all deltas on the wire,
 * so the builder runs its encoder twice over the input: once counting (how many entries fit, how
 * long the chunk list is), once writing chunks and deltas at their final offsets. No scratch
 * memory is needed either way. */
#include "rtcp_twcc.h"

#define FIXED_LEN 20 /* RTCP header + SSRCs + base seq + count + ref time + fb count */
#define MAX_RUN 0x1fff
#define ONE_BIT_CAP 14
#define TWO_BIT_CAP 7

gboolean
ar_rtcp_twcc_parse_header(const ArRtcpPacket *pkt, ArRtcpTwcc *hdr)
{
  if (pkt->pt != AR_RTCP_RTPFB || pkt->count != AR_RTCP_FMT_TWCC || pkt->body_len < 16)
    return FALSE;
  const guint8 *b = pkt->body;
  hdr->sender_ssrc = ar_be32(b);
  hdr->media_ssrc = ar_be32(b + 4);
  hdr->base_seq = ar_be16(b + 8);
  hdr->status_count = ar_be16(b + 10);
  guint32 ref = ar_be24(b + 12);
  hdr->ref_time = (ref & 0x800000) ? (gint32)(ref | 0xff000000u) : (gint32)ref;
  hdr->fb_count = b[15];
  return TRUE;
}

gssize
ar_rtcp_twcc_parse(const ArRtcpPacket *pkt, ArRtcpTwcc *hdr, ArRtcpTwccStatus *out, gsize cap)
{
  if (!ar_rtcp_twcc_parse_header(pkt, hdr) || cap < hdr->status_count)
    return -1;
  const guint8 *b = pkt->body;
  gsize n = pkt->body_len, off = 16;
  guint count = hdr->status_count, i = 0;

  while (i < count) {
    if (off + 2 > n)
      return -1;
    guint16 v = ar_be16(b + off);
    off += 2;
    if (!(v & 0x8000)) { /* run-length chunk: symbol(2) run(13) */
      guint8 sym = (v >> 13) & 0x03;
      if (sym == 3)
        return -1;
      for (guint k = v & MAX_RUN; k > 0 && i < count; k--)
        out[i++].status = sym;
    } else if (!(v & 0x4000)) { /* status vector, 14 one-bit symbols */
      for (guint k = 0; k < ONE_BIT_CAP && i < count; k++)
        out[i++].status = (v >> (13 - k)) & 0x01;
    } else { /* status vector, 7 two-bit symbols */
      for (guint k = 0; k < TWO_BIT_CAP && i < count; k++) {
        guint8 sym = (v >> (12 - 2 * k)) & 0x03;
        if (sym == 3)
          return -1;
        out[i++].status = sym;
      }
    }
  }

  for (i = 0; i < count; i++) {
    out[i].seq = (guint16)(hdr->base_seq + i);
    if (out[i].status == AR_TWCC_SMALL_DELTA) {
      if (off + 1 > n)
        return -1;
      out[i].delta_us = b[off] * AR_TWCC_DELTA_US;
      off += 1;
    } else if (out[i].status == AR_TWCC_LARGE_DELTA) {
      if (off + 2 > n)
        return -1;
      out[i].delta_us = (gint16)ar_be16(b + off) * AR_TWCC_DELTA_US;
      off += 2;
    } else {
      out[i].delta_us = 0;
    }
  }
  return (gssize)count;
}

/* Pending symbols not yet written as a chunk, after libwebrtc's LastChunk. Only the first
 * ONE_BIT_CAP symbols are stored: a longer run is by construction all the same symbol. */
typedef struct {
  guint8 *chunks; /* where chunks go; NULL while only counting */
  gsize chunk_len;
  guint8 sym[ONE_BIT_CAP];
  guint size;
  gboolean all_same;
  gboolean has_large;
} Chunker;

static void
put_chunk(Chunker *c, guint16 v)
{
  if (c->chunks)
    ar_put_be16(c->chunks + c->chunk_len, v);
  c->chunk_len += 2;
}

static gboolean
can_add(const Chunker *c, guint8 s)
{
  if (c->size < TWO_BIT_CAP)
    return TRUE;
  if (c->size < ONE_BIT_CAP && !c->has_large && s != AR_TWCC_LARGE_DELTA)
    return TRUE;
  return c->size < MAX_RUN && c->all_same && c->sym[0] == s;
}

static void
add(Chunker *c, guint8 s)
{
  if (c->size < ONE_BIT_CAP)
    c->sym[c->size] = s;
  c->all_same = c->size == 0 || (c->all_same && c->sym[0] == s);
  c->has_large |= s == AR_TWCC_LARGE_DELTA;
  c->size++;
}

static guint16
two_bit_chunk(const guint8 *sym, guint n)
{
  guint16 v = 0xc000;
  for (guint i = 0; i < n; i++)
    v |= (guint16)(sym[i] << (12 - 2 * i));
  return v;
}

static guint16
one_bit_chunk(const guint8 *sym, guint n)
{
  guint16 v = 0x8000;
  for (guint i = 0; i < n; i++)
    v |= (guint16)((sym[i] & 1) << (13 - i));
  return v;
}

/* Called when the next symbol cannot join the pending ones. */
static void
emit(Chunker *c)
{
  if (c->all_same) {
    put_chunk(c, (guint16)((c->sym[0] << 13) | c->size));
    c->size = 0;
  } else if (c->size == ONE_BIT_CAP) {
    put_chunk(c, one_bit_chunk(c->sym, ONE_BIT_CAP));
    c->size = 0;
  } else {
    /* Mixed with a large delta (or a large one coming): 7 go out as a two-bit vector. */
    put_chunk(c, two_bit_chunk(c->sym, TWO_BIT_CAP));
    guint rest = c->size - TWO_BIT_CAP;
    c->size = 0;
    c->has_large = FALSE;
    for (guint i = 0; i < rest; i++)
      add(c, c->sym[TWO_BIT_CAP + i]);
  }
  if (c->size == 0)
    c->has_large = FALSE;
}

static void
push(Chunker *c, guint8 s)
{
  if (!can_add(c, s))
    emit(c);
  add(c, s);
}

static void
finish(Chunker *c)
{
  if (c->size == 0)
    return;
  if (c->all_same)
    put_chunk(c, (guint16)((c->sym[0] << 13) | c->size));
  else if (c->size <= TWO_BIT_CAP)
    put_chunk(c, two_bit_chunk(c->sym, c->size));
  else
    put_chunk(c, one_bit_chunk(c->sym, c->size));
  c->size = 0;
}

static gint64
floor_div(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* One encoder pass. Counting (chunks == NULL): stops before the first entry that breaks a rule or
 * would make the padded packet exceed cap. Writing: encodes exactly n entries, deltas at deltas.
 * Returns entries taken; *chunk_len and *delta_len are the sizes of the two sections. */
static gsize
encode(guint8 *chunks, guint8 *deltas, gsize cap, gint64 base_us, const ArRtcpTwccArrival *p,
       gsize n, gsize *chunk_len, gsize *delta_len)
{
  Chunker c = {.chunks = chunks};
  gsize dlen = 0, i;
  gint64 last_us = base_us;
  for (i = 0; i < n; i++) {
    guint16 gap = (guint16)(p[i].seq - (guint16)(p[i > 0 ? i - 1 : 0].seq + (i > 0)));
    guint32 span = (guint16)(p[i].seq - p[0].seq) + 1u;
    if (gap >= 0x8000 || span > 0xffff)
      break;
    gint64 ticks = floor_div(p[i].arrival_us - last_us, AR_TWCC_DELTA_US);
    guint8 s;
    if (ticks >= 0 && ticks <= 0xff)
      s = AR_TWCC_SMALL_DELTA;
    else if (ticks >= G_MININT16 && ticks <= G_MAXINT16)
      s = AR_TWCC_LARGE_DELTA;
    else
      break;
    Chunker saved = c;
    for (guint16 k = 0; k < gap; k++)
      push(&c, AR_TWCC_NOT_RECEIVED);
    push(&c, s);
    if (!chunks) {
      gsize total = FIXED_LEN + c.chunk_len + (c.size ? 2 : 0) + dlen + s;
      if (((total + 3) & ~(gsize)3) > cap) {
        c = saved;
        break;
      }
    } else if (s == AR_TWCC_SMALL_DELTA) {
      deltas[dlen] = (guint8)ticks;
    } else {
      ar_put_be16(deltas + dlen, (guint16)(gint16)ticks);
    }
    dlen += s;
    last_us += ticks * AR_TWCC_DELTA_US;
  }
  finish(&c);
  *chunk_len = c.chunk_len;
  *delta_len = dlen;
  return i;
}

gssize
ar_rtcp_twcc_build(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc, guint8 fb_count,
                   const ArRtcpTwccArrival *pkts, gsize n, gsize *consumed)
{
  *consumed = 0;
  if (n == 0 || cap < FIXED_LEN + 4)
    return -1;
  /* libwebrtc: the reference time is the first arrival rounded down to 64 ms, so the first
   * delta is always a small one. */
  gint64 ref = floor_div(pkts[0].arrival_us, AR_TWCC_REF_TIME_US);
  gint64 base_us = ref * AR_TWCC_REF_TIME_US;
  gsize chunk_len, delta_len;
  gsize taken = encode(NULL, NULL, cap, base_us, pkts, n, &chunk_len, &delta_len);
  if (taken == 0)
    return -1;
  encode(out + FIXED_LEN, out + FIXED_LEN + chunk_len, cap, base_us, pkts, taken, &chunk_len,
         &delta_len);

  gsize len = FIXED_LEN + chunk_len + delta_len;
  gssize padded = ar_rtcp_pad(out, len, cap);
  if (padded < 0) /* the counting pass already checked; kept for safety */
    return -1;
  ar_rtcp_write_header(out, (gsize)padded != len, AR_RTCP_FMT_TWCC, AR_RTCP_RTPFB, (gsize)padded);
  ar_put_be32(out + 4, sender_ssrc);
  ar_put_be32(out + 8, media_ssrc);
  ar_put_be16(out + 12, pkts[0].seq);
  ar_put_be16(out + 14, (guint16)(pkts[taken - 1].seq - pkts[0].seq + 1));
  ar_put_be24(out + 16, (guint32)ref & 0xffffff);
  out[19] = fb_count;
  *consumed = taken;
  return padded;
}
