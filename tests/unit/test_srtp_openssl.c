/* The OpenSSL-backed libsrtp types against stock libsrtp2 (NSS on Debian), in one process.
 * Only sessions created after a replacement use it, so main() creates every stock session first,
 * then installs the OpenSSL types; each test then creates its OpenSSL sessions and checks that
 * they produce byte-identical SRTP/SRTCP, interoperate both ways, and reject what stock rejects.
 * OpenSSL's allocator is counted to prove the new sessions really run on OpenSSL and that the
 * packet path allocates nothing. */
#include "srtp.h"
#include "srtp_openssl.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "bytes.h"

#define BUF_WORDS 512 /* 2 KiB, 4-byte aligned as libsrtp assumes */
#define WINDOW 1024

/* Counted by the allocator hooks; a test's own bookkeeping, read between single-threaded steps. */
static gint openssl_allocs;

static void *
count_malloc(size_t n, const char *file, int line)
{
  g_atomic_int_inc(&openssl_allocs);
  return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
  g_atomic_int_inc(&openssl_allocs);
  return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
  free(p);
}

typedef struct {
  ArSrtpProfile profile;
  gboolean xtn;            /* RFC 6904: encrypt header-extension elements 1 and 3 */
  gboolean rtcp_auth_only; /* SRTCP authenticated but not encrypted */
} Config;

/* One test's data: its configuration and the stock sessions made before installation. */
typedef struct {
  Config cfg;
  srtp_t stock_tx; /* ssrc_any_outbound, allow_repeat_tx */
  srtp_t stock_rx; /* ssrc_any_inbound */
  int stock_create_allocs;
} Case;

static const guint8 master_key[30] = {0x3a, 0x11, 0x5c, 0x90, 0x02, 0xee, 0x47, 0x81, 0x6d, 0x20,
                                      0xbb, 0xc4, 0x09, 0xf3, 0x75, 0x18, 0xa0, 0x5b, 0x33, 0xc8,
                                      0x71, 0x0e, 0x9d, 0x46, 0xe2, 0x2f, 0x84, 0x6a, 0x1c, 0xd7};

static srtp_t
raw_session(const Config *cfg, srtp_ssrc_type_t type, gboolean allow_repeat_tx)
{
  srtp_policy_t pol;
  int ids[] = {1, 3}; /* libsrtp copies the list */
  memset(&pol, 0, sizeof pol);
  if (cfg->profile == AR_SRTP_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
  }
  if (cfg->rtcp_auth_only)
    pol.rtcp.sec_serv = sec_serv_auth;
  if (cfg->xtn) {
    pol.enc_xtn_hdr = ids;
    pol.enc_xtn_hdr_count = 2;
  }
  pol.ssrc.type = type;
  pol.key = (unsigned char *)master_key; /* GCM reads the first 28 bytes */
  pol.window_size = WINDOW;
  pol.allow_repeat_tx = allow_repeat_tx;
  srtp_t s = NULL;
  g_assert_cmpint(srtp_create(&s, &pol), ==, srtp_err_status_ok);
  return s;
}

/* An RTP packet with random marker/PT/CSRCs; with xtn, a header extension whose elements 1 and 3
 * get encrypted and 2 does not, in one-byte (RFC 8285) or, every third packet, two-byte form. */
