/* Unit tests for dtls.c: two in-process endpoints shuttle datagrams through the test (which can
 * drop them), and must agree on the SRTP profile and keying material, refuse a wrong
 * fingerprint, keep datagrams within the MTU and recover lost flights by retransmission. */
#include "dtls.h"

#include "bytes.h"

#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>

typedef struct {
  ArDtls *d;
  const char *name;
  gboolean connected, failed, closed;
  guint events;
  ArDtlsFailReason reason;
  char detail[256];
  char profile[64];
  guint16 profile_id;
  guint8 km[AR_DTLS_KEYING_MATERIAL_MAX];
  gsize km_len, key_len, salt_len;
  GPtrArray *outbox; /* GBytes datagrams on their way to the peer */
  gsize max_datagram;
  guint datagrams;
  gboolean event_before_datagram; /* an event came out while datagrams were still queued */
} End;

static void
end_init(End *e, ArDtls *d, const char *name)
{
  memset(e, 0, sizeof *e);
  e->d = d;
  e->name = name;
  e->outbox = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
}

static void
end_clear(End *e)
{
  g_clear_pointer(&e->d, ar_dtls_free);
  g_clear_pointer(&e->outbox, g_ptr_array_unref);
}

static void
drain(End *e)
{
  ArDtlsOutput out;
  gboolean saw_event = FALSE;
  while (ar_dtls_poll_output(e->d, &out)) {
    switch (out.kind) {
    case AR_DTLS_OUTPUT_DATAGRAM:
      g_assert_cmpuint(out.len, >, 0);
      if (saw_event)
        e->event_before_datagram = TRUE;
      e->max_datagram = MAX(e->max_datagram, out.len);
      e->datagrams++;
      g_ptr_array_add(e->outbox, g_bytes_new(out.data, out.len));
      break;
    case AR_DTLS_OUTPUT_CONNECTED:
      saw_event = TRUE;
      e->events++;
      g_assert_false(e->connected);
      e->connected = TRUE;
      g_strlcpy(e->profile, out.srtp_profile, sizeof e->profile);
      e->profile_id = out.srtp_profile_id;
      g_assert_cmpuint(out.keying_material_len, <=, sizeof e->km);
      memcpy(e->km, out.keying_material, out.keying_material_len);
      e->km_len = out.keying_material_len;
      e->key_len = out.srtp_key_len;
      e->salt_len = out.srtp_salt_len;
      break;
    case AR_DTLS_OUTPUT_FAILED:
      saw_event = TRUE;
      e->events++;
      g_assert_false(e->failed);
      e->failed = TRUE;
      e->reason = out.fail_reason;
      g_strlcpy(e->detail, out.fail_detail, sizeof e->detail);
      g_test_message("%s failed: %s (%s)", e->name, ar_dtls_fail_reason_name(out.fail_reason),
                     out.fail_detail);
      break;
    case AR_DTLS_OUTPUT_CLOSED:
      saw_event = TRUE;
      e->events++;
      e->closed = TRUE;
      break;
    }
  }
}

/* Delivers what from has queued to to; drop_first skips that many datagrams (lost). Returns how
 * many were delivered. */
static guint
deliver(End *from, End *to, guint drop_first, gint64 now)
{
  guint n = 0;
  for (guint i = 0; i < from->outbox->len; i++) {
    if (i < drop_first)
      continue;
    GBytes *b = g_ptr_array_index(from->outbox, i);
    gsize len;
    const guint8 *p = g_bytes_get_data(b, &len);
    ar_dtls_handle_input(to->d, p, len, now);
    drain(to);
    n++;
  }
  g_ptr_array_set_size(from->outbox, 0);
  return n;
}

/* Shuttles datagrams both ways until both sides are quiet. */
static void
shuttle(End *a, End *b)
{
  for (int round = 0; round < 20; round++) {
    gint64 now = g_get_monotonic_time();
    guint n = deliver(a, b, 0, now) + deliver(b, a, 0, now);
    if (n == 0)
      return;
  }
  g_assert_not_reached();
}

