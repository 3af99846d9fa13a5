/* SDP text -> ArSdpSession. gst_sdp_message_new_from_text splits the lines and accepts nearly
 * anything, so everything anteroom relies on is checked here: one BUNDLE transport with ICE
 * credentials, a sha-256 fingerprint and a DTLS role, rtcp-mux, unique mids, sane payload types
 * and header extension ids. Each failure is an AR_SDP_ERROR code naming the m-line. */
#include "sdp.h"

#include <gst/sdp/gstsdpmessage.h>
#include <string.h>

#define MAX_SDP_BYTES (1024 * 1024)

/* Transport attributes of one level (session or m-line), resolved after all m-lines are read,
 * because with BUNDLE only the tagged m-line's (or the session's) values count. */
typedef struct {
  const char *ufrag;
  const char *pwd;
  GPtrArray *fingerprints; /* const char *, borrowed from the GstSDPMessage */
  const char *setup;
} Transport;

typedef struct {
  ArSdpDirection direction;
  gboolean allow_mixed;
  GPtrArray *extmaps; /* session-level a=extmap, ArSdpExtmap * */
} SessionDefaults;

static void
transport_clear(Transport *t)
{
  g_clear_pointer(&t->fingerprints, g_ptr_array_unref);
}

static char *
media_label(guint index, const char *mid)
{
  if (mid)
    return g_strdup_printf("m-line %u (mid %s)", index, mid);
  return g_strdup_printf("m-line %u", index);
}

/* Decimal number with nothing else before `end`; FALSE on overflow past `max`. */
static gboolean
parse_uint(const char *s, guint64 max, guint64 *out, const char **end)
{
  guint64 v = 0;
  const char *p = s;
  if (!g_ascii_isdigit(*p))
    return FALSE;
  while (g_ascii_isdigit(*p)) {
    guint64 d = (guint64)(*p - '0');
    if (v > (max - d) / 10)
      return FALSE;
    v = v * 10 + d;
    p++;
  }
  *out = v;
  if (end)
    *end = p;
  else if (*p != '\0')
    return FALSE;
  return TRUE;
}

static ArSdpDirection
direction_from_key(const char *key)
{
  if (g_str_equal(key, "sendrecv"))
    return AR_SDP_DIR_SENDRECV;
  if (g_str_equal(key, "sendonly"))
    return AR_SDP_DIR_SENDONLY;
  if (g_str_equal(key, "recvonly"))
    return AR_SDP_DIR_RECVONLY;
  if (g_str_equal(key, "inactive"))
    return AR_SDP_DIR_INACTIVE;
  return AR_SDP_DIR_UNSPECIFIED;
}

static ArSdpKind
kind_from_media(const char *media)
{
  if (g_strcmp0(media, "audio") == 0)
    return AR_SDP_KIND_AUDIO;
  if (g_strcmp0(media, "video") == 0)
    return AR_SDP_KIND_VIDEO;
  if (g_strcmp0(media, "application") == 0)
    return AR_SDP_KIND_APPLICATION;
  return AR_SDP_KIND_OTHER;
}

/* Every line must look like "<letter>=": gst-sdp silently skips anything else, which would
 * let a JSON envelope or a truncated paste through as an empty session. */
static gboolean
check_lines(const char *text, GError **error)
{
  if (strnlen(text, MAX_SDP_BYTES + 1) > MAX_SDP_BYTES) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOT_SDP, "SDP larger than %d bytes",
                MAX_SDP_BYTES);
    return FALSE;
  }
  if (!g_str_has_prefix(text, "v=0\r\n") && !g_str_has_prefix(text, "v=0\n")) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOT_SDP, "not SDP: does not start with v=0");
    return FALSE;
  }
  guint line = 1;
  for (const char *p = text; *p; line++) {
    const char *nl = strchr(p, '\n');
    gsize len = nl ? (gsize)(nl - p) : strlen(p);
    if (len > 0 && p[len - 1] == '\r')
      len--;
    if (len > 0 && (len < 2 || !g_ascii_islower(p[0]) || p[1] != '=')) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOT_SDP,
                  "not SDP: line %u is not of the form <type>=<value>", line);
      return FALSE;
    }
    if (!nl)
      break;
    p = nl + 1;
  }
  return TRUE;
}

