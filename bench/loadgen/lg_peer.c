/* One synthetic participant; see lg_peer.h. The offer is written by hand (one Opus and one VP8
 * m-line, BUNDLE, rtcp-mux, no header extensions) so every packet is exactly what the generator
 * chose; candidates go in the offer, the server's arrive in its answer and as trickle events. */
#include "lg_peer.h"

#include <nice/agent.h>
#include <string.h>

#include "peer/peer_signaling.h"
#include "bytes.h"
#include "lg_janus.h"
#include "srtp.h"

#define PT_OPUS 111
#define PT_VP8 96
#define VIDEO_PKTS_PER_FRAME 5
#define KEYFRAME_EVERY 30 /* frames: one keyframe a second at 30 fps */
#define BUF_CAP 1500

struct LgPeer {
  LgPeerConfig cfg;
  LgPeerState state;
  char *failure;
  ArPeerSignaling *sig;
  LgJanus *janus;
  gint64 janus_handle;
  gboolean dtls_server; /* the answer said setup:active (Janus does) */
  const char *srtp_profile;
  NiceAgent *agent;
  guint stream_id;
  char *local_sdp_cands;
  char *remote_fp;        /* the server's, from its answer */
  GPtrArray *early_cands; /* trickled before the answer set the remote credentials */
  gboolean offered, answered;
  ArDtls *dtls;
  ArSrtpSession *srtp;
  guint32 ssrc_audio, ssrc_video;
  gint64 connected_ns, start_ns;
  guint64 audio_sent, video_sent;
  guint64 bad;
  guint8 buf[BUF_CAP];
};

static void fail(LgPeer *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
fail(LgPeer *p, const char *fmt, ...)
{
  if (p->state == LG_PEER_FAILED)
    return;
  va_list ap;
  va_start(ap, fmt);
  p->failure = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  p->state = LG_PEER_FAILED;
}

static JsonObject *
obj_member(JsonObject *o, const char *name, JsonObject *fallback)
{
  JsonNode *n = json_object_get_member(o, name);
  return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : fallback;
}

/* --- DTLS over the nominated pair ---------------------------------------------------------- */

static void
drain_dtls(LgPeer *p)
{
  ArDtlsOutput out;
  while (ar_dtls_poll_output(p->dtls, &out)) {
    switch (out.kind) {
    case AR_DTLS_OUTPUT_DATAGRAM:
      nice_agent_send(p->agent, p->stream_id, 1, (guint)out.len, (const gchar *)out.data);
      break;
    case AR_DTLS_OUTPUT_CONNECTED: {
      ArSrtpProfile prof;
      g_autoptr(GError) error = NULL;
      if (!ar_srtp_profile_from_name(out.srtp_profile, &prof)) {
        fail(p, "unknown SRTP profile %s", out.srtp_profile);
        return;
      }
      p->srtp = ar_srtp_session_new(prof, out.keying_material, out.keying_material_len,
                                    !p->dtls_server, &error);
      if (!p->srtp) {
        fail(p, "srtp: %s", error->message);
        return;
      }
      p->srtp_profile = ar_srtp_profile_name(prof);
      p->state = LG_PEER_CONNECTED;
      p->connected_ns = lg_now_ns();
      /* Spread the senders over one audio interval so they do not all fire at once. */
      p->start_ns = p->connected_ns + (gint64)g_random_int_range(0, 20000) * 1000;
      break;
    }
    case AR_DTLS_OUTPUT_FAILED:
      fail(p, "dtls: %s", out.fail_detail ? out.fail_detail : "failed");
      return;
    case AR_DTLS_OUTPUT_CLOSED:
      fail(p, "dtls closed by the server");
      return;
    }
  }
}

/* --- media ------------------------------------------------------------------------------- */

static void
on_media(LgPeer *p, guint8 *buf, gsize len)
{
  if (!p->srtp)
    return;
  guint8 pt = buf[1] & 0x7f;
  if (pt >= 64 && pt <= 95) { /* RTCP (RFC 5761): reports and keyframe requests, ignored */
    ar_srtp_unprotect_rtcp(p->srtp, buf, &len);
    return;
  }
  if (ar_srtp_unprotect_rtp(p->srtp, buf, &len) != AR_SRTP_OK || len < 12 + LG_TRAILER_LEN) {
    p->bad++;
    return;
  }
  gsize end = len;
  if (buf[0] & 0x20) { /* padding */
    guint8 pad = buf[len - 1];
    if (pad > len - 12) {
      p->bad++;
      return;
    }
    end -= pad;
  }
  gsize hdr = 12 + 4 * (buf[0] & 0x0f);
  if (buf[0] & 0x10)
    hdr += 4 + 4 * (gsize)((buf[hdr + 2] << 8) | buf[hdr + 3]);
  if (end < hdr + LG_TRAILER_LEN) {
    p->bad++;
    return;
  }
  gint64 send_ns;
  guint32 stream, seq;
  if (!lg_trailer_read(buf + end, &send_ns, &stream, &seq)) {
    p->bad++;
    return;
  }
  lg_stats_received(p->cfg.stats, p->cfg.index, stream, seq, send_ns, lg_now_ns());
}

static void
on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *data,
        gpointer user_data)
{
  LgPeer *p = user_data;
  guint8 *b = (guint8 *)data;
  if (len == 0)
    return;
  if (b[0] >= 20 && b[0] <= 63) { /* DTLS (RFC 7983) */
    if (!p->dtls)
      return;
    ar_dtls_handle_input(p->dtls, b, len, g_get_monotonic_time());
    drain_dtls(p);
  } else if (b[0] >= 128 && b[0] <= 191 && len >= 12) {
    on_media(p, b, len);
  }
}

