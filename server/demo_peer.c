/* Supervision with GSubprocess: one wait per run (cancelled at stop), two line readers relaying
 * the child's output to the log, and a timer for the restart. The child also gets SIGTERM
 * should the server die without stopping it (PR_SET_PDEATHSIG), so no demo patient outlives
 * its server. */
#include "demo_peer.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000

struct ArDemoPeer {
  GStrv argv;
  char *token;
  char *label;
  guint restart_ms_override;
  GSubprocess *proc; /* the current run, NULL between runs */
  GCancellable *cancel;
  gint64 started_us;
  guint starts;
  guint failures;
  guint restart_timer;
};

guint
ar_demo_peer_backoff_ms(guint failures)
{
  guint ms = BACKOFF_FIRST_MS;
  for (guint i = 1; i < failures && ms < BACKOFF_MAX_MS; i++)
    ms *= 2;
  return MIN(ms, BACKOFF_MAX_MS);
}

char *
ar_demo_peer_find_binary(const char *self_exe)
{
  if (self_exe) {
    g_autofree char *dir = g_path_get_dirname(self_exe);
    const char *const rel[] = {"pipelines/anteroom-peer", "anteroom-peer"};
    for (guint i = 0; i < G_N_ELEMENTS(rel); i++) {
      g_autofree char *path = g_build_filename(dir, rel[i], NULL);
      if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test(path, G_FILE_TEST_IS_DIR))
        return g_steal_pointer(&path);
    }
  }
  return g_find_program_in_path("anteroom-peer");
}

static void
child_setup(gpointer user_data)
{
  prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* ---- the child's output ---- */

typedef struct {
  GDataInputStream *in;
  char *label;
  gboolean is_stderr;
} Reader;

static void
reader_free(Reader *r)
{
  g_object_unref(r->in);
  g_free(r->label);
  g_free(r);
}

static void
on_line(GObject *src, GAsyncResult *res, gpointer user_data)
{
  Reader *r = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line =
      g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(src), res, NULL, &error);
  if (!line) {
    reader_free(r); /* end of the stream, cancelled at stop, or not text */
    return;
  }
  if (r->is_stderr)
    g_message("demo peer %s: %s", r->label, line);
  else if (strstr(line, "\"event\""))
    g_message("demo peer %s: %s", r->label, line);
  g_data_input_stream_read_line_async(r->in, G_PRIORITY_DEFAULT, NULL, on_line, r);
}

static void
read_lines(GInputStream *stream, const char *label, gboolean is_stderr)
{
  Reader *r = g_new0(Reader, 1);
  r->in = g_data_input_stream_new(stream);
  r->label = g_strdup(label);
  r->is_stderr = is_stderr;
  g_data_input_stream_read_line_async(r->in, G_PRIORITY_DEFAULT, NULL, on_line, r);
}

/* ---- runs ---- */

static gboolean spawn_child(ArDemoPeer *p, GError **error);

static gboolean
on_restart(gpointer user_data)
{
  ArDemoPeer *p = user_data;
  p->restart_timer = 0;
  g_autoptr(GError) error = NULL;
  if (!spawn_child(p, &error)) {
    p->failures++;
    guint ms =
        p->restart_ms_override ? p->restart_ms_override : ar_demo_peer_backoff_ms(p->failures);
    g_warning("demo peer %s: cannot start: %s; trying again in %u ms", p->label, error->message,
              ms);
    p->restart_timer = g_timeout_add(ms, on_restart, p);
  }
  return G_SOURCE_REMOVE;
}