static gboolean
is_ice_chars(const char *s, gsize min, gsize max)
{
  gsize n = strlen(s);
  if (n < min || n > max)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/')
      return FALSE;
  return TRUE;
}

/* "sha-256 AB:CD:..." with exactly 32 hex pairs. */
static gboolean
parse_fingerprint(GPtrArray *values, ArSdpSession *s, GError **error)
{
  if (!values || values->len == 0) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_FINGERPRINT, "no a=fingerprint");
    return FALSE;
  }
  for (guint i = 0; i < values->len; i++) {
    const char *v = g_ptr_array_index(values, i);
    const char *sp = strchr(v, ' ');
    if (!sp || (gsize)(sp - v) != 7 || g_ascii_strncasecmp(v, "sha-256", 7) != 0)
      continue;
    const char *hex = sp + 1;
    gboolean ok = strlen(hex) == 32 * 3 - 1;
    for (guint k = 0; ok && k < 32; k++) {
      const char *pair = hex + k * 3;
      ok = g_ascii_isxdigit(pair[0]) && g_ascii_isxdigit(pair[1]) && (k == 31 || pair[2] == ':');
    }
    if (!ok) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_FINGERPRINT,
                  "malformed sha-256 fingerprint (need 32 colon-separated hex pairs): %s", hex);
      return FALSE;
    }
    s->fingerprint_algorithm = g_strdup("sha-256");
    s->fingerprint = g_ascii_strup(hex, -1);
    return TRUE;
  }
  g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_FINGERPRINT,
              "no sha-256 fingerprint (a=fingerprint:%s)",
              (const char *)g_ptr_array_index(values, 0));
  return FALSE;
}

static void
add_fb(ArSdpCodec *c, const char *fb)
{
  if (!ar_sdp_codec_has_fb(c, fb))
    g_ptr_array_add(c->rtcp_fb, g_strdup(fb));
}

/* Names of the static payload types a browser may list without an rtpmap (RFC 3551). */
static void
set_static_codec(ArSdpCodec *c)
{
  static const struct {
    guint8 pt;
    const char *name;
    guint rate;
  } table[] = {{0, "PCMU", 8000},  {3, "GSM", 8000},    {4, "G723", 8000},
               {8, "PCMA", 8000},  {9, "G722", 8000},   {13, "CN", 8000},
               {18, "G729", 8000}, {26, "JPEG", 90000}, {34, "H263", 90000}};
  for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
    if (table[i].pt == c->pt) {
      c->name = g_strdup(table[i].name);
      c->clock_rate = table[i].rate;
    }
  }
}

/* "96 VP8/90000" or "111 opus/48000/2" */
static gboolean
parse_rtpmap(ArSdpMedia *m, const char *value)
{
  guint64 pt;
  const char *p;
  if (!parse_uint(value, 127, &pt, &p) || *p != ' ')
    return FALSE;
  ArSdpCodec *c = ar_sdp_media_find_codec(m, (guint)pt);
  if (!c)
    return TRUE; /* an rtpmap for a payload type not on the m-line: nothing to map */
  g_auto(GStrv) parts = g_strsplit(p + 1, "/", 3);
  guint64 rate = 0, channels = 0;
  if (!parts[0] || !parts[0][0] || !parts[1] || !parse_uint(parts[1], G_MAXUINT32, &rate, NULL))
    return FALSE;
  if (parts[2] && !parse_uint(parts[2], 255, &channels, NULL))
    return FALSE;
  g_free(c->name);
  c->name = g_strdup(parts[0]);
  c->clock_rate = (guint)rate;
  c->channels = (guint)channels;
  return TRUE;
}

/* "1 uri", "2/recvonly uri", "3 uri attributes"; the id is range-checked later, once it is
 * known whether two-byte headers (a=extmap-allow-mixed) are on. */
