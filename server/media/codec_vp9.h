/* VP9 RTP payload descriptor (draft-ietf-payload-vp9 / RFC 9628) for keyframe detection and
 * layer ids: the router forwards a VP9 stream from a keyframe and reads its spatial/temporal ids.
 */
#pragma once
#include <glib.h>

typedef struct {
  guint8 desc_len;     /* offset of the VP9 frame data (when V is absent; SS is not skipped) */
  guint8 picid_off;    /* 0 when I is absent */
  guint8 picid_bits;   /* 0, 7 or 15 */
  guint8 tid, sid;     /* 0 when L is absent */
  gboolean inter;      /* P: inter-picture predicted */
  gboolean begin, end; /* B, E: first / last packet of a layer frame */
  gboolean flexible;   /* F */
  gboolean has_ss;     /* V: scalability structure present */
  gboolean keyframe;   /* !P && B && (no L || SID 0) */
} ArVp9Desc;

/* Parses the fixed part of the descriptor (I, L fields). FALSE when truncated. */
gboolean ar_vp9_parse(ArVp9Desc *d, const guint8 *payload, gsize len);

gboolean ar_vp9_is_keyframe(const guint8 *payload, gsize len);
