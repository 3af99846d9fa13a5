/* Sequence number, timestamp and picture-id rewriting per subscription; see munger.h. */
#include "munger.h"

#include <string.h>

#include "bytes.h"
#include "codec_vp8.h"
#include "rtp.h"
#include "rtx.h"

#define HISTORY_MASK (AR_MUNGER_HISTORY - 1)
G_STATIC_ASSERT((AR_MUNGER_HISTORY & HISTORY_MASK) == 0);

void
ar_munger_init(ArMunger *m, guint32 clock_rate)
{
  *m = (ArMunger){0};
  m->clock_rate = clock_rate ? clock_rate : 90000;
  m->map = g_new0(ArMungerEntry, AR_MUNGER_HISTORY);
}

void
ar_munger_clear(ArMunger *m)
{
  g_clear_pointer(&m->map, g_free);
}

/* 15-bit wrap-aware "a is newer than b" for VP8 picture ids. */
static gboolean
picid_newer(guint16 a, guint16 b)
{
  guint16 d = (a - b) & 0x7fff;
  return d != 0 && d < 0x4000;
}

static void
start_segment(ArMunger *m, const ArMungerIn *in, gint64 now_us)
{
  if (!m->started) {
    m->seq_offset = 0;
    m->ts_offset = 0;
    m->last_out_seq = (guint16)(in->seq - 1);
    m->last_out_ts = in->ts;
  } else {
    m->seq_offset = (guint16)(m->last_out_seq + 1 - in->seq);
    /* The new source's clock has no relation to the old one: continue from the last output
     * timestamp by the wall time that passed, so players neither stall nor rush. */
    gint64 elapsed = MAX(now_us - m->last_out_us, 0);
    gint64 ticks = elapsed * (gint64)m->clock_rate / G_USEC_PER_SEC;
    ticks = CLAMP(ticks, 1, G_MAXINT32 / 2);
    m->ts_offset = m->last_out_ts + (guint32)ticks - in->ts;
  }
  if (in->has_picid)
    m->picid_offset =
        m->picid_started ? (guint16)((m->last_out_picid + 1 - in->picid) & 0x7fff) : 0;
  if (in->has_tl0)
    m->tl0_offset = m->picid_started ? (guint8)(m->last_out_tl0 + 1 - in->tl0) : 0;
  m->src = in->src;
  m->seg_first_in = in->seq;
  m->highest_in = in->seq;
  m->started = TRUE;
  m->segments++;
}

static const ArMungerEntry *
find_entry(const ArMunger *m, guint16 out_seq)
{
  const ArMungerEntry *e = &m->map[out_seq & HISTORY_MASK];
  return e->used && e->out_seq == out_seq ? e : NULL;
}

static ArMungerResult
duplicate_or_forward(ArMunger *m, const ArMungerIn *in, ArMungerOut *out)
{
  guint16 out_seq = (guint16)(in->seq + m->seq_offset);
  const ArMungerEntry *e = find_entry(m, out_seq);
  if (e && e->src == in->src && e->in_seq == in->seq) {
    out->seq = e->out_seq;
    out->ts = e->out_ts;
    out->picid = e->out_picid;
    out->tl0 = e->out_tl0;
    m->duplicates++;
    return AR_MUNGER_DUPLICATE;
  }
  return AR_MUNGER_FORWARD;
}

ArMungerResult
ar_munger_process(ArMunger *m, const ArMungerIn *in, gint64 now_us, ArMungerOut *out)
{
  gboolean newest = TRUE;
  if (!m->started || in->src != m->src) {
    start_segment(m, in, now_us);
  } else {
    gint d = (gint16)(guint16)(in->seq - m->highest_in);
    if (d > 0 && d <= AR_MUNGER_MAX_DROPOUT) {
      m->highest_in = in->seq;
    } else if (d <= 0 && d > -AR_MUNGER_HISTORY) {
      /* Reordered, retransmitted or duplicated: before the segment it has no slot reserved. */
      if ((gint16)(guint16)(in->seq - m->seg_first_in) < 0) {
        m->late++;
        return AR_MUNGER_LATE;
      }
      if (duplicate_or_forward(m, in, out) == AR_MUNGER_DUPLICATE)
        return AR_MUNGER_DUPLICATE;
      newest = FALSE;
    } else if (d < 0 && d >= -AR_MUNGER_MAX_DROPOUT) {
      m->late++;
      return AR_MUNGER_LATE;
    } else {
      start_segment(m, in, now_us); /* same SSRC, but its sequence restarted */
    }
  }

  out->seq = (guint16)(in->seq + m->seq_offset);
  out->ts = in->ts + m->ts_offset;
  out->picid = in->has_picid ? (guint16)((in->picid + m->picid_offset) & 0x7fff) : 0;
  out->tl0 = in->has_tl0 ? (guint8)(in->tl0 + m->tl0_offset) : 0;

  if (newest && ar_seq_newer(out->seq, m->last_out_seq)) {
    m->last_out_seq = out->seq;
    m->last_out_us = now_us;
  }
  if ((gint32)(out->ts - m->last_out_ts) > 0)
    m->last_out_ts = out->ts;
  if (in->has_picid) {
    if (!m->picid_started || picid_newer(out->picid, m->last_out_picid)) {
      m->last_out_picid = out->picid;
      if (in->has_tl0)
        m->last_out_tl0 = out->tl0;
    }
    m->picid_started = TRUE;
  }

  ArMungerEntry *e = &m->map[out->seq & HISTORY_MASK];
  *e = (ArMungerEntry){.src = in->src,
                       .in_seq = in->seq,
                       .out_seq = out->seq,
                       .out_ts = out->ts,
                       .out_picid = out->picid,
                       .out_tl0 = out->tl0,
                       .used = 1};
  return AR_MUNGER_FORWARD;
}

