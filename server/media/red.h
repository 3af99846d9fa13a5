/* RFC 2198 redundant audio ("red/48000/2"): Chrome wraps each Opus frame with older copies of
 * the previous ones. The router (router.c) forwards RED as is to subscribers that negotiated it
 * and only the primary block, found with ar_red_primary(), to the others; the recorder
 * (pipelines/recorder.c) calls ar_red_unwrap() to turn a RED packet back into the plain Opus
 * packet its depayloader takes. */
#pragma once
#include <glib.h>

/* One block of a RED payload, a view into the packet. */
typedef struct {
  guint8 pt;          /* the block's payload type (the codec it carries) */
  guint16 ts_offset;  /* how much older than the packet's timestamp; 0 for the primary */
  const guint8 *data; /* the block's bytes */
  gsize len;
} ArRedBlock;

/* Parses the payload of a RED packet (after the RTP header, before padding). Blocks are in the
 * packet's order: redundant (older) ones first, the primary last. Stores the first max_blocks
 * in `blocks` (may be NULL with max_blocks 0) and returns how many the payload holds, or -1
 * when it is malformed: a header runs past the end, or the block lengths exceed the payload. */
gint ar_red_parse(const guint8 *payload, gsize len, ArRedBlock *blocks, guint max_blocks);

/* The primary block alone, without storage for the others. FALSE when malformed. */
gboolean ar_red_primary(const guint8 *payload, gsize len, ArRedBlock *primary);

/* Writes into `out` the RTP packet RED carried as its primary: the same header (CSRCs and
 * extensions kept; the padding bit cleared, padding dropped) with payload type `media_pt`,
 * then the primary block. Returns the length written, or 0 when the packet is not valid RTP,
 * the RED payload is malformed, the primary block is empty or of another payload type than
 * `media_pt` (the payload-type mapping is the publisher's), or `out` is too small (it needs at
 * most `len` bytes). The redundant blocks are older copies and are skipped. */
gsize ar_red_unwrap(const guint8 *pkt, gsize len, guint8 media_pt, guint8 *out, gsize out_cap);
