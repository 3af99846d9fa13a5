/* Report lines and the run's verdict. A device check passes only when the echo brought back
 * every kind of media we sent, after the server said ICE and DTLS were done; anything the
 * server or the pipeline reported as a failure fails the run. */
#include "peer_report.h"

static void
add_int(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

static void
add_string_or_null(JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name(b, name);
  if (v)
    json_builder_add_string_value(b, v);
  else
    json_builder_add_null_value(b);
}

/* A report line carries the RMS of its interval; the final line that of the whole run. */
static void
add_report(JsonBuilder *b, const ArPeerReport *r, gboolean final)
{
  add_int(b, "t_ms", r->t_ms);
  add_string_or_null(b, "state", r->state ? r->state : "new");
  add_string_or_null(b, "ice_state", r->ice_state);
  add_int(b, "video_frames_received", (gint64)r->meter.video_frames_received);
  add_int(b, "audio_buffers_received", (gint64)r->meter.audio_buffers_received);
  json_builder_set_member_name(b, "audio_rms");
  json_builder_add_double_value(b, final ? r->meter.audio_rms_run : r->meter.audio_rms);
  add_int(b, "video_frames_sent", (gint64)r->meter.video_frames_sent);
  add_int(b, "audio_buffers_sent", (gint64)r->meter.audio_buffers_sent);
  add_string_or_null(b, "srtp_profile", r->srtp_profile);
  json_builder_set_member_name(b, "stats");
  if (r->stats)
    json_builder_add_value(b, json_node_copy(r->stats));
  else
    json_builder_add_null_value(b);
}

static char *
finish(JsonBuilder *b)
{
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  return json_to_string(root, FALSE);
}

char *
ar_peer_report_line(const ArPeerReport *r)
{
  JsonBuilder *b = json_builder_new_immutable();
  json_builder_begin_object(b);
  add_report(b, r, FALSE);
  return finish(b);
}

gboolean
ar_peer_report_verdict(const ArPeerReport *r, const ArPeerExpect *e, const char **reason)
{
  if (r->failure) {
    *reason = r->failure;
    return FALSE;
  }
  if (!r->connected_once) {
    *reason = "the server never reported the transport connected";
    return FALSE;
  }
  if (e->purpose == AR_PEER_PURPOSE_DEVICE_CHECK) {
    if (e->video && r->meter.video_frames_received == 0) {
      *reason = "no echoed video frame was decoded";
      return FALSE;
    }
    if (e->audio && r->meter.audio_buffers_received == 0) {
      *reason = "no echoed audio was decoded";
      return FALSE;
    }
  }
  *reason = NULL;
  return TRUE;
}

char *
ar_peer_report_final_line(const ArPeerReport *r, const ArPeerExpect *e)
{
  const char *reason = NULL;
  gboolean ok = ar_peer_report_verdict(r, e, &reason);
  JsonBuilder *b = json_builder_new_immutable();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "final");
  json_builder_add_boolean_value(b, TRUE);
  add_report(b, r, TRUE);
  json_builder_set_member_name(b, "audio_rms_max");
  json_builder_add_double_value(b, r->meter.audio_rms_max);
  add_string_or_null(b, "purpose", ar_peer_purpose_name(e->purpose));
  add_string_or_null(b, "result", ok ? "ok" : "fail");
  add_string_or_null(b, "reason", reason);
  return finish(b);
}

gboolean
ar_peer_purpose_parse(const char *s, ArPeerPurpose *out)
{
  if (g_strcmp0(s, "device_check") == 0)
    *out = AR_PEER_PURPOSE_DEVICE_CHECK;
  else if (g_strcmp0(s, "visit") == 0)
    *out = AR_PEER_PURPOSE_VISIT;
  else
    return FALSE;
  return TRUE;
}

const char *
ar_peer_purpose_name(ArPeerPurpose p)
{
  return p == AR_PEER_PURPOSE_VISIT ? "visit" : "device_check";
}
