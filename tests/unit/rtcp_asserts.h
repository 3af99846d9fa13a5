/* Assertions shared by the RTCP report tests (SR and RR carry the same report blocks). */
#pragma once
#include "rtcp_rr.h"
#include <glib.h>

/* Field by field: the struct has padding bytes that memcmp would compare. */
static inline void
assert_block_eq(const ArRtcpReportBlock *a, const ArRtcpReportBlock *b)
{
  g_assert_cmpuint(a->ssrc, ==, b->ssrc);
  g_assert_cmpuint(a->fraction_lost, ==, b->fraction_lost);
  g_assert_cmpint(a->cumulative_lost, ==, b->cumulative_lost);
  g_assert_cmpuint(a->highest_seq, ==, b->highest_seq);
  g_assert_cmpuint(a->jitter, ==, b->jitter);
  g_assert_cmpuint(a->lsr, ==, b->lsr);
  g_assert_cmpuint(a->dlsr, ==, b->dlsr);
}
