/* The audit log: an append-only, hash-chained record of every access to a visit or a patient
 * record and every security-relevant action. Each event's hash covers the previous hash, so a
 * removed or edited row breaks the chain and ar_audit_verify() names the first broken event. */
#pragma once
#include "store.h"

typedef struct {
  const char *actor;       /* opaque id of who did it ("prac_..", "pat_..", "system") */
  const char *action;      /* "visit.join", "lobby.admit", "appointment.read", ... */
  const char *entity_type; /* "visit", "appointment", "patient", "token", ... */
  const char *entity_id;   /* opaque id */
  const char *outcome;     /* "success" or a failure code */
  const char *detail;      /* JSON object with opaque ids only, or NULL */
} ArAuditEvent;

/* Appends inside the caller's transaction if one is open, else in its own. */
gboolean ar_audit_append(ArStore *store, gint64 now_unix, const ArAuditEvent *ev,
                         GError **error);

/* Walks the chain. Returns TRUE when intact; otherwise FALSE with *first_bad_seq set. */
gboolean ar_audit_verify(ArStore *store, gint64 *n_events, gint64 *first_bad_seq,
                         GError **error);
