/* Abuse limits that span connections: WebSocket connections and messages per client address,
 * login attempts per address, and connections per link token. Sans-IO: the caller passes the
 * clock. Per-connection message rates stay in signaling.c (ArRateLimit on the session). */
#pragma once
#include <glib.h>

typedef struct {
  guint max_connections_per_ip;    /* open WebSockets from one address; 0 = unlimited */
  guint max_connections_per_token; /* sessions joined with one link token; 0 = unlimited */
  double ip_messages_per_second;   /* summed over the address's connections; burst = 2 s */
  double logins_per_minute;        /* POST /api/login per address; burst = 1 minute's worth */
} ArLimiterOptions;

typedef struct ArLimiter ArLimiter;

ArLimiter *ar_limiter_new(const ArLimiterOptions *opts, gint64 now_us);
void ar_limiter_free(ArLimiter *l);

/* A new connection from ip: TRUE and counted, or FALSE (refuse it, nothing counted). */
gboolean ar_limiter_connect(ArLimiter *l, const char *ip, gint64 now_us);
void ar_limiter_disconnect(ArLimiter *l, const char *ip);
/* One message from ip: TRUE when within the address's rate. */
gboolean ar_limiter_message(ArLimiter *l, const char *ip, gint64 now_us);
/* One login attempt from ip. */
gboolean ar_limiter_login(ArLimiter *l, const char *ip, gint64 now_us);

/* A session joins with token_id: TRUE and counted, or FALSE when the token is at its cap. */
gboolean ar_limiter_token_take(ArLimiter *l, const char *token_id);
void ar_limiter_token_release(ArLimiter *l, const char *token_id);
guint ar_limiter_connections(ArLimiter *l, const char *ip);
