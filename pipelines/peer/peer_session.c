/* One webrtcbin in a pipeline: sources → encoder/payloader bins → webrtcbin → decodebin →
 * metered fakesinks. webrtcbin calls back on its own threads; everything that reaches the
 * caller is posted to the creator's main context through a reference-counted inbox, so a
 * post that arrives after the session is freed is dropped instead of touching freed memory. */
#define GST_USE_UNSTABLE_API /* the webrtc library of gst-plugins-bad warns without it */
#include "peer_session.h"

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

typedef struct {
  ArPeerSession *s; /* NULL once the session is freed; read and written on ctx only */
  GMainContext *ctx;
} Inbox;

struct ArPeerSession {
  ArPeerSessionCallbacks cb;
  gpointer user_data;
  ArPeerMeter *meter;
  GstElement *pipeline;
  GstElement *webrtc;
  Inbox *inbox;
  guint bus_watch;
  gboolean offered;
  gboolean answered;
  GPtrArray *mids;    /* of the local offer, by m-line index; written before on_offer */
  GPtrArray *pending; /* remote "mid\ncandidate" lines that came before the answer */
};

/* ---- posting to the main context ---- */

typedef enum { POST_OFFER, POST_CANDIDATE, POST_ERROR } PostKind;

typedef struct {
  Inbox *inbox;
  PostKind kind;
  char *a, *b;
} Post;

static void
inbox_unref(Inbox *inbox)
{
  g_atomic_rc_box_release_full(inbox, NULL);
}

static gboolean
deliver(gpointer data)
{
  Post *p = data;
  ArPeerSession *s = p->inbox->s;
  if (!s)
    return G_SOURCE_REMOVE;
  switch (p->kind) {
  case POST_OFFER:
    s->cb.on_offer(p->a, s->user_data);
    break;
  case POST_CANDIDATE:
    s->cb.on_candidate(p->a, p->b, s->user_data);
    break;
  case POST_ERROR:
    s->cb.on_error(p->a, s->user_data);
    break;
  }
  return G_SOURCE_REMOVE;
}

static void
post_free(gpointer data)
{
  Post *p = data;
  inbox_unref(p->inbox);
  g_free(p->a);
  g_free(p->b);
  g_free(p);
}

/* Takes a and b. Posts run in the order they were made (same priority, FIFO). */
static void
post(ArPeerSession *s, PostKind kind, char *a, char *b)
{
  Post *p = g_new0(Post, 1);
  p->inbox = g_atomic_rc_box_acquire(s->inbox);
  p->kind = kind;
  p->a = a;
  p->b = b;
  GSource *src = g_idle_source_new();
  g_source_set_priority(src, G_PRIORITY_DEFAULT);
  g_source_set_callback(src, deliver, p, post_free);
  g_source_attach(src, s->inbox->ctx);
  g_source_unref(src);
}

/* ---- building the send side ---- */

static GstElement *
parse_bin(const char *what, const char *desc, gboolean ghost_pads, GError **error)
{
  g_autoptr(GError) local = NULL;
  GstElement *bin = gst_parse_bin_from_description_full(desc, ghost_pads, NULL,
                                                        GST_PARSE_FLAG_FATAL_ERRORS, &local);
  if (!bin) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "%s pipeline \"%s\": %s", what, desc,
                local ? local->message : "does not parse");
    return NULL;
  }
  return bin;
}

static void
request_nack(GstPad *webrtc_sink, gboolean video)
{
  GstWebRTCRTPTransceiver *t = NULL;
  g_object_get(webrtc_sink, "transceiver", &t, NULL);
  if (!t)
    return;
  /* NACK (and so RTX) as browsers offer it for video, so the server's retransmission path is
   * exercised; the direction is explicit because the echo comes back on the same m-line. */
  g_object_set(t, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, NULL);
  if (video)
    g_object_set(t, "do-nack", TRUE, NULL);
  gst_object_unref(t);
}

