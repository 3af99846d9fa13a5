/* The running server: ties config, store, media workers, the HTTPS/WSS listener and the
 * signaling service together, serves /healthz, /readyz and /metrics, and drains on shutdown.
 * main.c owns the one ArApp; nothing else is global. */
#pragma once
#include "config.h"
#include "log.h"
#include <glib.h>

typedef struct ArApp ArApp;

#define AR_APP_ERROR (ar_app_error_quark())
GQuark ar_app_error_quark(void);
typedef enum { AR_APP_ERROR_STATE_DIR, AR_APP_ERROR_TLS } ArAppError;

/* Prepares everything that can fail (state directory, certificate, store, workers, listener).
 * On error nothing is left running. cfg is taken over by the app. */
ArApp *ar_app_new(ArConfig *cfg, ArLog *log, GMainLoop *loop, gboolean srtp_openssl,
                  GError **error);
void ar_app_free(ArApp *app);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArApp, ar_app_free)

/* SIGTERM/SIGINT: refuse new visits, report not-ready, and quit the loop once running visits
 * have ended or drain_seconds have passed. */
void ar_app_drain(ArApp *app);

/* SIGHUP: re-read the config file and apply what can change live (log level and format, the
 * TLS certificate). Other changed keys are reported as needing a restart. */
void ar_app_reload(ArApp *app);

const ArConfig *ar_app_config(const ArApp *app);
struct ArStore *ar_app_store(ArApp *app);
struct _ArTokenKeyring *ar_app_keys(ArApp *app);
/* public_url, or https://<listen address>:<port> when none is configured. */
const char *ar_app_public_url(const ArApp *app);