static void
send_rtp(LgPeer *p, gboolean video, guint64 seq, gint64 now_ns)
{
  guint8 *b = p->buf;
  gsize payload = video ? p->cfg.video_bytes : p->cfg.audio_bytes;
  guint stream = 2 * p->cfg.index + (video ? 1 : 0);
  guint64 frame = video ? seq / VIDEO_PKTS_PER_FRAME : seq;
  guint in_frame = video ? (guint)(seq % VIDEO_PKTS_PER_FRAME) : 0;
  gboolean marker = video ? in_frame == VIDEO_PKTS_PER_FRAME - 1 : seq == 0;
  b[0] = 0x80;
  b[1] = (guint8)((marker ? 0x80 : 0) | (video ? PT_VP8 : PT_OPUS));
  ar_put_be16(b + 2, (guint16)seq);
  ar_put_be32(b + 4, (guint32)(video ? frame * 3000 : seq * 960));
  ar_put_be32(b + 8, video ? p->ssrc_video : p->ssrc_audio);
  guint8 *pl = b + 12;
  memset(pl, 0, payload);
  if (video) {
    /* VP8 descriptor as libwebrtc writes it: X, S on a frame's first packet, I with a 15-bit
     * PictureID; then the frame tag, whose P bit is 0 on keyframes. */
    pl[0] = (guint8)(0x80 | (in_frame == 0 ? 0x10 : 0));
    pl[1] = 0x80;
    pl[2] = (guint8)(0x80 | ((frame >> 8) & 0x7f));
    pl[3] = (guint8)frame;
    if (in_frame == 0) {
      gboolean key = frame % KEYFRAME_EVERY == 0;
      pl[4] = key ? 0x10 : 0x11;
      if (key) {
        pl[7] = 0x9d, pl[8] = 0x01, pl[9] = 0x2a;                   /* start code */
        pl[10] = 0x40, pl[11] = 0x01, pl[12] = 0xf0, pl[13] = 0x00; /* 320×240 */
      }
    }
  } else {
    pl[0] = 0xfc; /* Opus TOC: CELT FB 20 ms */
  }
  lg_trailer_write(pl + payload, now_ns, stream, (guint32)seq);
  gsize len = 12 + payload;
  if (ar_srtp_protect_rtp(p->srtp, b, &len, BUF_CAP) != AR_SRTP_OK) {
    p->bad++;
    return;
  }
  lg_stats_sent(p->cfg.stats, stream, now_ns);
  nice_agent_send(p->agent, p->stream_id, 1, (guint)len, (const gchar *)b);
}