/* Waits (really: OpenSSL's DTLS timer reads the wall clock) for e's next deadline and fires it. */
static void
fire_timeout(End *e)
{
  gint64 deadline = ar_dtls_next_timeout(e->d);
  g_assert_cmpint(deadline, >, 0);
  gint64 now = g_get_monotonic_time();
  g_assert_cmpint(deadline - now, <=, AR_DTLS_RETRANSMIT_MAX_US);
  if (deadline > now)
    g_usleep(deadline - now);
  ar_dtls_handle_timeout(e->d, g_get_monotonic_time());
  drain(e);
}

static ArCert *
cert_new(const char *cn)
{
  g_autoptr(GError) error = NULL;
  ArCert *c = ar_cert_generate(cn, &error);
  g_assert_no_error(error);
  return c;
}

static ArDtls *
dtls_new(ArDtlsContext *ctx, ArDtlsRole role, ArCert *peer)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fp = ar_cert_fingerprint_sha256(peer);
  ArDtls *d = ar_dtls_new_with_context(ctx, role, fp, &error);
  g_assert_no_error(error);
  g_assert_nonnull(d);
  return d;
}

typedef struct {
  ArCert *ccert, *scert;
  ArDtlsContext *cctx, *sctx;
  End c, s;
} Pair;

static void
pair_setup(Pair *p, const char *client_profiles, const char *server_profiles)
{
  g_autoptr(GError) error = NULL;
  p->ccert = cert_new("client");
  p->scert = cert_new("server");
  p->cctx = ar_dtls_context_new_with_profiles(p->ccert, client_profiles, &error);
  g_assert_no_error(error);
  p->sctx = ar_dtls_context_new_with_profiles(p->scert, server_profiles, &error);
  g_assert_no_error(error);
  end_init(&p->c, dtls_new(p->cctx, AR_DTLS_ROLE_CLIENT, p->scert), "client");
  end_init(&p->s, dtls_new(p->sctx, AR_DTLS_ROLE_SERVER, p->ccert), "server");
}

static void
pair_teardown(Pair *p)
{
  end_clear(&p->c);
  end_clear(&p->s);
  ar_dtls_context_unref(p->cctx);
  ar_dtls_context_unref(p->sctx);
  ar_cert_unref(p->ccert);
  ar_cert_unref(p->scert);
}

static void
start_both(Pair *p)
{
  gint64 now = g_get_monotonic_time();
  ar_dtls_start(p->s.d, now);
  drain(&p->s);
  g_assert_cmpuint(p->s.outbox->len, ==, 0); /* the server waits for the ClientHello */
  ar_dtls_start(p->c.d, now);
  drain(&p->c);
  g_assert_cmpuint(p->c.outbox->len, ==, 1); /* ClientHello */
}

static void
assert_connected_alike(Pair *p, const char *profile, guint16 id, gsize key, gsize salt)
{
  g_assert_true(p->c.connected);
  g_assert_true(p->s.connected);
  g_assert_false(p->c.failed || p->s.failed);
  g_assert_cmpstr(p->c.profile, ==, profile);
  g_assert_cmpstr(p->s.profile, ==, profile);
  g_assert_cmpuint(p->c.profile_id, ==, id);
  g_assert_cmpuint(p->c.key_len, ==, key);
  g_assert_cmpuint(p->c.salt_len, ==, salt);
  g_assert_cmpuint(p->c.km_len, ==, 2 * (key + salt));
  g_assert_cmpmem(p->c.km, p->c.km_len, p->s.km, p->s.km_len);
  static const guint8 zero[AR_DTLS_KEYING_MATERIAL_MAX];
  g_assert_true(memcmp(p->c.km, zero, p->c.km_len) != 0);
  g_assert_true(ar_dtls_is_connected(p->c.d) && ar_dtls_is_connected(p->s.d));
  g_assert_cmpuint(p->c.max_datagram, <=, AR_DTLS_MTU);
  g_assert_cmpuint(p->s.max_datagram, <=, AR_DTLS_MTU);
  g_assert_false(p->c.event_before_datagram || p->s.event_before_datagram);
}

