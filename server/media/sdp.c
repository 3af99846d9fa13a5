/* The SDP model: constructors, deep copies, frees and look-ups of the plain structs in sdp.h.
 * Parsing is in sdp_parse.c, printing in sdp_build.c, negotiation in sdp_negotiate.c. */
#include "sdp.h"

G_DEFINE_QUARK(ar - sdp - error - quark, ar_sdp_error)

static GPtrArray *
strv_new(void)
{
  return g_ptr_array_new_with_free_func(g_free);
}

static GPtrArray *
strv_copy(const GPtrArray *a)
{
  GPtrArray *out = strv_new();
  for (guint i = 0; a && i < a->len; i++)
    g_ptr_array_add(out, g_strdup(g_ptr_array_index(a, i)));
  return out;
}

/* Deep copy of a GPtrArray of structs with `copy`, keeping `free` as element free function. */
static GPtrArray *
ptrv_copy(const GPtrArray *a, gpointer (*copy)(gconstpointer), GDestroyNotify free_fn)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(free_fn);
  for (guint i = 0; a && i < a->len; i++)
    g_ptr_array_add(out, copy(g_ptr_array_index(a, i)));
  return out;
}

ArSdpCodec *
ar_sdp_codec_new(guint8 pt, const char *name, guint clock_rate, guint channels)
{
  ArSdpCodec *c = g_new0(ArSdpCodec, 1);
  c->pt = pt;
  c->name = g_strdup(name);
  c->clock_rate = clock_rate;
  c->channels = channels;
  c->rtcp_fb = strv_new();
  c->rtx_pt = -1;
  c->apt = -1;
  return c;
}

void
ar_sdp_codec_free(ArSdpCodec *c)
{
  if (!c)
    return;
  g_free(c->name);
  g_free(c->fmtp);
  g_ptr_array_unref(c->rtcp_fb);
  g_free(c);
}

ArSdpCodec *
ar_sdp_codec_copy(const ArSdpCodec *c)
{
  ArSdpCodec *out = ar_sdp_codec_new(c->pt, c->name, c->clock_rate, c->channels);
  out->fmtp = g_strdup(c->fmtp);
  g_ptr_array_unref(out->rtcp_fb);
  out->rtcp_fb = strv_copy(c->rtcp_fb);
  out->rtx_pt = c->rtx_pt;
  out->apt = c->apt;
  return out;
}

gboolean
ar_sdp_codec_has_fb(const ArSdpCodec *c, const char *fb)
{
  for (guint i = 0; i < c->rtcp_fb->len; i++)
    if (g_str_equal(g_ptr_array_index(c->rtcp_fb, i), fb))
      return TRUE;
  return FALSE;
}

ArSdpExtmap *
ar_sdp_extmap_new(guint id, const char *uri)
{
  ArSdpExtmap *e = g_new0(ArSdpExtmap, 1);
  e->id = id;
  e->uri = g_strdup(uri);
  return e;
}

void
ar_sdp_extmap_free(ArSdpExtmap *e)
{
  if (!e)
    return;
  g_free(e->uri);
  g_free(e->attributes);
  g_free(e);
}

ArSdpExtmap *
ar_sdp_extmap_copy(const ArSdpExtmap *e)
{
  ArSdpExtmap *out = ar_sdp_extmap_new(e->id, e->uri);
  out->direction = e->direction;
  out->attributes = g_strdup(e->attributes);
  return out;
}

ArSdpSsrc *
ar_sdp_ssrc_new(guint32 ssrc)
{
  ArSdpSsrc *s = g_new0(ArSdpSsrc, 1);
  s->ssrc = ssrc;
  return s;
}

void
ar_sdp_ssrc_free(ArSdpSsrc *s)
{
  if (!s)
    return;
  g_free(s->cname);
  g_free(s->msid);
  g_free(s);
}

