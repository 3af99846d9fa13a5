/* Strict unpadded base64; see base64.h. GLib's g_base64_decode skips characters it does not
 * know, which would let one token be spelled many ways, so identity code uses this instead. */
#include "base64.h"

static const char std_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
sextet(ArBase64Alphabet alphabet, unsigned char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (alphabet == AR_BASE64_URL) {
    if (c == '-')
      return 62;
    if (c == '_')
      return 63;
  } else {
    if (c == '+')
      return 62;
    if (c == '/')
      return 63;
  }
  return -1;
}

gsize
ar_base64_encode(ArBase64Alphabet alphabet, const guint8 *in, gsize n, char *out)
{
  const char *chars = alphabet == AR_BASE64_URL ? url_chars : std_chars;
  gsize o = 0;
  gsize i = 0;
  for (; i + 3 <= n; i += 3) {
    guint32 v = ((guint32)in[i] << 16) | ((guint32)in[i + 1] << 8) | in[i + 2];
    out[o++] = chars[(v >> 18) & 63];
    out[o++] = chars[(v >> 12) & 63];
    out[o++] = chars[(v >> 6) & 63];
    out[o++] = chars[v & 63];
  }
  if (n - i == 1) {
    guint32 v = (guint32)in[i] << 16;
    out[o++] = chars[(v >> 18) & 63];
    out[o++] = chars[(v >> 12) & 63];
  } else if (n - i == 2) {
    guint32 v = ((guint32)in[i] << 16) | ((guint32)in[i + 1] << 8);
    out[o++] = chars[(v >> 18) & 63];
    out[o++] = chars[(v >> 12) & 63];
    out[o++] = chars[(v >> 6) & 63];
  }
  out[o] = '\0';
  return o;
}

gssize
ar_base64_decode(ArBase64Alphabet alphabet, const char *in, gsize n, guint8 *out, gsize out_cap)
{
  if (n % 4 == 1)
    return -1;
  gsize need = (n / 4) * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
  if (need > out_cap)
    return -1;
  gsize o = 0;
  guint32 acc = 0;
  guint bits = 0;
  for (gsize i = 0; i < n; i++) {
    int s = sextet(alphabet, (unsigned char)in[i]);
    if (s < 0)
      return -1;
    acc = (acc << 6) | (guint32)s;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (guint8)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  /* Leftover bits must be zero: otherwise "QQ" and "QR" would both decode to "A". */
  if (acc != 0)
    return -1;
  return (gssize)o;
}
