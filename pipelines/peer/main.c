/* anteroom-peer: a synthetic WebRTC participant. It joins an anteroom visit with a link token
 * over the real signaling protocol (docs/protocol.md), sends test (or file) audio and video
 * from a GStreamer webrtcbin, decodes what comes back, and prints one JSON report line per
 * interval and a final line with the verdict. Used by the integration tests, `make demo` and
 * the benchmarks.
 *
 * Exit status: 0 when the run succeeded (device_check: our echoed audio and video were
 * received; visit: the transport connected and never failed), 1 when it did not, 2 on a usage
 * or configuration error or when the server refused the join (its code and message are
 * printed on stderr). */
#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>

#include "ar_build_config.h"
#include "peer_meter.h"
#include "peer_pipelines.h"
#include "peer_report.h"
#include "peer_session.h"
#include "peer_signaling.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

typedef struct {
  char *url, *token, *purpose, *video, *audio, *file, *pipelines, *appointment;
  gboolean insecure;
  gboolean consent_recording; /* answer recording.consent_requested with yes */
  gboolean checkin;           /* a patient in the waiting room: checkin, then devices ok */
  int slots;
  int duration_s;
  int report_ms;
} Options;

typedef struct {
  Options opt;
  ArPeerExpect expect;
  ArPeerMediaOptions media;
  ArPeerPipelines pipelines;
  GMainLoop *loop;
  ArPeerMeter *meter;
  ArPeerSession *session;
  ArPeerSignaling *sig;
  gint64 start_us;
  char *state;
  char *srtp_profile;
  gboolean connected_once;
  char *failure;
  JsonNode *stats;
  int exit_code; /* -1 until decided */
  guint report_timer, duration_timer, sigint, sigterm;
  guint devices_timer; /* --checkin: until our echo is seen and device_check.result sent */
} Peer;

static void
fill_report(Peer *p, ArPeerReport *r)
{
  r->t_ms = (g_get_monotonic_time() - p->start_us) / 1000;
  r->state = p->state;
  r->ice_state = p->session ? ar_peer_session_ice_state(p->session) : NULL;
  r->srtp_profile = p->srtp_profile;
  r->connected_once = p->connected_once;
  r->failure = p->failure;
  r->stats = p->stats;
  ar_peer_meter_snapshot(p->meter, &r->meter);
}

static void
print_line(char *line)
{
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  g_free(line);
}

/* Ends the run: the final line, then the exit status. `code` -1 means "from the verdict". */
static void
finish(Peer *p, int code)
{
  if (p->exit_code >= 0)
    return;
  ArPeerReport r;
  fill_report(p, &r);
  print_line(ar_peer_report_final_line(&r, &p->expect));
  const char *reason = NULL;
  if (code < 0)
    code = ar_peer_report_verdict(&r, &p->expect, &reason) ? EXIT_OK : EXIT_FAILED;
  p->exit_code = code;
  g_main_loop_quit(p->loop);
}

static void
fail(Peer *p, int code, char *why)
{
  if (p->exit_code >= 0) {
    g_free(why);
    return;
  }
  g_printerr("anteroom-peer: %s\n", why);
  if (!p->failure)
    p->failure = why;
  else
    g_free(why);
  finish(p, code);
}