ArSdpSsrc *
ar_sdp_ssrc_copy(const ArSdpSsrc *s)
{
  ArSdpSsrc *out = ar_sdp_ssrc_new(s->ssrc);
  out->cname = g_strdup(s->cname);
  out->msid = g_strdup(s->msid);
  return out;
}

ArSdpSsrcGroup *
ar_sdp_ssrc_group_new(const char *semantics)
{
  ArSdpSsrcGroup *g = g_new0(ArSdpSsrcGroup, 1);
  g->semantics = g_strdup(semantics);
  g->ssrcs = g_array_new(FALSE, FALSE, sizeof(guint32));
  return g;
}

void
ar_sdp_ssrc_group_free(ArSdpSsrcGroup *g)
{
  if (!g)
    return;
  g_free(g->semantics);
  g_array_unref(g->ssrcs);
  g_free(g);
}

ArSdpSsrcGroup *
ar_sdp_ssrc_group_copy(const ArSdpSsrcGroup *g)
{
  ArSdpSsrcGroup *out = ar_sdp_ssrc_group_new(g->semantics);
  g_array_append_vals(out->ssrcs, g->ssrcs->data, g->ssrcs->len);
  return out;
}

ArSdpRid *
ar_sdp_rid_new(const char *id, ArSdpRidDirection direction)
{
  ArSdpRid *r = g_new0(ArSdpRid, 1);
  r->id = g_strdup(id);
  r->direction = direction;
  return r;
}

void
ar_sdp_rid_free(ArSdpRid *r)
{
  if (!r)
    return;
  g_free(r->id);
  g_free(r->restrictions);
  g_free(r);
}

ArSdpRid *
ar_sdp_rid_copy(const ArSdpRid *r)
{
  ArSdpRid *out = ar_sdp_rid_new(r->id, r->direction);
  out->restrictions = g_strdup(r->restrictions);
  return out;
}

ArSdpMedia *
ar_sdp_media_new(ArSdpKind kind)
{
  ArSdpMedia *m = g_new0(ArSdpMedia, 1);
  m->kind = kind;
  m->media = g_strdup(kind == AR_SDP_KIND_OTHER ? "unknown" : ar_sdp_kind_to_string(kind));
  m->direction = AR_SDP_DIR_SENDRECV;
  m->formats = strv_new();
  m->codecs = g_ptr_array_new_with_free_func((GDestroyNotify)ar_sdp_codec_free);
  m->extmaps = g_ptr_array_new_with_free_func((GDestroyNotify)ar_sdp_extmap_free);
  m->ssrcs = g_ptr_array_new_with_free_func((GDestroyNotify)ar_sdp_ssrc_free);
  m->ssrc_groups = g_ptr_array_new_with_free_func((GDestroyNotify)ar_sdp_ssrc_group_free);
  m->rids = g_ptr_array_new_with_free_func((GDestroyNotify)ar_sdp_rid_free);
  m->simulcast_send = strv_new();
  m->simulcast_recv = strv_new();
  m->candidates = strv_new();
  return m;
}

void
ar_sdp_media_free(ArSdpMedia *m)
{
  if (!m)
    return;
  g_free(m->media);
  g_free(m->proto);
  g_ptr_array_unref(m->formats);
  g_free(m->mid);
  g_ptr_array_unref(m->codecs);
  g_ptr_array_unref(m->extmaps);
  g_ptr_array_unref(m->ssrcs);
  g_ptr_array_unref(m->ssrc_groups);
  g_ptr_array_unref(m->rids);
  g_ptr_array_unref(m->simulcast_send);
  g_ptr_array_unref(m->simulcast_recv);
  g_free(m->msid);
  g_ptr_array_unref(m->candidates);
  g_free(m);
}

