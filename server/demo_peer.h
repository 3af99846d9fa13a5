/* The demo's waiting patient: with `anteroom --demo` (what `make demo` runs) server/main.c keeps
 * one anteroom-peer child process running as a patient who has checked in and waits in the
 * lobby, restarts it with backoff when it exits, and stops it with the server. Main thread. */
#pragma once
#include <glib.h>

typedef struct ArDemoPeer ArDemoPeer;

/* A child that ran at least this long before exiting was healthy: backoff starts again. */
#define AR_DEMO_PEER_HEALTHY_S 60

/* Milliseconds to wait before restart number `failures` (1 = the first restart after an exit):
 * 1 s, doubling, at most 30 s. */
guint ar_demo_peer_backoff_ms(guint failures);

/* The anteroom-peer to run for the server binary `self_exe`: the build tree's
 * <dir>/pipelines/anteroom-peer, the installed <dir>/anteroom-peer, else one on PATH. NULL
 * when there is none. */
char *ar_demo_peer_find_binary(const char *self_exe);

/* Starts `argv` now and keeps it running. The link token is handed over in the environment
 * (ANTEROOM_PEER_TOKEN), never on the command line, which `ps` shows to every user. `label`
 * names it in logs and must be an opaque id (the appointment id). The child's stderr lines and
 * its stdout lines that carry an "event" are logged; its other lines are read and dropped.
 * restart_ms_override > 0 replaces the backoff (tests). */
ArDemoPeer *ar_demo_peer_start(const char *const *argv, const char *token, const char *label,
                               guint restart_ms_override, GError **error);

/* How many times the child has been started (1 after ar_demo_peer_start). */
guint ar_demo_peer_starts(const ArDemoPeer *p);
/* The running child's process id as text, or NULL between runs. */
const char *ar_demo_peer_pid(const ArDemoPeer *p);

/* Stops the child (SIGTERM; SIGKILL after `timeout_ms`), waits for it to be gone, and frees. */
void ar_demo_peer_stop(ArDemoPeer *p, guint timeout_ms);