static gsize
make_rtp(GRand *r, guint8 *b, guint16 seq, guint32 ssrc, gboolean xtn, gsize payload)
{
  guint cc = g_rand_int_range(r, 0, 3);
  gsize n = 12;
  b[0] = 0x80 | cc | (xtn ? 0x10 : 0);
  b[1] = (g_rand_boolean(r) ? 0x80 : 0) | (guint8)g_rand_int_range(r, 96, 128);
  ar_put_be16(b + 2, seq);
  ar_put_be32(b + 4, seq * 3000u);
  ar_put_be32(b + 8, ssrc);
  for (guint i = 0; i < cc; i++, n += 4)
    ar_put_be32(b + n, g_rand_int(r));
  if (xtn) {
    gboolean two_byte = seq % 3 == 0;
    guint8 *e = b + n;
    guint8 *d = e + 4;
    ar_put_be16(e, two_byte ? 0x1000 : 0xBEDE);
    const guint lens[] = {4, 2, 1};
    for (guint id = 1; id <= 3; id++) {
      guint len = lens[id - 1];
      if (two_byte) {
        *d++ = (guint8)id;
        *d++ = (guint8)len;
      } else {
        *d++ = (guint8)((id << 4) | (len - 1));
      }
      for (guint k = 0; k < len; k++)
        *d++ = (guint8)g_rand_int(r);
    }
    while ((d - e) % 4 != 0)
      *d++ = 0;
    ar_put_be16(e + 2, (guint16)((d - e - 4) / 4));
    n = (gsize)(d - b);
  }
  for (gsize i = 0; i < payload; i++)
    b[n + i] = (guint8)g_rand_int(r);
  return n + payload;
}

/* A sender report followed by an APP packet of `words` random 32-bit words. */
static gsize
make_rtcp(GRand *r, guint8 *b, guint32 ssrc, guint words)
{
  b[0] = 0x80;
  b[1] = 200;
  ar_put_be16(b + 2, 6);
  ar_put_be32(b + 4, ssrc);
  for (int i = 8; i < 28; i++)
    b[i] = (guint8)g_rand_int(r);
  guint8 *a = b + 28;
  a[0] = 0x81;
  a[1] = 204;
  ar_put_be16(a + 2, (guint16)(2 + words));
  ar_put_be32(a + 4, ssrc);
  memcpy(a + 8, "ANTR", 4);
  for (guint i = 0; i < 4 * words; i++)
    a[12 + i] = (guint8)g_rand_int(r);
  return 28 + 12 + 4 * words;
}

typedef enum { RTP, RTCP } Kind;

static srtp_err_status_t
protect(srtp_t s, Kind k, guint8 *buf, gsize *len)
{
  int n = (int)*len;
  srtp_err_status_t st = k == RTP ? srtp_protect(s, buf, &n) : srtp_protect_rtcp(s, buf, &n);
  *len = (gsize)n;
  return st;
}

static srtp_err_status_t
unprotect(srtp_t s, Kind k, guint8 *buf, gsize *len)
{
  int n = (int)*len;
  srtp_err_status_t st = k == RTP ? srtp_unprotect(s, buf, &n) : srtp_unprotect_rtcp(s, buf, &n);
  if (st == srtp_err_status_ok)
    *len = (gsize)n;
  return st;
}

/* Protects `plain` with both senders, asserts identical bytes, then unprotects each output with
 * the other implementation's receiver and asserts the plaintext comes back. Returns the output
 * length; `out` holds the protected packet. */
static gsize
check_identical(srtp_t stock_tx, srtp_t ossl_tx, srtp_t stock_rx, srtp_t ossl_rx, Kind k,
                const guint8 *plain, gsize len, guint8 *out)
{
  guint32 a32[BUF_WORDS], b32[BUF_WORDS];
  guint8 *a = (guint8 *)a32, *b = (guint8 *)b32;
  gsize alen = len, blen = len;
  memcpy(a, plain, len);
  memcpy(b, plain, len);
  g_assert_cmpint(protect(stock_tx, k, a, &alen), ==, srtp_err_status_ok);
  g_assert_cmpint(protect(ossl_tx, k, b, &blen), ==, srtp_err_status_ok);
  g_assert_cmpmem(a, alen, b, blen);
  g_assert_cmpuint(alen, >, len);
  memcpy(out, a, alen);
  gsize olen = alen;

  g_assert_cmpint(unprotect(ossl_rx, k, a, &alen), ==, srtp_err_status_ok);
  g_assert_cmpmem(a, alen, plain, len);
  g_assert_cmpint(unprotect(stock_rx, k, b, &blen), ==, srtp_err_status_ok);
  g_assert_cmpmem(b, blen, plain, len);
  return olen;
}

