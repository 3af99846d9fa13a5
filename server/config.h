/* anteroom's configuration: one GKeyFile, checked against a schema so an unknown key or a bad
 * value stops start-up with a message naming the file, the line and the key. main.c loads it;
 * every other module receives the plain ArConfig struct. conf/anteroom.conf documents each key. */
#pragma once
#include <glib.h>

#define AR_CONFIG_ERROR (ar_config_error_quark())
GQuark ar_config_error_quark(void);

typedef enum {
  AR_CONFIG_ERROR_READ,
  AR_CONFIG_ERROR_SYNTAX,
  AR_CONFIG_ERROR_UNKNOWN_GROUP,
  AR_CONFIG_ERROR_UNKNOWN_KEY,
  AR_CONFIG_ERROR_BAD_VALUE,
} ArConfigError;

typedef enum { AR_LOG_TEXT, AR_LOG_JSON } ArLogFormat;
typedef enum { AR_SRTP_BACKEND_OPENSSL, AR_SRTP_BACKEND_LIBSRTP } ArSrtpBackend;

typedef struct {
  char *source; /* the file it came from, or "(defaults)" */

  /* [server] */
  char *listen_address;
  int port;
  char *public_url;
  char *state_dir;
  char *web_root;
  int drain_seconds;

  /* [tls] */
  char *tls_certificate;
  char *tls_private_key;

  /* [log] */
  GLogLevelFlags log_level; /* messages at this level and more severe are written */
  ArLogFormat log_format;

  /* [media] */
  int media_workers; /* 0 = one per CPU core */
  ArSrtpBackend srtp_backend;
  int media_port_min, media_port_max; /* 0, 0: any */
  char *media_public_ip;              /* "" = announce local addresses */
  gboolean media_ice_tcp;
  gboolean media_batched_receive; /* recvmmsg beside libnice once a UDP pair is selected */

  /* [signaling] */
  int idle_logoff_minutes;
  int idle_logoff_seconds; /* > 0 overrides idle_logoff_minutes (tests, kiosks) */
  int grace_seconds;
  int max_connections_per_ip;
  int max_connections_per_token;
  int ip_messages_per_second;
  int logins_per_minute;

  /* [store] */
  char *store_path;

  /* [scheduling] */
  char *sched_api_token;   /* "" = staff scheduling API disabled */
  char *sched_webhook_url; /* "" = outbox kept, nothing delivered */
  int sched_wave_size;     /* 0 = growing waves; k = k offers at a time */
  int sched_expiry_same_day_s, sched_expiry_later_s, sched_min_answer_s, sched_min_notice_s;
  int sched_online_only_s;
  int sched_webhook_max_attempts;
  /* [turn] */
  char *turn_uris;        /* comma-separated turn:/turns: URIs; "" = no TURN */
  char *turn_secret;      /* shared with coturn; filled from secret_file when that is set */
  char *turn_secret_file; /* path of a file holding the secret instead, or "" */
  int turn_ttl_seconds;   /* lifetime of the credentials handed to each participant */
  /* [recording] */
  char *recording_dir;          /* "" = state_dir/recordings */
  int recording_retention_days; /* 0 = keep until deleted through the API */
  char *recording_api_token;    /* "" = the recordings API is off */
  char *recording_pipelines;    /* "" = the shipped recorder-pipelines.conf */
  /* [demo] (only with --demo) */
  gboolean demo_peer; /* an anteroom-peer waits in the lobby as a demo patient */
} ArConfig;

/* Defaults for every key, as documented in conf/anteroom.conf. */
ArConfig *ar_config_new_default(void);

/* Loads path over the defaults. Relative paths in the file are resolved against the file's
 * directory, except state_dir-relative ones (store.path, tls.*) which follow state_dir. */
ArConfig *ar_config_load(const char *path, GError **error);

/* Same, from text already in memory (tests, --check-config on stdin). */
ArConfig *ar_config_load_data(const char *text, const char *source_name, GError **error);

void ar_config_free(ArConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArConfig, ar_config_free)

/* [turn] uris split into trimmed URIs (free with g_strfreev); an empty array when unset. */
char **ar_config_turn_uris(const ArConfig *cfg);

/* Path of a file inside state_dir (resolves store.path and friends). */
char *ar_config_state_path(const ArConfig *cfg, const char *name);

/* The schema, so a test can check that conf/anteroom.conf documents every key and no others. */
typedef struct {
  const char *group;
  const char *key;
} ArConfigKeyName;
const ArConfigKeyName *ar_config_schema_keys(gsize *n_keys);

const char *ar_config_log_level_name(GLogLevelFlags level);
