/* Loss detection on a stream we receive from a publisher: sequence gaps become NACKs towards the
 * publisher, retried every round trip until the packet arrives, a retry limit is reached or it
 * is too old to matter. One per published video layer; the router collects the due sequence
 * numbers when its timer fires and builds the NACK with rtcp_nack.h. */
#pragma once
#include <glib.h>

/* Missing packets tracked per stream; a larger gap asks for a keyframe instead. */
#define AR_NACK_GEN_MAX 128

typedef struct {
  guint16 seq;
  guint8 retries;
  gint64 first_us;
  gint64 next_us; /* when to (re)send the NACK */
} ArNackMissing;

typedef struct {
  gboolean started;
  guint16 highest;
  guint n;
  ArNackMissing missing[AR_NACK_GEN_MAX];
  gint64 delay_us;   /* wait this long after a gap before the first NACK (reordering) */
  gint64 max_age_us; /* give up on a packet this old */
  guint max_retries;
  guint32 requested, recovered, given_up;
} ArNackGenerator;

void ar_nack_generator_init(ArNackGenerator *g, gint64 delay_us, gint64 max_age_us,
                            guint max_retries);

/* Records an arriving sequence number. FALSE when the gap was larger than AR_NACK_GEN_MAX or the
 * stream jumped (restart): the list is cleared and the caller should ask for a keyframe. */
gboolean ar_nack_generator_on_packet(ArNackGenerator *g, guint16 seq, gint64 now_us);

/* Writes up to cap sequence numbers due at now_us, in RTP order, and schedules their retry one
 * retransmission interval later: the RTT (rtt_us, or 100 ms when unknown) plus 10%, at least
 * 20 ms and at most 500 ms. Drops entries past the retry or age limit. Returns the count. */
gsize ar_nack_generator_collect(ArNackGenerator *g, gint64 now_us, gint64 rtt_us, guint16 *seqs,
                                gsize cap);

/* Earliest time something is due (G_MAXINT64 when nothing is missing). */
gint64 ar_nack_generator_next_timeout(const ArNackGenerator *g);