static gboolean
parse_extmap(ArSdpMedia *m, const char *value)
{
  guint64 id;
  const char *p;
  if (!parse_uint(value, 65535, &id, &p))
    return FALSE;
  ArSdpDirection dir = AR_SDP_DIR_UNSPECIFIED;
  if (*p == '/') {
    const char *sp = strchr(p, ' ');
    if (!sp)
      return FALSE;
    g_autofree char *d = g_strndup(p + 1, (gsize)(sp - p - 1));
    dir = direction_from_key(d);
    if (dir == AR_SDP_DIR_UNSPECIFIED)
      return FALSE;
    p = sp;
  }
  if (*p != ' ' || !p[1])
    return FALSE;
  p++;
  const char *sp = strchr(p, ' ');
  g_autofree char *uri = sp ? g_strndup(p, (gsize)(sp - p)) : g_strdup(p);
  ArSdpExtmap *e = ar_sdp_extmap_new((guint)id, uri);
  e->direction = dir;
  if (sp && sp[1])
    e->attributes = g_strdup(sp + 1);
  g_ptr_array_add(m->extmaps, e);
  return TRUE;
}

/* "123 cname:x", "123 msid:stream track"; other ssrc attributes are not used. */
static void
parse_ssrc(ArSdpMedia *m, const char *value)
{
  guint64 ssrc;
  const char *p;
  if (!parse_uint(value, G_MAXUINT32, &ssrc, &p) || *p != ' ')
    return;
  ArSdpSsrc *s = ar_sdp_media_find_ssrc(m, (guint32)ssrc);
  if (!s) {
    s = ar_sdp_ssrc_new((guint32)ssrc);
    g_ptr_array_add(m->ssrcs, s);
  }
  p++;
  if (g_str_has_prefix(p, "cname:")) {
    g_free(s->cname);
    s->cname = g_strdup(p + 6);
  } else if (g_str_has_prefix(p, "msid:")) {
    g_free(s->msid);
    s->msid = g_strdup(p + 5);
  }
}

static void
parse_ssrc_group(ArSdpMedia *m, const char *value)
{
  g_auto(GStrv) tok = g_strsplit(value, " ", -1);
  if (!tok[0] || !tok[0][0] || !tok[1])
    return;
  g_autoptr(ArSdpSsrcGroup) g = ar_sdp_ssrc_group_new(tok[0]);
  for (guint i = 1; tok[i]; i++) {
    guint64 v;
    if (!parse_uint(tok[i], G_MAXUINT32, &v, NULL))
      return;
    guint32 ssrc = (guint32)v;
    g_array_append_val(g->ssrcs, ssrc);
  }
  g_ptr_array_add(m->ssrc_groups, g_steal_pointer(&g));
}

/* "q send", "h recv pt=96;max-width=640" */
static void
parse_rid(ArSdpMedia *m, const char *value)
{
  g_auto(GStrv) tok = g_strsplit(value, " ", 3);
  if (!tok[0] || !tok[0][0] || !tok[1])
    return;
  ArSdpRidDirection dir;
  if (g_str_equal(tok[1], "send"))
    dir = AR_SDP_RID_SEND;
  else if (g_str_equal(tok[1], "recv"))
    dir = AR_SDP_RID_RECV;
  else
    return;
  ArSdpRid *r = ar_sdp_rid_new(tok[0], dir);
  if (tok[2] && tok[2][0])
    r->restrictions = g_strdup(tok[2]);
  g_ptr_array_add(m->rids, r);
}

/* RFC 8853: "send q;h;f", "recv 1;2 send 3", alternatives "a,b" kept as one entry. Firefox
 * before 63 wrote "send rid=q;h;f". */
static void
parse_simulcast(ArSdpMedia *m, const char *value)
{
  g_autofree char *v = g_strstrip(g_strdup(value));
  g_auto(GStrv) tok = g_strsplit(v, " ", -1);
  for (guint i = 0; tok[i] && tok[i + 1]; i += 2) {
    GPtrArray *list;
    if (g_str_equal(tok[i], "send"))
      list = m->simulcast_send;
    else if (g_str_equal(tok[i], "recv"))
      list = m->simulcast_recv;
    else
      return;
    const char *streams = tok[i + 1];
    if (g_str_has_prefix(streams, "rid="))
      streams += 4;
    g_auto(GStrv) s = g_strsplit(streams, ";", -1);
    for (guint k = 0; s[k]; k++)
      if (s[k][0])
        g_ptr_array_add(list, g_strdup(s[k]));
  }
}

