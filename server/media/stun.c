/* Zero-copy STUN parser; see stun.h. */
#include "stun.h"

#include "bytes.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <string.h>

#define ATTR_HEADER_LEN 4
#define PADDED(n) (((gsize)(n) + 3) & ~(gsize)3)

ArStunStatus
ar_stun_parse(ArStunMsg *msg, const guint8 *buf, gsize len)
{
  memset(msg, 0, sizeof *msg);
  if (!buf || len < AR_STUN_HEADER_LEN)
    return AR_STUN_ERR_TRUNCATED;
  if ((buf[0] & 0xc0) != 0 || ar_be32(buf + 4) != AR_STUN_MAGIC_COOKIE)
    return AR_STUN_ERR_NOT_STUN;
  gsize body = ar_be16(buf + 2);
  if (body % 4 != 0)
    return AR_STUN_ERR_LENGTH;
  if (body > len - AR_STUN_HEADER_LEN)
    return AR_STUN_ERR_TRUNCATED;

  msg->buf = buf;
  msg->len = AR_STUN_HEADER_LEN + body;
  msg->type = ar_be16(buf);
  msg->transaction_id = buf + 8;

  gsize off = AR_STUN_HEADER_LEN;
  while (off < msg->len) {
    /* off stays 4-aligned and msg->len is a multiple of 4, so a header always fits here; the
     * check is kept so that the invariant is visible to a reader and to the fuzzer. */
    if (msg->len - off < ATTR_HEADER_LEN)
      return AR_STUN_ERR_ATTRIBUTE;
    if (msg->fingerprint.value)
      return AR_STUN_ERR_ATTRIBUTE; /* FINGERPRINT must be last (RFC 5389 15.5) */
    ArStunAttr a = {ar_be16(buf + off), ar_be16(buf + off + 2), buf + off + ATTR_HEADER_LEN};
    if (PADDED(a.len) > msg->len - off - ATTR_HEADER_LEN)
      return AR_STUN_ERR_ATTRIBUTE;

    gboolean after_integrity = msg->message_integrity.value != NULL;
    switch (a.type) {
    case AR_STUN_ATTR_FINGERPRINT:
      if (a.len != 4)
        return AR_STUN_ERR_ATTRIBUTE;
      msg->fingerprint = a;
      msg->fingerprint_offset = off;
      break;
    case AR_STUN_ATTR_MESSAGE_INTEGRITY:
      if (after_integrity)
        break;
      if (a.len != AR_STUN_INTEGRITY_LEN)
        return AR_STUN_ERR_ATTRIBUTE;
      msg->message_integrity = a;
      msg->integrity_offset = off;
      break;
    case AR_STUN_ATTR_USERNAME:
      if (!after_integrity && !msg->username.value)
        msg->username = a;
      break;
    case AR_STUN_ATTR_XOR_MAPPED_ADDRESS:
      if (!after_integrity && !msg->xor_mapped_address.value)
        msg->xor_mapped_address = a;
      break;
    default:
      break;
    }
    msg->attr_count++;
    off += ATTR_HEADER_LEN + PADDED(a.len);
  }
  return AR_STUN_OK;
}

const char *
ar_stun_status_name(ArStunStatus status)
{
  switch (status) {
  case AR_STUN_OK:
    return "ok";
  case AR_STUN_ERR_TRUNCATED:
    return "truncated";
  case AR_STUN_ERR_NOT_STUN:
    return "not-stun";
  case AR_STUN_ERR_LENGTH:
    return "bad-length";
  case AR_STUN_ERR_ATTRIBUTE:
    return "bad-attribute";
  }
  return "invalid";
}

/* The class bits C1 (bit 8) and C0 (bit 4) are interleaved with the method bits (RFC 5389 6). */
ArStunClass
ar_stun_msg_class(const ArStunMsg *msg)
{
  return (ArStunClass)(((msg->type >> 7) & 0x2) | ((msg->type >> 4) & 0x1));
}

guint16
ar_stun_msg_method(const ArStunMsg *msg)
{
  guint16 t = msg->type;
  return (guint16)((t & 0x000f) | ((t & 0x00e0) >> 1) | ((t & 0x3e00) >> 2));
}

void
ar_stun_iter_init(ArStunIter *it, const ArStunMsg *msg)
{
  it->msg = msg;
  it->off = AR_STUN_HEADER_LEN;
}