static gboolean
on_report_timer(gpointer data)
{
  Peer *p = data;
  ArPeerReport r;
  fill_report(p, &r);
  print_line(ar_peer_report_line(&r));
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration_over(gpointer data)
{
  Peer *p = data;
  p->duration_timer = 0;
  finish(p, -1);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal(gpointer data)
{
  finish(data, -1);
  return G_SOURCE_CONTINUE;
}

static const char *
member_string(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
             ? json_node_get_string(n)
             : NULL;
}

/* "code: message" of an error reply, or NULL when the reply is not an error. */
static char *
error_of(JsonObject *reply)
{
  if (g_strcmp0(member_string(reply, "type"), "error") != 0)
    return NULL;
  const char *code = member_string(reply, "code");
  const char *message = member_string(reply, "message");
  return g_strdup_printf("%s: %s", code ? code : "error", message ? message : "");
}

/* ---- media negotiation ---- */

static void
on_answer(JsonObject *reply, gpointer data)
{
  Peer *p = data;
  g_autofree char *err = error_of(reply);
  if (err) {
    fail(p, EXIT_FAILED, g_strdup_printf("media.offer refused: %s", err));
    return;
  }
  const char *sdp = member_string(reply, "sdp");
  g_autoptr(GError) error = NULL;
  if (!sdp || !ar_peer_session_set_answer(p->session, sdp, &error))
    fail(p, EXIT_FAILED,
         g_strdup_printf("media.answer: %s", error ? error->message : "no \"sdp\""));
}

static void
on_local_offer(const char *sdp, gpointer data)
{
  Peer *p = data;
  g_autoptr(JsonObject) f = json_object_new();
  json_object_set_string_member(f, "purpose", p->opt.purpose);
  json_object_set_string_member(f, "sdp", sdp);
  if (p->opt.appointment)
    json_object_set_string_member(f, "appointment_id", p->opt.appointment);
  ar_peer_signaling_request(p->sig, "media.offer", f, on_answer, p);
}

static void
on_candidate_reply(JsonObject *reply, gpointer data)
{
  g_autofree char *err = error_of(reply);
  if (err)
    g_printerr("anteroom-peer: media.candidate refused: %s\n", err);
}

static void
on_local_candidate(const char *mid, const char *candidate, gpointer data)
{
  Peer *p = data;
  g_autoptr(JsonObject) f = json_object_new();
  json_object_set_string_member(f, "candidate", candidate);
  json_object_set_string_member(f, "mid", mid);
  ar_peer_signaling_request(p->sig, "media.candidate", f, on_candidate_reply, p);
}

static void
on_session_error(const char *message, gpointer data)
{
  fail(data, EXIT_FAILED, g_strdup_printf("media pipeline: %s", message));
}

/* ---- signaling ---- */

static void
on_media_state(Peer *p, JsonObject *ev)
{
  const char *state = member_string(ev, "state");
  if (!state)
    return;
  g_free(p->state);
  p->state = g_strdup(state);
  if (g_str_equal(state, "connected")) {
    p->connected_once = TRUE;
    g_free(p->srtp_profile);
    p->srtp_profile = g_strdup(member_string(ev, "srtp_profile"));
  } else if (g_str_equal(state, "failed")) {
    const char *reason = member_string(ev, "reason");
    fail(p, EXIT_FAILED,
         g_strdup_printf("the server reports the transport failed: %s",
                         reason ? reason : "no reason given"));
  }
}

static void
on_event(JsonObject *ev, gpointer data)
{
  Peer *p = data;
  const char *type = member_string(ev, "type");
  if (g_strcmp0(type, "media.candidate") == 0) {
    ar_peer_session_add_candidate(p->session, member_string(ev, "mid"),
                                  member_string(ev, "candidate"));
  } else if (g_strcmp0(type, "media.state") == 0) {
    on_media_state(p, ev);
  } else if (g_strcmp0(type, "media.stats") == 0) {
    /* The report carries the measurements only; the parsed event is read-only. */
    g_autoptr(JsonObject) copy = json_object_new();
    JsonObjectIter it;
    const char *name;
    JsonNode *value;
    json_object_iter_init(&it, ev);
    while (json_object_iter_next(&it, &name, &value))
      if (!g_str_equal(name, "type"))
        json_object_set_member(copy, name, json_node_copy(value));
    g_clear_pointer(&p->stats, json_node_unref);
    p->stats = json_node_init_object(json_node_alloc(), copy);
  } else if (p->opt.consent_recording && g_strcmp0(type, "recording.consent_requested") == 0) {
    g_autoptr(JsonObject) f = json_object_new();
    json_object_set_boolean_member(f, "value", TRUE);
    ar_peer_signaling_request(p->sig, "recording.consent", f, NULL, NULL);
  } else if (p->opt.consent_recording && g_strcmp0(type, "recording.state") == 0) {
    /* The indicator as this participant sees it: {"event":"recording.state",...}. */
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), ev);
    g_autofree char *text = json_to_string(node, FALSE);
    g_autofree char *body = g_str_has_prefix(text, "{") ? g_strdup(text + 1) : g_strdup("}");
    print_line(g_strdup_printf("{\"event\":\"recording.state\",%s", body));
  } else if (p->opt.checkin &&
             (g_strcmp0(type, "admitted") == 0 || g_strcmp0(type, "visit.ended") == 0)) {
    print_line(g_strdup_printf("{\"event\":\"%s\"}", type));
  } else if (g_strcmp0(type, "error") == 0) {
    g_autofree char *err = error_of(ev);
    g_printerr("anteroom-peer: the server reports %s\n", err);
  }
}