static gboolean
parse_formats(const GstSDPMedia *gm, ArSdpMedia *m, const char *label, GError **error)
{
  gboolean rtp = m->proto && strstr(m->proto, "RTP/") != NULL;
  for (guint i = 0; i < gst_sdp_media_formats_len(gm); i++) {
    const char *f = gst_sdp_media_get_format(gm, i);
    g_ptr_array_add(m->formats, g_strdup(f));
    if (!rtp)
      continue;
    guint64 pt;
    /* RFC 5761 section 4: with rtcp-mux, 64-95 would collide with RTCP packet types. */
    if (!parse_uint(f, 127, &pt, NULL) || (pt >= 64 && pt <= 95)) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_PAYLOAD_TYPE,
                  "%s: payload type %s is not in 0-63 or 96-127", label, f);
      return FALSE;
    }
    if (ar_sdp_media_find_codec(m, (guint)pt)) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_PAYLOAD_TYPE,
                  "%s: payload type %s listed twice", label, f);
      return FALSE;
    }
    ArSdpCodec *c = ar_sdp_codec_new((guint8)pt, NULL, 0, 0);
    set_static_codec(c);
    g_ptr_array_add(m->codecs, c);
  }
  return TRUE;
}

static gboolean
parse_codec_attr(ArSdpMedia *m, const char *key, const char *value, const char *label,
                 GError **error)
{
  if (g_str_equal(key, "rtpmap")) {
    if (!parse_rtpmap(m, value)) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_RTPMAP_MISSING, "%s: malformed a=rtpmap:%s",
                  label, value);
      return FALSE;
    }
    return TRUE;
  }
  const char *sp = strchr(value, ' ');
  if (!sp)
    return TRUE;
  if (g_str_equal(key, "rtcp-fb") && value[0] == '*' && sp == value + 1) {
    for (guint i = 0; i < m->codecs->len; i++)
      add_fb(g_ptr_array_index(m->codecs, i), sp + 1);
    return TRUE;
  }
  guint64 pt;
  const char *end;
  if (!parse_uint(value, 127, &pt, &end) || end != sp)
    return TRUE;
  ArSdpCodec *c = ar_sdp_media_find_codec(m, (guint)pt);
  if (!c)
    return TRUE;
  if (g_str_equal(key, "fmtp")) {
    g_free(c->fmtp);
    c->fmtp = g_strdup(sp + 1);
  } else {
    add_fb(c, sp + 1);
  }
  return TRUE;
}

