/* Offer/answer for the SFU. ar_sdp_answer answers a browser's offer m-line by m-line: codecs the
 * router can forward (sdp_codec.c) in the offerer's order and with the offerer's payload types,
 * rtx for each, the header extensions the router reads, directions clipped to what the server
 * wants, simulcast send -> recv. ar_sdp_offer_build makes the server's own offers that add
 * send-only m-lines (receive slots for other participants' tracks) to a negotiated session. */
#include "sdp_private.h"

#include <string.h>

/* Header extensions the router reads or rewrites; the rest are dropped from the answer. */
static const char *const supported_extmaps[] = {
    "urn:ietf:params:rtp-hdrext:sdes:mid",
    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
};

static gboolean
dir_sends(ArSdpDirection d)
{
  return d == AR_SDP_DIR_SENDRECV || d == AR_SDP_DIR_SENDONLY || d == AR_SDP_DIR_UNSPECIFIED;
}

static gboolean
dir_receives(ArSdpDirection d)
{
  return d == AR_SDP_DIR_SENDRECV || d == AR_SDP_DIR_RECVONLY || d == AR_SDP_DIR_UNSPECIFIED;
}

static ArSdpDirection
dir_from(gboolean send, gboolean recv)
{
  if (send && recv)
    return AR_SDP_DIR_SENDRECV;
  if (send)
    return AR_SDP_DIR_SENDONLY;
  return recv ? AR_SDP_DIR_RECVONLY : AR_SDP_DIR_INACTIVE;
}

static gboolean
is_fec(const ArSdpCodec *c)
{
  return c->name &&
         (g_ascii_strcasecmp(c->name, "red") == 0 || g_ascii_strcasecmp(c->name, "ulpfec") == 0);
}

/* An m-line the answer turns down: port 0, the offered formats, nothing else but the mid. */
static ArSdpMedia *
rejected_like(const ArSdpMedia *om)
{
  ArSdpMedia *am = ar_sdp_media_new(om->kind);
  g_free(am->media);
  am->media = g_strdup(om->media);
  am->proto = g_strdup(om->proto);
  for (guint i = 0; i < om->formats->len; i++)
    g_ptr_array_add(am->formats, g_strdup(g_ptr_array_index(om->formats, i)));
  am->mid = g_strdup(om->mid);
  am->port = 0;
  am->direction = AR_SDP_DIR_INACTIVE;
  return am;
}

/* Offered codecs in the offerer's order: accepted primaries, then each one's rtx where the
 * offer paired one with it. Returns FALSE when no real codec (not red/ulpfec/rtx) is left. */
static gboolean
choose_codecs(const ArSdpMedia *om, ArSdpMedia *am, const ArSdpLocal *local)
{
  guint codecs = local->codecs ? local->codecs : AR_SDP_CODECS_DEFAULT;
  guint n = om->codecs->len;
  g_autofree ArSdpCodec **acc = g_new0(ArSdpCodec *, n);
  g_autoptr(ArSdpMedia) primaries = ar_sdp_media_new(om->kind);
  for (guint i = 0; i < n; i++) {
    const ArSdpCodec *oc = g_ptr_array_index(om->codecs, i);
    if (ar_sdp_codec_is_rtx(oc))
      continue;
    acc[i] = ar_sdp_codec_accept(oc, om->kind, codecs, local->h264_profiles);
    if (acc[i])
      g_ptr_array_add(primaries->codecs, ar_sdp_codec_copy(acc[i]));
  }
  for (guint i = 0; i < n; i++) {
    if (acc[i] && om->kind == AR_SDP_KIND_AUDIO && g_ascii_strcasecmp(acc[i]->name, "red") == 0 &&
        !ar_sdp_red_primaries_accepted(acc[i], primaries))
      g_clear_pointer(&acc[i], ar_sdp_codec_free);
  }
  gboolean any_real = FALSE;
  for (guint i = 0; i < n; i++) {
    const ArSdpCodec *oc = g_ptr_array_index(om->codecs, i);
    if (acc[i]) {
      any_real |= !is_fec(acc[i]);
      g_ptr_array_add(am->codecs, acc[i]);
      continue;
    }
    if (!ar_sdp_codec_is_rtx(oc) || om->kind != AR_SDP_KIND_VIDEO || !(codecs & AR_SDP_CODEC_RTX) ||
        oc->apt < 0)
      continue;
    ArSdpCodec *primary = NULL;
    for (guint k = 0; k < n && !primary; k++)
      if (acc[k] && acc[k]->pt == (guint)oc->apt)
        primary = acc[k];
    if (!primary || primary->rtx_pt >= 0)
      continue;
    ArSdpCodec *rtx = ar_sdp_codec_new(oc->pt, oc->name, oc->clock_rate, 0);
    rtx->fmtp = g_strdup_printf("apt=%u", primary->pt);
    rtx->apt = primary->pt;
    primary->rtx_pt = oc->pt;
    g_ptr_array_add(am->codecs, rtx);
  }
  return any_real;
}

