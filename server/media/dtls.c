/* DTLS-SRTP endpoint over OpenSSL memory BIOs; see dtls.h for the contract and the clock caveat. */
#include "dtls.h"
#include "openssl_error.h"

#include "bytes.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <string.h>

#define DTLS_RECORD_HEADER_LEN 13
#define FINGERPRINT_LEN 32 /* SHA-256 */
#define SRTP_EXPORTER_LABEL "EXTRACTOR-dtls_srtp"
#define MAX_EVENTS 2 /* CONNECTED, then at most one of FAILED / CLOSED */

/* ECDHE only (forward secrecy); AEAD first. RSA suites stay for peers with RSA certificates. */
static const char dtls_ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                   "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                   "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                                   "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA";
static const char dtls_groups[] = "X25519:P-256:P-384";

struct ArDtlsContext {
  gatomicrefcount ref;
  SSL_CTX *ctx;
};

typedef enum {
  STATE_NEW,
  STATE_HANDSHAKING,
  STATE_CONNECTED,
  STATE_FAILED,
  STATE_CLOSED,
} State;

struct ArDtls {
  ArDtlsContext *context;
  SSL *ssl;
  BIO *rbio; /* owned by ssl */
  BIO *wbio; /* owned by ssl */
  ArDtlsRole role;
  State state;
  guint8 remote_fp[FINGERPRINT_LEN];
  gboolean fingerprint_mismatch; /* set by the verify callback */

  gint64 handshake_deadline_us;  /* -1 before start */
  gint64 retransmit_deadline_us; /* -1 when OpenSSL's timer is not running */

  /* Records OpenSSL wrote, not yet handed out as datagrams; out_off is the next record. */
  GByteArray *out;
  gsize out_off;

  ArDtlsOutputKind events[MAX_EVENTS];
  guint n_events;
  guint next_event;

  const char *srtp_profile;
  guint16 srtp_profile_id;
  gsize srtp_key_len;
  gsize srtp_salt_len;
  guint8 keying_material[AR_DTLS_KEYING_MATERIAL_MAX];
  gsize keying_material_len;
  ArDtlsFailReason fail_reason;
  char fail_detail[200];

  guint8 read_buf[2048]; /* application data is not used by anteroom; read and dropped */
};

GQuark
ar_dtls_error_quark(void)
{
  return g_quark_from_static_string("ar-dtls-error-quark");
}

/* ---- verification -------------------------------------------------------------------------- */

static gboolean
parse_fingerprint(const char *text, guint8 out[FINGERPRINT_LEN])
{
  if (!text)
    return FALSE;
  while (g_ascii_isspace(*text))
    text++;
  for (gsize i = 0; i < FINGERPRINT_LEN; i++) {
    int hi = g_ascii_xdigit_value(text[0]);
    int lo = hi < 0 ? -1 : g_ascii_xdigit_value(text[1]);
    if (lo < 0)
      return FALSE;
    out[i] = (guint8)(hi << 4 | lo);
    text += 2;
    if (i + 1 < FINGERPRINT_LEN && *text++ != ':')
      return FALSE;
  }
  while (g_ascii_isspace(*text))
    text++;
  return *text == '\0';
}

/* Replaces chain verification: in WebRTC the certificate is self-signed and its identity is the
 * SHA-256 fingerprint the peer put in its SDP, which the signaling channel authenticated. */
static int
verify_peer(X509_STORE_CTX *store, void *arg)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  ArDtls *d = ssl ? SSL_get_app_data(ssl) : NULL;
  X509 *peer = X509_STORE_CTX_get0_cert(store);
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!d || !peer || !X509_digest(peer, EVP_sha256(), md, &n) || n != FINGERPRINT_LEN) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  if (CRYPTO_memcmp(md, d->remote_fp, FINGERPRINT_LEN) != 0) {
    d->fingerprint_mismatch = TRUE;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  X509_STORE_CTX_set_error(store, X509_V_OK);
  return 1;
}

/* OpenSSL asks for the next retransmission interval: 0 means the first one of a flight. */
static unsigned int
retransmit_interval(SSL *ssl, unsigned int previous_us)
{
  if (previous_us == 0)
    return AR_DTLS_RETRANSMIT_INITIAL_US;
  return MIN((guint64)previous_us * 2, AR_DTLS_RETRANSMIT_MAX_US);
}