static void
test_handshake_gcm(void)
{
  Pair p;
  pair_setup(&p, NULL, NULL);
  start_both(&p);
  g_assert_cmpint(ar_dtls_next_timeout(p.s.d), >, 0); /* the handshake deadline */
  shuttle(&p.c, &p.s);
  assert_connected_alike(&p, "SRTP_AEAD_AES_128_GCM", 0x0007, 16, 12);
  g_assert_cmpuint(p.c.events, ==, 1);
  g_assert_cmpuint(p.s.events, ==, 1);
  /* Connected: no handshake deadline remains. */
  g_assert_cmpint(ar_dtls_next_timeout(p.c.d), ==, -1);
  g_assert_cmpint(ar_dtls_next_timeout(p.s.d), ==, -1);
  pair_teardown(&p);
}

static void
test_handshake_cm_only_client(void)
{
  Pair p;
  pair_setup(&p, "SRTP_AES128_CM_SHA1_80", NULL);
  start_both(&p);
  shuttle(&p.c, &p.s);
  assert_connected_alike(&p, "SRTP_AES128_CM_SHA1_80", 0x0001, 16, 14);
  pair_teardown(&p);
}

static void
test_handshake_server_preference(void)
{
  /* The client prefers CM, the server GCM: the server's order decides. */
  Pair p;
  pair_setup(&p, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", NULL);
  start_both(&p);
  shuttle(&p.c, &p.s);
  assert_connected_alike(&p, "SRTP_AEAD_AES_128_GCM", 0x0007, 16, 12);
  pair_teardown(&p);

  pair_setup(&p, NULL, "SRTP_AES128_CM_SHA1_80");
  start_both(&p);
  shuttle(&p.c, &p.s);
  assert_connected_alike(&p, "SRTP_AES128_CM_SHA1_80", 0x0001, 16, 14);
  pair_teardown(&p);
}

static void
test_no_common_profile(void)
{
  Pair p;
  pair_setup(&p, "SRTP_AEAD_AES_256_GCM", NULL);
  start_both(&p);
  shuttle(&p.c, &p.s);
  g_assert_false(p.c.connected || p.s.connected);
  g_assert_true(p.c.failed);
  g_assert_cmpint(p.c.reason, ==, AR_DTLS_FAIL_HANDSHAKE);
  g_assert_nonnull(strstr(p.c.detail, "SRTP"));
  pair_teardown(&p);
}

static void
check_mismatch(gboolean client_checks_wrong)
{
  g_autoptr(ArCert) ccert = cert_new("client");
  g_autoptr(ArCert) scert = cert_new("server");
  g_autoptr(ArCert) other = cert_new("impostor");
  g_autoptr(ArDtlsContext) cctx = ar_dtls_context_new(ccert, NULL);
  g_autoptr(ArDtlsContext) sctx = ar_dtls_context_new(scert, NULL);
  End c, s;
  end_init(&c, dtls_new(cctx, AR_DTLS_ROLE_CLIENT, client_checks_wrong ? other : scert), "client");
  end_init(&s, dtls_new(sctx, AR_DTLS_ROLE_SERVER, client_checks_wrong ? ccert : other), "server");
  gint64 now = g_get_monotonic_time();
  ar_dtls_start(s.d, now);
  ar_dtls_start(c.d, now);
  drain(&c);
  shuttle(&c, &s);

  End *checker = client_checks_wrong ? &c : &s;
  End *peer = client_checks_wrong ? &s : &c;
  g_assert_false(c.connected || s.connected);
  g_assert_true(checker->failed);
  g_assert_cmpint(checker->reason, ==, AR_DTLS_FAIL_FINGERPRINT_MISMATCH);
  g_assert_cmpstr(ar_dtls_fail_reason_name(checker->reason), ==, "fingerprint-mismatch");
  /* The checker sent an alert, so the other side knows too (as a handshake failure). */
  g_assert_true(peer->failed);
  g_assert_cmpint(peer->reason, ==, AR_DTLS_FAIL_HANDSHAKE);
  g_assert_cmpint(ar_dtls_next_timeout(c.d), ==, -1);
  g_assert_cmpint(ar_dtls_next_timeout(s.d), ==, -1);

  /* Terminal: further input is ignored and produces nothing. */
  static const guint8 junk[20] = {22, 0xfe, 0xfd};
  ar_dtls_handle_input(checker->d, junk, sizeof junk, now);
  ArDtlsOutput out;
  g_assert_false(ar_dtls_poll_output(checker->d, &out));
  end_clear(&c);
  end_clear(&s);
}

static void
test_fingerprint_mismatch_client(void)
{
  check_mismatch(TRUE);
}

static void
test_fingerprint_mismatch_server(void)
{
  check_mismatch(FALSE);
}

static void
test_bad_fingerprint_text(void)
{
  g_autoptr(ArCert) cert = cert_new("x");
  g_autoptr(ArDtlsContext) ctx = ar_dtls_context_new(cert, NULL);
  g_autofree char *fp = ar_cert_fingerprint_sha256(cert);
  g_autofree char *lower = g_ascii_strdown(fp, -1);
  const char *bad[] = {"", "AB", "sha-256 AB:CD", "zz", NULL};
  for (int i = 0; bad[i]; i++) {
    g_autoptr(GError) error = NULL;
    g_assert_null(ar_dtls_new_with_context(ctx, AR_DTLS_ROLE_SERVER, bad[i], &error));
    g_assert_error(error, AR_DTLS_ERROR, AR_DTLS_ERROR_FINGERPRINT);
  }
  g_autofree char *extra = g_strconcat(fp, ":00", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_null(ar_dtls_new_with_context(ctx, AR_DTLS_ROLE_SERVER, extra, &error));
  g_assert_error(error, AR_DTLS_ERROR, AR_DTLS_ERROR_FINGERPRINT);
  g_clear_error(&error);
  g_autofree char *nocolon = g_strdup(fp);
  nocolon[2] = '-';
  g_assert_null(ar_dtls_new_with_context(ctx, AR_DTLS_ROLE_SERVER, nocolon, &error));
  g_clear_error(&error);

  g_autoptr(ArDtls) d = ar_dtls_new_with_context(ctx, AR_DTLS_ROLE_SERVER, lower, &error);
  g_assert_no_error(error);
  g_assert_cmpint(ar_dtls_role(d), ==, AR_DTLS_ROLE_SERVER);

  g_assert_null(ar_dtls_context_new_with_profiles(cert, "SRTP_NOT_A_PROFILE", &error));
  g_assert_error(error, AR_DTLS_ERROR, AR_DTLS_ERROR_CONTEXT);
}

/* A certificate with a bloated subjectAltName, so that the server's first flight cannot fit in
 * one datagram and OpenSSL must fragment it. */
static ArCert *
big_cert(const char *dir)
{
  EVP_PKEY *pkey = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             (const unsigned char *)"big", -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  X509_set_pubkey(x, pkey);
  GString *san = g_string_new(NULL);
  for (int i = 0; i < 80; i++)
    g_string_append_printf(san, "%sDNS:host-%02d.a-rather-long-clinic-domain.example", i ? "," : "",
                           i);
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san->str);
  g_assert_nonnull(ext);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  g_string_free(san, TRUE);
  g_assert_cmpint(X509_sign(x, pkey, EVP_sha256()), >, 0);
  g_assert_cmpint(i2d_X509(x, NULL), >, 3000);

  g_autofree char *cp = g_build_filename(dir, "big.crt", NULL);
  g_autofree char *kp = g_build_filename(dir, "big.key", NULL);
  FILE *f = fopen(cp, "w");
  PEM_write_X509(f, x);
  fclose(f);
  f = fopen(kp, "w");
  PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
  fclose(f);
  X509_free(x);
  EVP_PKEY_free(pkey);
  g_autoptr(GError) error = NULL;
  ArCert *c = ar_cert_load(cp, kp, &error);
  g_assert_no_error(error);
  g_remove(cp);
  g_remove(kp);
  return c;
}

static void
test_fragmented_flight_within_mtu(void)
{
  g_autofree char *dir = g_dir_make_tmp("ar-dtls-XXXXXX", NULL);
  g_autoptr(ArCert) scert = big_cert(dir);
  g_rmdir(dir);
  g_autoptr(ArCert) ccert = cert_new("client");
  g_autoptr(ArDtlsContext) cctx = ar_dtls_context_new(ccert, NULL);
  g_autoptr(ArDtlsContext) sctx = ar_dtls_context_new(scert, NULL);
  End c, s;
  end_init(&c, dtls_new(cctx, AR_DTLS_ROLE_CLIENT, scert), "client");
  end_init(&s, dtls_new(sctx, AR_DTLS_ROLE_SERVER, ccert), "server");
  gint64 now = g_get_monotonic_time();
  ar_dtls_start(c.d, now);
  drain(&c);
  deliver(&c, &s, 0, now);
  /* The server flight carries a > 3000-byte certificate: at least three datagrams, each a
   * sequence of whole DTLS records within the MTU. */
  g_assert_cmpuint(s.outbox->len, >=, 3);
  for (guint i = 0; i < s.outbox->len; i++) {
    gsize len;
    const guint8 *p = g_bytes_get_data(g_ptr_array_index(s.outbox, i), &len);
    g_assert_cmpuint(len, <=, AR_DTLS_MTU);
    gsize off = 0;
    while (off < len) {
      g_assert_cmpuint(len - off, >=, 13);
      g_assert_cmpuint(p[off], ==, 22); /* handshake records */
      g_assert_cmpuint(ar_be16(p + off + 1), ==, 0xfefd);
      off += 13 + ar_be16(p + off + 11);
    }
    g_assert_cmpuint(off, ==, len);
  }
  shuttle(&s, &c);
  g_assert_true(c.connected && s.connected);
  g_assert_cmpuint(s.max_datagram, <=, AR_DTLS_MTU);
  g_assert_cmpuint(s.max_datagram, >, AR_DTLS_MTU / 2); /* records were packed, not one each */
  g_assert_cmpmem(c.km, c.km_len, s.km, s.km_len);
  end_clear(&c);
  end_clear(&s);
}

static void
test_retransmit_lost_client_hello(void)
{
  Pair p;
  pair_setup(&p, NULL, NULL);
  gint64 now = g_get_monotonic_time();
  ar_dtls_start(p.c.d, now);
  drain(&p.c);
  gint64 t = ar_dtls_next_timeout(p.c.d);
  g_assert_cmpint(t - now, <=, AR_DTLS_RETRANSMIT_INITIAL_US);
  g_assert_cmpint(t - now, >, AR_DTLS_RETRANSMIT_INITIAL_US - 50000);

  /* Lost. A timeout before the deadline does nothing. */
  g_assert_cmpuint(deliver(&p.c, &p.s, 1, now), ==, 0);
  ar_dtls_handle_timeout(p.c.d, now + 1000);
  drain(&p.c);
  g_assert_cmpuint(p.c.outbox->len, ==, 0);

  /* A fake clock that jumps to the deadline does not move OpenSSL's wall-clock timer: nothing
   * is resent and the deadline is pushed back by what really remains (see dtls.h). */
  ar_dtls_handle_timeout(p.c.d, t);
  drain(&p.c);
  g_assert_cmpuint(p.c.outbox->len, ==, 0);
  g_assert_cmpint(ar_dtls_next_timeout(p.c.d), >, t);

  fire_timeout(&p.c);
  g_assert_cmpuint(p.c.outbox->len, ==, 1); /* the ClientHello again */
  shuttle(&p.c, &p.s);
  assert_connected_alike(&p, "SRTP_AEAD_AES_128_GCM", 0x0007, 16, 12);
  pair_teardown(&p);
}

static void
test_retransmit_lost_server_flights(void)
{
  Pair p;
  pair_setup(&p, NULL, NULL);
  start_both(&p);
  gint64 now = g_get_monotonic_time();
  deliver(&p.c, &p.s, 0, now);
  /* The whole ServerHello..ServerHelloDone flight is lost: the client's timer resends its
   * ClientHello, which makes the server resend its flight. */
  g_assert_cmpuint(p.s.outbox->len, >=, 1);
  deliver(&p.s, &p.c, G_MAXUINT, now);
  fire_timeout(&p.c);
  g_assert_cmpuint(p.c.outbox->len, ==, 1);
  deliver(&p.c, &p.s, 0, g_get_monotonic_time());
  g_assert_cmpuint(p.s.outbox->len, >=, 1);

  /* Now the client's second flight arrives, but the server's last flight (ChangeCipherSpec,
   * Finished) is lost: the server is connected, the client is not. */
  deliver(&p.s, &p.c, 0, g_get_monotonic_time());
  deliver(&p.c, &p.s, 0, g_get_monotonic_time());
  g_assert_true(p.s.connected);
  g_assert_false(p.c.connected);
  deliver(&p.s, &p.c, G_MAXUINT, g_get_monotonic_time());

  /* The client retransmits its Finished flight; the connected server answers it again. */
  fire_timeout(&p.c);
  g_assert_cmpuint(p.c.outbox->len, >=, 1);
  shuttle(&p.c, &p.s);
  assert_connected_alike(&p, "SRTP_AEAD_AES_128_GCM", 0x0007, 16, 12);
  g_assert_cmpuint(p.s.events, ==, 1);
  pair_teardown(&p);
}

static void
test_handshake_deadline(void)
{
  Pair p;
  pair_setup(&p, NULL, NULL);
  /* A server that never starts or hears anything has no deadline. */
  g_assert_cmpint(ar_dtls_next_timeout(p.s.d), ==, -1);

  gint64 t0 = g_get_monotonic_time();
  ar_dtls_start(p.c.d, t0);
  ar_dtls_start(p.s.d, t0);
  drain(&p.c);
  g_assert_cmpint(ar_dtls_next_timeout(p.s.d), ==, t0 + AR_DTLS_HANDSHAKE_TIMEOUT_US);
  g_assert_cmpint(ar_dtls_next_timeout(p.c.d), <, t0 + AR_DTLS_HANDSHAKE_TIMEOUT_US);

  /* The deadline is pure now_us arithmetic: no real waiting. */
  ar_dtls_handle_timeout(p.s.d, t0 + AR_DTLS_HANDSHAKE_TIMEOUT_US - 1);
  drain(&p.s);
  g_assert_false(p.s.failed);
  ar_dtls_handle_timeout(p.s.d, t0 + AR_DTLS_HANDSHAKE_TIMEOUT_US);
  ar_dtls_handle_timeout(p.c.d, t0 + AR_DTLS_HANDSHAKE_TIMEOUT_US);
  drain(&p.s);
  drain(&p.c);
  g_assert_true(p.s.failed && p.c.failed);
  g_assert_cmpint(p.s.reason, ==, AR_DTLS_FAIL_TIMEOUT);
  g_assert_cmpint(p.c.reason, ==, AR_DTLS_FAIL_TIMEOUT);
  g_assert_cmpint(ar_dtls_next_timeout(p.s.d), ==, -1);
  pair_teardown(&p);
}

static void
test_close_and_junk(void)
{
  Pair p;
  pair_setup(&p, NULL, NULL);
  start_both(&p);
  shuttle(&p.c, &p.s);
  g_assert_true(p.c.connected && p.s.connected);

  /* Junk and forged records after the handshake are dropped silently (RFC 6347 4.1.2.7). */
  guint8 junk[200];
  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8)(i * 37 + 11);
  junk[0] = 23;
  ar_put_be16(junk + 1, 0xfefd);
  ar_put_be16(junk + 3, 1);
  ar_put_be16(junk + 11, sizeof junk - 13);
  gint64 now = g_get_monotonic_time();
  ar_dtls_handle_input(p.s.d, junk, sizeof junk, now);
  ar_dtls_handle_input(p.s.d, junk, 5, now);
  drain(&p.s);
  g_assert_cmpuint(p.s.outbox->len, ==, 0);
  g_assert_false(p.s.failed || p.s.closed);
  g_assert_true(ar_dtls_is_connected(p.s.d));

  ar_dtls_close(p.c.d, now);
  drain(&p.c);
  g_assert_cmpuint(p.c.outbox->len, ==, 1); /* close_notify */
  g_assert_false(p.c.closed);               /* a local close raises no event */
  deliver(&p.c, &p.s, 0, now);
  g_assert_true(p.s.closed);
  g_assert_false(p.s.failed);
  g_assert_false(ar_dtls_is_connected(p.s.d));
  g_assert_cmpint(ar_dtls_next_timeout(p.s.d), ==, -1);
  pair_teardown(&p);
}

