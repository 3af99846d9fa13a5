/* Unit tests for stun.c: the RFC 5769 test vectors byte for byte, a Chrome-style ICE binding
 * request built from known values, every single-bit corruption, and malformed headers. */
#include "stun.h"

#include "bytes.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define PASSWORD "VOkJxbRl1RmTxUk/WvJxBt"

/* RFC 5769 2.1: sample request (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MI, FINGERPRINT). */
static const char *rfc5769_request =
    "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
    "002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149a"
    "eaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";
/* 2.2: IPv4 response, XOR-MAPPED-ADDRESS 192.0.2.1:32853. */
static const char *rfc5769_ipv4 =
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001"
    "a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96";
/* 2.3: IPv6 response, XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const char *rfc5769_ipv6 =
    "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002"
    "a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed41"
    "80280004c8fb0b4c";
/* 2.4: request with long-term credentials (USERNAME, NONCE, REALM, MI; no FINGERPRINT). */
static const char *rfc5769_long_term =
    "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b9"
    "00000015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d"
    "706c652e6f72670000080014f67024656dd64a3e02b8e0712e85c9a28ca89666";

static GBytes *
from_hex(const char *hex)
{
  gsize n = strlen(hex) / 2;
  guint8 *b = g_malloc(n);
  for (gsize i = 0; i < n; i++)
    b[i] = (guint8)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
  return g_bytes_new_take(b, n);
}

static void
test_crc32(void)
{
  g_assert_cmphex(ar_stun_crc32((const guint8 *)"123456789", 9), ==, 0xcbf43926);
  g_assert_cmphex(ar_stun_crc32(NULL, 0), ==, 0);
}

static void
test_rfc5769_request(void)
{
  g_autoptr(GBytes) b = from_hex(rfc5769_request);
  gsize len;
  const guint8 *buf = g_bytes_get_data(b, &len);
  g_assert_cmpuint(len, ==, 108);

  ArStunMsg m;
  g_assert_cmpint(ar_stun_parse(&m, buf, len), ==, AR_STUN_OK);
  g_assert_cmpuint(m.len, ==, 108);
  g_assert_cmpint(ar_stun_msg_class(&m), ==, AR_STUN_CLASS_REQUEST);
  g_assert_cmpuint(ar_stun_msg_method(&m), ==, AR_STUN_METHOD_BINDING);
  g_assert_cmpmem(m.transaction_id, 12, buf + 8, 12);
  g_assert_cmpuint(m.attr_count, ==, 6);

  gsize ulen = 0;
  const guint8 *u = ar_stun_username(&m, &ulen);
  g_assert_cmpmem(u, ulen, "evtj:h6vY", 9);

  ArStunAttr a;
  g_assert_true(ar_stun_find(&m, AR_STUN_ATTR_SOFTWARE, &a));
  g_assert_cmpmem(a.value, a.len, "STUN test client", 16);
  g_assert_true(ar_stun_find(&m, AR_STUN_ATTR_PRIORITY, &a));
  g_assert_cmphex(ar_be32(a.value), ==, 0x6e0001ff);
  g_assert_true(ar_stun_find(&m, AR_STUN_ATTR_ICE_CONTROLLED, &a));
  g_assert_cmpuint(a.len, ==, 8);
  g_assert_false(ar_stun_find(&m, AR_STUN_ATTR_ICE_CONTROLLING, &a));

  g_assert_true(ar_stun_check_fingerprint(&m));
  g_assert_true(ar_stun_check_integrity(&m, (const guint8 *)PASSWORD, strlen(PASSWORD)));
  g_assert_false(ar_stun_check_integrity(&m, (const guint8 *)"VOkJxbRl1RmTxUk/WvJxBu", 22));
  g_assert_false(ar_stun_check_integrity(&m, NULL, 0));
  ArStunAddress addr;
  g_assert_false(ar_stun_xor_mapped_address(&m, &addr));
}