/* raw → queue → encoder/payloader bin → a new webrtcbin sink pad. */
static gboolean
add_send_branch(ArPeerSession *s, GstPad *raw, const char *what, const char *encoder,
                gboolean video, GError **error)
{
  GstElement *enc = parse_bin(what, encoder, TRUE, error);
  if (!enc)
    return FALSE;
  GstElement *queue = gst_element_factory_make("queue", NULL);
  gst_bin_add_many(GST_BIN(s->pipeline), queue, enc, NULL);
  g_autoptr(GstPad) queue_sink = gst_element_get_static_pad(queue, "sink");
  g_autoptr(GstPad) enc_sink = gst_element_get_static_pad(enc, "sink");
  g_autoptr(GstPad) enc_src = gst_element_get_static_pad(enc, "src");
  if (!enc_sink || !enc_src) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                "%s pipeline \"%s\" must have one free sink and one free src pad", what, encoder);
    return FALSE;
  }
  g_autoptr(GstPad) rtc_sink = gst_element_request_pad_simple(s->webrtc, "sink_%u");
  if (gst_pad_link(raw, queue_sink) != GST_PAD_LINK_OK || !gst_element_link(queue, enc) ||
      gst_pad_link(enc_src, rtc_sink) != GST_PAD_LINK_OK) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                "%s pipeline \"%s\" does not link between its source and webrtcbin", what, encoder);
    return FALSE;
  }
  request_nack(rtc_sink, video);
  if (video)
    ar_peer_meter_watch_video_sent(s->meter, enc_sink);
  else
    ar_peer_meter_watch_audio_sent(s->meter, enc_sink);
  return TRUE;
}

/* A source bin's raw pad: the ghosted free src pad of a test source, or the src pad of the
 * element named `kind` in the file source. */
static GstPad *
source_pad(GstElement *bin, const char *kind, gboolean file)
{
  if (!file)
    return gst_element_get_static_pad(bin, "src");
  g_autoptr(GstElement) named = gst_bin_get_by_name(GST_BIN(bin), kind);
  if (!named)
    return NULL;
  g_autoptr(GstPad) inner = gst_element_get_static_pad(named, "src");
  if (!inner)
    return NULL;
  GstPad *ghost = gst_ghost_pad_new(kind, inner);
  gst_pad_set_active(ghost, TRUE);
  gst_element_add_pad(bin, ghost);
  return gst_object_ref(ghost);
}

/* A file's stream we do not send still needs a sink, or decodebin stops on not-linked. */
static void
discard(ArPeerSession *s, GstPad *pad)
{
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add(GST_BIN(s->pipeline), sink);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sinkpad);
}

/* A receive-only transceiver: a slot on which the server sends another participant's track. */
static void
add_receive_slot(ArPeerSession *s, const char *caps_text, gboolean video)
{
  g_autoptr(GstCaps) caps = gst_caps_from_string(caps_text);
  GstWebRTCRTPTransceiver *t = NULL;
  g_signal_emit_by_name(s->webrtc, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                        caps, &t);
  if (!t)
    return;
  if (video)
    g_object_set(t, "do-nack", TRUE, NULL);
  gst_object_unref(t);
}

static void
add_receive_slots(ArPeerSession *s, const ArPeerMediaOptions *o)
{
  const char *video = o->video == AR_PEER_VIDEO_H264
                        ? "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
                          "payload=102,packetization-mode=(string)1,"
                          "profile-level-id=(string)42e01f"
                        : "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,"
                          "payload=96";
  for (guint i = 0; i < o->slots; i++) {
    add_receive_slot(s, "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,"
                        "payload=111,encoding-params=(string)2",
                     FALSE);
    add_receive_slot(s, video, TRUE);
  }
}

