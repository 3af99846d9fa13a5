/* Per-subscription RTP rewriting (LiveKit's RTPMunger): maps the packets of whichever source is
 * being forwarded (a simulcast layer, a restarted publisher stream) onto one continuous outgoing
 * stream: sequence numbers without gaps other than real losses, monotonic timestamps, continuous
 * VP8 picture ids, the subscriber's SSRC, payload type and header-extension ids. The router calls
 * ar_munger_process() at fan-out and ar_munger_write() when it polls the packet out. */
#pragma once
#include <glib.h>

/* Remembered input->output mappings per subscription, for duplicates and NACK answers. It covers
 * the retransmission cache (at most 512 packets per stream). */
#define AR_MUNGER_HISTORY 512
/* A forward jump larger than this (or a backward one beyond the history) is a restart of the
 * source stream (RFC 3550 A.1's MAX_DROPOUT): a new segment begins. */
#define AR_MUNGER_MAX_DROPOUT 3000

typedef enum {
  AR_MUNGER_FORWARD,
  AR_MUNGER_DUPLICATE, /* already forwarded: out holds the mapping it had */
  AR_MUNGER_LATE,      /* older than the current segment: it has no place in the output */
} ArMungerResult;

typedef struct {
  guint32 src; /* the source stream; a new value starts a new segment (layer switch, restart) */
  guint16 seq;
  guint32 ts;
  gboolean has_picid; /* VP8 PictureID present */
  guint16 picid;
  gboolean has_tl0;
  guint8 tl0;
} ArMungerIn;

typedef struct {
  guint16 seq;
  guint32 ts;
  guint16 picid;
  guint8 tl0;
} ArMungerOut;

/* One remembered mapping, looked up by output sequence number for NACK answers. */
typedef struct {
  guint32 src;
  guint16 in_seq;
  guint16 out_seq;
  guint32 out_ts;
  guint16 out_picid;
  guint8 out_tl0;
  guint8 used;
} ArMungerEntry;

typedef struct {
  guint32 clock_rate;
  gboolean started;
  guint32 src;
  guint16 seq_offset; /* out = in + seq_offset within the segment */
  guint32 ts_offset;
  guint16 seg_first_in;
  guint16 highest_in;
  guint16 last_out_seq;
  guint32 last_out_ts;
  gint64 last_out_us;
  gboolean picid_started;
  guint16 picid_offset; /* 15-bit arithmetic */
  guint16 last_out_picid;
  guint8 tl0_offset;
  guint8 last_out_tl0;
  guint32 segments;
  guint32 duplicates;
  guint32 late;
  ArMungerEntry *map; /* AR_MUNGER_HISTORY entries, indexed by out_seq */
} ArMunger;

/* Allocates the history: called at subscribe time, never on the packet path. */
void ar_munger_init(ArMunger *m, guint32 clock_rate);
void ar_munger_clear(ArMunger *m);

/* Maps one input packet. A new in->src starts a segment that continues the output one past the
 * last forwarded packet; its timestamps continue from the last output one advanced by the wall
 * time elapsed since (at least one tick). Out-of-order packets of the current segment fill the
 * gaps they left; duplicates return the mapping they had; packets from before the segment are
 * LATE. */
ArMungerResult ar_munger_process(ArMunger *m, const ArMungerIn *in, gint64 now_us,
                                 ArMungerOut *out);

/* The mapping of a previously forwarded output sequence number, for a NACK answer. */
gboolean ar_munger_lookup(const ArMunger *m, guint16 out_seq, ArMungerEntry *e);

/* Everything needed to write one outgoing packet from a source packet. */
typedef struct {
  const guint8 *src; /* source RTP packet (original, never RTX) */
  gsize src_len;
  guint32 src_header_len;
  guint8 pt, csrc_count;
  gboolean marker, padding;
  /* Leading payload bytes not written (a RED packet sent as its primary block: the RED headers
   * and the redundant blocks); src_len then ends where the primary does. */
  guint16 payload_skip;
  guint32 ssrc;
  ArMungerOut m;
  /* VP8 descriptor fields to rewrite, offsets from the payload start; 0 = absent. */
  guint8 picid_off, picid_bits, tl0_off;
  /* Subscriber's extension ids (0 = not negotiated) and values. */
  guint8 mid_id, abs_send_time_id, twcc_id, audio_level_id;
  const char *mid;
  guint8 mid_len;
  guint32 abs_send_time;
  guint16 twcc_seq;
  gint16 audio_level; /* RFC 6464 byte (V bit + level), -1 when the source had none */
  /* RTX (RFC 4588) when rtx is TRUE: written with rtx_pt/rtx_ssrc/rtx_seq, OSN = m.seq. */
  gboolean rtx;
  guint8 rtx_pt;
  guint32 rtx_ssrc;
  guint16 rtx_seq;
} ArMungerPacket;

/* Writes the outgoing packet into dst: a fresh header (the subscriber's ids, the source's CSRCs,
 * only the extensions the subscriber negotiated), then the source payload and padding. Bytes
 * written, or -1 when dst_cap is too small. */
gssize ar_munger_write(const ArMungerPacket *p, guint8 *dst, gsize dst_cap);