gboolean
ar_stun_iter_next(ArStunIter *it, ArStunAttr *out)
{
  const ArStunMsg *m = it->msg;
  if (!m->buf || it->off + ATTR_HEADER_LEN > m->len)
    return FALSE;
  const guint8 *p = m->buf + it->off;
  out->type = ar_be16(p);
  out->len = ar_be16(p + 2);
  out->value = p + ATTR_HEADER_LEN;
  it->off += ATTR_HEADER_LEN + PADDED(out->len);
  return TRUE;
}

gboolean
ar_stun_find(const ArStunMsg *msg, guint16 type, ArStunAttr *out)
{
  ArStunIter it;
  ar_stun_iter_init(&it, msg);
  while (ar_stun_iter_next(&it, out))
    if (out->type == type)
      return TRUE;
  return FALSE;
}

const guint8 *
ar_stun_username(const ArStunMsg *msg, gsize *len)
{
  if (len)
    *len = msg->username.len;
  return msg->username.value;
}

/* Reflected CRC-32, polynomial 0xEDB88320, four bits at a time: a 16-entry constant table keeps
 * it small while still being quick enough for the fuzzer. */
guint32
ar_stun_crc32(const guint8 *buf, gsize len)
{
  static const guint32 nibble[16] = {
      0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
      0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
      0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
  };
  guint32 crc = 0xffffffffu;
  for (gsize i = 0; i < len; i++) {
    crc ^= buf[i];
    crc = (crc >> 4) ^ nibble[crc & 0xf];
    crc = (crc >> 4) ^ nibble[crc & 0xf];
  }
  return crc ^ 0xffffffffu;
}

gboolean
ar_stun_check_fingerprint(const ArStunMsg *msg)
{
  if (!msg->fingerprint.value)
    return FALSE;
  guint32 want = ar_stun_crc32(msg->buf, msg->fingerprint_offset) ^ AR_STUN_FINGERPRINT_XOR;
  return ar_be32(msg->fingerprint.value) == want;
}

gboolean
ar_stun_check_integrity(const ArStunMsg *msg, const guint8 *key, gsize key_len)
{
  if (!msg->message_integrity.value)
    return FALSE;

  /* The HMAC covers the message up to MESSAGE-INTEGRITY, but with the header's length set as if
   * MESSAGE-INTEGRITY were the last attribute (a FINGERPRINT may follow it). */
  guint8 header[AR_STUN_HEADER_LEN];
  memcpy(header, msg->buf, sizeof header);
  gsize covered = msg->integrity_offset + ATTR_HEADER_LEN + AR_STUN_INTEGRITY_LEN;
  ar_put_be16(header + 2, (guint16)(covered - AR_STUN_HEADER_LEN));

  static const guint8 empty_key[1] = {0};
  guint8 mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
  gboolean ok = ctx && EVP_MAC_init(ctx, key ? key : empty_key, key ? key_len : 0, params) &&
                EVP_MAC_update(ctx, header, sizeof header) &&
                EVP_MAC_update(ctx, msg->buf + AR_STUN_HEADER_LEN,
                               msg->integrity_offset - AR_STUN_HEADER_LEN) &&
                EVP_MAC_final(ctx, mac, &mac_len, sizeof mac) && mac_len == AR_STUN_INTEGRITY_LEN &&
                CRYPTO_memcmp(mac, msg->message_integrity.value, AR_STUN_INTEGRITY_LEN) == 0;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(hmac);
  if (!ok)
    ERR_clear_error();
  return ok;
}

gboolean
ar_stun_xor_mapped_address(const ArStunMsg *msg, ArStunAddress *out)
{
  const ArStunAttr *a = &msg->xor_mapped_address;
  if (!a->value || a->len < 4)
    return FALSE;
  gsize addr_len;
  switch (a->value[1]) {
  case 0x01:
    out->family = 4;
    addr_len = 4;
    break;
  case 0x02:
    out->family = 6;
    addr_len = 16;
    break;
  default:
    return FALSE;
  }
  if (a->len != 4 + addr_len)
    return FALSE;

  /* X-Port is XORed with the cookie's high half, X-Address with cookie || transaction id. */
  guint8 mask[16];
  ar_put_be32(mask, AR_STUN_MAGIC_COOKIE);
  memcpy(mask + 4, msg->transaction_id, 12);
  out->port = ar_be16(a->value + 2) ^ (guint16)(AR_STUN_MAGIC_COOKIE >> 16);
  memset(out->addr, 0, sizeof out->addr);
  for (gsize i = 0; i < addr_len; i++)
    out->addr[i] = a->value[4 + i] ^ mask[i];
  return TRUE;
}
