/* Worker threads with their own GMainContext. Start-up is synchronous: the pool constructor
 * returns only when every loop is running, so a post can never race a half-built worker. */
#include "worker.h"

struct ArWorker {
  guint index;
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GMainContext *main_context;
  ArMediaCounters counters;
  int rooms; /* main thread only */
  GMutex ready_lock;
  GCond ready_cond;
  gboolean ready;
};

struct ArWorkerPool {
  guint n;
  ArWorker **workers;
};

static gboolean
signal_ready(gpointer data)
{
  ArWorker *w = data;
  g_mutex_lock(&w->ready_lock);
  w->ready = TRUE;
  g_cond_signal(&w->ready_cond);
  g_mutex_unlock(&w->ready_lock);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_main(gpointer data)
{
  ArWorker *w = data;
  g_main_context_push_thread_default(w->context);
  g_main_context_invoke(w->context, signal_ready, w);
  g_main_loop_run(w->loop);
  /* Drain closures posted before the quit so their destroy notifies run. */
  while (g_main_context_iteration(w->context, FALSE))
    ;
  g_main_context_pop_thread_default(w->context);
  return NULL;
}

static ArWorker *
worker_start(guint index, GMainContext *main_context, GError **error)
{
  ArWorker *w = g_new0(ArWorker, 1);
  w->index = index;
  w->context = g_main_context_new();
  w->loop = g_main_loop_new(w->context, FALSE);
  w->main_context = main_context ? g_main_context_ref(main_context) : NULL;
  g_mutex_init(&w->ready_lock);
  g_cond_init(&w->ready_cond);
  g_autofree char *name = g_strdup_printf("ar-media-%u", index);
  w->thread = g_thread_try_new(name, worker_main, w, error);
  if (!w->thread)
    return NULL;
  g_mutex_lock(&w->ready_lock);
  while (!w->ready)
    g_cond_wait(&w->ready_cond, &w->ready_lock);
  g_mutex_unlock(&w->ready_lock);
  return w;
}

static gboolean
quit_loop(gpointer data)
{
  g_main_loop_quit(data);
  return G_SOURCE_REMOVE;
}

static void
worker_stop(ArWorker *w)
{
  if (!w)
    return;
  if (w->thread) {
    g_main_context_invoke(w->context, quit_loop, w->loop);
    g_thread_join(w->thread);
  }
  g_main_loop_unref(w->loop);
  g_main_context_unref(w->context);
  g_clear_pointer(&w->main_context, g_main_context_unref);
  g_mutex_clear(&w->ready_lock);
  g_cond_clear(&w->ready_cond);
  g_free(w);
}

ArWorkerPool *
ar_worker_pool_new(int n, GMainContext *main_context, GError **error)
{
  if (n <= 0)
    n = (int)g_get_num_processors();
  ArWorkerPool *pool = g_new0(ArWorkerPool, 1);
  pool->workers = g_new0(ArWorker *, n);
  for (int i = 0; i < n; i++) {
    pool->workers[i] = worker_start((guint)i, main_context, error);
    if (!pool->workers[i]) {
      ar_worker_pool_free(pool);
      return NULL;
    }
    pool->n++;
  }
  return pool;
}

void
ar_worker_pool_free(ArWorkerPool *pool)
{
  if (!pool)
    return;
  for (guint i = 0; i < pool->n; i++)
    worker_stop(pool->workers[i]);
  g_free(pool->workers);
  g_free(pool);
}

guint
ar_worker_pool_size(const ArWorkerPool *pool)
{
  return pool->n;
}

ArWorker *
ar_worker_pool_get(ArWorkerPool *pool, guint index)
{
  g_return_val_if_fail(index < pool->n, NULL);
  return pool->workers[index];
}

ArWorker *
ar_worker_pool_least_loaded(ArWorkerPool *pool)
{
  ArWorker *best = pool->workers[0];
  for (guint i = 1; i < pool->n; i++)
    if (pool->workers[i]->rooms < best->rooms)
      best = pool->workers[i];
  return best;
}

void
ar_worker_post(ArWorker *w, GSourceFunc fn, gpointer data, GDestroyNotify destroy)
{
  g_main_context_invoke_full(w->context, G_PRIORITY_DEFAULT, fn, data, destroy);
}

void
ar_worker_post_main(ArWorker *w, GSourceFunc fn, gpointer data, GDestroyNotify destroy)
{
  GSource *src = g_idle_source_new();
  g_source_set_priority(src, G_PRIORITY_DEFAULT);
  g_source_set_callback(src, fn, data, destroy);
  g_source_attach(src, w->main_context);
  g_source_unref(src);
}

GMainContext *
ar_worker_context(ArWorker *w)
{
  return w->context;
}

guint
ar_worker_index(const ArWorker *w)
{
  return w->index;
}

ArMediaCounters *
ar_worker_counters(ArWorker *w)
{
  return &w->counters;
}

void
ar_worker_rooms_add(ArWorker *w, int delta)
{
  w->rooms += delta;
}

int
ar_worker_rooms(const ArWorker *w)
{
  return w->rooms;
}

void
ar_worker_pool_sum_counters(ArWorkerPool *pool, ArMediaCounters *out)
{
  ArCounter *sum = (ArCounter *)out;
  const gsize n = sizeof *out / sizeof(ArCounter);
  for (gsize k = 0; k < n; k++)
    sum[k].v = 0;
  for (guint i = 0; i < pool->n; i++) {
    const ArCounter *c = (const ArCounter *)&pool->workers[i]->counters;
    for (gsize k = 0; k < n; k++)
      sum[k].v += ar_counter_get(&c[k]);
  }
}
