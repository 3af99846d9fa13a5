/* Zero-copy RTP header view (RFC 3550) with RFC 8285 header-extension lookup. The router parses
 * every incoming packet once into an ArRtpView, reads mid/rid/twcc from it, and rewrites seq, ts,
 * ssrc and pt in place before fan-out; nothing here allocates or copies the packet. */
#pragma once
#include <glib.h>

#include "bytes.h"

#define AR_RTP_FIXED_HEADER_LEN 12
#define AR_RTP_EXT_PROFILE_ONE_BYTE 0xBEDE
#define AR_RTP_EXT_PROFILE_TWO_BYTE 0x1000 /* low 4 bits are "appbits" */

typedef struct {
  guint8 *buf;         /* first byte of the RTP header */
  gsize len;           /* whole packet, padding included */
  guint32 header_len;  /* fixed header + CSRCs + extension block: offset of the payload */
  guint32 ext_off;     /* offset of the extension data (after its 4-byte header); 0 = none */
  guint32 ext_len;     /* length of the extension data in bytes */
  guint16 ext_profile; /* "defined by profile" field; 0 when there is no extension */
  guint8 pad_len;      /* trailing padding bytes (P bit), 0 when none */
  gsize payload_len;   /* bytes between header and padding */
} ArRtpView;

/* Validates version 2, the CSRC list, the extension block and padding against len, and fills v.
 * FALSE (v untouched in part) for anything malformed: the caller drops the packet. */
gboolean ar_rtp_parse(ArRtpView *v, guint8 *buf, gsize len);

static inline gboolean
ar_rtp_marker(const ArRtpView *v)
{
  return (v->buf[1] & 0x80) != 0;
}

static inline guint8
ar_rtp_pt(const ArRtpView *v)
{
  return v->buf[1] & 0x7f;
}

static inline guint16
ar_rtp_seq(const ArRtpView *v)
{
  return ar_be16(v->buf + 2);
}

static inline guint32
ar_rtp_ts(const ArRtpView *v)
{
  return ar_be32(v->buf + 4);
}

static inline guint32
ar_rtp_ssrc(const ArRtpView *v)
{
  return ar_be32(v->buf + 8);
}

static inline guint
ar_rtp_csrc_count(const ArRtpView *v)
{
  return v->buf[0] & 0x0f;
}

static inline guint32
ar_rtp_csrc(const ArRtpView *v, guint i)
{
  return ar_be32(v->buf + AR_RTP_FIXED_HEADER_LEN + 4 * i);
}

static inline guint8 *
ar_rtp_payload(const ArRtpView *v)
{
  return v->buf + v->header_len;
}

static inline void
ar_rtp_set_marker(ArRtpView *v, gboolean marker)
{
  v->buf[1] = (guint8)((v->buf[1] & 0x7f) | (marker ? 0x80 : 0));
}

static inline void
ar_rtp_set_pt(ArRtpView *v, guint8 pt)
{
  v->buf[1] = (guint8)((v->buf[1] & 0x80) | (pt & 0x7f));
}

static inline void
ar_rtp_set_seq(ArRtpView *v, guint16 seq)
{
  ar_put_be16(v->buf + 2, seq);
}

static inline void
ar_rtp_set_ts(ArRtpView *v, guint32 ts)
{
  ar_put_be32(v->buf + 4, ts);
}

static inline void
ar_rtp_set_ssrc(ArRtpView *v, guint32 ssrc)
{
  ar_put_be32(v->buf + 8, ssrc);
}

/* Finds extension element `id` (1..14 one-byte, 1..255 two-byte) and points *ptr and *len at its
 * value inside the packet. FALSE when absent, when the block uses another profile, or when the
 * element list is malformed before `id` is reached. */
gboolean ar_rtp_find_ext(const ArRtpView *v, guint8 id, guint8 **ptr, guint8 *len);

/* Overwrites the value of extension `id` in place; the new value must have the current length
 * (the packet layout never changes). FALSE when absent or the lengths differ. */
gboolean ar_rtp_set_ext(const ArRtpView *v, guint8 id, const guint8 *val, guint8 len);

/* Typed accessors for the extensions anteroom negotiates. The ids come from the SDP. */

/* sdes:mid, rtp-stream-id, repaired-rtp-stream-id: a short token, not NUL-terminated. */
gboolean ar_rtp_ext_string(const ArRtpView *v, guint8 id, const char **str, guint8 *len);

/* abs-send-time: 24-bit 6.18 fixed-point seconds. */
gboolean ar_rtp_ext_abs_send_time(const ArRtpView *v, guint8 id, guint32 *value);
gboolean ar_rtp_ext_set_abs_send_time(const ArRtpView *v, guint8 id, guint32 value);

/* transport-wide-cc-extensions-01: 16-bit transport-wide sequence number. */
gboolean ar_rtp_ext_twcc_seq(const ArRtpView *v, guint8 id, guint16 *seq);
gboolean ar_rtp_ext_set_twcc_seq(const ArRtpView *v, guint8 id, guint16 seq);

/* ssrc-audio-level (RFC 6464): voice-activity flag and level in -dBov (0 loudest, 127 silence). */
gboolean ar_rtp_ext_audio_level(const ArRtpView *v, guint8 id, gboolean *voice, guint8 *level);