ArSdpMedia *
ar_sdp_media_copy(const ArSdpMedia *m)
{
  ArSdpMedia *out = g_new0(ArSdpMedia, 1);
  out->kind = m->kind;
  out->media = g_strdup(m->media);
  out->port = m->port;
  out->proto = g_strdup(m->proto);
  out->formats = strv_copy(m->formats);
  out->mid = g_strdup(m->mid);
  out->direction = m->direction;
  out->rtcp_mux = m->rtcp_mux;
  out->rtcp_rsize = m->rtcp_rsize;
  out->bundle_only = m->bundle_only;
  out->extmap_allow_mixed = m->extmap_allow_mixed;
  out->codecs = ptrv_copy(m->codecs, (gpointer(*)(gconstpointer))ar_sdp_codec_copy,
                          (GDestroyNotify)ar_sdp_codec_free);
  out->extmaps = ptrv_copy(m->extmaps, (gpointer(*)(gconstpointer))ar_sdp_extmap_copy,
                           (GDestroyNotify)ar_sdp_extmap_free);
  out->ssrcs = ptrv_copy(m->ssrcs, (gpointer(*)(gconstpointer))ar_sdp_ssrc_copy,
                         (GDestroyNotify)ar_sdp_ssrc_free);
  out->ssrc_groups = ptrv_copy(m->ssrc_groups, (gpointer(*)(gconstpointer))ar_sdp_ssrc_group_copy,
                               (GDestroyNotify)ar_sdp_ssrc_group_free);
  out->rids = ptrv_copy(m->rids, (gpointer(*)(gconstpointer))ar_sdp_rid_copy,
                        (GDestroyNotify)ar_sdp_rid_free);
  out->simulcast_send = strv_copy(m->simulcast_send);
  out->simulcast_recv = strv_copy(m->simulcast_recv);
  out->msid = g_strdup(m->msid);
  out->candidates = strv_copy(m->candidates);
  out->end_of_candidates = m->end_of_candidates;
  out->sctp_port = m->sctp_port;
  return out;
}

ArSdpCodec *
ar_sdp_media_find_codec(const ArSdpMedia *m, guint pt)
{
  for (guint i = 0; i < m->codecs->len; i++) {
    ArSdpCodec *c = g_ptr_array_index(m->codecs, i);
    if (c->pt == pt)
      return c;
  }
  return NULL;
}

ArSdpCodec *
ar_sdp_media_find_codec_by_name(const ArSdpMedia *m, const char *name)
{
  for (guint i = 0; i < m->codecs->len; i++) {
    ArSdpCodec *c = g_ptr_array_index(m->codecs, i);
    if (c->name && g_ascii_strcasecmp(c->name, name) == 0)
      return c;
  }
  return NULL;
}

ArSdpExtmap *
ar_sdp_media_find_extmap(const ArSdpMedia *m, const char *uri)
{
  for (guint i = 0; i < m->extmaps->len; i++) {
    ArSdpExtmap *e = g_ptr_array_index(m->extmaps, i);
    if (g_str_equal(e->uri, uri))
      return e;
  }
  return NULL;
}

ArSdpRid *
ar_sdp_media_find_rid(const ArSdpMedia *m, const char *id)
{
  for (guint i = 0; i < m->rids->len; i++) {
    ArSdpRid *r = g_ptr_array_index(m->rids, i);
    if (g_str_equal(r->id, id))
      return r;
  }
  return NULL;
}

ArSdpSsrc *
ar_sdp_media_find_ssrc(const ArSdpMedia *m, guint32 ssrc)
{
  for (guint i = 0; i < m->ssrcs->len; i++) {
    ArSdpSsrc *s = g_ptr_array_index(m->ssrcs, i);
    if (s->ssrc == ssrc)
      return s;
  }
  return NULL;
}

ArSdpSsrcGroup *
ar_sdp_media_find_ssrc_group(const ArSdpMedia *m, const char *semantics)
{
  for (guint i = 0; i < m->ssrc_groups->len; i++) {
    ArSdpSsrcGroup *g = g_ptr_array_index(m->ssrc_groups, i);
    if (g_str_equal(g->semantics, semantics))
      return g;
  }
  return NULL;
}

