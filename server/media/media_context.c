/* The flusher is a GSource whose prepare() is ready whenever a transport has queued packets:
 * GLib runs it at the start of the next iteration, after every receive callback of the current
 * one, so a burst of input becomes one send call per transport instead of one per packet. */
#include "media_context.h"
#include "transport.h"

#define DIRTY_MAX 4096
/* Datagrams per recvmmsg: the floor benchmark's batch; 48 KiB of buffers per worker. */
#define RECV_BATCH 32

struct ArMediaContext {
  ArWorker *worker;
  ArDtlsContext *dtls;
  char *fingerprint;
  ArIceConfig ice;
  GStrv ice_addresses;
  char *public_ip;
  ArPacketPool *pool;
  ArUdpBatch *batch;
  GSource *flusher;
  ArTransport **dirty;
  guint n_dirty;
};

typedef struct {
  GSource source;
  ArMediaContext *mc;
} FlushSource;

static gboolean
flush_prepare(GSource *source, gint *timeout)
{
  FlushSource *fs = (FlushSource *)source;
  *timeout = -1;
  return fs->mc->n_dirty > 0;
}

static gboolean
flush_dispatch(GSource *source, GSourceFunc cb, gpointer user_data)
{
  ArMediaContext *mc = ((FlushSource *)source)->mc;
  /* Flushing may queue nothing new, but a transport may mark itself again: take the list. */
  guint n = mc->n_dirty;
  mc->n_dirty = 0;
  for (guint i = 0; i < n; i++)
    ar_transport_flush(mc->dirty[i]);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_funcs = {flush_prepare, NULL, flush_dispatch, NULL, NULL, NULL};

ArMediaContext *
ar_media_context_new(ArWorker *worker, ArDtlsContext *dtls, const char *fingerprint,
                     const ArIceConfig *ice, gboolean batched_receive, guint pool_buffers)
{
  ArMediaContext *mc = g_new0(ArMediaContext, 1);
  mc->worker = worker;
  mc->dtls = ar_dtls_context_ref(dtls);
  mc->fingerprint = g_strdup(fingerprint);
  mc->ice = *ice;
  mc->ice_addresses = ice->addresses ? g_strdupv((GStrv)ice->addresses) : NULL;
  mc->public_ip = g_strdup(ice->public_ip);
  mc->ice.addresses = (const char *const *)mc->ice_addresses;
  mc->ice.public_ip = mc->public_ip;
  mc->batch = batched_receive ? ar_udp_batch_new(RECV_BATCH) : NULL;
  mc->ice.batch = mc->batch;
  ArMediaCounters *counters = ar_worker_counters(worker);
  mc->ice.batched_datagrams = &counters->batched_datagrams;
  mc->ice.batched_calls = &counters->batched_calls;
  mc->pool = ar_pool_new(pool_buffers);
  mc->dirty = g_new0(ArTransport *, DIRTY_MAX);
  mc->flusher = g_source_new(&flush_funcs, sizeof(FlushSource));
  ((FlushSource *)mc->flusher)->mc = mc;
  /* Before default-priority I/O, so queued packets leave before more input is read. */
  g_source_set_priority(mc->flusher, G_PRIORITY_HIGH);
  g_source_attach(mc->flusher, ar_worker_context(worker));
  return mc;
}

void
ar_media_context_free(ArMediaContext *mc)
{
  if (!mc)
    return;
  g_source_destroy(mc->flusher);
  g_source_unref(mc->flusher);
  ar_dtls_context_unref(mc->dtls);
  ar_pool_free(mc->pool);
  g_clear_pointer(&mc->batch, ar_udp_batch_free);
  g_strfreev(mc->ice_addresses);
  g_free(mc->public_ip);
  g_free(mc->fingerprint);
  g_free(mc->dirty);
  g_free(mc);
}

void
ar_media_context_mark_dirty(ArMediaContext *mc, ArTransport *t)
{
  if (mc->n_dirty == DIRTY_MAX) {
    ar_transport_flush(t); /* more dirty transports than a worker ever holds: flush now */
    return;
  }
  mc->dirty[mc->n_dirty++] = t;
}

void
ar_media_context_forget(ArMediaContext *mc, ArTransport *t)
{
  for (guint i = 0; i < mc->n_dirty; i++)
    if (mc->dirty[i] == t)
      mc->dirty[i--] = mc->dirty[--mc->n_dirty];
}

GMainContext *
ar_media_context_gcontext(ArMediaContext *mc)
{
  return ar_worker_context(mc->worker);
}

ArPacketPool *
ar_media_context_pool(ArMediaContext *mc)
{
  return mc->pool;
}

ArMediaCounters *
ar_media_context_counters(ArMediaContext *mc)
{
  return ar_worker_counters(mc->worker);
}

ArDtlsContext *
ar_media_context_dtls(ArMediaContext *mc)
{
  return mc->dtls;
}

const ArIceConfig *
ar_media_context_ice(ArMediaContext *mc)
{
  return &mc->ice;
}

ArWorker *
ar_media_context_worker(ArMediaContext *mc)
{
  return mc->worker;
}

const char *
ar_media_context_fingerprint(ArMediaContext *mc)
{
  return mc->fingerprint;
}
