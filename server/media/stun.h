/* A zero-copy STUN message parser (RFC 5389). libnice answers STUN itself; this view classifies
 * and validates STUN seen on the media path for metrics, tests and fuzzing. ar_stun_parse checks
 * every bound once, so the accessors below can trust the offsets it recorded. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

#define AR_STUN_HEADER_LEN 20
#define AR_STUN_MAGIC_COOKIE 0x2112A442u
#define AR_STUN_FINGERPRINT_XOR 0x5354554eu
#define AR_STUN_INTEGRITY_LEN 20 /* HMAC-SHA1 */

#define AR_STUN_METHOD_BINDING 0x001

#define AR_STUN_ATTR_MAPPED_ADDRESS 0x0001
#define AR_STUN_ATTR_USERNAME 0x0006
#define AR_STUN_ATTR_MESSAGE_INTEGRITY 0x0008
#define AR_STUN_ATTR_ERROR_CODE 0x0009
#define AR_STUN_ATTR_REALM 0x0014
#define AR_STUN_ATTR_NONCE 0x0015
#define AR_STUN_ATTR_XOR_MAPPED_ADDRESS 0x0020
#define AR_STUN_ATTR_PRIORITY 0x0024
#define AR_STUN_ATTR_USE_CANDIDATE 0x0025
#define AR_STUN_ATTR_SOFTWARE 0x8022
#define AR_STUN_ATTR_FINGERPRINT 0x8028
#define AR_STUN_ATTR_ICE_CONTROLLED 0x8029
#define AR_STUN_ATTR_ICE_CONTROLLING 0x802A

typedef enum {
  AR_STUN_CLASS_REQUEST = 0,
  AR_STUN_CLASS_INDICATION = 1,
  AR_STUN_CLASS_SUCCESS = 2,
  AR_STUN_CLASS_ERROR = 3,
} ArStunClass;

typedef enum {
  AR_STUN_OK = 0,
  AR_STUN_ERR_TRUNCATED, /* shorter than 20 bytes, or than the header's message length */
  AR_STUN_ERR_NOT_STUN,  /* leading bits not 00, or no RFC 5389 magic cookie */
  AR_STUN_ERR_LENGTH,    /* message length not a multiple of 4 */
  AR_STUN_ERR_ATTRIBUTE, /* an attribute overruns the message; MESSAGE-INTEGRITY or
                          * FINGERPRINT of the wrong size; anything after FINGERPRINT */
} ArStunStatus;

/* One attribute: a view into the message buffer. value is NULL when the attribute is absent. */
typedef struct {
  guint16 type;
  guint16 len; /* unpadded value length */
  const guint8 *value;
} ArStunAttr;

/* The parsed view. Valid while the buffer given to ar_stun_parse is. */
typedef struct {
  const guint8 *buf;
  gsize len; /* 20 + the header's message length; bytes after it in the buffer are not STUN */
  guint16 type;
  const guint8 *transaction_id; /* 12 bytes */
  guint attr_count;
  /* First occurrences (RFC 5389 15: later duplicates are ignored). Attributes after
   * MESSAGE-INTEGRITY other than FINGERPRINT are ignored as section 15.4 requires. */
  ArStunAttr username;
  ArStunAttr message_integrity;
  ArStunAttr fingerprint;
  ArStunAttr xor_mapped_address;
  gsize integrity_offset;   /* of the MESSAGE-INTEGRITY attribute header */
  gsize fingerprint_offset; /* of the FINGERPRINT attribute header */
} ArStunMsg;

typedef struct {
  guint8 family; /* 4 or 6 */
  guint16 port;
  guint8 addr[16]; /* 4 bytes used for IPv4; network byte order */
} ArStunAddress;

typedef struct {
  const ArStunMsg *msg;
  gsize off;
} ArStunIter;

/* Validates the header and walks every attribute with bounds checks; fills msg. Bytes after the
 * header's message length are ignored. Anything but AR_STUN_OK leaves msg unusable. */
ArStunStatus ar_stun_parse(ArStunMsg *msg, const guint8 *buf, gsize len);

const char *ar_stun_status_name(ArStunStatus status);

ArStunClass ar_stun_msg_class(const ArStunMsg *msg);
guint16 ar_stun_msg_method(const ArStunMsg *msg);

/* Walks all attributes of a parsed message in order, including ignored ones. */
void ar_stun_iter_init(ArStunIter *it, const ArStunMsg *msg);
gboolean ar_stun_iter_next(ArStunIter *it, ArStunAttr *out);

/* The first attribute of that type anywhere in the message; FALSE when absent. */
gboolean ar_stun_find(const ArStunMsg *msg, guint16 type, ArStunAttr *out);

/* USERNAME bytes (not NUL-terminated) or NULL. */
const guint8 *ar_stun_username(const ArStunMsg *msg, gsize *len);

/* TRUE when FINGERPRINT is present and equals CRC-32 of the preceding bytes XOR 0x5354554e. */
gboolean ar_stun_check_fingerprint(const ArStunMsg *msg);

/* TRUE when MESSAGE-INTEGRITY is present and is HMAC-SHA1 under key (for ICE: the short-term
 * password) of the message up to it, with the header length covering it (RFC 5389 15.4).
 * Uses OpenSSL's EVP_MAC, which allocates a context per call: not for the forwarding path. */
gboolean ar_stun_check_integrity(const ArStunMsg *msg, const guint8 *key, gsize key_len);

/* Decodes XOR-MAPPED-ADDRESS; FALSE when absent or malformed. */
gboolean ar_stun_xor_mapped_address(const ArStunMsg *msg, ArStunAddress *out);

/* CRC-32 (ISO-HDLC, as zlib) of len bytes; exposed for tests that build messages. */
guint32 ar_stun_crc32(const guint8 *buf, gsize len);

G_END_DECLS
