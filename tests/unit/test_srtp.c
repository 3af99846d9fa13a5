/* ArSrtpSession: profile names and sizes, the RFC 5764 keying-material layout (checked against
 * raw libsrtp sessions keyed by hand, so a symmetric mix-up cannot pass), in-place protect and
 * unprotect in both directions, the result codes and counters, retransmission and the replay
 * window. Runs as production does: OpenSSL types installed after ar_srtp_init(). */
#include "srtp.h"
#include "srtp_openssl.h"

#include <string.h>

#include "bytes.h"

#define BUF_WORDS 512

static const ArSrtpProfile profiles[] = {AR_SRTP_AEAD_AES_128_GCM, AR_SRTP_AES128_CM_SHA1_80};

static void
fill_km(guint8 *km, gsize len)
{
  for (gsize i = 0; i < len; i++)
    km[i] = (guint8)(0x40 + i);
}

static gsize
make_rtp(guint8 *b, guint16 seq, guint32 ssrc, gsize payload)
{
  b[0] = 0x80;
  b[1] = 111;
  ar_put_be16(b + 2, seq);
  ar_put_be32(b + 4, 960u * seq);
  ar_put_be32(b + 8, ssrc);
  for (gsize i = 0; i < payload; i++)
    b[12 + i] = (guint8)(seq + i);
  return 12 + payload;
}

static gsize
make_rtcp(guint8 *b, guint32 ssrc)
{
  memset(b, 0, 28);
  b[0] = 0x80;
  b[1] = 200;
  ar_put_be16(b + 2, 6);
  ar_put_be32(b + 4, ssrc);
  ar_put_be32(b + 16, 0x12345678);
  return 28;
}

typedef struct {
  ArSrtpSession *client;
  ArSrtpSession *server;
} Pair;

static Pair
pair_new(ArSrtpProfile profile)
{
  guint8 km[64];
  gsize len = ar_srtp_profile_keying_material_len(profile);
  g_autoptr(GError) error = NULL;
  fill_km(km, len);
  Pair p = {ar_srtp_session_new(profile, km, len, TRUE, &error),
            ar_srtp_session_new(profile, km, len, FALSE, &error)};
  g_assert_no_error(error);
  g_assert_nonnull(p.client);
  g_assert_nonnull(p.server);
  return p;
}

static void
pair_free(Pair *p)
{
  g_clear_pointer(&p->client, ar_srtp_session_free);
  g_clear_pointer(&p->server, ar_srtp_session_free);
}

static void
test_profiles(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(profiles); i++) {
    ArSrtpProfile p = profiles[i], back = (ArSrtpProfile)-1;
    g_assert_true(ar_srtp_profile_from_name(ar_srtp_profile_name(p), &back));
    g_assert_cmpint(back, ==, p);
    g_assert_cmpuint(ar_srtp_profile_key_len(p), ==, 16);
    g_assert_cmpuint(ar_srtp_profile_rtp_overhead(p), <=, AR_SRTP_MAX_RTP_OVERHEAD);
    g_assert_cmpuint(ar_srtp_profile_rtcp_overhead(p), <=, AR_SRTP_MAX_RTCP_OVERHEAD);
  }
  g_assert_cmpstr(ar_srtp_profile_name(AR_SRTP_AEAD_AES_128_GCM), ==, "SRTP_AEAD_AES_128_GCM");
  g_assert_cmpstr(ar_srtp_profile_name(AR_SRTP_AES128_CM_SHA1_80), ==, "SRTP_AES128_CM_SHA1_80");
  g_assert_cmpuint(ar_srtp_profile_salt_len(AR_SRTP_AEAD_AES_128_GCM), ==, 12);
  g_assert_cmpuint(ar_srtp_profile_salt_len(AR_SRTP_AES128_CM_SHA1_80), ==, 14);
  g_assert_cmpuint(ar_srtp_profile_keying_material_len(AR_SRTP_AEAD_AES_128_GCM), ==, 56);
  g_assert_cmpuint(ar_srtp_profile_keying_material_len(AR_SRTP_AES128_CM_SHA1_80), ==, 60);
  g_assert_cmpuint(ar_srtp_profile_rtp_overhead(AR_SRTP_AEAD_AES_128_GCM), ==, 16);
  g_assert_cmpuint(ar_srtp_profile_rtp_overhead(AR_SRTP_AES128_CM_SHA1_80), ==, 10);
  g_assert_cmpuint(ar_srtp_profile_rtcp_overhead(AR_SRTP_AEAD_AES_128_GCM), ==, 20);
  g_assert_cmpuint(ar_srtp_profile_rtcp_overhead(AR_SRTP_AES128_CM_SHA1_80), ==, 14);

  ArSrtpProfile out = AR_SRTP_AES128_CM_SHA1_80;
  g_assert_false(ar_srtp_profile_from_name("SRTP_AES128_CM_SHA1_32", &out));
  g_assert_false(ar_srtp_profile_from_name("srtp_aead_aes_128_gcm", &out));
  g_assert_false(ar_srtp_profile_from_name("", &out));
  g_assert_false(ar_srtp_profile_from_name(NULL, &out));
  g_assert_cmpint(out, ==, AR_SRTP_AES128_CM_SHA1_80);

  /* The DTLS offer lists GCM first, and every entry is one we can key. */
  g_auto(GStrv) names = g_strsplit(AR_SRTP_DTLS_PROFILES, ":", -1);
  g_assert_cmpuint(g_strv_length(names), ==, 2);
  g_assert_true(ar_srtp_profile_from_name(names[0], &out));
  g_assert_cmpint(out, ==, AR_SRTP_AEAD_AES_128_GCM);
  g_assert_true(ar_srtp_profile_from_name(names[1], &out));
  g_assert_cmpint(out, ==, AR_SRTP_AES128_CM_SHA1_80);

  g_assert_cmpstr(ar_srtp_backend_name(TRUE), ==, "openssl");
  g_assert_cmpstr(ar_srtp_backend_name(FALSE), ==, "libsrtp");
  g_assert_cmpstr(ar_srtp_result_name(AR_SRTP_ERR_AUTH), ==, "auth");
  g_assert_cmpstr(ar_srtp_result_name(AR_SRTP_ERR_REPLAY), ==, "replay");
}