/* ---- --checkin: the waiting-room steps a patient's page takes ---- */

static void
on_devices_reply(JsonObject *reply, gpointer data)
{
  Peer *p = data;
  g_autofree char *err = error_of(reply);
  if (err)
    fail(p, EXIT_FAILED, g_strdup_printf("device_check.result refused: %s", err));
  else
    print_line(g_strdup("{\"event\":\"ready\"}"));
}

/* The device check passed once our own audio and video came back decoded through the server:
 * then camera, microphone and speaker are reported working, as the patient page does. */
static gboolean
on_devices_timer(gpointer data)
{
  Peer *p = data;
  guint64 video = 0, audio = 0;
  ar_peer_meter_received(p->meter, &video, &audio);
  gboolean video_ok = !p->expect.video || video > 0;
  gboolean audio_ok = !p->expect.audio || audio > 0;
  if (!p->connected_once || !video_ok || !audio_ok)
    return G_SOURCE_CONTINUE;
  g_autoptr(JsonObject) f = json_object_new();
  json_object_set_boolean_member(f, "camera", p->expect.video);
  json_object_set_boolean_member(f, "microphone", p->expect.audio);
  json_object_set_boolean_member(f, "speaker", TRUE);
  ar_peer_signaling_request(p->sig, "device_check.result", f, on_devices_reply, p);
  p->devices_timer = 0;
  return G_SOURCE_REMOVE;
}

static void
on_checked_in(JsonObject *reply, gpointer data)
{
  Peer *p = data;
  g_autofree char *err = error_of(reply);
  if (err) {
    fail(p, EXIT_FAILED, g_strdup_printf("checkin refused: %s", err));
    return;
  }
  print_line(
      g_strdup_printf("{\"event\":\"checked_in\",\"state\":\"%s\"}",
                      member_string(reply, "state") ? member_string(reply, "state") : "unknown"));
  if (!p->devices_timer)
    p->devices_timer = g_timeout_add(200, on_devices_timer, p);
}

static void
on_joined(JsonObject *reply, gpointer data)
{
  Peer *p = data;
  g_autofree char *err = error_of(reply);
  if (err) {
    fail(p, EXIT_USAGE, g_strdup_printf("join refused: %s", err));
    return;
  }
  if (p->opt.checkin) {
    g_autoptr(JsonObject) f = json_object_new();
    json_object_set_boolean_member(f, "consent", TRUE);
    ar_peer_signaling_request(p->sig, "checkin", f, on_checked_in, p);
  }
  g_autoptr(GError) error = NULL;
  if (!ar_peer_session_start(p->session, &error))
    fail(p, EXIT_FAILED, g_strdup(error->message));
}

static void
on_open(gpointer data)
{
  Peer *p = data;
  g_autoptr(JsonObject) f = json_object_new();
  json_object_set_string_member(f, "token", p->opt.token);
  ar_peer_signaling_request(p->sig, "join", f, on_joined, p);
}

static void
on_closed(const GError *error, gpointer data)
{
  fail(data, EXIT_FAILED,
       g_strdup_printf("signaling: %s",
                       error ? error->message : "the server closed the connection"));
}

/* ---- start-up ---- */