static void
choose_extmaps(const ArSdpMedia *om, ArSdpMedia *am)
{
  for (guint i = 0; i < om->extmaps->len; i++) {
    const ArSdpExtmap *e = g_ptr_array_index(om->extmaps, i);
    for (guint k = 0; k < G_N_ELEMENTS(supported_extmaps); k++) {
      if (!g_str_equal(e->uri, supported_extmaps[k]))
        continue;
      ArSdpExtmap *a = ar_sdp_extmap_new(e->id, e->uri);
      /* RFC 8285 section 7: the answer's direction is the offer's seen from our side. */
      a->direction = ar_sdp_direction_reverse(e->direction);
      g_ptr_array_add(am->extmaps, a);
    }
  }
}

/* Offered "a=simulcast:send q;h;f" with "a=rid:q send" -> "a=simulcast:recv q;h;f", "a=rid:q
 * recv". The restrictions are not echoed: the SFU receives whatever each layer carries. */
static void
answer_simulcast(const ArSdpMedia *om, ArSdpMedia *am)
{
  for (guint i = 0; i < om->simulcast_send->len; i++)
    g_ptr_array_add(am->simulcast_recv, g_strdup(g_ptr_array_index(om->simulcast_send, i)));
  for (guint i = 0; i < om->rids->len; i++) {
    const ArSdpRid *r = g_ptr_array_index(om->rids, i);
    if (r->direction == AR_SDP_RID_SEND)
      g_ptr_array_add(am->rids, ar_sdp_rid_new(r->id, AR_SDP_RID_RECV));
  }
}

/* a=msid and a=ssrc (+ FID group with the rtx SSRC) of the stream the server sends here. */
static void
add_send_stream(ArSdpMedia *am, const char *cname, guint32 ssrc, guint32 rtx_ssrc, const char *msid)
{
  g_free(am->msid);
  am->msid = g_strdup(msid);
  if (!ssrc)
    return;
  gboolean has_rtx = FALSE;
  for (guint i = 0; i < am->codecs->len; i++)
    has_rtx |= ((const ArSdpCodec *)g_ptr_array_index(am->codecs, i))->rtx_pt >= 0;
  guint32 ssrcs[2] = {ssrc, rtx_ssrc};
  guint n = rtx_ssrc && has_rtx ? 2 : 1;
  if (n == 2) {
    ArSdpSsrcGroup *g = ar_sdp_ssrc_group_new("FID");
    g_array_append_vals(g->ssrcs, ssrcs, 2);
    g_ptr_array_add(am->ssrc_groups, g);
  }
  for (guint i = 0; i < n; i++) {
    ArSdpSsrc *s = ar_sdp_ssrc_new(ssrcs[i]);
    s->cname = g_strdup(cname);
    s->msid = g_strdup(msid);
    g_ptr_array_add(am->ssrcs, s);
  }
}

