/* VP8 RTP payload descriptor (RFC 7741): keyframe detection and the positions of PictureID and
 * TL0PICIDX, which the router rewrites in place so a subscriber sees one continuous picture-id
 * sequence across simulcast layer switches. */
#pragma once
#include <glib.h>

typedef struct {
  guint8 desc_len;   /* descriptor length: the VP8 payload header starts here */
  guint8 picid_off;  /* offset of PictureID, 0 when absent (offset 0 is always the X byte) */
  guint8 picid_bits; /* 0, 7 or 15 */
  guint8 tl0_off;    /* offset of TL0PICIDX, 0 when absent */
  guint8 tid;        /* temporal layer id, 0 when T is absent */
  guint8 partition;  /* PID */
  gboolean start;    /* S: first packet of a partition */
  gboolean layer_sync;
  gboolean non_ref;  /* N: frame may be discarded without harming others */
  gboolean keyframe; /* S, PID 0 and the P bit of the VP8 frame tag is 0 */
} ArVp8Desc;

/* Parses the descriptor at the start of an RTP payload. FALSE when truncated. */
gboolean ar_vp8_parse(ArVp8Desc *d, const guint8 *payload, gsize len);

/* A keyframe's picture size from its VP8 payload header (RFC 6386 9.1: frame tag, start code
 * 9d 01 2a, then 14-bit width and height). Only valid on the first packet of a keyframe
 * (d->keyframe); FALSE when the header is truncated or the start code is wrong. The router learns
 * each simulcast layer's height from it for the allocator's viewport choice. */
gboolean ar_vp8_keyframe_size(const ArVp8Desc *d, const guint8 *payload, gsize len, guint16 *width,
                              guint16 *height);
/* Shortcut for the router's "wait for a keyframe" check. */
gboolean ar_vp8_is_keyframe(const guint8 *payload, gsize len);

/* PictureID read/write (7- or 15-bit as the packet carries it; writes keep the M bit and wrap the
 * value to the field's width). Only valid when d->picid_bits != 0. */
guint16 ar_vp8_picture_id(const ArVp8Desc *d, const guint8 *payload);
void ar_vp8_set_picture_id(const ArVp8Desc *d, guint8 *payload, guint16 picture_id);

/* TL0PICIDX read/write; only valid when d->tl0_off != 0. */
guint8 ar_vp8_tl0picidx(const ArVp8Desc *d, const guint8 *payload);
void ar_vp8_set_tl0picidx(const ArVp8Desc *d, guint8 *payload, guint8 tl0picidx);
