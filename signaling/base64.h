/* Strict, allocation-free base64 (RFC 4648 §4 standard and §5 URL-safe alphabets, unpadded) for
 * the identity modules: link tokens (base64url) and password hashes. Decoding accepts exactly one
 * spelling per byte string, so a token or hash cannot be re-encoded into a second valid form. */
#pragma once
#include <glib.h>

typedef enum {
  AR_BASE64_STD, /* A–Z a–z 0–9 + / */
  AR_BASE64_URL, /* A–Z a–z 0–9 - _ */
} ArBase64Alphabet;

/* Length of the unpadded encoding of n bytes (without the terminating NUL). */
static inline gsize
ar_base64_encoded_len(gsize n)
{
  return (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

/* Encodes n bytes without padding into out, which must hold ar_base64_encoded_len(n) + 1 bytes;
 * NUL-terminates and returns the encoded length. */
gsize ar_base64_encode(ArBase64Alphabet alphabet, const guint8 *in, gsize n, char *out);

/* Decodes n characters of unpadded text into out (capacity out_cap). Returns the decoded length,
 * or -1 when the text holds a character outside the alphabet (padding included), has an
 * impossible length (n % 4 == 1), has non-zero unused trailing bits, or would not fit. */
gssize ar_base64_decode(ArBase64Alphabet alphabet, const char *in, gsize n, guint8 *out,
                        gsize out_cap);