static gboolean
parse_options(int *argc, char ***argv, Options *o, GError **error)
{
  o->purpose = g_strdup("device_check");
  o->video = g_strdup("vp8");
  o->audio = g_strdup("opus");
  o->duration_s = 10;
  o->report_ms = 1000;
  GOptionEntry entries[] = {
      {"url", 0, 0, G_OPTION_ARG_STRING, &o->url, "Signaling URL, e.g. wss://127.0.0.1:8443/ws",
       "URL"},
      {"token", 0, 0, G_OPTION_ARG_STRING, &o->token,
       "Link token (the #t= part of a link); default: $ANTEROOM_PEER_TOKEN", "TOKEN"},
      {"purpose", 0, 0, G_OPTION_ARG_STRING, &o->purpose, "device_check (default) or visit",
       "PURPOSE"},
      {"insecure", 0, 0, G_OPTION_ARG_NONE, &o->insecure,
       "Accept a certificate that does not verify (the server's self-signed one)", NULL},
      {"video", 0, 0, G_OPTION_ARG_STRING, &o->video, "vp8 (default), h264 or none", "CODEC"},
      {"audio", 0, 0, G_OPTION_ARG_STRING, &o->audio, "opus (default) or none", "CODEC"},
      {"duration", 0, 0, G_OPTION_ARG_INT, &o->duration_s,
       "Seconds to run (default 10; 0: until SIGINT/SIGTERM)", "SECONDS"},
      {"report-interval", 0, 0, G_OPTION_ARG_INT, &o->report_ms,
       "Milliseconds between report lines (default 1000)", "MS"},
      {"file", 0, 0, G_OPTION_ARG_FILENAME, &o->file,
       "Send this media file instead of test sources", "MEDIAFILE"},
      {"slots", 0, 0, G_OPTION_ARG_INT, &o->slots,
       "Receive-only audio+video pairs to offer for other participants (default 0)", "N"},
      {"appointment", 0, 0, G_OPTION_ARG_STRING, &o->appointment,
       "Appointment whose visit to join (clinicians and staff; others use their link's)", "ID"},
      {"consent-recording", 0, 0, G_OPTION_ARG_NONE, &o->consent_recording,
       "Consent when the clinician asks to record; print recording.state events as lines", NULL},
      {"checkin", 0, 0, G_OPTION_ARG_NONE, &o->checkin,
       "As a patient: check in, report the devices working once the echo is seen, and wait "
       "in the waiting room to be admitted (use with --purpose device_check and --slots)",
       NULL},
      {"pipelines", 0, 0, G_OPTION_ARG_FILENAME, &o->pipelines,
       "Pipeline descriptions (default: the installed or source tree's peer-pipelines.conf)",
       "FILE"},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- a synthetic anteroom participant");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  if (!g_option_context_parse(ctx, argc, argv, error))
    return FALSE;
  if (!o->token && g_getenv("ANTEROOM_PEER_TOKEN"))
    o->token = g_strdup(g_getenv("ANTEROOM_PEER_TOKEN"));
  const char *bad = !o->url                   ? "--url is required"
                    : !o->token || !*o->token ? "--token (or ANTEROOM_PEER_TOKEN) is required"
                    : o->duration_s < 0       ? "--duration must be 0 or more"
                    : o->report_ms < 10       ? "--report-interval must be at least 10 ms"
                    : *argc > 1               ? "unexpected argument"
                                              : NULL;
  if (bad) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s", bad);
    return FALSE;
  }
  return TRUE;
}

static gboolean
resolve_media(Peer *p, GError **error)
{
  Options *o = &p->opt;
  if (!ar_peer_purpose_parse(o->purpose, &p->expect.purpose)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--purpose must be device_check or visit");
    return FALSE;
  }
  if (g_str_equal(o->video, "vp8"))
    p->media.video = AR_PEER_VIDEO_VP8;
  else if (g_str_equal(o->video, "h264"))
    p->media.video = AR_PEER_VIDEO_H264;
  else if (g_str_equal(o->video, "none"))
    p->media.video = AR_PEER_VIDEO_NONE;
  else {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--video must be vp8, h264 or none");
    return FALSE;
  }
  if (g_str_equal(o->audio, "opus"))
    p->media.audio = AR_PEER_AUDIO_OPUS;
  else if (g_str_equal(o->audio, "none"))
    p->media.audio = AR_PEER_AUDIO_NONE;
  else {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--audio must be opus or none");
    return FALSE;
  }
  if (!p->media.video && !p->media.audio) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--video none and --audio none leave nothing to send");
    return FALSE;
  }
  p->media.file = o->file;
  p->media.slots = (guint)CLAMP(o->slots, 0, 8);
  p->expect.video = p->media.video != AR_PEER_VIDEO_NONE;
  p->expect.audio = p->media.audio != AR_PEER_AUDIO_NONE;
  return TRUE;
}

