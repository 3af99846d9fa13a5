/* Accounts of clinicians, staff and interpreters (patients never have one): login and logout
 * over HTTPS, session cookies (HttpOnly, Secure, SameSite=Strict) stored in SQLite by the
 * SHA-256 of their value, and the idle auto-logoff. The signaling service asks it who a
 * WebSocket's cookie belongs to. Main thread; scrypt runs in a worker thread. */
#pragma once
#include "http_server.h"
#include "store.h"
#include "token.h"

#define AR_ACCOUNTS_COOKIE "ar_session"

struct ArLimiter;
typedef struct ArAccounts ArAccounts;

typedef struct {
  char account_id[AR_TOKEN_REF_MAX + 1];
  char practitioner_id[AR_TOKEN_REF_MAX + 1];
  char clinic_id[AR_TOKEN_REF_MAX + 1];
  ArTokenRole role; /* CLINICIAN, STAFF or INTERPRETER */
} ArAccountIdentity;

/* idle_ms: a session unused for this long is logged off. limits may be NULL (no login rate). */
ArAccounts *ar_accounts_new(ArStore *store, struct ArLimiter *limits, gint64 idle_ms);
void ar_accounts_free(ArAccounts *a);

/* POST /api/login, POST /api/logout, GET /api/whoami. */
void ar_accounts_register_routes(ArAccounts *a, ArHttpServer *http);

/* The session named by the ar_session cookie in a Cookie header. TRUE and *out filled (and, with
 * touch, its idle clock restarted) when it is live; a session found idle is ended (audited).
 * *key (may be NULL) receives the session's stored key for ar_accounts_session_alive(). */
gboolean ar_accounts_lookup(ArAccounts *a, const char *cookie_header, gint64 now_ms, gboolean touch,
                            ArAccountIdentity *out, char **key);
gboolean ar_accounts_session_alive(ArAccounts *a, const char *key, gint64 now_ms, gboolean touch);
gint64 ar_accounts_idle_ms(const ArAccounts *a);

/* The ar_session value of a Cookie header (newly allocated), or NULL when absent, empty or
 * 128 bytes or longer. Exposed for the fuzz target. */
char *ar_accounts_cookie_value(const char *header);