static void
test_rfc5769_ipv4(void)
{
  g_autoptr(GBytes) b = from_hex(rfc5769_ipv4);
  gsize len;
  const guint8 *buf = g_bytes_get_data(b, &len);
  ArStunMsg m;
  g_assert_cmpint(ar_stun_parse(&m, buf, len), ==, AR_STUN_OK);
  g_assert_cmpint(ar_stun_msg_class(&m), ==, AR_STUN_CLASS_SUCCESS);
  g_assert_cmpuint(ar_stun_msg_method(&m), ==, AR_STUN_METHOD_BINDING);
  g_assert_true(ar_stun_check_fingerprint(&m));
  g_assert_true(ar_stun_check_integrity(&m, (const guint8 *)PASSWORD, strlen(PASSWORD)));
  g_assert_null(ar_stun_username(&m, NULL));

  ArStunAddress addr;
  g_assert_true(ar_stun_xor_mapped_address(&m, &addr));
  g_assert_cmpuint(addr.family, ==, 4);
  g_assert_cmpuint(addr.port, ==, 32853);
  static const guint8 want[4] = {192, 0, 2, 1};
  g_assert_cmpmem(addr.addr, 4, want, 4);
}

static void
test_rfc5769_ipv6(void)
{
  g_autoptr(GBytes) b = from_hex(rfc5769_ipv6);
  gsize len;
  const guint8 *buf = g_bytes_get_data(b, &len);
  ArStunMsg m;
  g_assert_cmpint(ar_stun_parse(&m, buf, len), ==, AR_STUN_OK);
  g_assert_true(ar_stun_check_fingerprint(&m));
  g_assert_true(ar_stun_check_integrity(&m, (const guint8 *)PASSWORD, strlen(PASSWORD)));

  ArStunAddress addr;
  g_assert_true(ar_stun_xor_mapped_address(&m, &addr));
  g_assert_cmpuint(addr.family, ==, 6);
  g_assert_cmpuint(addr.port, ==, 32853);
  static const guint8 want[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
                                  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
  g_assert_cmpmem(addr.addr, 16, want, 16);
}

static void
test_rfc5769_long_term(void)
{
  g_autoptr(GBytes) b = from_hex(rfc5769_long_term);
  gsize len;
  const guint8 *buf = g_bytes_get_data(b, &len);
  ArStunMsg m;
  g_assert_cmpint(ar_stun_parse(&m, buf, len), ==, AR_STUN_OK);
  g_assert_false(ar_stun_check_fingerprint(&m)); /* this vector carries none */

  /* key = MD5(username ":" realm ":" SASLprep(password)); the password SASLpreps to
   * "TheMatrIX" and the username is U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9. */
  const char *user = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
  gsize ulen = 0;
  const guint8 *u = ar_stun_username(&m, &ulen);
  g_assert_cmpmem(u, ulen, user, strlen(user));
  ArStunAttr realm;
  g_assert_true(ar_stun_find(&m, AR_STUN_ATTR_REALM, &realm));
  g_assert_cmpmem(realm.value, realm.len, "example.org", 11);

  g_autofree char *input = g_strdup_printf("%s:example.org:TheMatrIX", user);
  guint8 key[16];
  gsize key_len = sizeof key;
  g_autoptr(GChecksum) md5 = g_checksum_new(G_CHECKSUM_MD5);
  g_checksum_update(md5, (const guchar *)input, -1);
  g_checksum_get_digest(md5, key, &key_len);
  g_assert_true(ar_stun_check_integrity(&m, key, key_len));
  key[0] ^= 1;
  g_assert_false(ar_stun_check_integrity(&m, key, key_len));
}

/* Every single-bit corruption of a protected message is caught: either the parser refuses it or
 * one of the two checks fails; and CRC-32 alone catches every flip before FINGERPRINT. */
static void
check_all_bit_flips(const char *hex, gboolean has_fingerprint)
{
  g_autoptr(GBytes) b = from_hex(hex);
  gsize len;
  const guint8 *orig = g_bytes_get_data(b, &len);
  ArStunMsg m;
  g_assert_cmpint(ar_stun_parse(&m, orig, len), ==, AR_STUN_OK);
  gsize fp_off = has_fingerprint ? m.fingerprint_offset : len;
  gsize mi_end = m.integrity_offset + 24;

  g_autofree guint8 *buf = g_memdup2(orig, len);
  guint parsed = 0;
  for (gsize i = 0; i < len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      buf[i] ^= (guint8)(1u << bit);
      if (ar_stun_parse(&m, buf, len) == AR_STUN_OK) {
        parsed++;
        gboolean fp_ok = ar_stun_check_fingerprint(&m);
        gboolean mi_ok = ar_stun_check_integrity(&m, (const guint8 *)PASSWORD, strlen(PASSWORD));
        if (has_fingerprint && i < fp_off)
          g_assert_false(fp_ok);
        /* MI covers everything before it except the length field, which the check rewrites;
         * a shortened length that drops FINGERPRINT is caught by the fingerprint instead. */
        if (i < mi_end && (i < 2 || i > 3))
          g_assert_false(mi_ok);
        g_assert_false(fp_ok && mi_ok);
      }
      buf[i] ^= (guint8)(1u << bit);
    }
  }
  g_assert_cmpuint(parsed, >, len * 4); /* most flips still parse: the checks did the work */
  g_assert_cmpint(ar_stun_parse(&m, buf, len), ==, AR_STUN_OK);
  g_assert_true(ar_stun_check_integrity(&m, (const guint8 *)PASSWORD, strlen(PASSWORD)));
}

