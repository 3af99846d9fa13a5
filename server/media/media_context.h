/* What every transport on one media worker shares: the worker's GMainContext, its packet pool,
 * its counters, the DTLS context of the server certificate, the ICE settings, and the batch
 * flusher that sends each transport's queued packets once per main-loop iteration. */
#pragma once
#include "dtls.h"
#include "ice.h"
#include "pool.h"
#include "worker.h"

typedef struct ArMediaContext ArMediaContext;
typedef struct ArTransport ArTransport;

/* Built on the main thread before the worker runs media; owned by the app, one per worker.
 * batched_receive: read selected UDP pairs with recvmmsg beside libnice ([media]
 * batched_receive); FALSE leaves every datagram to libnice. */
ArMediaContext *ar_media_context_new(ArWorker *worker, ArDtlsContext *dtls, const char *fingerprint,
                                     const ArIceConfig *ice, gboolean batched_receive,
                                     guint pool_buffers);
void ar_media_context_free(ArMediaContext *mc);

GMainContext *ar_media_context_gcontext(ArMediaContext *mc);
ArPacketPool *ar_media_context_pool(ArMediaContext *mc);
ArMediaCounters *ar_media_context_counters(ArMediaContext *mc);
ArDtlsContext *ar_media_context_dtls(ArMediaContext *mc);
const ArIceConfig *ar_media_context_ice(ArMediaContext *mc);
/* SHA-256 fingerprint of the server's DTLS certificate, for a=fingerprint. */
const char *ar_media_context_fingerprint(ArMediaContext *mc);
ArWorker *ar_media_context_worker(ArMediaContext *mc);

/* Asks for t to be flushed at the start of the next loop iteration (worker thread only). All
 * packets queued while handling one iteration's input leave in one send call per transport. */
void ar_media_context_mark_dirty(ArMediaContext *mc, ArTransport *t);
/* A transport being freed must leave the dirty list. */
void ar_media_context_forget(ArMediaContext *mc, ArTransport *t);