static gboolean
add_sources(ArPeerSession *s, const ArPeerPipelines *pl, const ArPeerMediaOptions *o,
            GError **error)
{
  const char *video_enc = o->video == AR_PEER_VIDEO_VP8    ? pl->vp8
                          : o->video == AR_PEER_VIDEO_H264 ? pl->h264
                                                           : NULL;
  const char *audio_enc = o->audio == AR_PEER_AUDIO_OPUS ? pl->opus : NULL;
  GstElement *vbin = NULL, *abin = NULL;
  if (o->file) {
    g_autofree char *desc = ar_peer_pipelines_file_source(pl, o->file);
    vbin = abin = parse_bin("file source", desc, FALSE, error);
    if (!vbin)
      return FALSE;
    gst_bin_add(GST_BIN(s->pipeline), vbin);
  } else {
    if (video_enc && !(vbin = parse_bin("video source", pl->video_source, TRUE, error)))
      return FALSE;
    if (vbin)
      gst_bin_add(GST_BIN(s->pipeline), vbin);
    if (audio_enc && !(abin = parse_bin("audio source", pl->audio_source, TRUE, error)))
      return FALSE;
    if (abin)
      gst_bin_add(GST_BIN(s->pipeline), abin);
  }
  const struct {
    GstElement *bin;
    const char *kind, *encoder;
    gboolean video;
  } branches[] = {{vbin, "video", video_enc, TRUE}, {abin, "audio", audio_enc, FALSE}};
  for (guint i = 0; i < G_N_ELEMENTS(branches); i++) {
    if (!branches[i].bin)
      continue;
    g_autoptr(GstPad) raw = source_pad(branches[i].bin, branches[i].kind, o->file != NULL);
    if (!raw) {
      g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                  o->file ? "the file source has no element named \"%s\" with a src pad"
                          : "the %s source has no free src pad",
                  branches[i].kind);
      return FALSE;
    }
    if (!branches[i].encoder) {
      discard(s, raw);
      continue;
    }
    g_autofree char *what = g_strdup_printf("%s encoder", branches[i].kind);
    if (!add_send_branch(s, raw, what, branches[i].encoder, branches[i].video, error))
      return FALSE;
  }
  add_receive_slots(s, o);
  return TRUE;
}

/* ---- the receive side ---- */

static void
on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  ArPeerSession *s = user_data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  if (!caps)
    caps = gst_pad_query_caps(pad, NULL);
  const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  gboolean video = g_str_has_prefix(name, "video/");
  if (!video && !g_str_has_prefix(name, "audio/"))
    return;
  /* Decoded audio becomes interleaved S16 so the meter can take its energy. */
  const char *desc = video ? "queue ! fakesink name=sink sync=false async=false"
                           : "queue ! audioconvert ! audio/x-raw,format=S16LE,layout=interleaved"
                             " ! fakesink name=sink sync=false async=false";
  g_autoptr(GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description(desc, TRUE, &error);
  if (!bin) {
    post(s, POST_ERROR, g_strdup_printf("receive pipeline: %s", error->message), NULL);
    return;
  }
  gst_bin_add(GST_BIN(s->pipeline), bin);
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(bin), "sink");
  g_autoptr(GstPad) metered = gst_element_get_static_pad(sink, "sink");
  if (video)
    ar_peer_meter_watch_video_received(s->meter, metered);
  else
    ar_peer_meter_watch_audio_received(s->meter, metered);
  gst_element_sync_state_with_parent(bin);
  g_autoptr(GstPad) binsink = gst_element_get_static_pad(bin, "sink");
  if (gst_pad_link(pad, binsink) != GST_PAD_LINK_OK)
    post(s, POST_ERROR, g_strdup_printf("cannot link decoded %s", name), NULL);
}

static void
on_incoming_stream(GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  ArPeerSession *s = user_data;
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
    return;
  GstElement *decodebin = gst_element_factory_make("decodebin", NULL);
  g_signal_connect(decodebin, "pad-added", G_CALLBACK(on_decoded_pad), s);
  gst_bin_add(GST_BIN(s->pipeline), decodebin);
  gst_element_sync_state_with_parent(decodebin);
  g_autoptr(GstPad) sink = gst_element_get_static_pad(decodebin, "sink");
  gst_pad_link(pad, sink);
}

/* ---- negotiation and ICE ---- */