static void
test_bit_flips(void)
{
  check_all_bit_flips(rfc5769_request, TRUE);
  check_all_bit_flips(rfc5769_ipv4, TRUE);
  check_all_bit_flips(rfc5769_ipv6, TRUE);
}

/* A minimal message builder for tests, independent of the parser. */
typedef struct {
  guint8 buf[512];
  gsize len;
} Builder;

static void
builder_init(Builder *b, guint16 type, const guint8 txid[12])
{
  memset(b, 0, sizeof *b);
  ar_put_be16(b->buf, type);
  ar_put_be32(b->buf + 4, AR_STUN_MAGIC_COOKIE);
  memcpy(b->buf + 8, txid, 12);
  b->len = 20;
}

static void
builder_add(Builder *b, guint16 type, const void *value, guint16 len)
{
  ar_put_be16(b->buf + b->len, type);
  ar_put_be16(b->buf + b->len + 2, len);
  if (len)
    memcpy(b->buf + b->len + 4, value, len);
  b->len += 4 + ((len + 3u) & ~3u);
  ar_put_be16(b->buf + 2, (guint16)(b->len - 20));
}

static void
builder_add_integrity(Builder *b, const char *password)
{
  ar_put_be16(b->buf + 2, (guint16)(b->len + 24 - 20));
  unsigned int n = 0;
  guint8 mac[EVP_MAX_MD_SIZE];
  HMAC(EVP_sha1(), password, (int)strlen(password), b->buf, b->len, mac, &n);
  g_assert_cmpuint(n, ==, 20);
  builder_add(b, AR_STUN_ATTR_MESSAGE_INTEGRITY, mac, 20);
}

static void
builder_add_fingerprint(Builder *b)
{
  ar_put_be16(b->buf + 2, (guint16)(b->len + 8 - 20));
  guint8 v[4];
  ar_put_be32(v, ar_stun_crc32(b->buf, b->len) ^ 0x5354554e);
  builder_add(b, AR_STUN_ATTR_FINGERPRINT, v, 4);
}

static const guint8 txid[12] = {0x5a, 0x4f, 0x33, 0x1e, 0x9c, 0x0b,
                                0x21, 0x77, 0x40, 0x02, 0xee, 0x91};

/* What Chrome sends on a nominated pair: USERNAME "remote:local", GOOG-NETWORK-INFO,
 * ICE-CONTROLLING, USE-CANDIDATE, PRIORITY, MESSAGE-INTEGRITY, FINGERPRINT. */
