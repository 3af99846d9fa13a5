/* Media worker threads: each runs its own GMainContext, and every visit (room) is pinned to one
 * worker so packet forwarding is thread-local. The main thread and the workers talk only by
 * posting closures to each other's contexts (ar_worker_post / ar_worker_post_main). */
#pragma once
#include "metrics.h"
#include <glib.h>

/* Packet and error counters a worker owns and writes; the main thread only reads them. */
typedef struct {
  ArCounter packets_in, packets_out, bytes_in, bytes_out;
  ArCounter rtp_in, rtcp_in, stun_in, dtls_in, garbage_in;
  ArCounter srtp_auth_fail, srtp_replay, dtls_fail, malformed_rtp, malformed_rtcp;
  ArCounter send_fail;
  ArCounter batched_datagrams, batched_calls; /* read by recvmmsg beside libnice (udp_fast.h) */
} ArMediaCounters;

typedef struct ArWorker ArWorker;
typedef struct ArWorkerPool ArWorkerPool;

/* Starts n workers (n <= 0: one per CPU core). main_context receives posted events. */
ArWorkerPool *ar_worker_pool_new(int n, GMainContext *main_context, GError **error);

/* Quits every worker loop, joins the threads and frees the pool. Work posted before this call
 * runs first, because a worker drains its queue in order. */
void ar_worker_pool_free(ArWorkerPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArWorkerPool, ar_worker_pool_free)

guint ar_worker_pool_size(const ArWorkerPool *pool);
ArWorker *ar_worker_pool_get(ArWorkerPool *pool, guint index);

/* The worker with the fewest rooms; the caller pins a new room there. */
ArWorker *ar_worker_pool_least_loaded(ArWorkerPool *pool);

/* Runs fn(data) on the worker's thread, in order with other posts; destroy runs after it. */
void ar_worker_post(ArWorker *w, GSourceFunc fn, gpointer data, GDestroyNotify destroy);

/* Runs fn(data) on the main thread: how workers report events. */
void ar_worker_post_main(ArWorker *w, GSourceFunc fn, gpointer data, GDestroyNotify destroy);

GMainContext *ar_worker_context(ArWorker *w);
guint ar_worker_index(const ArWorker *w);
ArMediaCounters *ar_worker_counters(ArWorker *w);

/* Room accounting for placement; called on the main thread when it pins or unpins a room. */
void ar_worker_rooms_add(ArWorker *w, int delta);
int ar_worker_rooms(const ArWorker *w);

/* Sums every worker's counters into out (main thread, relaxed reads). */
void ar_worker_pool_sum_counters(ArWorkerPool *pool, ArMediaCounters *out);