static ArSdpMedia *
answer_media(const ArSdpMedia *om, const ArSdpLocalMedia *lm, const ArSdpLocal *local)
{
  if (ar_sdp_media_is_rejected(om) ||
      (om->kind != AR_SDP_KIND_AUDIO && om->kind != AR_SDP_KIND_VIDEO) || !om->proto ||
      !strstr(om->proto, "RTP/"))
    return rejected_like(om);
  g_autoptr(ArSdpMedia) am = ar_sdp_media_new(om->kind);
  g_free(am->media);
  am->media = g_strdup(om->media);
  am->proto = g_strdup(om->proto);
  am->mid = g_strdup(om->mid);
  am->port = 9;
  am->rtcp_mux = TRUE;
  am->rtcp_rsize = om->rtcp_rsize;
  am->extmap_allow_mixed = om->extmap_allow_mixed;
  if (!choose_codecs(om, am, local))
    return rejected_like(om);
  choose_extmaps(om, am);

  ArSdpDirection want = lm ? lm->direction : AR_SDP_DIR_SENDRECV;
  gboolean recv = dir_sends(om->direction) && dir_receives(want);
  gboolean send = dir_receives(om->direction) && dir_sends(want);
  am->direction = dir_from(send, recv);
  if (recv && om->simulcast_send->len)
    answer_simulcast(om, am);
  if (send && lm)
    add_send_stream(am, local->cname, lm->ssrc, lm->rtx_ssrc, lm->msid);
  return g_steal_pointer(&am);
}

static void
set_local_transport(ArSdpSession *s, const ArSdpLocal *local)
{
  g_free(s->ice_ufrag);
  g_free(s->ice_pwd);
  g_free(s->fingerprint_algorithm);
  g_free(s->fingerprint);
  s->ice_ufrag = g_strdup(local->ice_ufrag);
  s->ice_pwd = g_strdup(local->ice_pwd);
  s->fingerprint_algorithm = g_strdup("sha-256");
  s->fingerprint = g_strdup(local->fingerprint);
  s->ice_lite = FALSE; /* libnice runs full ICE */
}

/* Bundle every accepted m-line; the first one (the BUNDLE tag) carries the candidates. */
static void
bundle_and_candidates(ArSdpSession *s, const ArSdpLocal *local)
{
  g_ptr_array_set_size(s->bundle, 0);
  ArSdpMedia *tag = NULL;
  for (guint i = 0; i < s->media->len; i++) {
    ArSdpMedia *m = g_ptr_array_index(s->media, i);
    g_ptr_array_set_size(m->candidates, 0);
    m->end_of_candidates = FALSE;
    if (ar_sdp_media_is_rejected(m))
      continue;
    g_ptr_array_add(s->bundle, g_strdup(m->mid));
    if (!tag)
      tag = m;
  }
  if (!tag)
    return;
  for (guint i = 0; local->candidates && local->candidates[i]; i++)
    g_ptr_array_add(tag->candidates, g_strdup(local->candidates[i]));
  tag->end_of_candidates = local->end_of_candidates;
}

ArSdpSession *
ar_sdp_answer(const ArSdpSession *offer, const ArSdpLocal *local, GError **error)
{
  g_return_val_if_fail(offer != NULL && local != NULL, NULL);
  g_return_val_if_fail(local->ice_ufrag && local->ice_pwd && local->fingerprint, NULL);
  g_autoptr(ArSdpSession) ans = ar_sdp_session_new();
  ans->session_id = local->session_id;
  ans->session_version = local->session_version;
  set_local_transport(ans, local);
  /* anteroom is the DTLS server unless the offerer insists on being it. */
  ans->setup = offer->setup == AR_SDP_SETUP_PASSIVE ? AR_SDP_SETUP_ACTIVE : AR_SDP_SETUP_PASSIVE;
  ans->ice_trickle = offer->ice_trickle;
  ans->extmap_allow_mixed = offer->extmap_allow_mixed;
  for (guint i = 0; i < offer->media->len; i++) {
    const ArSdpLocalMedia *lm = local->media && i < local->n_media ? &local->media[i] : NULL;
    g_ptr_array_add(ans->media, answer_media(g_ptr_array_index(offer->media, i), lm, local));
  }
  bundle_and_candidates(ans, local);
  if (ans->bundle->len == 0) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOTHING_ACCEPTED,
                "none of the %u offered m-lines has a codec anteroom forwards", offer->media->len);
    return NULL;
  }
  return g_steal_pointer(&ans);
}