/* ---- context ------------------------------------------------------------------------------- */

ArDtlsContext *
ar_dtls_context_new_with_profiles(ArCert *cert, const char *srtp_profiles, GError **error)
{
  g_return_val_if_fail(cert, NULL);
  char why[256];
  SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
  const char *step = "SSL_CTX_new";
  if (!ctx)
    goto fail;
  step = "DTLS 1.2 only";
  if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION))
    goto fail;
  step = "cipher list";
  if (!SSL_CTX_set_cipher_list(ctx, dtls_ciphers) || !SSL_CTX_set1_groups_list(ctx, dtls_groups))
    goto fail;
  step = "certificate";
  if (!SSL_CTX_use_certificate(ctx, ar_cert_x509(cert)) ||
      !SSL_CTX_use_PrivateKey(ctx, ar_cert_pkey(cert)) || !SSL_CTX_check_private_key(ctx))
    goto fail;
  step = "SRTP profiles";
  /* Unlike nearly every other OpenSSL setter, this one returns 0 on success. */
  if (SSL_CTX_set_tlsext_use_srtp(ctx, srtp_profiles ? srtp_profiles : AR_DTLS_SRTP_PROFILES) != 0)
    goto fail;

  /* The MTU is set per connection (no path MTU probing over a memory BIO); no compression, no
   * renegotiation, no session resumption: every WebRTC session is a fresh handshake. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  SSL_CTX_set_cert_verify_callback(ctx, verify_peer, NULL);

  ArDtlsContext *c = g_new0(ArDtlsContext, 1);
  g_atomic_ref_count_init(&c->ref);
  c->ctx = ctx;
  return c;

fail:
  g_set_error(error, AR_DTLS_ERROR, AR_DTLS_ERROR_CONTEXT, "DTLS context (%s): %s", step,
              ar_openssl_reason(why, sizeof why));
  SSL_CTX_free(ctx);
  return NULL;
}

ArDtlsContext *
ar_dtls_context_new(ArCert *cert, GError **error)
{
  return ar_dtls_context_new_with_profiles(cert, NULL, error);
}

ArDtlsContext *
ar_dtls_context_ref(ArDtlsContext *c)
{
  g_return_val_if_fail(c, NULL);
  g_atomic_ref_count_inc(&c->ref);
  return c;
}

void
ar_dtls_context_unref(ArDtlsContext *c)
{
  if (!c || !g_atomic_ref_count_dec(&c->ref))
    return;
  SSL_CTX_free(c->ctx);
  g_free(c);
}

/* ---- endpoint ------------------------------------------------------------------------------ */

ArDtls *
ar_dtls_new_with_context(ArDtlsContext *ctx, ArDtlsRole role, const char *remote_fingerprint_sha256,
                         GError **error)
{
  g_return_val_if_fail(ctx, NULL);
  guint8 fp[FINGERPRINT_LEN];
  if (!parse_fingerprint(remote_fingerprint_sha256, fp)) {
    g_set_error(error, AR_DTLS_ERROR, AR_DTLS_ERROR_FINGERPRINT,
                "remote sha-256 fingerprint is not 32 hex pairs joined by ':'");
    return NULL;
  }

  char why[256];
  SSL *ssl = SSL_new(ctx->ctx);
  BIO *rbio = ssl ? BIO_new(BIO_s_mem()) : NULL;
  BIO *wbio = rbio ? BIO_new(BIO_s_mem()) : NULL;
  if (!wbio) {
    g_set_error(error, AR_DTLS_ERROR, AR_DTLS_ERROR_SSL, "cannot create DTLS connection: %s",
                ar_openssl_reason(why, sizeof why));
    BIO_free(rbio);
    SSL_free(ssl);
    return NULL;
  }
  /* An empty memory BIO must read as "try again", not as end of file. */
  BIO_set_mem_eof_return(rbio, -1);
  BIO_set_mem_eof_return(wbio, -1);
  SSL_set_bio(ssl, rbio, wbio);
  DTLS_set_link_mtu(ssl, AR_DTLS_MTU);
  DTLS_set_timer_cb(ssl, retransmit_interval);
  if (role == AR_DTLS_ROLE_CLIENT)
    SSL_set_connect_state(ssl);
  else
    SSL_set_accept_state(ssl);

  ArDtls *d = g_new0(ArDtls, 1);
  d->context = ar_dtls_context_ref(ctx);
  d->ssl = ssl;
  d->rbio = rbio;
  d->wbio = wbio;
  d->role = role;
  d->state = STATE_NEW;
  memcpy(d->remote_fp, fp, sizeof fp);
  d->handshake_deadline_us = -1;
  d->retransmit_deadline_us = -1;
  /* A handshake flight is a few kB; reserving it once keeps later datagrams allocation-free. */
  d->out = g_byte_array_sized_new(4096);
  SSL_set_app_data(ssl, d);
  return d;
}

