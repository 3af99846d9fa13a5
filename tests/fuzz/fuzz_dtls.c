/* libFuzzer target for dtls.c: arbitrary datagrams fed to a fresh server-side ArDtls, as an
 * attacker who reaches the ICE component could send them. Must not crash, hang or leak.
 * An input starting with 0xff is a sequence of [u16 length][datagram]; any other input is one
 * datagram. The certificates and context are built once: they are the expensive part. */
#include "bytes.h"
#include "dtls.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
  ArCert *server;
  ArDtlsContext *ctx;
  char *client_fp;
} Fixture;

static Fixture *
fixture(void)
{
  static Fixture f; /* fuzz harness only: set once, read-only afterwards */
  if (!f.ctx) {
    f.server = ar_cert_generate("fuzz-server", NULL);
    g_autoptr(ArCert) client = ar_cert_generate("fuzz-client", NULL);
    if (!f.server || !client)
      abort();
    f.ctx = ar_dtls_context_new(f.server, NULL);
    f.client_fp = ar_cert_fingerprint_sha256(client);
    if (!f.ctx)
      abort();
  }
  return &f;
}

static void
drain(ArDtls *d)
{
  ArDtlsOutput out;
  guint n = 0;
  while (ar_dtls_poll_output(d, &out)) {
    if (out.kind == AR_DTLS_OUTPUT_DATAGRAM && (out.len == 0 || !out.data))
      abort();
    if (++n > 10000)
      abort(); /* poll_output must run dry */
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Fixture *f = fixture();
  ArDtls *d = ar_dtls_new_with_context(f->ctx, AR_DTLS_ROLE_SERVER, f->client_fp, NULL);
  if (!d)
    abort();
  gint64 now = 1000000;
  ar_dtls_start(d, now);
  drain(d);

  if (size > 0 && data[0] == 0xff) {
    gsize off = 1;
    while (size - off >= 2) {
      gsize len = ar_be16(data + off);
      off += 2;
      if (len > size - off)
        len = size - off;
      now += 1000;
      ar_dtls_handle_input(d, data + off, len, now);
      drain(d);
      off += len;
    }
  } else {
    ar_dtls_handle_input(d, data, size, now);
    drain(d);
  }

  (void)ar_dtls_next_timeout(d);
  ar_dtls_handle_timeout(d, now + AR_DTLS_RETRANSMIT_INITIAL_US);
  drain(d);
  ar_dtls_handle_timeout(d, now + AR_DTLS_HANDSHAKE_TIMEOUT_US);
  drain(d);
  ar_dtls_free(d);
  return 0;
}
