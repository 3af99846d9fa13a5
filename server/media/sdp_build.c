/* ArSdpSession -> SDP text through GstSDPMessage. Transport attributes (ICE, fingerprint, setup)
 * are repeated in every m-line that is not rejected, as browsers write them, so that parsers
 * reading only media-level values find them too. */
#include "sdp_private.h"

#include <gst/sdp/gstsdpmessage.h>
#include <string.h>

static void add_attr(GstSDPMedia *gm, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
add_attr(GstSDPMedia *gm, const char *key, const char *fmt, ...)
{
  if (!fmt) {
    gst_sdp_media_add_attribute(gm, key, NULL);
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *v = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  gst_sdp_media_add_attribute(gm, key, v);
}

static char *
join(const GPtrArray *a, const char *sep)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < a->len; i++)
    g_string_append_printf(s, "%s%s", i ? sep : "", (const char *)g_ptr_array_index(a, i));
  return g_string_free(s, FALSE);
}

static void
add_transport(GstSDPMedia *gm, const ArSdpSession *s)
{
  if (s->ice_ufrag)
    add_attr(gm, "ice-ufrag", "%s", s->ice_ufrag);
  if (s->ice_pwd)
    add_attr(gm, "ice-pwd", "%s", s->ice_pwd);
  if (s->ice_trickle)
    add_attr(gm, "ice-options", "trickle");
  if (s->fingerprint)
    add_attr(gm, "fingerprint", "%s %s",
             s->fingerprint_algorithm ? s->fingerprint_algorithm : "sha-256", s->fingerprint);
  if (s->setup != AR_SDP_SETUP_NONE)
    add_attr(gm, "setup", "%s", ar_sdp_setup_to_string(s->setup));
}

static void
add_codecs(GstSDPMedia *gm, const ArSdpMedia *m)
{
  for (guint i = 0; i < m->codecs->len; i++) {
    const ArSdpCodec *c = g_ptr_array_index(m->codecs, i);
    if (c->name) {
      if (c->channels)
        add_attr(gm, "rtpmap", "%u %s/%u/%u", c->pt, c->name, c->clock_rate, c->channels);
      else
        add_attr(gm, "rtpmap", "%u %s/%u", c->pt, c->name, c->clock_rate);
    }
    for (guint k = 0; k < c->rtcp_fb->len; k++)
      add_attr(gm, "rtcp-fb", "%u %s", c->pt, (const char *)g_ptr_array_index(c->rtcp_fb, k));
    if (c->fmtp)
      add_attr(gm, "fmtp", "%u %s", c->pt, c->fmtp);
  }
}

static void
add_ssrcs(GstSDPMedia *gm, const ArSdpMedia *m)
{
  for (guint i = 0; i < m->ssrc_groups->len; i++) {
    const ArSdpSsrcGroup *g = g_ptr_array_index(m->ssrc_groups, i);
    GString *v = g_string_new(g->semantics);
    for (guint k = 0; k < g->ssrcs->len; k++)
      g_string_append_printf(v, " %u", g_array_index(g->ssrcs, guint32, k));
    gst_sdp_media_add_attribute(gm, "ssrc-group", v->str);
    g_string_free(v, TRUE);
  }
  for (guint i = 0; i < m->ssrcs->len; i++) {
    const ArSdpSsrc *s = g_ptr_array_index(m->ssrcs, i);
    if (s->cname)
      add_attr(gm, "ssrc", "%u cname:%s", s->ssrc, s->cname);
    if (s->msid)
      add_attr(gm, "ssrc", "%u msid:%s", s->ssrc, s->msid);
  }
}

static void
add_simulcast(GstSDPMedia *gm, const ArSdpMedia *m)
{
  for (guint i = 0; i < m->rids->len; i++) {
    const ArSdpRid *r = g_ptr_array_index(m->rids, i);
    const char *dir = r->direction == AR_SDP_RID_SEND ? "send" : "recv";
    if (r->restrictions)
      add_attr(gm, "rid", "%s %s %s", r->id, dir, r->restrictions);
    else
      add_attr(gm, "rid", "%s %s", r->id, dir);
  }
  if (m->simulcast_send->len == 0 && m->simulcast_recv->len == 0)
    return;
  GString *v = g_string_new(NULL);
  if (m->simulcast_send->len) {
    g_autofree char *list = join(m->simulcast_send, ";");
    g_string_append_printf(v, "send %s", list);
  }
  if (m->simulcast_recv->len) {
    g_autofree char *list = join(m->simulcast_recv, ";");
    g_string_append_printf(v, "%srecv %s", v->len ? " " : "", list);
  }
  gst_sdp_media_add_attribute(gm, "simulcast", v->str);
  g_string_free(v, TRUE);
}