static ArSdpMedia *
slot_media(const ArSdpSlot *slot, const char *cname)
{
  const ArSdpMedia *like = slot->like;
  ArSdpMedia *m = ar_sdp_media_new(like->kind);
  g_free(m->media);
  m->media = g_strdup(like->media);
  m->proto = g_strdup(like->proto ? like->proto : "UDP/TLS/RTP/SAVPF");
  m->mid = g_strdup(slot->mid);
  m->port = 9;
  m->direction = slot->direction ? slot->direction : AR_SDP_DIR_SENDONLY;
  m->rtcp_mux = TRUE;
  m->rtcp_rsize = like->rtcp_rsize;
  m->extmap_allow_mixed = like->extmap_allow_mixed;
  for (guint i = 0; i < like->codecs->len; i++)
    g_ptr_array_add(m->codecs, ar_sdp_codec_copy(g_ptr_array_index(like->codecs, i)));
  for (guint i = 0; i < like->extmaps->len; i++) {
    ArSdpExtmap *e = ar_sdp_extmap_copy(g_ptr_array_index(like->extmaps, i));
    e->direction = AR_SDP_DIR_UNSPECIFIED;
    g_ptr_array_add(m->extmaps, e);
  }
  add_send_stream(m, cname, slot->ssrc, slot->rtx_ssrc, slot->msid);
  return m;
}

static gboolean
check_slot(const ArSdpSession *s, const ArSdpSlot *slot, guint index, GError **error)
{
  const char *problem = NULL;
  if (!slot->mid || !slot->mid[0])
    problem = "has no mid";
  else if (ar_sdp_session_find_media(s, slot->mid))
    problem = "reuses a mid already in the session";
  else if (!slot->like ||
           (slot->like->kind != AR_SDP_KIND_AUDIO && slot->like->kind != AR_SDP_KIND_VIDEO))
    problem = "has no audio or video m-line to copy codecs from";
  else if (ar_sdp_media_is_rejected(slot->like))
    problem = "copies a rejected m-line";
  else {
    gboolean any = FALSE, unnamed = FALSE;
    for (guint i = 0; i < slot->like->codecs->len; i++) {
      const ArSdpCodec *c = g_ptr_array_index(slot->like->codecs, i);
      any |= c->name && !ar_sdp_codec_is_rtx(c);
      unnamed |= c->name == NULL;
    }
    if (!any || unnamed)
      problem = "copies an m-line without (named) codecs";
  }
  if (problem)
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_SLOT, "slot %u (mid %s) %s", index,
                slot->mid ? slot->mid : "none", problem);
  return problem == NULL;
}

ArSdpSession *
ar_sdp_offer_build(const ArSdpSession *current, const ArSdpLocal *local, const ArSdpSlot *slots,
                   guint n_slots, GError **error)
{
  g_return_val_if_fail(local != NULL && (slots != NULL || n_slots == 0), NULL);
  g_return_val_if_fail(local->ice_ufrag && local->ice_pwd && local->fingerprint, NULL);
  g_autoptr(ArSdpSession) s = current ? ar_sdp_session_copy(current) : ar_sdp_session_new();
  if (current) {
    s->session_version = current->session_version + 1;
  } else {
    s->session_id = local->session_id;
    s->session_version = local->session_version;
    s->ice_trickle = TRUE;
  }
  set_local_transport(s, local);
  /* Passive in every server offer: the browser must answer active, so the DTLS association
   * made at the first answer (where anteroom was passive) never changes roles. */
  s->setup = local->setup ? local->setup : AR_SDP_SETUP_PASSIVE;
  for (guint i = 0; i < n_slots; i++) {
    if (!check_slot(s, &slots[i], i, error))
      return NULL;
    g_ptr_array_add(s->media, slot_media(&slots[i], local->cname));
  }
  bundle_and_candidates(s, local);
  if (s->bundle->len == 0) {
    g_set_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOTHING_ACCEPTED, "offer with no m-line");
    return NULL;
  }
  return g_steal_pointer(&s);
}