ArDtls *
ar_dtls_new(ArCert *cert, ArDtlsRole role, const char *remote_fingerprint_sha256, GError **error)
{
  g_autoptr(ArDtlsContext) ctx = ar_dtls_context_new(cert, error);
  if (!ctx)
    return NULL;
  return ar_dtls_new_with_context(ctx, role, remote_fingerprint_sha256, error);
}

void
ar_dtls_free(ArDtls *d)
{
  if (!d)
    return;
  SSL_free(d->ssl); /* frees both BIOs */
  ar_dtls_context_unref(d->context);
  g_byte_array_unref(d->out);
  OPENSSL_cleanse(d->keying_material, sizeof d->keying_material);
  g_free(d);
}

static void
push_event(ArDtls *d, ArDtlsOutputKind kind)
{
  g_assert(d->n_events < MAX_EVENTS);
  d->events[d->n_events++] = kind;
}

static void
fail(ArDtls *d, ArDtlsFailReason reason, const char *detail)
{
  if (d->state == STATE_FAILED || d->state == STATE_CLOSED)
    return;
  d->state = STATE_FAILED;
  d->fail_reason = reason;
  g_strlcpy(d->fail_detail, detail, sizeof d->fail_detail);
  d->retransmit_deadline_us = -1;
  push_event(d, AR_DTLS_OUTPUT_FAILED);
}

/* The OpenSSL error that ended a connection, sorted into the reasons the shell reports. */
static void
fail_from_openssl(ArDtls *d)
{
  char why[160];
  gboolean timed_out = ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_READ_TIMEOUT_EXPIRED;
  ar_openssl_reason(why, sizeof why);
  if (d->fingerprint_mismatch)
    fail(d, AR_DTLS_FAIL_FINGERPRINT_MISMATCH, "peer certificate does not match its fingerprint");
  else if (timed_out)
    fail(d, AR_DTLS_FAIL_TIMEOUT, "retransmissions exhausted");
  else
    fail(d, d->state == STATE_CONNECTED ? AR_DTLS_FAIL_PROTOCOL : AR_DTLS_FAIL_HANDSHAKE, why);
}

static gboolean
srtp_lengths(guint16 id, gsize *key, gsize *salt)
{
  switch (id) {
  case SRTP_AES128_CM_SHA1_80:
  case SRTP_AES128_CM_SHA1_32:
    *key = 16, *salt = 14;
    return TRUE;
  case SRTP_AEAD_AES_128_GCM:
    *key = 16, *salt = 12;
    return TRUE;
  case SRTP_AEAD_AES_256_GCM:
    *key = 32, *salt = 12;
    return TRUE;
  default:
    return FALSE;
  }
}

static void
on_handshake_done(ArDtls *d)
{
  /* The verify callback already ran; checking again costs one hash per session and keeps the
   * guarantee local to this function. */
  X509 *peer = SSL_get0_peer_certificate(d->ssl);
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!peer || !X509_digest(peer, EVP_sha256(), md, &n) || n != FINGERPRINT_LEN ||
      CRYPTO_memcmp(md, d->remote_fp, FINGERPRINT_LEN) != 0) {
    d->fingerprint_mismatch = TRUE;
    fail(d, AR_DTLS_FAIL_FINGERPRINT_MISMATCH, "peer certificate does not match its fingerprint");
    return;
  }

  const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
  if (!p) {
    fail(d, AR_DTLS_FAIL_HANDSHAKE, "peer negotiated no SRTP profile (use_srtp)");
    return;
  }
  gsize key = 0, salt = 0;
  if (!srtp_lengths((guint16)p->id, &key, &salt)) {
    fail(d, AR_DTLS_FAIL_HANDSHAKE, "negotiated SRTP profile has no known key length");
    return;
  }
  gsize len = 2 * (key + salt);
  if (!SSL_export_keying_material(d->ssl, d->keying_material, len, SRTP_EXPORTER_LABEL,
                                  strlen(SRTP_EXPORTER_LABEL), NULL, 0, 0)) {
    char why[160];
    fail(d, AR_DTLS_FAIL_HANDSHAKE, ar_openssl_reason(why, sizeof why));
    return;
  }
  d->srtp_profile = p->name;
  d->srtp_profile_id = (guint16)p->id;
  d->srtp_key_len = key;
  d->srtp_salt_len = salt;
  d->keying_material_len = len;
  d->state = STATE_CONNECTED;
  push_event(d, AR_DTLS_OUTPUT_CONNECTED);
}