static void
on_offer_created(GstPromise *promise, gpointer user_data)
{
  ArPeerSession *s = user_data;
  GstWebRTCSessionDescription *offer = NULL;
  const GstStructure *reply = gst_promise_get_reply(promise);
  if (reply)
    gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref(promise);
  if (!offer) {
    post(s, POST_ERROR, g_strdup("webrtcbin could not create an offer"), NULL);
    return;
  }
  for (guint i = 0; i < gst_sdp_message_medias_len(offer->sdp); i++) {
    const char *mid =
        gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(offer->sdp, i), "mid");
    g_ptr_array_add(s->mids, g_strdup(mid ? mid : ""));
  }
  /* The offer is posted before it is applied, so it reaches the server before any of the
   * candidates that applying it starts gathering. */
  post(s, POST_OFFER, gst_sdp_message_as_text(offer->sdp), NULL);
  g_signal_emit_by_name(s->webrtc, "set-local-description", offer, NULL);
  gst_webrtc_session_description_free(offer);
}

static void
on_negotiation_needed(GstElement *webrtc, gpointer user_data)
{
  ArPeerSession *s = user_data;
  /* One offer per run: webrtcbin may ask again when the answer adds receive pads. */
  if (s->offered)
    return;
  s->offered = TRUE;
  GstPromise *promise = gst_promise_new_with_change_func(on_offer_created, s, NULL);
  g_signal_emit_by_name(webrtc, "create-offer", NULL, promise);
}

static void
on_ice_candidate(GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  ArPeerSession *s = user_data;
  const char *mid = mline < s->mids->len ? g_ptr_array_index(s->mids, mline) : "";
  post(s, POST_CANDIDATE, g_strdup(mid), g_strdup(candidate));
}

static void
on_gathering_state(GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  ArPeerSession *s = user_data;
  GstWebRTCICEGatheringState state;
  g_object_get(webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    post(s, POST_CANDIDATE,
         g_strdup(s->mids->len ? (const char *)g_ptr_array_index(s->mids, 0) : ""), g_strdup(""));
}

/* libnice skips loopback when it enumerates interfaces, and a UPnP search would wait for a
 * router that is not there (docs: /work/shared/TESTING.md). */
static void
configure_ice(GstElement *webrtc)
{
  GObject *ice = NULL;
  g_object_get(webrtc, "ice-agent", &ice, NULL);
  if (!ice)
    return;
  GObject *agent = NULL;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent"))
    g_object_get(ice, "agent", &agent, NULL);
  if (agent) {
    g_object_set(agent, "upnp", FALSE, NULL);
    g_object_unref(agent);
  }
  gboolean added = FALSE;
  g_signal_emit_by_name(ice, "add-local-ip-address", "127.0.0.1", &added);
  g_object_unref(ice);
}

static gboolean
on_bus_message(GstBus *bus, GstMessage *msg, gpointer user_data)
{
  ArPeerSession *s = user_data;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    g_autoptr(GError) error = NULL;
    g_autofree char *debug = NULL;
    gst_message_parse_error(msg, &error, &debug);
    s->cb.on_error(error->message, s->user_data);
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
    g_autoptr(GError) error = NULL;
    gst_message_parse_warning(msg, &error, NULL);
    g_printerr("anteroom-peer: warning from %s: %s\n", GST_OBJECT_NAME(msg->src), error->message);
  }
  return G_SOURCE_CONTINUE;
}

ArPeerSession *
ar_peer_session_new(const ArPeerPipelines *pipelines, const ArPeerMediaOptions *o,
                    ArPeerMeter *meter, const ArPeerSessionCallbacks *cb, gpointer user_data,
                    GError **error)
{
  ArPeerSession *s = g_new0(ArPeerSession, 1);
  s->cb = *cb;
  s->user_data = user_data;
  s->meter = meter;
  s->mids = g_ptr_array_new_with_free_func(g_free);
  s->pending = g_ptr_array_new_with_free_func(g_free);
  s->inbox = g_atomic_rc_box_new0(Inbox);
  s->inbox->s = s;
  s->inbox->ctx = g_main_context_ref_thread_default();
  s->pipeline = gst_pipeline_new("anteroom-peer");
  s->webrtc = gst_element_factory_make("webrtcbin", "webrtc");
  if (!s->webrtc) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                "no webrtcbin element (install gstreamer1.0-plugins-bad and gstreamer1.0-nice)");
    ar_peer_session_free(s);
    return NULL;
  }
  g_object_set(s->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  configure_ice(s->webrtc);
  gst_bin_add(GST_BIN(s->pipeline), s->webrtc);
  g_signal_connect(s->webrtc, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), s);
  g_signal_connect(s->webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate), s);
  g_signal_connect(s->webrtc, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state), s);
  g_signal_connect(s->webrtc, "pad-added", G_CALLBACK(on_incoming_stream), s);
  if (!add_sources(s, pipelines, o, error)) {
    ar_peer_session_free(s);
    return NULL;
  }
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(s->pipeline));
  s->bus_watch = gst_bus_add_watch(bus, on_bus_message, s);
  return s;
}