gboolean
ar_munger_lookup(const ArMunger *m, guint16 out_seq, ArMungerEntry *e)
{
  const ArMungerEntry *f = find_entry(m, out_seq);
  if (!f)
    return FALSE;
  *e = *f;
  return TRUE;
}

/* Appends one extension element; one-byte form (RFC 8285 4.2) or two-byte form (4.3). */
static guint8 *
put_ext(guint8 *p, gboolean two_byte, guint8 id, const guint8 *val, guint8 len)
{
  if (two_byte) {
    *p++ = id;
    *p++ = len;
  } else {
    *p++ = (guint8)((id << 4) | (len - 1));
  }
  memcpy(p, val, len);
  return p + len;
}

static gsize
ext_block(const ArMungerPacket *p, guint8 *out)
{
  gboolean mid = p->mid_id && p->mid_len > 0 && p->mid_len <= 16;
  gboolean abs = p->abs_send_time_id != 0;
  gboolean twcc = p->twcc_id != 0;
  gboolean level = p->audio_level_id && p->audio_level >= 0;
  if (!mid && !abs && !twcc && !level)
    return 0;
  gboolean two = (mid && p->mid_id > 14) || (abs && p->abs_send_time_id > 14) ||
                 (twcc && p->twcc_id > 14) || (level && p->audio_level_id > 14);
  guint8 *e = out + 4;
  if (mid)
    e = put_ext(e, two, p->mid_id, (const guint8 *)p->mid, p->mid_len);
  if (abs) {
    guint8 v[3];
    ar_put_be24(v, p->abs_send_time & 0xffffff);
    e = put_ext(e, two, p->abs_send_time_id, v, 3);
  }
  if (twcc) {
    guint8 v[2];
    ar_put_be16(v, p->twcc_seq);
    e = put_ext(e, two, p->twcc_id, v, 2);
  }
  if (level) {
    guint8 v = (guint8)p->audio_level;
    e = put_ext(e, two, p->audio_level_id, &v, 1);
  }
  gsize body = (gsize)(e - (out + 4));
  while (body % 4) {
    *e++ = 0;
    body++;
  }
  ar_put_be16(out, two ? AR_RTP_EXT_PROFILE_TWO_BYTE : AR_RTP_EXT_PROFILE_ONE_BYTE);
  ar_put_be16(out + 2, (guint16)(body / 4));
  return 4 + body;
}

/* Largest extension block ext_block() writes: 4 + two-byte elements of 16 + 3 + 2 + 1 bytes. */
#define MAX_EXT_BLOCK (4 + 2 * 4 + 16 + 3 + 2 + 1 + 3)

static gssize
write_plain(const ArMungerPacket *p, guint8 *dst, gsize dst_cap)
{
  gsize csrc_len = 4u * p->csrc_count;
  if ((gsize)p->src_header_len + p->payload_skip > p->src_len ||
      AR_RTP_FIXED_HEADER_LEN + csrc_len > p->src_header_len)
    return -1;
  gsize body = p->src_len - p->src_header_len - p->payload_skip; /* payload + padding */
  guint8 ext_buf[MAX_EXT_BLOCK];
  gsize ext = ext_block(p, ext_buf);
  gsize hdr = AR_RTP_FIXED_HEADER_LEN + csrc_len + ext;
  if (dst_cap < hdr + body)
    return -1;
  dst[0] = (guint8)(0x80 | (p->padding ? 0x20 : 0) | (ext ? 0x10 : 0) | p->csrc_count);
  dst[1] = (guint8)((p->marker ? 0x80 : 0) | (p->pt & 0x7f));
  ar_put_be16(dst + 2, p->m.seq);
  ar_put_be32(dst + 4, p->m.ts);
  ar_put_be32(dst + 8, p->ssrc);
  memcpy(dst + AR_RTP_FIXED_HEADER_LEN, p->src + AR_RTP_FIXED_HEADER_LEN, csrc_len);
  memcpy(dst + AR_RTP_FIXED_HEADER_LEN + csrc_len, ext_buf, ext);
  memcpy(dst + hdr, p->src + p->src_header_len + p->payload_skip, body);

  guint8 *payload = dst + hdr;
  gsize payload_len = body; /* the offsets were validated on the source payload */
  ArVp8Desc d = {.picid_off = p->picid_off, .picid_bits = p->picid_bits, .tl0_off = p->tl0_off};
  if (p->picid_bits && (gsize)p->picid_off + (p->picid_bits == 15 ? 2 : 1) <= payload_len)
    ar_vp8_set_picture_id(&d, payload, p->m.picid);
  if (p->tl0_off && p->tl0_off < payload_len)
    ar_vp8_set_tl0picidx(&d, payload, p->m.tl0);
  return (gssize)(hdr + body);
}

gssize
ar_munger_write(const ArMungerPacket *p, guint8 *dst, gsize dst_cap)
{
  if (!p->rtx)
    return write_plain(p, dst, dst_cap);
  if (dst_cap < 2)
    return -1;
  gssize n = write_plain(p, dst + 2, dst_cap - 2);
  if (n < 0)
    return -1;
  ArRtpView v;
  if (!ar_rtp_parse(&v, dst + 2, (gsize)n) ||
      !ar_rtx_wrap(&v, 2, p->rtx_pt, p->rtx_ssrc, p->rtx_seq))
    return -1;
  return (gssize)v.len;
}