/* Header length of a plaintext RTP packet built by make_rtp, extension included. */
static gsize
rtp_header_len(const guint8 *p)
{
  gsize n = 12 + 4 * (p[0] & 0x0f);
  if (p[0] & 0x10)
    n += 4 + 4 * ar_be16(p + n + 2);
  return n;
}

/* Seq starts just below 65535 and runs long enough to roll the ROC twice (or once with header
 * extensions), over two SSRCs, with an RTCP compound packet every 50 RTP packets. */
static void
test_identical(gconstpointer data)
{
  const Case *c = data;
  srtp_t ossl_tx = raw_session(&c->cfg, ssrc_any_outbound, TRUE);
  srtp_t ossl_rx = raw_session(&c->cfg, ssrc_any_inbound, FALSE);
  g_autoptr(GRand) r = g_rand_new_with_seed(0x5e17 + c->cfg.profile);
  guint32 p32[BUF_WORDS], o32[BUF_WORDS];
  guint8 *p = (guint8 *)p32, *o = (guint8 *)o32;
  const guint32 ssrcs[2] = {0x1234abcd, 0x0badf00d};
  guint n = c->cfg.xtn ? 3000 : 66000;
  guint xtn_changed = 0;

  for (guint i = 0; i < n; i++) {
    guint16 seq = (guint16)(65500 + i / 2);
    gsize payload = i % 97 == 0 ? 1200 : (gsize)g_rand_int_range(r, 0, 200);
    gsize len = make_rtp(r, p, seq, ssrcs[i % 2], c->cfg.xtn, payload);
    gsize olen = check_identical(c->stock_tx, ossl_tx, c->stock_rx, ossl_rx, RTP, p, len, o);
    g_assert_cmpuint(olen, ==, len + (c->cfg.profile == AR_SRTP_AEAD_AES_128_GCM ? 16 : 10));
    if (c->cfg.xtn) {
      /* Element 1's data (4 bytes) is encrypted, element 2's (2 bytes) is not. */
      gsize e = 12 + 4 * (p[0] & 0x0f) + 4;
      gboolean two = ar_be16(p + e - 4) == 0x1000;
      gsize d1 = e + (two ? 2 : 1), d2 = d1 + 4 + (two ? 2 : 1);
      xtn_changed += memcmp(p + d1, o + d1, 4) != 0;
      g_assert_cmpmem(p + d2, 2, o + d2, 2);
      g_assert_cmpuint(rtp_header_len(p), <=, len);
    }
    if (i % 50 == 0) {
      len = make_rtcp(r, p, ssrcs[i % 2], (guint)g_rand_int_range(r, 0, 300));
      olen = check_identical(c->stock_tx, ossl_tx, c->stock_rx, ossl_rx, RTCP, p, len, o);
      g_assert_cmpuint(olen, ==, len + 4 + (c->cfg.profile == AR_SRTP_AEAD_AES_128_GCM ? 16 : 10));
      /* E flag (top bit of the SRTCP index word) says whether the payload was encrypted; with
       * GCM the index word follows the tag (RFC 7714 9.1), with CM it precedes it. */
      gsize e_at = len + (c->cfg.profile == AR_SRTP_AEAD_AES_128_GCM ? 16 : 0);
      g_assert_cmpint(o[e_at] >> 7, ==, c->cfg.rtcp_auth_only ? 0 : 1);
      if (c->cfg.rtcp_auth_only)
        g_assert_cmpmem(o, len, p, len);
      else
        g_assert_true(memcmp(o + 8, p + 8, len - 8) != 0);
    }
  }
  if (c->cfg.xtn)
    g_assert_cmpuint(xtn_changed, >, n - 5); /* a 4-byte keystream may be all zero, rarely */
  srtp_dealloc(ossl_tx);
  srtp_dealloc(ossl_rx);
}

/* Every single-bit flip, and every truncation down past the tag, is rejected, by both
 * implementations alike; flips outside the header's structure (version/CC byte, extension
 * framing, which libsrtp may reject while parsing) must fail authentication itself. Afterwards
 * the genuine packet is still accepted: the rejections did not disturb the receivers. These have
 * seen nothing from this SSRC yet, so no replay check can pre-empt authentication. */
