/* Big-endian reads and writes over raw packet bytes, shared by every wire-format module
 * (STUN, RTP, RTCP, DTLS records) so none of them grows its own copy. Callers check bounds. */
#pragma once
#include <stddef.h>
#include <stdint.h>

static inline uint16_t
ar_be16(const uint8_t *p)
{
  return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
ar_be24(const uint8_t *p)
{
  return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static inline uint32_t
ar_be32(const uint8_t *p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void
ar_put_be16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void
ar_put_be24(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 16);
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)v;
}

static inline void
ar_put_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Wrap-aware comparison of 16-bit RTP sequence numbers (RFC 3550 A.1): true when a is newer. */
static inline int
ar_seq_newer(uint16_t a, uint16_t b)
{
  return a != b && (uint16_t)(a - b) < 0x8000;
}