/* Reads application data (and, inside OpenSSL, retransmitted handshake records that make it
 * resend its last flight) until the input is used up. */
static void
read_connected(ArDtls *d)
{
  for (;;) {
    int r = SSL_read(d->ssl, d->read_buf, sizeof d->read_buf);
    if (r > 0)
      continue;
    int err = SSL_get_error(d->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
      return;
    if (err == SSL_ERROR_ZERO_RETURN) {
      d->state = STATE_CLOSED;
      d->retransmit_deadline_us = -1;
      push_event(d, AR_DTLS_OUTPUT_CLOSED);
      return;
    }
    fail_from_openssl(d);
    return;
  }
}

/* Moves what OpenSSL wrote into the output queue. The memory BIO concatenates records; they are
 * split again at record boundaries in ar_dtls_poll_output. */
static void
collect_output(ArDtls *d)
{
  if (d->out_off == d->out->len) {
    g_byte_array_set_size(d->out, 0);
    d->out_off = 0;
  }
  size_t pending = BIO_ctrl_pending(d->wbio);
  if (pending == 0)
    return;
  gsize at = d->out->len;
  g_byte_array_set_size(d->out, at + pending);
  int n = BIO_read(d->wbio, d->out->data + at, (int)pending);
  g_byte_array_set_size(d->out, at + (n > 0 ? (gsize)n : 0));
}

static void
update_retransmit_deadline(ArDtls *d, gint64 now_us)
{
  struct timeval tv;
  if (d->state != STATE_FAILED && d->state != STATE_CLOSED && DTLSv1_get_timeout(d->ssl, &tv))
    d->retransmit_deadline_us = now_us + (gint64)tv.tv_sec * G_USEC_PER_SEC + tv.tv_usec;
  else
    d->retransmit_deadline_us = -1;
}

/* Runs the state machine after new input or a start, then gathers its output. */
static void
advance(ArDtls *d, gint64 now_us)
{
  ERR_clear_error(); /* the error queue is per thread and shared with every other connection */
  if (d->state == STATE_HANDSHAKING) {
    int r = SSL_do_handshake(d->ssl);
    if (r == 1) {
      on_handshake_done(d);
    } else {
      int err = SSL_get_error(d->ssl, r);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
        fail_from_openssl(d);
    }
  }
  if (d->state == STATE_CONNECTED)
    read_connected(d);
  /* Datagram granularity: nothing of this datagram may be read together with the next one. */
  (void)BIO_reset(d->rbio);
  collect_output(d);
  update_retransmit_deadline(d, now_us);
  ERR_clear_error();
}

void
ar_dtls_start(ArDtls *d, gint64 now_us)
{
  g_return_if_fail(d);
  if (d->state != STATE_NEW)
    return;
  d->state = STATE_HANDSHAKING;
  d->handshake_deadline_us = now_us + AR_DTLS_HANDSHAKE_TIMEOUT_US;
  advance(d, now_us);
}

void
ar_dtls_handle_input(ArDtls *d, const guint8 *buf, gsize len, gint64 now_us)
{
  g_return_if_fail(d);
  if (d->state == STATE_FAILED || d->state == STATE_CLOSED || !buf || len == 0 || len > G_MAXINT)
    return;
  if (d->state == STATE_NEW)
    ar_dtls_start(d, now_us);
  if (BIO_write(d->rbio, buf, (int)len) != (int)len) {
    ERR_clear_error();
    (void)BIO_reset(d->rbio);
    return;
  }
  advance(d, now_us);
}

/* The next datagram: as many whole records as fit in AR_DTLS_MTU, at least one. */
static gsize
next_datagram_len(const ArDtls *d)
{
  const guint8 *p = d->out->data + d->out_off;
  gsize left = d->out->len - d->out_off;
  gsize used = 0;
  while (used < left) {
    gsize rest = left - used;
    if (rest < DTLS_RECORD_HEADER_LEN)
      return used ? used : left; /* not a record: OpenSSL never writes this; pass it on whole */
    gsize rec = DTLS_RECORD_HEADER_LEN + ar_be16(p + used + 11);
    if (rec > rest)
      return used ? used : left;
    if (used > 0 && used + rec > AR_DTLS_MTU)
      break;
    used += rec;
  }
  return used;
}

gboolean
ar_dtls_poll_output(ArDtls *d, ArDtlsOutput *out)
{
  g_return_val_if_fail(d && out, FALSE);
  memset(out, 0, sizeof *out);
  if (d->out_off < d->out->len) {
    gsize n = next_datagram_len(d);
    out->kind = AR_DTLS_OUTPUT_DATAGRAM;
    out->data = d->out->data + d->out_off;
    out->len = n;
    d->out_off += n;
    return TRUE;
  }
  if (d->next_event < d->n_events) {
    out->kind = d->events[d->next_event++];
    if (out->kind == AR_DTLS_OUTPUT_CONNECTED) {
      out->srtp_profile = d->srtp_profile;
      out->srtp_profile_id = d->srtp_profile_id;
      out->keying_material = d->keying_material;
      out->keying_material_len = d->keying_material_len;
      out->srtp_key_len = d->srtp_key_len;
      out->srtp_salt_len = d->srtp_salt_len;
    } else if (out->kind == AR_DTLS_OUTPUT_FAILED) {
      out->fail_reason = d->fail_reason;
      out->fail_detail = d->fail_detail;
    }
    return TRUE;
  }
  return FALSE;
}

gint64
ar_dtls_next_timeout(ArDtls *d)
{
  g_return_val_if_fail(d, -1);
  if (d->state == STATE_FAILED || d->state == STATE_CLOSED)
    return -1;
  gint64 t = d->retransmit_deadline_us;
  if (d->state == STATE_HANDSHAKING && (t < 0 || d->handshake_deadline_us < t))
    t = d->handshake_deadline_us;
  return t;
}

void
ar_dtls_handle_timeout(ArDtls *d, gint64 now_us)
{
  g_return_if_fail(d);
  if (d->state == STATE_HANDSHAKING && now_us >= d->handshake_deadline_us) {
    fail(d, AR_DTLS_FAIL_TIMEOUT, "no DTLS handshake within the deadline");
    return;
  }
  if (d->state != STATE_HANDSHAKING && d->state != STATE_CONNECTED)
    return;
  if (d->retransmit_deadline_us < 0 || now_us < d->retransmit_deadline_us)
    return;
  ERR_clear_error();
  /* A no-op when OpenSSL's wall clock disagrees that the timer expired; the deadline is then
   * recomputed from what OpenSSL says remains. */
  if (DTLSv1_handle_timeout(d->ssl) < 0)
    fail_from_openssl(d);
  collect_output(d);
  update_retransmit_deadline(d, now_us);
  ERR_clear_error();
}

void
ar_dtls_close(ArDtls *d, gint64 now_us)
{
  g_return_if_fail(d);
  if (d->state != STATE_CONNECTED)
    return;
  ERR_clear_error();
  (void)SSL_shutdown(d->ssl);
  d->state = STATE_CLOSED;
  collect_output(d);
  d->retransmit_deadline_us = -1;
  ERR_clear_error();
}

gboolean
ar_dtls_is_connected(const ArDtls *d)
{
  return d && d->state == STATE_CONNECTED;
}

ArDtlsRole
ar_dtls_role(const ArDtls *d)
{
  return d->role;
}

const char *
ar_dtls_fail_reason_name(ArDtlsFailReason reason)
{
  switch (reason) {
  case AR_DTLS_FAIL_FINGERPRINT_MISMATCH:
    return "fingerprint-mismatch";
  case AR_DTLS_FAIL_HANDSHAKE:
    return "handshake";
  case AR_DTLS_FAIL_TIMEOUT:
    return "timeout";
  case AR_DTLS_FAIL_PROTOCOL:
    return "protocol";
  }
  return "unknown";
}
