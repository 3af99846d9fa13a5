/* Worker pool: posts run on the worker's own thread in order, results come back to the main
 * context, shutdown runs queued work first, and counters sum across workers. */
#include "worker.h"

typedef struct {
  GThread *main_thread;
  GThread *ran_on[4];
  int order[16];
  int n;
  int replies;
  GMainLoop *loop;
} Probe;

typedef struct {
  Probe *p;
  ArWorker *w;
  int value;
} Job;

static gboolean
reply_on_main(gpointer data)
{
  Job *j = data;
  g_assert_true(g_thread_self() == j->p->main_thread);
  if (++j->p->replies == 8)
    g_main_loop_quit(j->p->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
job_on_worker(gpointer data)
{
  Job *j = data;
  g_assert_true(g_thread_self() != j->p->main_thread);
  g_assert_true(g_main_context_is_owner(ar_worker_context(j->w)));
  j->p->ran_on[ar_worker_index(j->w)] = g_thread_self();
  if (ar_worker_index(j->w) == 0)
    j->p->order[j->p->n++] = j->value;
  ar_counter_add(&ar_worker_counters(j->w)->packets_in, 1);
  ar_worker_post_main(j->w, reply_on_main, j, NULL);
  return G_SOURCE_REMOVE;
}

static void
test_post_and_reply(void)
{
  g_autoptr(GError) error = NULL;
  Probe p = {.main_thread = g_thread_self()};
  p.loop = g_main_loop_new(NULL, FALSE);
  g_autoptr(ArWorkerPool) pool = ar_worker_pool_new(2, g_main_context_default(), &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ar_worker_pool_size(pool), ==, 2);
  Job jobs[8];
  for (int i = 0; i < 8; i++) {
    jobs[i] = (Job){&p, ar_worker_pool_get(pool, i % 2), i};
    ar_worker_post(jobs[i].w, job_on_worker, &jobs[i], NULL);
  }
  g_main_loop_run(p.loop);
  g_assert_cmpint(p.replies, ==, 8);
  g_assert_true(p.ran_on[0] != p.ran_on[1]);
  int expected[] = {0, 2, 4, 6};
  for (int i = 0; i < 4; i++)
    g_assert_cmpint(p.order[i], ==, expected[i]);
  ArMediaCounters sum;
  ar_worker_pool_sum_counters(pool, &sum);
  g_assert_cmpuint(sum.packets_in.v, ==, 8);
  g_main_loop_unref(p.loop);
}

static gboolean
count_job(gpointer data)
{
  g_atomic_int_inc((gint *)data);
  return G_SOURCE_REMOVE;
}

static void
test_shutdown_runs_queued_work(void)
{
  g_autoptr(GError) error = NULL;
  gint done = 0;
  ArWorkerPool *pool = ar_worker_pool_new(1, NULL, &error);
  for (int i = 0; i < 100; i++)
    ar_worker_post(ar_worker_pool_get(pool, 0), count_job, &done, NULL);
  ar_worker_pool_free(pool);
  g_assert_cmpint(done, ==, 100);
}

static void
test_least_loaded(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArWorkerPool) pool = ar_worker_pool_new(3, NULL, &error);
  ar_worker_rooms_add(ar_worker_pool_get(pool, 0), 2);
  ar_worker_rooms_add(ar_worker_pool_get(pool, 1), 1);
  ar_worker_rooms_add(ar_worker_pool_get(pool, 2), 3);
  g_assert_true(ar_worker_pool_least_loaded(pool) == ar_worker_pool_get(pool, 1));
  /* 0 means one worker per core. */
  g_autoptr(ArWorkerPool) per_core = ar_worker_pool_new(0, NULL, &error);
  g_assert_cmpuint(ar_worker_pool_size(per_core), ==, g_get_num_processors());
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/worker/post-and-reply", test_post_and_reply);
  g_test_add_func("/worker/shutdown-runs-queued-work", test_shutdown_runs_queued_work);
  g_test_add_func("/worker/least-loaded", test_least_loaded);
  return g_test_run();
}