static void
build_chrome_request(Builder *b, const char *password)
{
  builder_init(b, 0x0001, txid);
  builder_add(b, AR_STUN_ATTR_USERNAME, "Xk9p:3fQe", 9);
  static const guint8 net_info[4] = {0x00, 0x01, 0x00, 0x0a};
  builder_add(b, 0xC057, net_info, 4);
  static const guint8 tie[8] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
  builder_add(b, AR_STUN_ATTR_ICE_CONTROLLING, tie, 8);
  builder_add(b, AR_STUN_ATTR_USE_CANDIDATE, NULL, 0);
  static const guint8 prio[4] = {0x6e, 0x7f, 0x1e, 0xff};
  builder_add(b, AR_STUN_ATTR_PRIORITY, prio, 4);
  builder_add_integrity(b, password);
  builder_add_fingerprint(b);
}

static void
test_chrome_binding_request(void)
{
  const char *password = "pX7yTz4sKq0a1b2c3d4e5f6g";
  Builder b;
  build_chrome_request(&b, password);
  ArStunMsg m;
  g_assert_cmpint(ar_stun_parse(&m, b.buf, b.len), ==, AR_STUN_OK);
  g_assert_cmpuint(m.attr_count, ==, 7);
  g_assert_cmpint(ar_stun_msg_class(&m), ==, AR_STUN_CLASS_REQUEST);
  gsize ulen;
  const guint8 *u = ar_stun_username(&m, &ulen);
  g_assert_cmpmem(u, ulen, "Xk9p:3fQe", 9);
  g_assert_true(ar_stun_check_fingerprint(&m));
  g_assert_true(ar_stun_check_integrity(&m, (const guint8 *)password, strlen(password)));
  g_assert_false(ar_stun_check_integrity(&m, (const guint8 *)PASSWORD, strlen(PASSWORD)));
  ArStunAttr a;
  g_assert_true(ar_stun_find(&m, AR_STUN_ATTR_USE_CANDIDATE, &a));
  g_assert_cmpuint(a.len, ==, 0);

  /* libnice's success response: XOR-MAPPED-ADDRESS, MI, FINGERPRINT. */
  Builder r;
  builder_init(&r, 0x0101, txid);
  guint8 xma[8] = {0x00, 0x01};
  ar_put_be16(xma + 2, 50000 ^ 0x2112);
  ar_put_be32(xma + 4, 0x7f000001 ^ AR_STUN_MAGIC_COOKIE);
  builder_add(&r, AR_STUN_ATTR_XOR_MAPPED_ADDRESS, xma, 8);
  builder_add_integrity(&r, password);
  builder_add_fingerprint(&r);
  g_assert_cmpint(ar_stun_parse(&m, r.buf, r.len), ==, AR_STUN_OK);
  g_assert_cmpint(ar_stun_msg_class(&m), ==, AR_STUN_CLASS_SUCCESS);
  ArStunAddress addr;
  g_assert_true(ar_stun_xor_mapped_address(&m, &addr));
  g_assert_cmpuint(addr.port, ==, 50000);
  static const guint8 lo[4] = {127, 0, 0, 1};
  g_assert_cmpmem(addr.addr, 4, lo, 4);
  g_assert_true(ar_stun_check_integrity(&m, (const guint8 *)password, strlen(password)));
  g_assert_true(ar_stun_check_fingerprint(&m));
}

static void
test_classes_and_methods(void)
{
  static const struct {
    guint16 type;
    ArStunClass cls;
    guint16 method;
  } rows[] = {
      {0x0001, AR_STUN_CLASS_REQUEST, 0x001}, {0x0011, AR_STUN_CLASS_INDICATION, 0x001},
      {0x0101, AR_STUN_CLASS_SUCCESS, 0x001}, {0x0111, AR_STUN_CLASS_ERROR, 0x001},
      {0x0003, AR_STUN_CLASS_REQUEST, 0x003}, {0x0016, AR_STUN_CLASS_INDICATION, 0x006},
      {0x3eef, AR_STUN_CLASS_REQUEST, 0xfff}, {0x3fff, AR_STUN_CLASS_ERROR, 0xfff},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
    Builder b;
    builder_init(&b, rows[i].type, txid);
    ArStunMsg m;
    g_assert_cmpint(ar_stun_parse(&m, b.buf, b.len), ==, AR_STUN_OK);
    g_assert_cmpint(ar_stun_msg_class(&m), ==, rows[i].cls);
    g_assert_cmphex(ar_stun_msg_method(&m), ==, rows[i].method);
  }
}