void
lg_peer_tick(LgPeer *p, gint64 now_ns)
{
  if (p->dtls && p->state == LG_PEER_CONNECTING) {
    gint64 deadline = ar_dtls_next_timeout(p->dtls);
    gint64 now_us = g_get_monotonic_time();
    if (deadline >= 0 && now_us >= deadline) {
      ar_dtls_handle_timeout(p->dtls, now_us);
      drain_dtls(p);
    }
  }
  if (p->state != LG_PEER_CONNECTED || now_ns < p->start_ns)
    return;
  gint64 el = now_ns - p->start_ns;
  guint64 due_a = (guint64)(el / 1000) * p->cfg.audio_pps / 1000000 + 1;
  guint64 due_v = (guint64)(el / 1000) * p->cfg.video_pps / 1000000 + 1;
  /* After a stall (the generator descheduled) send at most one interval's backlog late. */
  if (due_a > p->audio_sent + 4)
    p->audio_sent = due_a - 4;
  if (due_v > p->video_sent + 12)
    p->video_sent = due_v - 12;
  while (p->audio_sent < due_a)
    send_rtp(p, FALSE, p->audio_sent++, now_ns);
  while (p->video_sent < due_v)
    send_rtp(p, TRUE, p->video_sent++, now_ns);
}

/* --- ICE --------------------------------------------------------------------------------- */

static void
on_state_changed(NiceAgent *agent, guint stream_id, guint component_id, guint state,
                 gpointer user_data)
{
  LgPeer *p = user_data;
  if (g_getenv("LG_DEBUG"))
    g_printerr("peer %u: ice %s\n", p->cfg.index, nice_component_state_to_string(state));
  if (state == NICE_COMPONENT_STATE_FAILED) {
    fail(p, "ice failed");
  } else if ((state == NICE_COMPONENT_STATE_READY || state == NICE_COMPONENT_STATE_CONNECTED) &&
             !p->dtls) {
    g_autoptr(GError) error = NULL;
    p->dtls = ar_dtls_new_with_context(p->cfg.dtls,
                                       p->dtls_server ? AR_DTLS_ROLE_SERVER : AR_DTLS_ROLE_CLIENT,
                                       p->remote_fp, &error);
    if (!p->dtls) {
      fail(p, "dtls: %s", error->message);
      return;
    }
    ar_dtls_start(p->dtls, g_get_monotonic_time());
    drain_dtls(p);
  }
}

static char *
sdp_value(const char *sdp, const char *prefix)
{
  const char *at = strstr(sdp, prefix);
  if (!at)
    return NULL;
  at += strlen(prefix);
  return g_strndup(at, strcspn(at, "\r\n"));
}

static void
add_remote_candidate(LgPeer *p, const char *line)
{
  if (!line)
    return;
  if (!p->answered) {
    g_ptr_array_add(p->early_cands, g_strdup(line));
    return;
  }
  if (!*line) {
    nice_agent_peer_candidate_gathering_done(p->agent, p->stream_id);
    return;
  }
  /* libnice parses the SDP attribute form, "a=candidate:..." */
  g_autofree char *attr =
      g_str_has_prefix(line, "a=") ? g_strdup(line) : g_strconcat("a=", line, NULL);
  NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(p->agent, p->stream_id, attr);
  if (!c)
    return;
  GSList *l = g_slist_append(NULL, c);
  nice_agent_set_remote_candidates(p->agent, p->stream_id, 1, l);
  g_slist_free_full(l, (GDestroyNotify)nice_candidate_free);
}