static void
test_keying_length(void)
{
  guint8 km[64] = {0};
  for (gsize i = 0; i < G_N_ELEMENTS(profiles); i++) {
    gsize need = ar_srtp_profile_keying_material_len(profiles[i]);
    const gsize wrong[] = {0, need - 1, need + 1, 60 + 56 - need /* the other profile's */};
    for (gsize w = 0; w < G_N_ELEMENTS(wrong); w++) {
      g_autoptr(GError) error = NULL;
      g_assert_null(ar_srtp_session_new(profiles[i], km, wrong[w], TRUE, &error));
      g_assert_error(error, AR_SRTP_ERROR, AR_SRTP_ERROR_KEYING);
    }
    g_autoptr(GError) error = NULL;
    g_assert_null(ar_srtp_session_new(profiles[i], NULL, need, FALSE, &error));
    g_assert_error(error, AR_SRTP_ERROR, AR_SRTP_ERROR_KEYING);
  }
}

/* One side protects, the other gets the same bytes back; both directions, RTP and RTCP, two
 * SSRCs (audio, video). */
static void
test_roundtrip(gconstpointer data)
{
  ArSrtpProfile profile = GPOINTER_TO_INT(data);
  Pair p = pair_new(profile);
  guint32 a32[BUF_WORDS], b32[BUF_WORDS];
  guint8 *a = (guint8 *)a32, *b = (guint8 *)b32;
  ArSrtpSession *from[2] = {p.client, p.server}, *to[2] = {p.server, p.client};
  for (int dir = 0; dir < 2; dir++) {
    for (guint16 seq = 1; seq < 200; seq++) {
      guint32 ssrc = seq % 2 ? 0x1111 : 0x2222;
      gsize len = make_rtp(a, seq, ssrc, seq * 6), plain = len;
      memcpy(b, a, len);
      g_assert_cmpint(ar_srtp_protect_rtp(from[dir], a, &len, sizeof a32), ==, AR_SRTP_OK);
      g_assert_cmpuint(len, ==, plain + ar_srtp_profile_rtp_overhead(profile));
      g_assert_true(plain == 12 || memcmp(a + 12, b + 12, plain - 12) != 0);
      g_assert_cmpint(ar_srtp_unprotect_rtp(to[dir], a, &len), ==, AR_SRTP_OK);
      g_assert_cmpmem(a, len, b, plain);

      len = plain = make_rtcp(a, ssrc);
      memcpy(b, a, len);
      g_assert_cmpint(ar_srtp_protect_rtcp(from[dir], a, &len, sizeof a32), ==, AR_SRTP_OK);
      g_assert_cmpuint(len, ==, plain + ar_srtp_profile_rtcp_overhead(profile));
      g_assert_cmpint(ar_srtp_unprotect_rtcp(to[dir], a, &len), ==, AR_SRTP_OK);
      g_assert_cmpmem(a, len, b, plain);
    }
  }
  g_assert_cmpuint(p.client->auth_fail + p.client->replay + p.client->bad_length, ==, 0);
  g_assert_cmpuint(p.server->auth_fail + p.server->replay + p.server->bad_length, ==, 0);
  pair_free(&p);
}