static ArSdpMedia *
parse_media(const GstSDPMedia *gm, guint index, const SessionDefaults *defs, Transport *t,
            GError **error)
{
  g_autoptr(ArSdpMedia) m = ar_sdp_media_new(kind_from_media(gst_sdp_media_get_media(gm)));
  g_free(m->media);
  m->media = g_strdup(gst_sdp_media_get_media(gm) ? gst_sdp_media_get_media(gm) : "");
  m->port = gst_sdp_media_get_port(gm);
  m->proto = g_strdup(gst_sdp_media_get_proto(gm));
  m->direction = defs->direction;
  const char *mid = gst_sdp_media_get_attribute_val(gm, "mid");
  g_autofree char *label = media_label(index, mid);
  if (!parse_formats(gm, m, label, error))
    return NULL;

  gboolean allow_mixed = defs->allow_mixed;
  for (guint i = 0; i < gst_sdp_media_attributes_len(gm); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(gm, i);
    const char *key = a->key;
    const char *value = a->value ? a->value : "";
    ArSdpDirection dir = direction_from_key(key);
    if (dir != AR_SDP_DIR_UNSPECIFIED) {
      m->direction = dir;
    } else if (g_str_equal(key, "mid")) {
      if (!m->mid)
        m->mid = g_strdup(value);
    } else if (g_str_equal(key, "rtcp-mux")) {
      m->rtcp_mux = TRUE;
    } else if (g_str_equal(key, "rtcp-rsize")) {
      m->rtcp_rsize = TRUE;
    } else if (g_str_equal(key, "bundle-only")) {
      m->bundle_only = TRUE;
    } else if (g_str_equal(key, "rtpmap") || g_str_equal(key, "fmtp") ||
               g_str_equal(key, "rtcp-fb")) {
      if (!parse_codec_attr(m, key, value, label, error))
        return NULL;
    } else if (g_str_equal(key, "extmap")) {
      if (!parse_extmap(m, value)) {
        g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_EXTMAP_ID, "%s: malformed a=extmap:%s", label,
                    value);
        return NULL;
      }
    } else if (g_str_equal(key, "extmap-allow-mixed")) {
      allow_mixed = TRUE;
      m->extmap_allow_mixed = TRUE;
    } else if (g_str_equal(key, "ssrc")) {
      parse_ssrc(m, value);
    } else if (g_str_equal(key, "ssrc-group")) {
      parse_ssrc_group(m, value);
    } else if (g_str_equal(key, "rid")) {
      parse_rid(m, value);
    } else if (g_str_equal(key, "simulcast")) {
      parse_simulcast(m, value);
    } else if (g_str_equal(key, "msid")) {
      g_free(m->msid);
      m->msid = g_strdup(value);
    } else if (g_str_equal(key, "candidate")) {
      g_ptr_array_add(m->candidates, g_strdup(value));
    } else if (g_str_equal(key, "end-of-candidates")) {
      m->end_of_candidates = TRUE;
    } else if (g_str_equal(key, "sctp-port")) {
      guint64 port;
      if (parse_uint(value, 65535, &port, NULL))
        m->sctp_port = (guint)port;
    } else if (g_str_equal(key, "ice-ufrag")) {
      t->ufrag = value;
    } else if (g_str_equal(key, "ice-pwd")) {
      t->pwd = value;
    } else if (g_str_equal(key, "fingerprint")) {
      g_ptr_array_add(t->fingerprints, (gpointer)value);
    } else if (g_str_equal(key, "setup")) {
      t->setup = value;
    }
  }

  for (guint i = 0; i < m->codecs->len; i++) {
    ArSdpCodec *c = g_ptr_array_index(m->codecs, i);
    /* A rejected m-line may list bare formats (RFC 3264 section 6): nothing will use them. */
    if (!c->name && c->pt >= 35 && !ar_sdp_media_is_rejected(m)) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_RTPMAP_MISSING,
                  "%s: dynamic payload type %u has no a=rtpmap", label, c->pt);
      return NULL;
    }
    if (c->name && g_ascii_strcasecmp(c->name, "rtx") == 0) {
      g_autofree char *apt = ar_sdp_fmtp_get(c->fmtp, "apt");
      guint64 v;
      if (apt && parse_uint(apt, 127, &v, NULL)) {
        c->apt = (gint)v;
        ArSdpCodec *primary = ar_sdp_media_find_codec(m, (guint)v);
        if (primary && primary->rtx_pt < 0)
          primary->rtx_pt = c->pt;
      }
    }
  }

  /* Session-level extmaps apply to every m-line that does not map the id itself. */
  for (guint i = 0; i < defs->extmaps->len; i++) {
    const ArSdpExtmap *e = g_ptr_array_index(defs->extmaps, i);
    gboolean taken = FALSE;
    for (guint k = 0; k < m->extmaps->len; k++)
      taken |= ((ArSdpExtmap *)g_ptr_array_index(m->extmaps, k))->id == e->id;
    if (!taken)
      g_ptr_array_add(m->extmaps, ar_sdp_extmap_copy(e));
  }
  guint max_id = allow_mixed ? 255 : 14;
  guint8 seen[256] = {0};
  for (guint i = 0; i < m->extmaps->len; i++) {
    const ArSdpExtmap *e = g_ptr_array_index(m->extmaps, i);
    if (e->id < 1 || e->id > max_id) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_EXTMAP_ID,
                  "%s: header extension id %u for %s is outside 1-%u%s", label, e->id, e->uri,
                  max_id, allow_mixed ? "" : " (one-byte headers; no a=extmap-allow-mixed)");
      return NULL;
    }
    if (seen[e->id]++) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_EXTMAP_ID,
                  "%s: header extension id %u mapped twice", label, e->id);
      return NULL;
    }
  }
  return g_steal_pointer(&m);
}

