/* Notification outbox: messages for patients not in the waiting room (offers today), written
 * in the same transaction as what they announce and delivered afterwards by webhook to an SMS
 * or e-mail gateway: POST JSON with an Idempotency-Key header (the row id, stable across
 * retries and restarts), exponential backoff, a cap on attempts. http:// and https:// URLs. */
#pragma once
#include "store.h"

typedef struct ArOutbox ArOutbox;

/* url "" or NULL: rows are kept and nothing is sent. */
ArOutbox *ar_outbox_new(ArStore *store, const char *url, guint max_attempts);
void ar_outbox_free(ArOutbox *o);

/* Appends a message (call inside the caller's transaction). payload is a JSON object. Returns
 * the new row id (also the idempotency key), or NULL with error. */
char *ar_outbox_add(ArStore *store, const char *kind, const char *patient_id, const char *offer_id,
                    const char *payload, gint64 now_unix, GError **error);
/* Starts delivering what is due (no-op while a delivery is in flight). */
void ar_outbox_kick(ArOutbox *o);

/* Seconds to wait before attempt n+1 after n failed attempts: 2, 4, 8, ... capped at 2048 s. */
gint64 ar_outbox_backoff_s(guint attempts);

guint64 ar_outbox_delivered(const ArOutbox *o);
guint64 ar_outbox_failed_attempts(const ArOutbox *o);
