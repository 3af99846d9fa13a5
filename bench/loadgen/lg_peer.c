/* One synthetic participant; see lg_peer.h. The offer is written by hand (one Opus and one VP8
 * m-line, BUNDLE, rtcp-mux, no header extensions) so every packet is exactly what the generator
 * chose; candidates go in the offer, the server's arrive in its answer and as trickle events. */
#include "lg_peer_private.h"
#include "lg_sdp.h"

#include <nice/agent.h>
#include <string.h>

#include "peer/peer_signaling.h"
#include "bytes.h"
#include "srtp.h"

#define PT_OPUS 111
#define PT_VP8 96
#define VIDEO_PKTS_PER_FRAME 5
#define KEYFRAME_EVERY 30 /* frames: one keyframe a second at 30 fps */

void
lg_peer_fail(LgPeer *p, const char *fmt, ...)
{
  if (p->state == LG_PEER_FAILED)
    return;
  va_list ap;
  va_start(ap, fmt);
  p->failure = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  p->state = LG_PEER_FAILED;
}

JsonObject *
lg_peer_obj_member(JsonObject *o, const char *name, JsonObject *fallback)
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
        lg_peer_fail(p, "unknown SRTP profile %s", out.srtp_profile);
        return;
      }
      p->srtp = ar_srtp_session_new(prof, out.keying_material, out.keying_material_len,
                                    !p->dtls_server, &error);
      if (!p->srtp) {
        lg_peer_fail(p, "srtp: %s", error->message);
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
      lg_peer_fail(p, "dtls: %s", out.fail_detail ? out.fail_detail : "failed");
      return;
    case AR_DTLS_OUTPUT_CLOSED:
      lg_peer_fail(p, "dtls closed by the server");
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
  if (ar_srtp_protect_rtp(p->srtp, b, &len, LG_BUF_CAP) != AR_SRTP_OK) {
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
  for (guint i = 0; i < p->legs->len; i++)
    lg_peer_tick(g_ptr_array_index(p->legs, i), now_ns);
  if (p->owner || p->state != LG_PEER_CONNECTED || now_ns < p->start_ns)
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
    lg_peer_fail(p, "ice failed");
  } else if ((state == NICE_COMPONENT_STATE_READY || state == NICE_COMPONENT_STATE_CONNECTED) &&
             !p->dtls) {
    g_autoptr(GError) error = NULL;
    p->dtls = ar_dtls_new_with_context(p->cfg.dtls,
                                       p->dtls_server ? AR_DTLS_ROLE_SERVER : AR_DTLS_ROLE_CLIENT,
                                       p->remote_fp, &error);
    if (!p->dtls) {
      lg_peer_fail(p, "dtls: %s", error->message);
      return;
    }
    ar_dtls_start(p->dtls, g_get_monotonic_time());
    drain_dtls(p);
  }
}

void
lg_peer_add_remote_candidate(LgPeer *p, const char *line)
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

void
lg_peer_apply_answer(LgPeer *p, const char *sdp)
{
  g_autofree char *ufrag = lg_sdp_value(sdp, "a=ice-ufrag:");
  g_autofree char *pwd = lg_sdp_value(sdp, "a=ice-pwd:");
  g_autofree char *setup = lg_sdp_value(sdp, "a=setup:");
  g_autofree char *fp = lg_sdp_value(sdp, "a=fingerprint:sha-256 ");
  if (!ufrag || !pwd || !fp || !setup ||
      !(g_str_equal(setup, "passive") || g_str_equal(setup, "active") ||
        g_str_equal(setup, "actpass"))) {
    lg_peer_fail(p, "answer without ICE credentials, fingerprint or setup");
    return;
  }
  /* Janus answers active; to its own offers (actpass) a leg answers active. */
  p->dtls_server = g_str_equal(setup, "active");
  g_free(p->remote_fp);
  p->remote_fp = g_steal_pointer(&fp);
  nice_agent_set_remote_credentials(p->agent, p->stream_id, ufrag, pwd);
  p->answered = TRUE;
  g_auto(GStrv) lines = g_strsplit(sdp, "\r\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, "a=candidate:"))
      lg_peer_add_remote_candidate(p, *l);
  for (guint i = 0; i < p->early_cands->len; i++)
    lg_peer_add_remote_candidate(p, g_ptr_array_index(p->early_cands, i));
  g_ptr_array_set_size(p->early_cands, 0);
}

static void
on_answer(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  const char *sdp = json_object_get_string_member_with_default(reply, "sdp", NULL);
  if (!sdp) {
    lg_peer_fail(p, "offer refused: %s",
                 json_object_get_string_member_with_default(reply, "message", "?"));
    return;
  }
  lg_peer_apply_answer(p, sdp);
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
    lg_peer_janus_send_offer(p, s->str);
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
  if (p->owner)
    lg_peer_janus_send_answer(p);
  else if (!p->offered && (p->sig || p->janus))
    send_offer(p);
}

/* --- signaling --------------------------------------------------------------------------- */

static void
on_joined(JsonObject *reply, gpointer user_data)
{
  LgPeer *p = user_data;
  if (!g_str_equal(json_object_get_string_member_with_default(reply, "type", ""), "joined")) {
    lg_peer_fail(p, "join refused: %s",
                 json_object_get_string_member_with_default(reply, "code", "?"));
    return;
  }
  if (!nice_agent_gather_candidates(p->agent, p->stream_id))
    lg_peer_fail(p, "ice: gathering did not start");
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
    lg_peer_add_remote_candidate(p,
                                 json_object_get_string_member_with_default(ev, "candidate", NULL));
  } else if (g_str_equal(type, "media.state")) {
    const char *st = json_object_get_string_member_with_default(ev, "state", "");
    if (g_str_equal(st, "failed") || g_str_equal(st, "closed"))
      lg_peer_fail(p, "server says %s (%s)", st,
                   json_object_get_string_member_with_default(ev, "reason", "-"));
  }
}