static gboolean
check_bundle(const ArSdpSession *s, GError **error)
{
  for (guint i = 0; i < s->media->len; i++) {
    const ArSdpMedia *m = g_ptr_array_index(s->media, i);
    for (guint k = 0; m->mid && k < i; k++) {
      const ArSdpMedia *o = g_ptr_array_index(s->media, k);
      if (o->mid && g_str_equal(o->mid, m->mid)) {
        g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_DUPLICATE_MID,
                    "m-lines %u and %u have the same mid %s", k, i, m->mid);
        return FALSE;
      }
    }
  }
  if (s->bundle->len == 0) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_BUNDLE, "no a=group:BUNDLE");
    return FALSE;
  }
  for (guint i = 0; i < s->media->len; i++) {
    const ArSdpMedia *m = g_ptr_array_index(s->media, i);
    if (ar_sdp_media_is_rejected(m))
      continue;
    if (!m->mid) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_BUNDLE, "m-line %u has no a=mid", i);
      return FALSE;
    }
    if (!g_ptr_array_find_with_equal_func(s->bundle, m->mid, g_str_equal, NULL)) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_BUNDLE,
                  "m-line %u (mid %s) is not in the BUNDLE group", i, m->mid);
      return FALSE;
    }
  }
  for (guint i = 0; i < s->bundle->len; i++) {
    const char *mid = g_ptr_array_index(s->bundle, i);
    const ArSdpMedia *m = ar_sdp_session_find_media(s, mid);
    if (!m || ar_sdp_media_is_rejected(m)) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_BUNDLE,
                  "BUNDLE group names mid %s, which is no accepted m-line", mid);
      return FALSE;
    }
  }
  for (guint i = 0; i < s->media->len; i++) {
    const ArSdpMedia *m = g_ptr_array_index(s->media, i);
    gboolean rtp = m->proto && strstr(m->proto, "RTP/") != NULL;
    if (rtp && !ar_sdp_media_is_rejected(m) && !m->rtcp_mux) {
      g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_RTCP_MUX,
                  "m-line %u (mid %s) has no a=rtcp-mux, which anteroom requires", i, m->mid);
      return FALSE;
    }
  }
  return TRUE;
}

/* The BUNDLE transport: the tagged (first) m-line's values, else the session's. */
static gboolean
resolve_transport(ArSdpSession *s, const Transport *sess, const Transport *tag, GError **error)
{
  const char *ufrag = tag->ufrag ? tag->ufrag : sess->ufrag;
  const char *pwd = tag->pwd ? tag->pwd : sess->pwd;
  if (!ufrag || !pwd) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_ICE_CREDENTIALS, "no a=%s",
                ufrag ? "ice-pwd" : "ice-ufrag");
    return FALSE;
  }
  /* RFC 8839 section 5.4: ufrag 4-256 ice-chars, pwd 22-256. */
  if (!is_ice_chars(ufrag, 4, 256) || !is_ice_chars(pwd, 22, 256)) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_ICE_CREDENTIALS,
                "malformed a=%s (ICE characters, 4-256 for ufrag, 22-256 for pwd)",
                is_ice_chars(ufrag, 4, 256) ? "ice-pwd" : "ice-ufrag");
    return FALSE;
  }
  s->ice_ufrag = g_strdup(ufrag);
  s->ice_pwd = g_strdup(pwd);
  GPtrArray *fp = tag->fingerprints->len ? tag->fingerprints : sess->fingerprints;
  if (!parse_fingerprint(fp, s, error))
    return FALSE;
  const char *setup = tag->setup ? tag->setup : sess->setup;
  if (g_strcmp0(setup, "actpass") == 0)
    s->setup = AR_SDP_SETUP_ACTPASS;
  else if (g_strcmp0(setup, "active") == 0)
    s->setup = AR_SDP_SETUP_ACTIVE;
  else if (g_strcmp0(setup, "passive") == 0)
    s->setup = AR_SDP_SETUP_PASSIVE;
  else {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_SETUP,
                setup ? "a=setup:%s is not actpass, active or passive" : "no a=setup%s",
                setup ? setup : "");
    return FALSE;
  }
  return TRUE;
}