static void
apply_answer(LgPeer *p, const char *sdp)
{
  g_autofree char *ufrag = sdp_value(sdp, "a=ice-ufrag:");
  g_autofree char *pwd = sdp_value(sdp, "a=ice-pwd:");
  g_autofree char *setup = sdp_value(sdp, "a=setup:");
  g_autofree char *fp = sdp_value(sdp, "a=fingerprint:sha-256 ");
  if (!ufrag || !pwd || !fp || !setup ||
      !(g_str_equal(setup, "passive") || g_str_equal(setup, "active"))) {
    fail(p, "answer without ICE credentials, fingerprint or setup");
    return;
  }
  p->dtls_server = g_str_equal(setup, "active");
  g_free(p->remote_fp);
  p->remote_fp = g_steal_pointer(&fp);
  nice_agent_set_remote_credentials(p->agent, p->stream_id, ufrag, pwd);
  p->answered = TRUE;
  g_auto(GStrv) lines = g_strsplit(sdp, "\r\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, "a=candidate:"))
      add_remote_candidate(p, *l);
  for (guint i = 0; i < p->early_cands->len; i++)
    add_remote_candidate(p, g_ptr_array_index(p->early_cands, i));
  g_ptr_array_set_size(p->early_cands, 0);
}

static void
on_answer(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  const char *sdp = json_object_get_string_member_with_default(reply, "sdp", NULL);
  if (!sdp) {
    fail(p, "offer refused: %s", json_object_get_string_member_with_default(reply, "message", "?"));
    return;
  }
  apply_answer(p, sdp);
}

static void
on_janus_answer(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  JsonObject *jsep = obj_member(reply, "jsep", NULL);
  const char *sdp = jsep ? json_object_get_string_member_with_default(jsep, "sdp", NULL) : NULL;
  if (!sdp) {
    fail(p, "janus refused the offer");
    return;
  }
  apply_answer(p, sdp);
  g_autoptr(JsonObject) m = json_object_new();
  json_object_set_string_member(m, "janus", "trickle");
  json_object_set_int_member(m, "handle_id", p->janus_handle);
  JsonObject *c = json_object_new();
  json_object_set_boolean_member(c, "completed", TRUE);
  json_object_set_object_member(m, "candidate", c);
  lg_janus_request(p->janus, m, NULL, NULL);
}

static void
send_offer(LgPeer *p)
{
  gchar *ufrag = NULL, *pwd = NULL;
  nice_agent_get_local_credentials(p->agent, p->stream_id, &ufrag, &pwd);
  const char *fp = p->cfg.local_fingerprint;
  GString *s = g_string_new(NULL);
  guint n_m = 2 + 2 * p->cfg.recv_slots; /* sendrecv audio, video, then recvonly pairs */
  g_string_append_printf(s, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE",
                         g_random_int());
  for (guint m = 0; m < n_m; m++)
    g_string_append_printf(s, " %u", m);
  g_string_append(s, "\r\na=msid-semantic: WMS lg\r\n");
  for (guint m = 0; m < n_m; m++) {
    gboolean video = m % 2 == 1, send = m < 2;
    g_string_append_printf(s,
                           "m=%s 9 UDP/TLS/RTP/SAVPF %d\r\nc=IN IP4 0.0.0.0\r\n"
                           "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
                           "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=mid:%u\r\n"
                           "a=%s\r\na=rtcp-mux\r\n",
                           video ? "video" : "audio", video ? PT_VP8 : PT_OPUS, ufrag, pwd, fp, m,
                           send ? "sendrecv" : "recvonly");
    if (send)
      g_string_append_printf(s, "a=msid:lg t%u\r\n", m);
    if (!video)
      g_string_append_printf(s,
                             "a=rtpmap:%d opus/48000/2\r\n"
                             "a=fmtp:%d minptime=10;useinbandfec=1\r\n",
                             PT_OPUS, PT_OPUS);
    else
      g_string_append_printf(s,
                             "a=rtpmap:%d VP8/90000\r\na=rtcp-fb:%d nack\r\n"
                             "a=rtcp-fb:%d nack pli\r\na=rtcp-fb:%d ccm fir\r\n",
                             PT_VP8, PT_VP8, PT_VP8, PT_VP8);
    if (send)
      g_string_append_printf(s, "a=ssrc:%u cname:lg%u\r\n", video ? p->ssrc_video : p->ssrc_audio,
                             p->cfg.index);
    if (m == 0)
      g_string_append(s, p->local_sdp_cands);
  }
  g_free(ufrag);
  g_free(pwd);
  if (p->janus) {
    g_autoptr(JsonObject) m = json_object_new();
    json_object_set_string_member(m, "janus", "message");
    json_object_set_int_member(m, "handle_id", p->janus_handle);
    JsonObject *body = json_object_new();
    json_object_set_boolean_member(body, "audio", TRUE);
    json_object_set_boolean_member(body, "video", TRUE);
    json_object_set_object_member(m, "body", body);
    JsonObject *jsep = json_object_new();
    json_object_set_string_member(jsep, "type", "offer");
    json_object_set_string_member(jsep, "sdp", s->str);
    json_object_set_object_member(m, "jsep", jsep);
    lg_janus_request(p->janus, m, on_janus_answer, p);
  } else {
    g_autoptr(JsonObject) f = json_object_new();
    json_object_set_string_member(f, "purpose", p->cfg.purpose);
    json_object_set_string_member(f, "sdp", s->str);
    ar_peer_signaling_request(p->sig, "media.offer", f, on_answer, p);
  }
  g_string_free(s, TRUE);
  p->offered = TRUE;
}

static void
on_gathering_done(NiceAgent *agent, guint stream_id, gpointer user_data)
{
  LgPeer *p = user_data;
  GSList *cands = nice_agent_get_local_candidates(agent, stream_id, 1);
  GString *s = g_string_new(NULL);
  for (GSList *l = cands; l; l = l->next) {
    g_autofree char *c = nice_agent_generate_local_candidate_sdp(agent, l->data);
    g_string_append_printf(s, "%s\r\n", c);
  }
  g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
  p->local_sdp_cands = g_string_free(s, FALSE);
  if (!p->offered && (p->sig || p->janus))
    send_offer(p);
}

/* --- signaling --------------------------------------------------------------------------- */

static void
on_joined(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  if (!g_str_equal(json_object_get_string_member_with_default(reply, "type", ""), "joined")) {
    fail(p, "join refused: %s", json_object_get_string_member_with_default(reply, "code", "?"));
    return;
  }
  if (!nice_agent_gather_candidates(p->agent, p->stream_id))
    fail(p, "ice: gathering did not start");
}

static void
on_open(gpointer user_data)
{
  LgPeer *p = user_data;
  g_autoptr(JsonObject) f = json_object_new();
  json_object_set_string_member(f, "token", p->cfg.token);
  ar_peer_signaling_request(p->sig, "join", f, on_joined, p);
}

static void
on_event(JsonObject *ev, gpointer user_data)
{
  LgPeer *p = user_data;
  const char *type = json_object_get_string_member_with_default(ev, "type", "");
  if (g_getenv("LG_DEBUG")) {
    g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), ev);
    g_autofree char *t = json_to_string(n, FALSE);
    g_printerr("peer %u: event %.200s\n", p->cfg.index, t);
  }
  if (g_str_equal(type, "media.candidate")) {
    add_remote_candidate(p, json_object_get_string_member_with_default(ev, "candidate", NULL));
  } else if (g_str_equal(type, "media.state")) {
    const char *st = json_object_get_string_member_with_default(ev, "state", "");
    if (g_str_equal(st, "failed") || g_str_equal(st, "closed"))
      fail(p, "server says %s (%s)", st,
           json_object_get_string_member_with_default(ev, "reason", "-"));
  }
}