void
ar_peer_session_free(ArPeerSession *s)
{
  if (!s)
    return;
  if (s->bus_watch)
    g_source_remove(s->bus_watch);
  /* Stopping joins webrtcbin's and the sources' threads: no callback runs after this. */
  gst_element_set_state(s->pipeline, GST_STATE_NULL);
  gst_object_unref(s->pipeline);
  s->inbox->s = NULL;
  g_main_context_unref(s->inbox->ctx);
  s->inbox->ctx = NULL;
  inbox_unref(s->inbox);
  g_ptr_array_unref(s->mids);
  g_ptr_array_unref(s->pending);
  g_free(s);
}

gboolean
ar_peer_session_start(ArPeerSession *s, GError **error)
{
  if (gst_element_set_state(s->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
                "the media pipeline would not start");
    return FALSE;
  }
  return TRUE;
}

static guint
mline_for(ArPeerSession *s, const char *mid)
{
  for (guint i = 0; mid && i < s->mids->len; i++)
    if (g_str_equal(g_ptr_array_index(s->mids, i), mid))
      return i;
  return 0; /* everything is bundled on the first m-line */
}

static void
apply_candidate(ArPeerSession *s, const char *mid, const char *candidate)
{
  g_signal_emit_by_name(s->webrtc, "add-ice-candidate", mline_for(s, mid), candidate);
}

gboolean
ar_peer_session_set_answer(ArPeerSession *s, const char *sdp, GError **error)
{
  GstSDPMessage *msg = NULL;
  gst_sdp_message_new(&msg);
  if (gst_sdp_message_parse_buffer((const guint8 *)sdp, strlen(sdp), msg) != GST_SDP_OK ||
      gst_sdp_message_medias_len(msg) == 0) {
    gst_sdp_message_free(msg);
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
                "the server's answer is not usable SDP");
    return FALSE;
  }
  GstWebRTCSessionDescription *answer =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  g_signal_emit_by_name(s->webrtc, "set-remote-description", answer, NULL);
  gst_webrtc_session_description_free(answer);
  s->answered = TRUE;
  /* webrtcbin runs its operations in order, so these follow the answer. */
  for (guint i = 0; i < s->pending->len; i++) {
    g_auto(GStrv) parts = g_strsplit(g_ptr_array_index(s->pending, i), "\n", 2);
    apply_candidate(s, parts[0], parts[1]);
  }
  g_ptr_array_set_size(s->pending, 0);
  return TRUE;
}

void
ar_peer_session_add_candidate(ArPeerSession *s, const char *mid, const char *candidate)
{
  if (!candidate || !*candidate)
    return; /* webrtcbin needs no end-of-candidates mark to finish its checks */
  if (!s->answered) {
    g_ptr_array_add(s->pending, g_strdup_printf("%s\n%s", mid ? mid : "", candidate));
    return;
  }
  apply_candidate(s, mid, candidate);
}

const char *
ar_peer_session_ice_state(ArPeerSession *s)
{
  GstWebRTCICEConnectionState state;
  g_object_get(s->webrtc, "ice-connection-state", &state, NULL);
  GEnumClass *klass = g_type_class_ref(GST_TYPE_WEBRTC_ICE_CONNECTION_STATE);
  GEnumValue *v = g_enum_get_value(klass, state);
  const char *nick = v ? v->value_nick : "unknown";
  g_type_class_unref(klass);
  return nick;
}