static void
parse_session_attr(ArSdpSession *s, SessionDefaults *defs, Transport *t, const char *key,
                   const char *value)
{
  ArSdpDirection dir = direction_from_key(key);
  if (dir != AR_SDP_DIR_UNSPECIFIED) {
    defs->direction = dir;
  } else if (g_str_equal(key, "group") && g_str_has_prefix(value, "BUNDLE") &&
             (value[6] == ' ' || value[6] == '\0') && s->bundle->len == 0) {
    g_auto(GStrv) tok = g_strsplit(value + 6, " ", -1);
    for (guint k = 0; tok[k]; k++)
      if (tok[k][0])
        g_ptr_array_add(s->bundle, g_strdup(tok[k]));
  } else if (g_str_equal(key, "ice-ufrag")) {
    t->ufrag = value;
  } else if (g_str_equal(key, "ice-pwd")) {
    t->pwd = value;
  } else if (g_str_equal(key, "fingerprint")) {
    g_ptr_array_add(t->fingerprints, (gpointer)value);
  } else if (g_str_equal(key, "setup")) {
    t->setup = value;
  } else if (g_str_equal(key, "ice-lite")) {
    s->ice_lite = TRUE;
  } else if (g_str_equal(key, "extmap-allow-mixed")) {
    s->extmap_allow_mixed = TRUE;
    defs->allow_mixed = TRUE;
  } else if (g_str_equal(key, "extmap")) {
    g_autoptr(ArSdpMedia) tmp = ar_sdp_media_new(AR_SDP_KIND_OTHER);
    if (parse_extmap(tmp, value))
      g_ptr_array_add(defs->extmaps, g_ptr_array_steal_index(tmp->extmaps, 0));
  }
}

static gboolean
has_trickle(const char *ice_options)
{
  g_auto(GStrv) tok = g_strsplit(ice_options ? ice_options : "", " ", -1);
  return g_strv_contains((const char *const *)tok, "trickle");
}

ArSdpSession *
ar_sdp_parse(const char *text, GError **error)
{
  g_return_val_if_fail(text != NULL, NULL);
  if (!check_lines(text, error))
    return NULL;
  g_autoptr(GstSDPMessage) msg = NULL;
  if (gst_sdp_message_new_from_text(text, &msg) != GST_SDP_OK || !msg) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOT_SDP, "not SDP: gst-sdp rejected it");
    return NULL;
  }
  const GstSDPOrigin *o = gst_sdp_message_get_origin(msg);
  if (!o || !o->sess_id || !o->sess_version) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOT_SDP, "not SDP: no o= line");
    return NULL;
  }
  guint n_media = gst_sdp_message_medias_len(msg);
  if (n_media == 0) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NO_MEDIA, "no m-line");
    return NULL;
  }

  g_autoptr(ArSdpSession) s = ar_sdp_session_new();
  guint64 v = 0;
  s->session_id = parse_uint(o->sess_id, G_MAXUINT64, &v, NULL) ? v : 0;
  s->session_version = parse_uint(o->sess_version, G_MAXUINT64, &v, NULL) ? v : 0;

  SessionDefaults defs = {AR_SDP_DIR_SENDRECV, FALSE,
                          g_ptr_array_new_with_free_func((GDestroyNotify)ar_sdp_extmap_free)};
  Transport sess = {.fingerprints = g_ptr_array_new()};
  Transport *per_media = g_new0(Transport, n_media);
  ArSdpSession *result = NULL;

  for (guint i = 0; i < gst_sdp_message_attributes_len(msg); i++) {
    const GstSDPAttribute *a = gst_sdp_message_get_attribute(msg, i);
    parse_session_attr(s, &defs, &sess, a->key, a->value ? a->value : "");
  }
  s->ice_trickle = has_trickle(gst_sdp_message_get_attribute_val(msg, "ice-options"));
  for (guint i = 0; i < n_media; i++) {
    const GstSDPMedia *gm = gst_sdp_message_get_media(msg, i);
    per_media[i].fingerprints = g_ptr_array_new();
    ArSdpMedia *m = parse_media(gm, i, &defs, &per_media[i], error);
    if (!m)
      goto out;
    g_ptr_array_add(s->media, m);
    s->ice_trickle |= has_trickle(gst_sdp_media_get_attribute_val(gm, "ice-options"));
  }
  if (!check_bundle(s, error))
    goto out;
  const ArSdpMedia *tag = ar_sdp_session_find_media(s, g_ptr_array_index(s->bundle, 0));
  guint tag_index = 0;
  g_ptr_array_find(s->media, tag, &tag_index);
  if (!resolve_transport(s, &sess, &per_media[tag_index], error))
    goto out;
  result = g_steal_pointer(&s);

out:
  for (guint i = 0; i < n_media; i++)
    transport_clear(&per_media[i]);
  g_free(per_media);
  transport_clear(&sess);
  g_ptr_array_unref(defs.extmaps);
  return result;
}