static void
check_tamper(srtp_t stock_rx, srtp_t ossl_rx, Kind k, const guint8 *pkt, gsize len, gsize tag)
{
  guint32 t32[BUF_WORDS];
  guint8 *t = (guint8 *)t32;
  srtp_t rxs[2] = {stock_rx, ossl_rx};
  g_autofree srtp_err_status_t *stock_st = g_new0(srtp_err_status_t, len);
  gsize fixed_end = k == RTP ? 12 + 4 * (pkt[0] & 0x0f) : 0; /* after SSRC and CSRCs */
  gsize hdr_end = k == RTP ? rtp_header_len(pkt) : 0;
  for (int w = 0; w < 2; w++) {
    for (gsize i = 0; i < len; i++) {
      gsize tlen = len;
      memcpy(t, pkt, len);
      t[i] ^= (guint8)(1u << (i % 8));
      srtp_err_status_t st = unprotect(rxs[w], k, t, &tlen);
      gboolean structural = k == RTP && (i == 0 || (i >= fixed_end && i < hdr_end));
      if (structural)
        g_assert_cmpint(st, !=, srtp_err_status_ok);
      else
        g_assert_cmpint(st, ==, srtp_err_status_auth_fail);
      if (w == 0)
        stock_st[i] = st;
      else
        g_assert_cmpint(st, ==, stock_st[i]);
    }
    for (gsize cut = 1; cut <= tag + 4 && cut < len; cut++) {
      gsize tlen = len - cut;
      memcpy(t, pkt, len);
      g_assert_cmpint(unprotect(rxs[w], k, t, &tlen), !=, srtp_err_status_ok);
    }
  }
  for (int w = 0; w < 2; w++) {
    gsize tlen = len;
    memcpy(t, pkt, len);
    g_assert_cmpint(unprotect(rxs[w], k, t, &tlen), ==, srtp_err_status_ok);
  }
}

static void
test_tamper(gconstpointer data)
{
  const Case *c = data;
  srtp_t ossl_tx = raw_session(&c->cfg, ssrc_any_outbound, TRUE);
  srtp_t ossl_rx = raw_session(&c->cfg, ssrc_any_inbound, FALSE);
  g_autoptr(GRand) r = g_rand_new_with_seed(77);
  guint32 p32[BUF_WORDS];
  guint8 *p = (guint8 *)p32;
  gsize tag = c->cfg.profile == AR_SRTP_AEAD_AES_128_GCM ? 16 : 10;

  gsize len = make_rtp(r, p, 4242, 0xfeed0001, c->cfg.xtn, 90);
  g_assert_cmpint(protect(ossl_tx, RTP, p, &len), ==, srtp_err_status_ok);
  check_tamper(c->stock_rx, ossl_rx, RTP, p, len, tag);

  len = make_rtcp(r, p, 0xfeed0001, 5);
  g_assert_cmpint(protect(ossl_tx, RTCP, p, &len), ==, srtp_err_status_ok);
  check_tamper(c->stock_rx, ossl_rx, RTCP, p, len, tag);
  srtp_dealloc(ossl_tx);
  srtp_dealloc(ossl_rx);
}

/* A second copy is a replay; a packet far enough behind is too old; one within the window that
 * was never seen is accepted. Both receivers agree. */
