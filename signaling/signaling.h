/* The signaling service: owns every WebSocket session, checks each message's envelope, rate
 * and role, and dispatches it to the handler for its type. Runs on the main thread. */
#pragma once
#include "room.h"
#include "ws_conn.h"

typedef struct ArSignaling ArSignaling;
struct ArStore;
struct _ArTokenKeyring;
struct ArVisits;
struct ArIceServers;
struct ArAccounts;
struct ArLimiter;

typedef struct {
  double messages_per_second; /* per connection */
  double burst;
  guint max_errors; /* malformed or refused messages before the connection is closed */
  struct ArStore *store;
  const struct _ArTokenKeyring *keys;
  struct ArVisits *visits;
  const struct ArIceServers *ice_servers; /* TURN for join replies; NULL = none. Not owned. */
  struct ArAccounts *accounts; /* cookie sessions; NULL: link tokens only */
  struct ArLimiter *limits;    /* per-address and per-token caps; NULL: none */
  guint grace_seconds;         /* a dropped participant may resume this long (0: 60) */
  const char *public_url;      /* base of invite links */
} ArSignalingOptions;

ArSignaling *ar_signaling_new(const ArSignalingOptions *opts);
void ar_signaling_free(ArSignaling *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArSignaling, ar_signaling_free)

/* The callbacks to give ar_http_server_set_ws_handler() with s as user data. */
const ArWsHandler *ar_signaling_ws_handler(void);

/* Room events (answers, candidates, transport state, stats) for this service's sessions; give
 * it to ar_visits_new() with s as user data. Main thread. */
void ar_signaling_room_event(const ArRoomEvent *ev, gpointer user_data);

/* Shutdown is starting: participants parked for resume are ended now. */
void ar_signaling_drain(ArSignaling *s);

guint ar_signaling_sessions(const ArSignaling *s);
guint64 ar_signaling_errors(const ArSignaling *s, const char *code);
/* How far the waiting room's ETAs were from actual starts (recent starts); FALSE without a
 * waiting room. */
gboolean ar_signaling_eta_error(const ArSignaling *s, gint64 *samples, gint64 *mae_s,
                                gint64 *p90_s, gint64 *bias_s, double *in_range);
/* Every error code counted so far ("bad_json", "rate_limited", ...). */
GList *ar_signaling_error_codes(const ArSignaling *s);
