/* Per-address state is kept while the address has connections or a bucket that is not yet
 * full again; a sweep on each new connection drops the rest, so the table stays bounded by the
 * addresses that were active in the last minute. */
#include "limiter.h"
#include "rate_limit.h"

#define SWEEP_INTERVAL_US (10 * G_USEC_PER_SEC)
#define IDLE_ENTRY_US (120 * G_USEC_PER_SEC)

typedef struct {
  guint connections;
  ArRateLimit messages;
  ArRateLimit logins;
  gint64 last_us;
} IpState;

struct ArLimiter {
  ArLimiterOptions opts;
  GHashTable *ips;    /* address -> IpState */
  GHashTable *tokens; /* token id hex -> count */
  gint64 last_sweep_us;
};

ArLimiter *
ar_limiter_new(const ArLimiterOptions *opts, gint64 now_us)
{
  ArLimiter *l = g_new0(ArLimiter, 1);
  l->opts = *opts;
  l->ips = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  l->tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  l->last_sweep_us = now_us;
  return l;
}

void
ar_limiter_free(ArLimiter *l)
{
  if (!l)
    return;
  g_hash_table_unref(l->ips);
  g_hash_table_unref(l->tokens);
  g_free(l);
}

static IpState *
ip_state(ArLimiter *l, const char *ip, gint64 now_us)
{
  IpState *st = g_hash_table_lookup(l->ips, ip);
  if (!st) {
    st = g_new0(IpState, 1);
    double mps = l->opts.ip_messages_per_second;
    double lpm = l->opts.logins_per_minute;
    ar_rate_limit_init(&st->messages, mps, 2 * mps, now_us);
    ar_rate_limit_init(&st->logins, lpm / 60.0, lpm, now_us);
    g_hash_table_insert(l->ips, g_strdup(ip), st);
  }
  st->last_us = now_us;
  return st;
}

static void
sweep(ArLimiter *l, gint64 now_us)
{
  if (now_us - l->last_sweep_us < SWEEP_INTERVAL_US)
    return;
  l->last_sweep_us = now_us;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, l->ips);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    IpState *st = v;
    if (st->connections == 0 && now_us - st->last_us > IDLE_ENTRY_US)
      g_hash_table_iter_remove(&it);
  }
}

gboolean
ar_limiter_connect(ArLimiter *l, const char *ip, gint64 now_us)
{
  sweep(l, now_us);
  IpState *st = ip_state(l, ip, now_us);
  if (l->opts.max_connections_per_ip && st->connections >= l->opts.max_connections_per_ip)
    return FALSE;
  st->connections++;
  return TRUE;
}

void
ar_limiter_disconnect(ArLimiter *l, const char *ip)
{
  IpState *st = g_hash_table_lookup(l->ips, ip);
  if (st && st->connections > 0)
    st->connections--;
}

guint
ar_limiter_connections(ArLimiter *l, const char *ip)
{
  IpState *st = g_hash_table_lookup(l->ips, ip);
  return st ? st->connections : 0;
}

gboolean
ar_limiter_message(ArLimiter *l, const char *ip, gint64 now_us)
{
  if (l->opts.ip_messages_per_second <= 0)
    return TRUE;
  return ar_rate_limit_take(&ip_state(l, ip, now_us)->messages, now_us);
}

gboolean
ar_limiter_login(ArLimiter *l, const char *ip, gint64 now_us)
{
  if (l->opts.logins_per_minute <= 0)
    return TRUE;
  return ar_rate_limit_take(&ip_state(l, ip, now_us)->logins, now_us);
}

gboolean
ar_limiter_token_take(ArLimiter *l, const char *token_id)
{
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(l->tokens, token_id));
  if (l->opts.max_connections_per_token && n >= l->opts.max_connections_per_token)
    return FALSE;
  g_hash_table_replace(l->tokens, g_strdup(token_id), GUINT_TO_POINTER(n + 1));
  return TRUE;
}

void
ar_limiter_token_release(ArLimiter *l, const char *token_id)
{
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(l->tokens, token_id));
  if (n <= 1)
    g_hash_table_remove(l->tokens, token_id);
  else
    g_hash_table_replace(l->tokens, g_strdup(token_id), GUINT_TO_POINTER(n - 1));
}