/* --pipelines, else the installed file, else the source tree's (running from a build
 * directory), else the built-in defaults, which equal the shipped file. */
static gboolean
load_pipelines(Peer *p, GError **error)
{
  ar_peer_pipelines_init_defaults(&p->pipelines);
  if (p->opt.pipelines)
    return ar_peer_pipelines_load_file(&p->pipelines, p->opt.pipelines, error);
  const char *candidates[] = {AR_DATADIR "/peer-pipelines.conf",
                              AR_SOURCE_DIR "/conf/peer-pipelines.conf"};
  for (guint i = 0; i < G_N_ELEMENTS(candidates); i++)
    if (g_file_test(candidates[i], G_FILE_TEST_IS_REGULAR))
      return ar_peer_pipelines_load_file(&p->pipelines, candidates[i], error);
  return TRUE;
}

static void
peer_clear(Peer *p)
{
  g_clear_pointer(&p->sig, ar_peer_signaling_free);
  g_clear_pointer(&p->session, ar_peer_session_free);
  g_clear_pointer(&p->meter, ar_peer_meter_free);
  g_clear_handle_id(&p->report_timer, g_source_remove);
  g_clear_handle_id(&p->duration_timer, g_source_remove);
  g_clear_handle_id(&p->devices_timer, g_source_remove);
  g_clear_handle_id(&p->sigint, g_source_remove);
  g_clear_handle_id(&p->sigterm, g_source_remove);
  g_clear_pointer(&p->loop, g_main_loop_unref);
  g_clear_pointer(&p->stats, json_node_unref);
  ar_peer_pipelines_clear(&p->pipelines);
  g_free(p->state);
  g_free(p->srtp_profile);
  g_free(p->failure);
  Options *o = &p->opt;
  g_free(o->url);
  g_free(o->token);
  g_free(o->purpose);
  g_free(o->video);
  g_free(o->audio);
  g_free(o->file);
  g_free(o->appointment);
  g_free(o->pipelines);
}

static int
run(Peer *p, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  if (!parse_options(&argc, &argv, &p->opt, &error) || !resolve_media(p, &error) ||
      !load_pipelines(p, &error)) {
    g_printerr("anteroom-peer: %s (see --help)\n", error->message);
    return EXIT_USAGE;
  }
  p->start_us = g_get_monotonic_time();
  p->exit_code = -1;
  p->loop = g_main_loop_new(NULL, FALSE);
  p->meter = ar_peer_meter_new();
  static const ArPeerSessionCallbacks session_cb = {on_local_offer, on_local_candidate,
                                                    on_session_error};
  p->session = ar_peer_session_new(&p->pipelines, &p->media, p->meter, &session_cb, p, &error);
  if (!p->session) {
    g_printerr("anteroom-peer: %s\n", error->message);
    return EXIT_USAGE;
  }
  static const ArPeerSignalingCallbacks sig_cb = {on_open, on_event, on_closed};
  p->sig = ar_peer_signaling_connect(p->opt.url, p->opt.insecure, &sig_cb, p, &error);
  if (!p->sig) {
    g_printerr("anteroom-peer: %s\n", error->message);
    return EXIT_USAGE;
  }
  p->report_timer = g_timeout_add(p->opt.report_ms, on_report_timer, p);
  if (p->opt.duration_s > 0)
    p->duration_timer = g_timeout_add((guint)p->opt.duration_s * 1000, on_duration_over, p);
  p->sigint = g_unix_signal_add(SIGINT, on_signal, p);
  p->sigterm = g_unix_signal_add(SIGTERM, on_signal, p);
  g_main_loop_run(p->loop);
  return p->exit_code;
}

int
main(int argc, char **argv)
{
  Peer p = {0};
  int code = run(&p, argc, argv);
  peer_clear(&p);
  return code;
}