static void
on_closed(const GError *error, gpointer user_data)
{
  LgPeer *p = user_data;
  fail(p, "signaling closed: %s", error ? error->message : "normally");
}

/* --- Janus echotest ----------------------------------------------------------------------- */

static void
on_janus_attached(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  JsonObject *data = obj_member(reply, "data", NULL);
  if (!data) {
    fail(p, "janus attach failed");
    return;
  }
  p->janus_handle = json_object_get_int_member(data, "id");
  if (!nice_agent_gather_candidates(p->agent, p->stream_id))
    fail(p, "ice: gathering did not start");
}

static void
on_janus_created(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  JsonObject *data = obj_member(reply, "data", NULL);
  if (!data) {
    fail(p, "janus create failed");
    return;
  }
  lg_janus_set_session(p->janus, json_object_get_int_member(data, "id"));
  g_autoptr(JsonObject) m = json_object_new();
  json_object_set_string_member(m, "janus", "attach");
  json_object_set_string_member(m, "plugin", "janus.plugin.echotest");
  lg_janus_request(p->janus, m, on_janus_attached, p);
}

static void
on_janus_open(gpointer user_data)
{
  LgPeer *p = user_data;
  g_autoptr(JsonObject) m = json_object_new();
  json_object_set_string_member(m, "janus", "create");
  lg_janus_request(p->janus, m, on_janus_created, p);
}