static void
test_replay(gconstpointer data)
{
  const Case *c = data;
  srtp_t ossl_tx = raw_session(&c->cfg, ssrc_any_outbound, TRUE);
  srtp_t ossl_rx = raw_session(&c->cfg, ssrc_any_inbound, FALSE);
  srtp_t rxs[2] = {c->stock_rx, ossl_rx};
  g_autoptr(GRand) r = g_rand_new_with_seed(99);
  enum { N = 2200, PKT = 96 };
  guint32(*store)[PKT / 4] = g_malloc(N * PKT);
  gsize lens[N];

  for (guint i = 0; i < N; i++) {
    lens[i] = make_rtp(r, (guint8 *)store[i], (guint16)(60000 + i), 0x77, FALSE, 40);
    g_assert_cmpint(protect(ossl_tx, RTP, (guint8 *)store[i], &lens[i]), ==, srtp_err_status_ok);
  }
  for (int w = 0; w < 2; w++) {
    guint32 t32[BUF_WORDS];
    guint8 *t = (guint8 *)t32;
    gsize tlen;
#define DELIVER(i) (tlen = lens[i], memcpy(t, store[i], tlen), unprotect(rxs[w], RTP, t, &tlen))
    for (guint i = 0; i < 1100; i++)
      if (i != 100 && i != 120)
        g_assert_cmpint(DELIVER(i), ==, srtp_err_status_ok);
    g_assert_cmpint(DELIVER(500), ==, srtp_err_status_replay_fail);
    g_assert_cmpint(DELIVER(1099), ==, srtp_err_status_replay_fail);
    g_assert_cmpint(DELIVER(100), ==, srtp_err_status_ok); /* 999 behind, inside the window */
    g_assert_cmpint(DELIVER(100), ==, srtp_err_status_replay_fail);
    for (guint i = 1100; i < N; i++)
      g_assert_cmpint(DELIVER(i), ==, srtp_err_status_ok);
    g_assert_cmpint(DELIVER(120), ==, srtp_err_status_replay_old); /* 2079 behind */
#undef DELIVER
  }

  guint32 q32[3][BUF_WORDS];
  gsize qlen[3];
  for (int i = 0; i < 3; i++) {
    qlen[i] = make_rtcp(r, (guint8 *)q32[i], 0x77, 3);
    g_assert_cmpint(protect(ossl_tx, RTCP, (guint8 *)q32[i], &qlen[i]), ==, srtp_err_status_ok);
  }
  for (int w = 0; w < 2; w++) {
    for (int i = 0; i < 3; i++) {
      guint32 t32[BUF_WORDS];
      gsize tlen = qlen[i];
      memcpy(t32, q32[i], tlen);
      g_assert_cmpint(unprotect(rxs[w], RTCP, (guint8 *)t32, &tlen), ==, srtp_err_status_ok);
    }
    guint32 t32[BUF_WORDS];
    gsize tlen = qlen[1];
    memcpy(t32, q32[1], tlen);
    g_assert_cmpint(unprotect(rxs[w], RTCP, (guint8 *)t32, &tlen), ==, srtp_err_status_replay_fail);
  }
  g_free(store);
  srtp_dealloc(ossl_tx);
  srtp_dealloc(ossl_rx);
}

/* Re-sending a cached packet (NACK answer) protects it again with the same index: with
 * allow_repeat_tx both implementations accept that and produce the same bytes; without it the
 * sender refuses. */
static void
test_repeat_tx(gconstpointer data)
{
  const Case *c = data;
  srtp_t ossl_tx = raw_session(&c->cfg, ssrc_any_outbound, TRUE);
  srtp_t strict_tx = raw_session(&c->cfg, ssrc_any_outbound, FALSE);
  g_autoptr(GRand) r = g_rand_new_with_seed(5);
  guint32 p32[BUF_WORDS], a32[BUF_WORDS], b32[BUF_WORDS], f32[BUF_WORDS];
  guint8 *p = (guint8 *)p32, *a = (guint8 *)a32, *b = (guint8 *)b32, *f = (guint8 *)f32;

  for (guint16 seq = 10; seq < 13; seq++) {
    gsize len = make_rtp(r, p, seq, 0x99, FALSE, 300);
    gsize flen = 0;
    for (int round = 0; round < 3; round++) {
      gsize alen = len, blen = len;
      memcpy(a, p, len);
      memcpy(b, p, len);
      g_assert_cmpint(protect(ossl_tx, RTP, a, &alen), ==, srtp_err_status_ok);
      g_assert_cmpint(protect(c->stock_tx, RTP, b, &blen), ==, srtp_err_status_ok);
      g_assert_cmpmem(a, alen, b, blen);
      if (round == 0) {
        flen = alen;
        memcpy(f, a, alen);
      }
      g_assert_cmpmem(a, alen, f, flen);
    }
  }
  gsize len = make_rtp(r, p, 500, 0x99, FALSE, 300);
  gsize alen = len;
  memcpy(a, p, len);
  g_assert_cmpint(protect(strict_tx, RTP, a, &alen), ==, srtp_err_status_ok);
  alen = len;
  memcpy(a, p, len);
  g_assert_cmpint(protect(strict_tx, RTP, a, &alen), ==, srtp_err_status_replay_fail);
  srtp_dealloc(ossl_tx);
  srtp_dealloc(strict_tx);
}

