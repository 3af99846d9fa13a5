/* The patient's waiting-room messages: check-in (consent), the device-check result and the
 * "I can be seen earlier" toggle. Each changes the patient's own entry only. */
#include "lobby_private.h"

void
ar_lobby_handle_checkin(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_PATIENT(s, se, m))
    return;
  gboolean consent = FALSE;
  if (!ar_msg_bool(m, "consent", &consent) || !consent) {
    ar_signaling_error(s, se, m->id, "bad_message", "checkin needs \"consent\": true");
    return;
  }
  const char *id = se->claims.visit_id;
  g_autoptr(GError) error = NULL;
  gboolean ok = ar_waiting_room_checkin(s->lobby->wr, id, ar_lobby_now(), &error);
  ar_lobby_audit(s, se, "lobby.checkin", "appointment", id, ok ? "success" : "refused", NULL);
  if (!ok) {
    ar_lobby_reply_error(s, se, m, error);
    return;
  }
  const ArWaitingEntry *e = ar_waiting_room_lookup(s->lobby->wr, id, ar_lobby_now());
  JsonBuilder *b = ar_protocol_begin("checked_in", m->id);
  ar_lobby_add_str(b, "state", ar_waiting_room_state_name(e->state));
  ar_signaling_send(se, ar_protocol_finish(b));
}

void
ar_lobby_handle_device_result(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_PATIENT(s, se, m))
    return;
  gboolean cam = FALSE, mic = FALSE, spk = FALSE;
  if (!ar_msg_bool(m, "camera", &cam) || !ar_msg_bool(m, "microphone", &mic) ||
      !ar_msg_bool(m, "speaker", &spk)) {
    ar_signaling_error(s, se, m->id, "bad_message",
                       "device_check.result needs \"camera\", \"microphone\" and \"speaker\" "
                       "(booleans)");
    return;
  }
  guint devices = (cam ? AR_WAITING_DEVICE_CAMERA : 0) | (mic ? AR_WAITING_DEVICE_MICROPHONE : 0) |
                  (spk ? AR_WAITING_DEVICE_SPEAKER : 0);
  g_autoptr(GError) error = NULL;
  const char *id = se->claims.visit_id;
  gboolean ok = ar_waiting_room_device_result(s->lobby->wr, id, devices, ar_lobby_now(), &error);
  g_autofree char *detail = g_strdup_printf("{\"devices\":%u}", devices);
  ar_lobby_audit(s, se, "lobby.device_check", "appointment", id, ok ? "success" : "refused",
                 detail);
  if (!ok)
    ar_lobby_reply_error(s, se, m, error);
  else
    ar_signaling_ok(se, m->id);
}

void
ar_lobby_handle_early(ArSignaling *s, ArSession *se, const ArMsg *m)
{
  if (!REQUIRE_PATIENT(s, se, m))
    return;
  gboolean value = FALSE;
  if (!ar_msg_bool(m, "value", &value)) {
    ar_signaling_error(s, se, m->id, "bad_message", "waiting.early needs \"value\" (boolean)");
    return;
  }
  g_autoptr(GError) error = NULL;
  if (!ar_waiting_room_set_early(s->lobby->wr, se->claims.visit_id, value, ar_lobby_now(), &error))
    ar_lobby_reply_error(s, se, m, error);
  else
    ar_signaling_ok(se, m->id);
}