static void
on_exited(GObject *src, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  if (!g_subprocess_wait_finish(G_SUBPROCESS(src), res, &error) &&
      g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* stopping: p may be gone */
  ArDemoPeer *p = user_data;
  GSubprocess *proc = G_SUBPROCESS(src);
  int status = g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc) : -1;
  int sig = g_subprocess_get_if_signaled(proc) ? g_subprocess_get_term_sig(proc) : 0;
  gint64 ran_s = (g_get_monotonic_time() - p->started_us) / G_USEC_PER_SEC;
  g_clear_object(&p->proc);
  g_clear_object(&p->cancel);
  if (ran_s >= AR_DEMO_PEER_HEALTHY_S)
    p->failures = 0;
  p->failures++;
  guint ms = p->restart_ms_override ? p->restart_ms_override : ar_demo_peer_backoff_ms(p->failures);
  g_warning("demo peer %s exited (status %d, signal %d) after %" G_GINT64_FORMAT
            " s; restarting in %u ms",
            p->label, status, sig, ran_s, ms);
  p->restart_timer = g_timeout_add(ms, on_restart, p);
}

static gboolean
spawn_child(ArDemoPeer *p, GError **error)
{
  g_autoptr(GSubprocessLauncher) l =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv(l, "ANTEROOM_PEER_TOKEN", p->token, TRUE);
  g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
  GSubprocess *proc = g_subprocess_launcher_spawnv(l, (const char *const *)p->argv, error);
  if (!proc)
    return FALSE;
  p->proc = proc;
  p->cancel = g_cancellable_new();
  p->started_us = g_get_monotonic_time();
  p->starts++;
  g_message("demo peer %s started (pid %s)", p->label, g_subprocess_get_identifier(proc));
  read_lines(g_subprocess_get_stdout_pipe(proc), p->label, FALSE);
  read_lines(g_subprocess_get_stderr_pipe(proc), p->label, TRUE);
  g_subprocess_wait_async(proc, p->cancel, on_exited, p);
  return TRUE;
}

ArDemoPeer *
ar_demo_peer_start(const char *const *argv, const char *token, const char *label,
                   guint restart_ms_override, GError **error)
{
  ArDemoPeer *p = g_new0(ArDemoPeer, 1);
  p->argv = g_strdupv((char **)argv);
  p->token = g_strdup(token);
  p->label = g_strdup(label);
  p->restart_ms_override = restart_ms_override;
  if (!spawn_child(p, error)) {
    ar_demo_peer_stop(p, 0);
    return NULL;
  }
  return p;
}

guint
ar_demo_peer_starts(const ArDemoPeer *p)
{
  return p->starts;
}

const char *
ar_demo_peer_pid(const ArDemoPeer *p)
{
  return p->proc ? g_subprocess_get_identifier(p->proc) : NULL;
}

static void
on_stopped(GObject *src, GAsyncResult *res, gpointer user_data)
{
  g_subprocess_wait_finish(G_SUBPROCESS(src), res, NULL);
  *(gboolean *)user_data = TRUE;
}

static gboolean
on_stop_timeout(gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
ar_demo_peer_stop(ArDemoPeer *p, guint timeout_ms)
{
  if (!p)
    return;
  g_clear_handle_id(&p->restart_timer, g_source_remove);
  if (p->proc) {
    g_cancellable_cancel(p->cancel);
    /* A private context, so stopping works whether or not the main loop still runs. */
    GMainContext *ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);
    gboolean exited = FALSE, timed_out = FALSE;
    g_subprocess_send_signal(p->proc, SIGTERM);
    g_subprocess_wait_async(p->proc, NULL, on_stopped, &exited);
    GSource *t = g_timeout_source_new(timeout_ms);
    g_source_set_callback(t, on_stop_timeout, &timed_out, NULL);
    g_source_attach(t, ctx);
    while (!exited && !timed_out)
      g_main_context_iteration(ctx, TRUE);
    if (!exited) {
      g_warning("demo peer %s did not stop within %u ms; killing it", p->label, timeout_ms);
      g_subprocess_force_exit(p->proc);
      while (!exited)
        g_main_context_iteration(ctx, TRUE);
    }
    g_source_destroy(t);
    g_source_unref(t);
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
    g_message("demo peer %s stopped", p->label);
  }
  g_clear_object(&p->proc);
  g_clear_object(&p->cancel);
  g_strfreev(p->argv);
  g_free(p->token);
  g_free(p->label);
  g_free(p);
}
