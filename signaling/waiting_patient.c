/* What the patient's side does to their entry: check-in (consent), the device-check result,
 * "I can be seen earlier", the network verdict, and the connection coming and going (AWAY keeps
 * the place for the grace period). */
#include "waiting_room_private.h"

gboolean
ar_waiting_room_checkin(ArWaitingRoom *wr, const char *id, gint64 now, GError **error)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (e->state == AR_QUEUE_STATE_IN_VISIT || e->state == AR_QUEUE_STATE_DONE ||
      e->state == AR_QUEUE_STATE_NO_SHOW)
    return ar_wr_bad_state(error, "this visit is no longer waiting");
  if (e->state != AR_QUEUE_STATE_NOT_ARRIVED)
    return TRUE; /* checked in already: a second consent changes nothing */
  ArWaitingEntry before = *e;
  e->state = AR_QUEUE_STATE_CHECKING_DEVICES;
  e->arrived_at = now;
  return ar_wr_commit(wr, e, &before, now, error);
}

gboolean
ar_waiting_room_device_result(ArWaitingRoom *wr, const char *id, guint devices, gint64 now,
                              GError **error)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (e->state != AR_QUEUE_STATE_CHECKING_DEVICES && e->state != AR_QUEUE_STATE_READY)
    return ar_wr_bad_state(error, "check in (consent) first");
  ArWaitingEntry before = *e;
  e->devices = devices;
  if (e->state == AR_QUEUE_STATE_CHECKING_DEVICES) {
    e->state = AR_QUEUE_STATE_READY;
    e->ready_at = now;
  }
  return ar_wr_commit(wr, e, &before, now, error);
}

gboolean
ar_waiting_room_set_early(ArWaitingRoom *wr, const char *id, gboolean early, gint64 now,
                          GError **error)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, error);
  if (!e)
    return FALSE;
  if (!ar_wr_is_present(e->state) && e->state != AR_QUEUE_STATE_NOT_ARRIVED)
    return ar_wr_bad_state(error, "this visit is no longer waiting");
  ArWaitingEntry before = *e;
  e->early = early;
  return ar_wr_commit(wr, e, &before, now, error);
}

void
ar_waiting_room_set_network(ArWaitingRoom *wr, const char *id, const char *verdict, gint64 now)
{
  ArWaitingEntry *e = g_hash_table_lookup(wr->entries, id);
  if (!e || g_str_equal(e->network, verdict))
    return;
  ArWaitingEntry before = *e;
  g_strlcpy(e->network, verdict, sizeof e->network);
  g_autoptr(GError) error = NULL;
  if (!ar_wr_commit(wr, e, &before, now, &error))
    g_warning("waiting room: %s", error->message);
}

ArQueueState
ar_waiting_room_connected(ArWaitingRoom *wr, const char *id, gint64 now)
{
  ArWaitingEntry *e = ar_wr_find(wr, id, now, NULL);
  if (!e)
    return AR_QUEUE_STATE_NOT_ARRIVED;
  ArWaitingEntry before = *e;
  if (e->state == AR_QUEUE_STATE_AWAY) {
    e->state = e->state_before_away; /* within grace: the place is theirs */
    e->away_since = 0;
  } else if (e->state == AR_QUEUE_STATE_NOT_ARRIVED && e->arrived_at > 0) {
    /* Checked in earlier today but the grace period lapsed: consent stands, the device check
     * is redone and the wait counts from now. */
    e->state = AR_QUEUE_STATE_CHECKING_DEVICES;
    e->arrived_at = now;
    e->ready_at = 0;
    e->shown = (ArQueueEstimate){0};
  } else {
    return e->state;
  }
  g_autoptr(GError) error = NULL;
  if (!ar_wr_commit(wr, e, &before, now, &error))
    g_warning("waiting room: %s", error->message);
  return e->state;
}

void
ar_waiting_room_disconnected(ArWaitingRoom *wr, const char *id, gint64 now)
{
  ArWaitingEntry *e = g_hash_table_lookup(wr->entries, id);
  if (!e || (e->state != AR_QUEUE_STATE_CHECKING_DEVICES && e->state != AR_QUEUE_STATE_READY))
    return;
  ArWaitingEntry before = *e;
  e->state_before_away = e->state;
  e->state = AR_QUEUE_STATE_AWAY;
  e->away_since = now;
  g_autoptr(GError) error = NULL;
  if (!ar_wr_commit(wr, e, &before, now, &error))
    g_warning("waiting room: %s", error->message);
}