static srtp_t
raw_inbound(ArSrtpProfile profile, const guint8 *key, const guint8 *salt)
{
  guint8 master[30];
  memcpy(master, key, 16);
  memcpy(master + 16, salt, ar_srtp_profile_salt_len(profile));
  srtp_policy_t pol;
  memset(&pol, 0, sizeof pol);
  if (profile == AR_SRTP_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
  }
  pol.ssrc.type = ssrc_any_inbound;
  pol.key = master;
  srtp_t s = NULL;
  g_assert_cmpint(srtp_create(&s, &pol), ==, srtp_err_status_ok);
  return s;
}

/* client_key | server_key | client_salt | server_salt: the client sends with the first key and
 * salt, the server with the second; a receiver keyed with the other half rejects. */
static void
test_key_layout(gconstpointer data)
{
  ArSrtpProfile profile = GPOINTER_TO_INT(data);
  gsize salt_len = ar_srtp_profile_salt_len(profile);
  guint8 km[64];
  fill_km(km, ar_srtp_profile_keying_material_len(profile));
  const guint8 *ck = km, *sk = km + 16, *cs = km + 32, *ss = km + 32 + salt_len;
  Pair p = pair_new(profile);
  srtp_t from_client = raw_inbound(profile, ck, cs), from_server = raw_inbound(profile, sk, ss);
  guint32 a32[BUF_WORDS], b32[BUF_WORDS];
  guint8 *a = (guint8 *)a32, *b = (guint8 *)b32;

  ArSrtpSession *senders[2] = {p.client, p.server};
  srtp_t right[2] = {from_client, from_server}, wrong[2] = {from_server, from_client};
  for (int i = 0; i < 2; i++) {
    gsize len = make_rtp(a, 77, 0xabc + i, 50); /* fresh SSRC per receiver */
    g_assert_cmpint(ar_srtp_protect_rtp(senders[i], a, &len, sizeof a32), ==, AR_SRTP_OK);
    memcpy(b, a, len);
    int n = (int)len;
    g_assert_cmpint(srtp_unprotect(wrong[i], b, &n), ==, srtp_err_status_auth_fail);
    n = (int)len;
    g_assert_cmpint(srtp_unprotect(right[i], a, &n), ==, srtp_err_status_ok);
    g_assert_cmpint(n, ==, 62);

    len = make_rtcp(a, 0xabc + i);
    g_assert_cmpint(ar_srtp_protect_rtcp(senders[i], a, &len, sizeof a32), ==, AR_SRTP_OK);
    memcpy(b, a, len);
    n = (int)len;
    g_assert_cmpint(srtp_unprotect_rtcp(wrong[i], b, &n), ==, srtp_err_status_auth_fail);
    n = (int)len;
    g_assert_cmpint(srtp_unprotect_rtcp(right[i], a, &n), ==, srtp_err_status_ok);
  }
  srtp_dealloc(from_client);
  srtp_dealloc(from_server);
  pair_free(&p);
}