static void
on_closed(const GError *error, gpointer user_data)
{
  LgPeer *p = user_data;
  lg_peer_fail(p, "signaling closed: %s", error ? error->message : "normally");
}

LgPeer *
lg_peer_new(const LgPeerConfig *cfg)
{
  return lg_peer_new_leg(cfg, NULL);
}

LgPeer *
lg_peer_new_leg(const LgPeerConfig *cfg, LgPeer *owner)
{
  LgPeer *p = g_new0(LgPeer, 1);
  p->owner = owner;
  p->legs = g_ptr_array_new_with_free_func((GDestroyNotify)lg_peer_free);
  p->cfg = *cfg;
  p->early_cands = g_ptr_array_new_with_free_func(g_free);
  p->ssrc_audio = g_random_int() | 1;
  p->ssrc_video = g_random_int() | 2;
  p->agent = nice_agent_new_full(g_main_context_get_thread_default(), NICE_COMPATIBILITY_RFC5245,
                                 NICE_AGENT_OPTION_ICE_TRICKLE);
  /* The offerer controls; a VideoRoom leg answers Janus's offer. */
  g_object_set(p->agent, "controlling-mode", owner == NULL, "upnp", FALSE, "ice-tcp", FALSE, NULL);
  NiceAddress addr;
  nice_address_init(&addr);
  nice_address_set_from_string(&addr, "127.0.0.1");
  nice_agent_add_local_address(p->agent, &addr);
  p->stream_id = nice_agent_add_stream(p->agent, 1);
  nice_agent_attach_recv(p->agent, p->stream_id, 1, g_main_context_get_thread_default(), on_recv,
                         p);
  g_signal_connect(p->agent, "component-state-changed", G_CALLBACK(on_state_changed), p);
  g_signal_connect(p->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), p);
  if (owner) {
    p->janus = owner->janus; /* a leg shares its participant's connection */
    return p;
  }
  if (cfg->backend != LG_BACKEND_ANTEROOM) {
    lg_peer_janus_connect(p);
    return p;
  }
  static const ArPeerSignalingCallbacks scb = {on_open, on_event, on_closed};
  g_autoptr(GError) error = NULL;
  p->sig = ar_peer_signaling_connect(cfg->ws_url, TRUE, &scb, p, &error);
  if (!p->sig)
    lg_peer_fail(p, "signaling: %s", error->message);
  return p;
}

void
lg_peer_free(LgPeer *p)
{
  if (!p)
    return;
  g_clear_pointer(&p->sig, ar_peer_signaling_free);
  g_ptr_array_unref(p->legs); /* before the connection they borrow */
  if (!p->owner)
    g_clear_pointer(&p->janus, lg_janus_free);
  g_free(p->remote_offer);
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
  if (p->state != LG_PEER_CONNECTED || p->cfg.backend != LG_BACKEND_JANUS_VIDEOROOM || p->owner)
    return p->state;
  /* A VideoRoom participant is connected once it publishes and receives every other one. */
  guint connected = 0;
  for (guint i = 0; i < p->legs->len; i++) {
    LgPeerState st = lg_peer_state(g_ptr_array_index(p->legs, i));
    if (st == LG_PEER_FAILED)
      return LG_PEER_FAILED;
    connected += st == LG_PEER_CONNECTED;
  }
  return connected >= p->cfg.recv_slots ? LG_PEER_CONNECTED : LG_PEER_CONNECTING;
}

const char *
lg_peer_failure(const LgPeer *p)
{
  for (guint i = 0; !p->failure && i < p->legs->len; i++)
    if (lg_peer_failure(g_ptr_array_index(p->legs, i)))
      return lg_peer_failure(g_ptr_array_index(p->legs, i));
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