static void
test_shared_context(void)
{
  /* One server context serves several participants, each with its own client. */
  g_autoptr(ArCert) scert = cert_new("sfu");
  g_autoptr(ArDtlsContext) sctx = ar_dtls_context_new(scert, NULL);
  for (int i = 0; i < 3; i++) {
    g_autoptr(ArCert) ccert = cert_new("browser");
    g_autoptr(GError) error = NULL;
    g_autofree char *sfp = ar_cert_fingerprint_sha256(scert);
    End c, s;
    end_init(&c, ar_dtls_new(ccert, AR_DTLS_ROLE_CLIENT, sfp, &error), "client");
    g_assert_no_error(error);
    end_init(&s, dtls_new(sctx, AR_DTLS_ROLE_SERVER, ccert), "server");
    ar_dtls_start(c.d, g_get_monotonic_time());
    drain(&c);
    shuttle(&c, &s);
    g_assert_true(c.connected && s.connected);
    g_assert_cmpmem(c.km, c.km_len, s.km, s.km_len);
    end_clear(&c);
    end_clear(&s);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dtls/handshake-gcm", test_handshake_gcm);
  g_test_add_func("/dtls/handshake-cm-only-client", test_handshake_cm_only_client);
  g_test_add_func("/dtls/handshake-server-preference", test_handshake_server_preference);
  g_test_add_func("/dtls/no-common-profile", test_no_common_profile);
  g_test_add_func("/dtls/fingerprint-mismatch-client", test_fingerprint_mismatch_client);
  g_test_add_func("/dtls/fingerprint-mismatch-server", test_fingerprint_mismatch_server);
  g_test_add_func("/dtls/bad-fingerprint-text", test_bad_fingerprint_text);
  g_test_add_func("/dtls/fragmented-flight-within-mtu", test_fragmented_flight_within_mtu);
  g_test_add_func("/dtls/retransmit-lost-client-hello", test_retransmit_lost_client_hello);
  g_test_add_func("/dtls/retransmit-lost-server-flights", test_retransmit_lost_server_flights);
  g_test_add_func("/dtls/handshake-deadline", test_handshake_deadline);
  g_test_add_func("/dtls/close-and-junk", test_close_and_junk);
  g_test_add_func("/dtls/shared-context", test_shared_context);
  return g_test_run();
}