/* Each failure maps to its code, bumps its counter, and leaves *len alone. */
static void
test_results(gconstpointer data)
{
  ArSrtpProfile profile = GPOINTER_TO_INT(data);
  gsize ov = ar_srtp_profile_rtp_overhead(profile), rov = ar_srtp_profile_rtcp_overhead(profile);
  Pair p = pair_new(profile);
  ArSrtpSession *rx = p.server;
  guint32 a32[BUF_WORDS], b32[BUF_WORDS];
  guint8 *a = (guint8 *)a32, *b = (guint8 *)b32;
  gsize len;

  /* protect: no room for the tag, too short, len past cap */
  len = make_rtp(a, 1, 5, 100);
  g_assert_cmpint(ar_srtp_protect_rtp(p.client, a, &len, 112 + ov - 1), ==, AR_SRTP_ERR_NO_SPACE);
  g_assert_cmpuint(len, ==, 112);
  len = 11;
  g_assert_cmpint(ar_srtp_protect_rtp(p.client, a, &len, sizeof a32), ==, AR_SRTP_ERR_LENGTH);
  len = 112;
  g_assert_cmpint(ar_srtp_protect_rtp(p.client, a, &len, 100), ==, AR_SRTP_ERR_LENGTH);
  len = make_rtcp(a, 5);
  g_assert_cmpint(ar_srtp_protect_rtcp(p.client, a, &len, 28 + rov - 1), ==, AR_SRTP_ERR_NO_SPACE);
  len = 7;
  g_assert_cmpint(ar_srtp_protect_rtcp(p.client, a, &len, sizeof a32), ==, AR_SRTP_ERR_LENGTH);
  len = 112; /* exactly enough room */
  make_rtp(a, 1, 5, 100);
  g_assert_cmpint(ar_srtp_protect_rtp(p.client, a, &len, 112 + ov), ==, AR_SRTP_OK);
  gsize good = len;
  memcpy(b, a, good);

  /* unprotect: too short for header + tag */
  len = 12 + ov - 1;
  g_assert_cmpint(ar_srtp_unprotect_rtp(rx, a, &len), ==, AR_SRTP_ERR_LENGTH);
  g_assert_cmpuint(len, ==, 12 + ov - 1);
  len = 8 + rov - 1;
  g_assert_cmpint(ar_srtp_unprotect_rtcp(rx, a, &len), ==, AR_SRTP_ERR_LENGTH);
  /* CSRC count claims 60 bytes of header that are not there */
  len = 12 + ov + 4;
  a[0] = 0x8f;
  g_assert_cmpint(ar_srtp_unprotect_rtp(rx, a, &len), ==, AR_SRTP_ERR_LENGTH);
  g_assert_cmpuint(rx->bad_length, ==, 3);

  /* tampered payload and tag */
  memcpy(a, b, good);
  a[40] ^= 0x10;
  len = good;
  g_assert_cmpint(ar_srtp_unprotect_rtp(rx, a, &len), ==, AR_SRTP_ERR_AUTH);
  g_assert_cmpuint(len, ==, good);
  memcpy(a, b, good);
  a[good - 1] ^= 0x80;
  g_assert_cmpint(ar_srtp_unprotect_rtp(rx, a, &len), ==, AR_SRTP_ERR_AUTH);
  g_assert_cmpuint(rx->auth_fail, ==, 2);

  /* genuine, then replayed */
  memcpy(a, b, good);
  g_assert_cmpint(ar_srtp_unprotect_rtp(rx, a, &len), ==, AR_SRTP_OK);
  g_assert_cmpuint(len, ==, 112);
  memcpy(a, b, good);
  len = good;
  g_assert_cmpint(ar_srtp_unprotect_rtp(rx, a, &len), ==, AR_SRTP_ERR_REPLAY);
  g_assert_cmpuint(len, ==, good);

  /* the same for SRTCP */
  len = make_rtcp(a, 5);
  g_assert_cmpint(ar_srtp_protect_rtcp(p.client, a, &len, sizeof a32), ==, AR_SRTP_OK);
  good = len;
  memcpy(b, a, good);
  a[12] ^= 1;
  g_assert_cmpint(ar_srtp_unprotect_rtcp(rx, a, &len), ==, AR_SRTP_ERR_AUTH);
  memcpy(a, b, good);
  g_assert_cmpint(ar_srtp_unprotect_rtcp(rx, a, &len), ==, AR_SRTP_OK);
  g_assert_cmpuint(len, ==, 28);
  memcpy(a, b, good);
  len = good;
  g_assert_cmpint(ar_srtp_unprotect_rtcp(rx, a, &len), ==, AR_SRTP_ERR_REPLAY);

  g_assert_cmpuint(rx->auth_fail, ==, 3);
  g_assert_cmpuint(rx->replay, ==, 2);
  g_assert_cmpuint(rx->bad_length, ==, 3);
  g_assert_cmpuint(p.client->auth_fail + p.client->replay + p.client->bad_length, ==, 0);
  pair_free(&p);
}

/* A NACK answer re-sends a cached packet through protect with its original sequence number:
 * accepted, same bytes; the receiver takes one copy and calls the other a replay. */