static void
test_malformed(void)
{
  Builder b;
  build_chrome_request(&b, "pw");
  ArStunMsg m;
  guint8 buf[512];

  g_assert_cmpint(ar_stun_parse(&m, NULL, 0), ==, AR_STUN_ERR_TRUNCATED);
  g_assert_cmpint(ar_stun_parse(&m, b.buf, 19), ==, AR_STUN_ERR_TRUNCATED);
  g_assert_cmpint(ar_stun_parse(&m, b.buf, b.len - 1), ==, AR_STUN_ERR_TRUNCATED);
  /* Trailing bytes beyond the header's length are not part of the message. */
  g_assert_cmpint(ar_stun_parse(&m, b.buf, b.len + 4), ==, AR_STUN_OK);
  g_assert_cmpuint(m.len, ==, b.len);

  memcpy(buf, b.buf, b.len);
  buf[4] ^= 0x01; /* magic cookie */
  g_assert_cmpint(ar_stun_parse(&m, buf, b.len), ==, AR_STUN_ERR_NOT_STUN);
  memcpy(buf, b.buf, b.len);
  buf[0] |= 0x40; /* leading bits */
  g_assert_cmpint(ar_stun_parse(&m, buf, b.len), ==, AR_STUN_ERR_NOT_STUN);
  memcpy(buf, b.buf, b.len);
  ar_put_be16(buf + 2, ar_be16(buf + 2) - 2); /* not a multiple of 4 */
  g_assert_cmpint(ar_stun_parse(&m, buf, b.len), ==, AR_STUN_ERR_LENGTH);
  memcpy(buf, b.buf, b.len);
  ar_put_be16(buf + 2, ar_be16(buf + 2) + 4); /* longer than the buffer */
  g_assert_cmpint(ar_stun_parse(&m, buf, b.len), ==, AR_STUN_ERR_TRUNCATED);

  /* An attribute whose length runs past the message end. */
  memcpy(buf, b.buf, b.len);
  ar_put_be16(buf + 22, 0x0100);
  g_assert_cmpint(ar_stun_parse(&m, buf, b.len), ==, AR_STUN_ERR_ATTRIBUTE);
  /* Padding counts: a 9-byte USERNAME needs 12 bytes; a message that ends inside the padding is
   * refused. */
  Builder t;
  builder_init(&t, 0x0001, txid);
  builder_add(&t, AR_STUN_ATTR_USERNAME, "abcdefghi", 9);
  ar_put_be16(t.buf + 2, 12); /* 4 header + 9 value would need 16 */
  g_assert_cmpint(ar_stun_parse(&m, t.buf, 32), ==, AR_STUN_ERR_ATTRIBUTE);

  /* MESSAGE-INTEGRITY and FINGERPRINT of the wrong size. */
  builder_init(&t, 0x0001, txid);
  builder_add(&t, AR_STUN_ATTR_MESSAGE_INTEGRITY, buf, 16);
  g_assert_cmpint(ar_stun_parse(&m, t.buf, t.len), ==, AR_STUN_ERR_ATTRIBUTE);
  builder_init(&t, 0x0001, txid);
  builder_add(&t, AR_STUN_ATTR_FINGERPRINT, buf, 8);
  g_assert_cmpint(ar_stun_parse(&m, t.buf, t.len), ==, AR_STUN_ERR_ATTRIBUTE);

  /* Nothing may follow FINGERPRINT. */
  builder_init(&t, 0x0001, txid);
  builder_add_fingerprint(&t);
  builder_add(&t, AR_STUN_ATTR_USERNAME, "a:b", 3);
  g_assert_cmpint(ar_stun_parse(&m, t.buf, t.len), ==, AR_STUN_ERR_ATTRIBUTE);

  g_assert_cmpstr(ar_stun_status_name(AR_STUN_ERR_ATTRIBUTE), ==, "bad-attribute");
  g_assert_cmpstr(ar_stun_status_name(AR_STUN_OK), ==, "ok");
}