/* Creating a session after installation allocates through OpenSSL (our EVP contexts; stock
 * sessions, made before, allocated nothing there), while protect and unprotect allocate nothing. */
static void
test_no_alloc_per_packet(gconstpointer data)
{
  const Case *c = data;
  g_assert_cmpint(c->stock_create_allocs, ==, 0);
  int before = g_atomic_int_get(&openssl_allocs);
  srtp_t tx = raw_session(&c->cfg, ssrc_any_outbound, TRUE);
  srtp_t rx = raw_session(&c->cfg, ssrc_any_inbound, FALSE);
  g_autoptr(GRand) r = g_rand_new_with_seed(3);
  guint32 p32[BUF_WORDS];
  guint8 *p = (guint8 *)p32;
  /* First packet of each kind clones the template stream: allocation per SSRC, not per packet. */
  for (int i = 0; i < 2; i++) {
    gsize len = make_rtp(r, p, (guint16)i, 0x42, FALSE, 100);
    g_assert_cmpint(protect(tx, RTP, p, &len), ==, srtp_err_status_ok);
    g_assert_cmpint(unprotect(rx, RTP, p, &len), ==, srtp_err_status_ok);
    len = make_rtcp(r, p, 0x42, 4);
    g_assert_cmpint(protect(tx, RTCP, p, &len), ==, srtp_err_status_ok);
    g_assert_cmpint(unprotect(rx, RTCP, p, &len), ==, srtp_err_status_ok);
    len = make_rtp(r, p, (guint16)i, 0x43, FALSE, 100); /* the SSRC tampered with below */
    g_assert_cmpint(protect(tx, RTP, p, &len), ==, srtp_err_status_ok);
    g_assert_cmpint(unprotect(rx, RTP, p, &len), ==, srtp_err_status_ok);
  }
  int created = g_atomic_int_get(&openssl_allocs);
  g_assert_cmpint(created - before, >, 0);

  for (guint i = 2; i < 1002; i++) {
    gsize len = make_rtp(r, p, (guint16)i, 0x42, FALSE, i % 7 == 0 ? 1200 : 100);
    g_assert_cmpint(protect(tx, RTP, p, &len), ==, srtp_err_status_ok);
    g_assert_cmpint(unprotect(rx, RTP, p, &len), ==, srtp_err_status_ok);
    if (i % 10 == 0) {
      len = make_rtcp(r, p, 0x42, 4);
      g_assert_cmpint(protect(tx, RTCP, p, &len), ==, srtp_err_status_ok);
      g_assert_cmpint(unprotect(rx, RTCP, p, &len), ==, srtp_err_status_ok);
    }
    len = make_rtp(r, p, (guint16)i, 0x43, FALSE, 100); /* rejected: must not allocate either */
    g_assert_cmpint(protect(tx, RTP, p, &len), ==, srtp_err_status_ok);
    p[len - 1] ^= 1;
    g_assert_cmpint(unprotect(rx, RTP, p, &len), ==, srtp_err_status_auth_fail);
  }
  g_assert_cmpint(g_atomic_int_get(&openssl_allocs), ==, created);
  srtp_dealloc(tx);
  srtp_dealloc(rx);
}

static void
test_install_again(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_srtp_openssl_install(&error));
  g_assert_no_error(error);
  g_assert_cmpstr(ar_srtp_backend_name(TRUE), ==, "openssl");
  g_assert_cmpstr(ar_srtp_backend_name(FALSE), ==, "libsrtp");
}