static void
test_retransmit(gconstpointer data)
{
  ArSrtpProfile profile = GPOINTER_TO_INT(data);
  Pair p = pair_new(profile);
  guint32 a32[BUF_WORDS], b32[BUF_WORDS], c32[BUF_WORDS];
  guint8 *a = (guint8 *)a32, *b = (guint8 *)b32, *c = (guint8 *)c32;
  for (guint16 seq = 1; seq <= 10; seq++) {
    gsize len = make_rtp(a, seq, 0x77, 500);
    g_assert_cmpint(ar_srtp_protect_rtp(p.server, a, &len, sizeof a32), ==, AR_SRTP_OK);
    g_assert_cmpint(ar_srtp_unprotect_rtp(p.client, a, &len), ==, AR_SRTP_OK);
  }
  gsize blen = make_rtp(b, 4, 0x77, 500), clen = make_rtp(c, 4, 0x77, 500);
  g_assert_cmpint(ar_srtp_protect_rtp(p.server, b, &blen, sizeof b32), ==, AR_SRTP_OK);
  g_assert_cmpint(ar_srtp_protect_rtp(p.server, c, &clen, sizeof c32), ==, AR_SRTP_OK);
  g_assert_cmpmem(b, blen, c, clen);
  g_assert_cmpint(ar_srtp_unprotect_rtp(p.client, b, &blen), ==, AR_SRTP_ERR_REPLAY);
  g_assert_cmpuint(p.client->replay, ==, 1);
  pair_free(&p);
}

/* Reordering up to the window is accepted; beyond it is a replay. */
static void
test_replay_window(gconstpointer data)
{
  ArSrtpProfile profile = GPOINTER_TO_INT(data);
  Pair p = pair_new(profile);
  enum { N = 1100, SLOT = 64 };
  g_autofree guint32 *store = g_new(guint32, N * SLOT / 4);
  gsize lens[N];
  for (guint i = 0; i < N; i++) {
    guint8 *s = (guint8 *)store + i * SLOT;
    lens[i] = make_rtp(s, (guint16)(1000 + i), 0x55, 20);
    g_assert_cmpint(ar_srtp_protect_rtp(p.client, s, &lens[i], SLOT), ==, AR_SRTP_OK);
  }
  for (guint i = 0; i < N; i++)
    if (i != 60 && i != 100)
      g_assert_cmpint(ar_srtp_unprotect_rtp(p.server, (guint8 *)store + i * SLOT, &lens[i]), ==,
                      AR_SRTP_OK);
  /* highest is 1099: 100 is 999 behind (inside), 60 is 1039 behind (outside 1024) */
  g_assert_cmpint(ar_srtp_unprotect_rtp(p.server, (guint8 *)store + 100 * SLOT, &lens[100]), ==,
                  AR_SRTP_OK);
  g_assert_cmpint(ar_srtp_unprotect_rtp(p.server, (guint8 *)store + 60 * SLOT, &lens[60]), ==,
                  AR_SRTP_ERR_REPLAY);
  pair_free(&p);
}

/* Sequence numbers roll over twice; the rollover counter keeps both ends in step. */
static void
test_seq_wrap(gconstpointer data)
{
  ArSrtpProfile profile = GPOINTER_TO_INT(data);
  Pair p = pair_new(profile);
  guint32 a32[BUF_WORDS];
  guint8 *a = (guint8 *)a32;
  for (guint i = 0; i < 132000; i++) {
    gsize len = make_rtp(a, (guint16)(65000 + i), 0x31, 30);
    g_assert_cmpint(ar_srtp_protect_rtp(p.client, a, &len, sizeof a32), ==, AR_SRTP_OK);
    if (i % 7 != 3) /* losses do not break the index estimate */
      g_assert_cmpint(ar_srtp_unprotect_rtp(p.server, a, &len), ==, AR_SRTP_OK);
  }
  pair_free(&p);
}

static void
add_profile_tests(const char *name, GTestDataFunc fn)
{
  for (gsize i = 0; i < G_N_ELEMENTS(profiles); i++) {
    g_autofree char *path =
        g_strdup_printf("/srtp/%s/%s", name, i == 0 ? "aead-aes-128-gcm" : "aes128-cm-sha1-80");
    g_test_add_data_func(path, GINT_TO_POINTER(profiles[i]), fn);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(ar_srtp_init(&error));
  g_assert_true(ar_srtp_openssl_install(&error));
  g_assert_no_error(error);

  g_test_add_func("/srtp/profiles", test_profiles);
  g_test_add_func("/srtp/keying-length", test_keying_length);
  add_profile_tests("roundtrip", test_roundtrip);
  add_profile_tests("key-layout", test_key_layout);
  add_profile_tests("results", test_results);
  add_profile_tests("retransmit", test_retransmit);
  add_profile_tests("replay-window", test_replay_window);
  add_profile_tests("seq-wrap", test_seq_wrap);
  int rc = g_test_run();
  srtp_shutdown();
  return rc;
}