static void
add_media(GstSDPMessage *msg, const ArSdpSession *s, const ArSdpMedia *m)
{
  GstSDPMedia gm = {0}; /* init frees what it finds: start zeroed */
  gst_sdp_media_init(&gm);
  gst_sdp_media_set_media(&gm, m->media ? m->media : ar_sdp_kind_to_string(m->kind));
  gst_sdp_media_set_port_info(&gm, m->port, 1);
  gst_sdp_media_set_proto(&gm, m->proto ? m->proto : "UDP/TLS/RTP/SAVPF");
  if (m->codecs->len) {
    for (guint i = 0; i < m->codecs->len; i++) {
      g_autofree char *pt =
          g_strdup_printf("%u", ((const ArSdpCodec *)g_ptr_array_index(m->codecs, i))->pt);
      gst_sdp_media_add_format(&gm, pt);
    }
  } else {
    for (guint i = 0; i < m->formats->len; i++)
      gst_sdp_media_add_format(&gm, g_ptr_array_index(m->formats, i));
  }
  gst_sdp_media_add_connection(&gm, "IN", "IP4", "0.0.0.0", 0, 0);

  gboolean rejected = ar_sdp_media_is_rejected(m);
  if (!rejected)
    add_transport(&gm, s);
  for (guint i = 0; i < m->candidates->len; i++)
    add_attr(&gm, "candidate", "%s", (const char *)g_ptr_array_index(m->candidates, i));
  if (m->end_of_candidates)
    add_attr(&gm, "end-of-candidates", NULL);
  if (m->mid)
    add_attr(&gm, "mid", "%s", m->mid);
  if (m->bundle_only)
    add_attr(&gm, "bundle-only", NULL);
  if (m->extmap_allow_mixed)
    add_attr(&gm, "extmap-allow-mixed", NULL);
  for (guint i = 0; i < m->extmaps->len; i++) {
    const ArSdpExtmap *e = g_ptr_array_index(m->extmaps, i);
    const char *dir = ar_sdp_direction_to_string(e->direction);
    add_attr(&gm, "extmap", "%u%s%s %s%s%s", e->id, dir ? "/" : "", dir ? dir : "", e->uri,
             e->attributes ? " " : "", e->attributes ? e->attributes : "");
  }
  const char *dir = ar_sdp_direction_to_string(m->direction);
  if (dir)
    add_attr(&gm, dir, NULL);
  if (m->msid)
    add_attr(&gm, "msid", "%s", m->msid);
  if (m->rtcp_mux)
    add_attr(&gm, "rtcp-mux", NULL);
  if (m->rtcp_rsize)
    add_attr(&gm, "rtcp-rsize", NULL);
  add_codecs(&gm, m);
  add_simulcast(&gm, m);
  add_ssrcs(&gm, m);
  if (m->sctp_port)
    add_attr(&gm, "sctp-port", "%u", m->sctp_port);
  /* add_media takes ownership of the struct's contents: no uninit here. */
  gst_sdp_message_add_media(msg, &gm);
}

char *
ar_sdp_build(const ArSdpSession *s)
{
  g_return_val_if_fail(s != NULL, NULL);
  g_autoptr(GstSDPMessage) msg = NULL;
  gst_sdp_message_new(&msg);
  gst_sdp_message_set_version(msg, "0");
  g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, s->session_id);
  g_autofree char *version = g_strdup_printf("%" G_GUINT64_FORMAT, s->session_version);
  gst_sdp_message_set_origin(msg, "-", id, version, "IN", "IP4", "0.0.0.0");
  gst_sdp_message_set_session_name(msg, "-");
  gst_sdp_message_add_time(msg, "0", "0", NULL);
  if (s->ice_lite)
    gst_sdp_message_add_attribute(msg, "ice-lite", NULL);
  if (s->bundle->len) {
    g_autofree char *mids = join(s->bundle, " ");
    g_autofree char *group = g_strconcat("BUNDLE ", mids, NULL);
    gst_sdp_message_add_attribute(msg, "group", group);
  }
  if (s->extmap_allow_mixed)
    gst_sdp_message_add_attribute(msg, "extmap-allow-mixed", NULL);
  /* As Firefox writes it: some older clients look for it before honouring a=msid. */
  gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS *");
  for (guint i = 0; i < s->media->len; i++)
    add_media(msg, s, g_ptr_array_index(s->media, i));
  return gst_sdp_message_as_text(msg);
}