static void
on_janus_event(JsonObject *msg, gpointer user_data)
{
  LgPeer *p = user_data;
  const char *kind = json_object_get_string_member_with_default(msg, "janus", "");
  if (g_str_equal(kind, "trickle")) {
    JsonObject *c = obj_member(msg, "candidate", NULL);
    if (c)
      add_remote_candidate(p, json_object_get_string_member_with_default(c, "candidate", NULL));
  } else if (g_str_equal(kind, "hangup")) {
    fail(p, "janus hung up (%s)", json_object_get_string_member_with_default(msg, "reason", "-"));
  }
}

static void
on_janus_closed(const char *why, gpointer user_data)
{
  fail(user_data, "janus signaling closed: %s", why);
}

LgPeer *
lg_peer_new(const LgPeerConfig *cfg)
{
  LgPeer *p = g_new0(LgPeer, 1);
  p->cfg = *cfg;
  p->early_cands = g_ptr_array_new_with_free_func(g_free);
  p->ssrc_audio = g_random_int() | 1;
  p->ssrc_video = g_random_int() | 2;
  p->agent = nice_agent_new_full(g_main_context_get_thread_default(), NICE_COMPATIBILITY_RFC5245,
                                 NICE_AGENT_OPTION_ICE_TRICKLE);
  g_object_set(p->agent, "controlling-mode", TRUE, "upnp", FALSE, "ice-tcp", FALSE, NULL);
  NiceAddress addr;
  nice_address_init(&addr);
  nice_address_set_from_string(&addr, "127.0.0.1");
  nice_agent_add_local_address(p->agent, &addr);
  p->stream_id = nice_agent_add_stream(p->agent, 1);
  nice_agent_attach_recv(p->agent, p->stream_id, 1, g_main_context_get_thread_default(), on_recv,
                         p);
  g_signal_connect(p->agent, "component-state-changed", G_CALLBACK(on_state_changed), p);
  g_signal_connect(p->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), p);
  if (cfg->backend == LG_BACKEND_JANUS_ECHO) {
    static const LgJanusCallbacks jcb = {on_janus_open, on_janus_event, on_janus_closed};
    p->janus = lg_janus_connect(cfg->ws_url, &jcb, p);
    return p;
  }
  static const ArPeerSignalingCallbacks scb = {on_open, on_event, on_closed};
  g_autoptr(GError) error = NULL;
  p->sig = ar_peer_signaling_connect(cfg->ws_url, TRUE, &scb, p, &error);
  if (!p->sig)
    fail(p, "signaling: %s", error->message);
  return p;
}

void
lg_peer_free(LgPeer *p)
{
  if (!p)
    return;
  g_clear_pointer(&p->sig, ar_peer_signaling_free);
  g_clear_pointer(&p->janus, lg_janus_free);
  if (p->agent) {
    nice_agent_attach_recv(p->agent, p->stream_id, 1, g_main_context_get_thread_default(), NULL,
                           NULL);
    g_signal_handlers_disconnect_by_data(p->agent, p);
    g_object_unref(p->agent);
  }
  g_clear_pointer(&p->dtls, ar_dtls_free);
  g_clear_pointer(&p->srtp, ar_srtp_session_free);
  g_free(p->remote_fp);
  g_free(p->local_sdp_cands);
  g_ptr_array_unref(p->early_cands);
  g_free(p->failure);
  g_free(p);
}

LgPeerState
lg_peer_state(const LgPeer *p)
{
  return p->state;
}

const char *
lg_peer_failure(const LgPeer *p)
{
  return p->failure;
}

gint64
lg_peer_connected_at(const LgPeer *p)
{
  return p->connected_ns;
}

guint64
lg_peer_bad_packets(const LgPeer *p)
{
  return p->bad;
}

const char *
lg_peer_srtp_profile(const LgPeer *p)
{
  return p->srtp_profile;
}