gboolean
ar_sdp_media_is_rejected(const ArSdpMedia *m)
{
  return m->port == 0 && !m->bundle_only;
}

ArSdpSession *
ar_sdp_session_new(void)
{
  ArSdpSession *s = g_new0(ArSdpSession, 1);
  s->bundle = strv_new();
  s->media = g_ptr_array_new_with_free_func((GDestroyNotify)ar_sdp_media_free);
  return s;
}

void
ar_sdp_session_free(ArSdpSession *s)
{
  if (!s)
    return;
  g_free(s->ice_ufrag);
  g_free(s->ice_pwd);
  g_free(s->fingerprint_algorithm);
  g_free(s->fingerprint);
  g_ptr_array_unref(s->bundle);
  g_ptr_array_unref(s->media);
  g_free(s);
}

ArSdpSession *
ar_sdp_session_copy(const ArSdpSession *s)
{
  ArSdpSession *out = g_new0(ArSdpSession, 1);
  out->session_id = s->session_id;
  out->session_version = s->session_version;
  out->ice_ufrag = g_strdup(s->ice_ufrag);
  out->ice_pwd = g_strdup(s->ice_pwd);
  out->fingerprint_algorithm = g_strdup(s->fingerprint_algorithm);
  out->fingerprint = g_strdup(s->fingerprint);
  out->setup = s->setup;
  out->bundle = strv_copy(s->bundle);
  out->ice_lite = s->ice_lite;
  out->ice_trickle = s->ice_trickle;
  out->extmap_allow_mixed = s->extmap_allow_mixed;
  out->media = ptrv_copy(s->media, (gpointer(*)(gconstpointer))ar_sdp_media_copy,
                         (GDestroyNotify)ar_sdp_media_free);
  return out;
}

ArSdpMedia *
ar_sdp_session_find_media(const ArSdpSession *s, const char *mid)
{
  for (guint i = 0; i < s->media->len; i++) {
    ArSdpMedia *m = g_ptr_array_index(s->media, i);
    if (m->mid && g_str_equal(m->mid, mid))
      return m;
  }
  return NULL;
}

const char *
ar_sdp_direction_to_string(ArSdpDirection d)
{
  switch (d) {
  case AR_SDP_DIR_SENDRECV:
    return "sendrecv";
  case AR_SDP_DIR_SENDONLY:
    return "sendonly";
  case AR_SDP_DIR_RECVONLY:
    return "recvonly";
  case AR_SDP_DIR_INACTIVE:
    return "inactive";
  case AR_SDP_DIR_UNSPECIFIED:
    break;
  }
  return NULL;
}

ArSdpDirection
ar_sdp_direction_reverse(ArSdpDirection d)
{
  switch (d) {
  case AR_SDP_DIR_SENDONLY:
    return AR_SDP_DIR_RECVONLY;
  case AR_SDP_DIR_RECVONLY:
    return AR_SDP_DIR_SENDONLY;
  default:
    return d;
  }
}

const char *
ar_sdp_setup_to_string(ArSdpSetup setup)
{
  switch (setup) {
  case AR_SDP_SETUP_ACTPASS:
    return "actpass";
  case AR_SDP_SETUP_ACTIVE:
    return "active";
  case AR_SDP_SETUP_PASSIVE:
    return "passive";
  case AR_SDP_SETUP_NONE:
    break;
  }
  return NULL;
}

const char *
ar_sdp_kind_to_string(ArSdpKind kind)
{
  switch (kind) {
  case AR_SDP_KIND_AUDIO:
    return "audio";
  case AR_SDP_KIND_VIDEO:
    return "video";
  case AR_SDP_KIND_APPLICATION:
    return "application";
  case AR_SDP_KIND_OTHER:
    break;
  }
  return "other";
}