typedef void (*CaseFunc)(gconstpointer);

/* Makes the test's stock sessions now (before installation) and registers it. */
static Case *
add_case(GPtrArray *cases, const char *path, Config cfg, CaseFunc fn)
{
  Case *c = g_new0(Case, 1);
  c->cfg = cfg;
  int before = g_atomic_int_get(&openssl_allocs);
  c->stock_tx = raw_session(&cfg, ssrc_any_outbound, TRUE);
  c->stock_rx = raw_session(&cfg, ssrc_any_inbound, FALSE);
  c->stock_create_allocs = g_atomic_int_get(&openssl_allocs) - before;
  g_ptr_array_add(cases, c);
  g_test_add_data_func(path, c, fn);
  return c;
}

static void
case_free(gpointer p)
{
  Case *c = p;
  srtp_dealloc(c->stock_tx);
  srtp_dealloc(c->stock_rx);
  g_free(c);
}

int
main(int argc, char **argv)
{
  /* Must precede any OpenSSL allocation, or OpenSSL refuses the hooks. */
  g_assert_true(CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free));
  g_test_init(&argc, &argv, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_srtp_init(&error));

  const Config cm = {AR_SRTP_AES128_CM_SHA1_80, FALSE, FALSE};
  const Config gcm = {AR_SRTP_AEAD_AES_128_GCM, FALSE, FALSE};
  const Config cm_xtn = {AR_SRTP_AES128_CM_SHA1_80, TRUE, FALSE};
  const Config gcm_xtn = {AR_SRTP_AEAD_AES_128_GCM, TRUE, FALSE};
  const Config cm_auth = {AR_SRTP_AES128_CM_SHA1_80, FALSE, TRUE};
  const Config gcm_auth = {AR_SRTP_AEAD_AES_128_GCM, FALSE, TRUE};
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(case_free);
  add_case(cases, "/srtp-openssl/identical/cm", cm, test_identical);
  add_case(cases, "/srtp-openssl/identical/gcm", gcm, test_identical);
  add_case(cases, "/srtp-openssl/identical/cm-header-ext", cm_xtn, test_identical);
  add_case(cases, "/srtp-openssl/identical/gcm-header-ext", gcm_xtn, test_identical);
  add_case(cases, "/srtp-openssl/identical/cm-srtcp-auth-only", cm_auth, test_identical);
  add_case(cases, "/srtp-openssl/identical/gcm-srtcp-auth-only", gcm_auth, test_identical);
  add_case(cases, "/srtp-openssl/tamper/cm", cm, test_tamper);
  add_case(cases, "/srtp-openssl/tamper/gcm", gcm, test_tamper);
  add_case(cases, "/srtp-openssl/tamper/gcm-header-ext", gcm_xtn, test_tamper);
  add_case(cases, "/srtp-openssl/tamper/gcm-srtcp-auth-only", gcm_auth, test_tamper);
  add_case(cases, "/srtp-openssl/replay/cm", cm, test_replay);
  add_case(cases, "/srtp-openssl/replay/gcm", gcm, test_replay);
  add_case(cases, "/srtp-openssl/repeat-tx/cm", cm, test_repeat_tx);
  add_case(cases, "/srtp-openssl/repeat-tx/gcm", gcm, test_repeat_tx);
  add_case(cases, "/srtp-openssl/no-alloc-per-packet/cm", cm, test_no_alloc_per_packet);
  add_case(cases, "/srtp-openssl/no-alloc-per-packet/gcm", gcm, test_no_alloc_per_packet);

  /* Everything above was created with the stock types; everything the tests create uses ours. */
  g_assert_true(ar_srtp_openssl_install(&error));
  g_assert_no_error(error);
  g_test_add_func("/srtp-openssl/install-again", test_install_again);

  int rc = g_test_run();
  g_clear_pointer(&cases, g_ptr_array_unref);
  srtp_shutdown();
  return rc;
}