static void
test_after_integrity_ignored(void)
{
  Builder b;
  builder_init(&b, 0x0001, txid);
  builder_add_integrity(&b, "pw");
  builder_add(&b, AR_STUN_ATTR_USERNAME, "late:user", 9);
  builder_add(&b, AR_STUN_ATTR_MESSAGE_INTEGRITY, b.buf, 20); /* second MI: ignored */
  builder_add_fingerprint(&b);
  ArStunMsg m;
  g_assert_cmpint(ar_stun_parse(&m, b.buf, b.len), ==, AR_STUN_OK);
  g_assert_null(ar_stun_username(&m, NULL));
  g_assert_cmpuint(m.integrity_offset, ==, 20);
  g_assert_true(ar_stun_check_integrity(&m, (const guint8 *)"pw", 2));
  g_assert_true(ar_stun_check_fingerprint(&m));
  g_assert_cmpuint(m.attr_count, ==, 4);
  /* The iterator still sees the ignored attribute. */
  ArStunAttr a;
  g_assert_true(ar_stun_find(&m, AR_STUN_ATTR_USERNAME, &a));
  g_assert_cmpmem(a.value, a.len, "late:user", 9);
}

static void
test_xor_mapped_malformed(void)
{
  Builder b;
  guint8 v[20] = {0x00, 0x03};
  builder_init(&b, 0x0101, txid);
  builder_add(&b, AR_STUN_ATTR_XOR_MAPPED_ADDRESS, v, 8); /* family 3 */
  ArStunMsg m;
  ArStunAddress addr;
  g_assert_cmpint(ar_stun_parse(&m, b.buf, b.len), ==, AR_STUN_OK);
  g_assert_false(ar_stun_xor_mapped_address(&m, &addr));

  v[1] = 0x02; /* IPv6 with an IPv4-sized value */
  builder_init(&b, 0x0101, txid);
  builder_add(&b, AR_STUN_ATTR_XOR_MAPPED_ADDRESS, v, 8);
  g_assert_cmpint(ar_stun_parse(&m, b.buf, b.len), ==, AR_STUN_OK);
  g_assert_false(ar_stun_xor_mapped_address(&m, &addr));

  builder_init(&b, 0x0101, txid);
  builder_add(&b, AR_STUN_ATTR_XOR_MAPPED_ADDRESS, v, 2); /* too short */
  g_assert_cmpint(ar_stun_parse(&m, b.buf, b.len), ==, AR_STUN_OK);
  g_assert_false(ar_stun_xor_mapped_address(&m, &addr));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/stun/crc32", test_crc32);
  g_test_add_func("/stun/rfc5769-request", test_rfc5769_request);
  g_test_add_func("/stun/rfc5769-ipv4-response", test_rfc5769_ipv4);
  g_test_add_func("/stun/rfc5769-ipv6-response", test_rfc5769_ipv6);
  g_test_add_func("/stun/rfc5769-long-term", test_rfc5769_long_term);
  g_test_add_func("/stun/bit-flips", test_bit_flips);
  g_test_add_func("/stun/chrome-binding-request", test_chrome_binding_request);
  g_test_add_func("/stun/classes-and-methods", test_classes_and_methods);
  g_test_add_func("/stun/malformed", test_malformed);
  g_test_add_func("/stun/after-integrity-ignored", test_after_integrity_ignored);
  g_test_add_func("/stun/xor-mapped-malformed", test_xor_mapped_malformed);
  return g_test_run();
}
