/* Tests of the SDP module against real browser offers (tests/data/sdp, see its README): parse,
 * print and re-parse, the SFU's answer and its re-parse, H.264 profile matching, server offers
 * with receive slots, and one broken fixture per AR_SDP_ERROR code. */
#include "sdp.h"

#include <string.h>

static char *
fixture_path(const char *name)
{
  const char *dir = g_getenv("AR_TEST_DATA");
  g_assert_nonnull(dir);
  return g_build_filename(dir, "sdp", name, NULL);
}

static char *
load(const char *name)
{
  g_autofree char *path = fixture_path(name);
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, &error));
  g_assert_no_error(error);
  return text;
}

static ArSdpSession *
parse_fixture(const char *name)
{
  g_autofree char *text = load(name);
  g_autoptr(GError) error = NULL;
  ArSdpSession *s = ar_sdp_parse(text, &error);
  g_assert_no_error(error);
  g_assert_nonnull(s);
  return s;
}

/* Every fixture that is a browser's own offer (not a broken one, not an answer). */
static GPtrArray *
offer_fixtures(void)
{
  g_autofree char *dir = fixture_path("");
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *n;
  while ((n = g_dir_read_name(d)))
    if (g_str_has_suffix(n, ".sdp") && !g_str_has_prefix(n, "broken-") && !strstr(n, "answer"))
      g_ptr_array_add(names, g_strdup(n));
  g_assert_cmpuint(names->len, >=, 9);
  return names;
}

static const char *const local_candidates[] = {"1 1 udp 2130706431 127.0.0.1 40000 typ host", NULL};

static ArSdpLocal
default_local(void)
{
  ArSdpLocal l = {
      .session_id = 4242,
      .session_version = 1,
      .ice_ufrag = "srvU",
      .ice_pwd = "serverpasswordserverpass",
      .fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:"
                     "33:44:55:66:77:88:99",
      .candidates = local_candidates,
      .end_of_candidates = TRUE,
      .cname = "anteroom",
  };
  return l;
}

/* Answers, prints, re-parses: what a browser would receive. */
static ArSdpSession *
answer_roundtrip(const ArSdpSession *offer, const ArSdpLocal *local)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArSdpSession) ans = ar_sdp_answer(offer, local, &error);
  g_assert_no_error(error);
  g_autofree char *text = ar_sdp_build(ans);
  ArSdpSession *back = ar_sdp_parse(text, &error);
  if (error)
    g_printerr("%s\n", text);
  g_assert_no_error(error);
  return back;
}

static GString *
pt_list(const ArSdpMedia *m)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < m->codecs->len; i++)
    g_string_append_printf(s, "%s%u", i ? " " : "",
                           ((ArSdpCodec *)g_ptr_array_index(m->codecs, i))->pt);
  return s;
}

static void
assert_pts(const ArSdpMedia *m, const char *expected)
{
  GString *s = pt_list(m);
  g_assert_cmpstr(s->str, ==, expected);
  g_string_free(s, TRUE);
}

static ArSdpMedia *
media_at(const ArSdpSession *s, guint i)
{
  g_assert_cmpuint(i, <, s->media->len);
  return g_ptr_array_index(s->media, i);
}

static void
test_parse_all_fixtures(void)
{
  g_autofree char *dir = fixture_path("");
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *n;
  guint count = 0;
  while ((n = g_dir_read_name(d))) {
    if (!g_str_has_suffix(n, ".sdp") || g_str_has_prefix(n, "broken-"))
      continue;
    g_autoptr(ArSdpSession) s = parse_fixture(n);
    g_assert_cmpstr(s->fingerprint_algorithm, ==, "sha-256");
    g_assert_cmpuint(strlen(s->fingerprint), ==, 95);
    g_assert_nonnull(s->ice_ufrag);
    g_assert_cmpuint(s->bundle->len, >, 0);
    g_assert_cmpint(s->setup, !=, AR_SDP_SETUP_NONE);
    for (guint i = 0; i < s->media->len; i++)
      g_assert_nonnull(media_at(s, i)->mid);
    count++;
  }
  g_assert_cmpuint(count, >=, 11);
}

static void
test_parse_chromium(void)
{
  g_autoptr(ArSdpSession) s = parse_fixture("chromium-audio-video.sdp");
  g_assert_cmpuint(s->media->len, ==, 2);
  g_assert_true(s->extmap_allow_mixed);
  g_assert_true(s->ice_trickle);
  g_assert_false(s->ice_lite);
  g_assert_cmpint(s->setup, ==, AR_SDP_SETUP_ACTPASS);
  g_assert_cmpstr(g_ptr_array_index(s->bundle, 0), ==, "0");
  ArSdpMedia *a = media_at(s, 0), *v = media_at(s, 1);
  g_assert_cmpint(a->kind, ==, AR_SDP_KIND_AUDIO);
  g_assert_cmpint(a->direction, ==, AR_SDP_DIR_SENDRECV);
  g_assert_true(a->rtcp_mux && a->rtcp_rsize);
  ArSdpCodec *opus = ar_sdp_media_find_codec(a, 111);
  g_assert_cmpstr(opus->name, ==, "opus");
  g_assert_cmpuint(opus->clock_rate, ==, 48000);
  g_assert_cmpuint(opus->channels, ==, 2);
  g_assert_cmpstr(opus->fmtp, ==, "minptime=10;useinbandfec=1");
  g_assert_true(ar_sdp_codec_has_fb(opus, "transport-cc"));
  g_assert_cmpstr(ar_sdp_media_find_codec(a, 0)->name, ==, "PCMU");
  g_assert_cmpuint(ar_sdp_media_find_extmap(a, "urn:ietf:params:rtp-hdrext:ssrc-audio-level")->id,
                   ==, 1);
  g_assert_cmpuint(a->ssrcs->len, ==, 1);
  ArSdpSsrc *ssrc = g_ptr_array_index(a->ssrcs, 0);
  g_assert_nonnull(ssrc->cname);
  g_assert_nonnull(ssrc->msid);
  g_assert_nonnull(a->msid);
  g_assert_cmpuint(a->candidates->len, >, 0); /* gathered on 127.0.0.1 */

  ArSdpCodec *vp8 = ar_sdp_media_find_codec(v, 96);
  g_assert_cmpstr(vp8->name, ==, "VP8");
  g_assert_cmpint(vp8->rtx_pt, ==, 97);
  g_assert_cmpint(ar_sdp_media_find_codec(v, 97)->apt, ==, 96);
  g_assert_true(ar_sdp_codec_has_fb(vp8, "nack pli"));
  g_assert_true(ar_sdp_codec_has_fb(vp8, "ccm fir"));
  ArSdpSsrcGroup *fid = ar_sdp_media_find_ssrc_group(v, "FID");
  g_assert_nonnull(fid);
  g_assert_cmpuint(fid->ssrcs->len, ==, 2);
  g_assert_nonnull(ar_sdp_media_find_ssrc(v, g_array_index(fid->ssrcs, guint32, 1)));
}

static void
test_parse_firefox_simulcast(void)
{
  g_autoptr(ArSdpSession) s = parse_fixture("firefox-simulcast.sdp");
  ArSdpMedia *v = media_at(s, 1);
  /* Firefox: fingerprint at session level, ICE credentials per m-line, video bundle-only. */
  g_assert_nonnull(s->fingerprint);
  g_assert_nonnull(s->ice_ufrag);
  g_assert_cmpuint(v->port, ==, 0);
  g_assert_true(v->bundle_only);
  g_assert_false(ar_sdp_media_is_rejected(v));
  g_assert_false(s->extmap_allow_mixed);
  g_assert_true(v->extmap_allow_mixed); /* per m-line in Firefox */
  g_assert_cmpint(v->direction, ==, AR_SDP_DIR_SENDONLY);
  g_assert_cmpuint(v->simulcast_send->len, ==, 3);
  g_assert_cmpstr(g_ptr_array_index(v->simulcast_send, 0), ==, "q");
  g_assert_cmpstr(g_ptr_array_index(v->simulcast_send, 2), ==, "f");
  g_assert_cmpuint(v->rids->len, ==, 3);
  g_assert_cmpint(ar_sdp_media_find_rid(v, "h")->direction, ==, AR_SDP_RID_SEND);
  g_assert_cmpuint(v->ssrc_groups->len, ==, 3);
  ArSdpExtmap *rid_ext =
      ar_sdp_media_find_extmap(v, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
  g_assert_cmpint(rid_ext->direction, ==, AR_SDP_DIR_SENDONLY);
  g_assert_true(media_at(s, 0)->end_of_candidates);
  g_assert_cmpint(ar_sdp_media_find_codec(v, 120)->rtx_pt, ==, 124);
}

static void
test_parse_safari(void)
{
  g_autoptr(ArSdpSession) s = parse_fixture("safari-audio-video-datachannel.sdp");
  g_assert_cmpuint(s->media->len, ==, 3);
  ArSdpMedia *v = media_at(s, 0);
  g_assert_cmpint(v->direction, ==, AR_SDP_DIR_RECVONLY);
  ArSdpCodec *h264 = ar_sdp_media_find_codec(v, 96);
  g_autofree char *plid = ar_sdp_fmtp_get(h264->fmtp, "profile-level-id");
  g_assert_cmpstr(plid, ==, "640c1f");
  g_assert_cmpint(h264->rtx_pt, ==, 97);
  g_assert_cmpint(media_at(s, 2)->kind, ==, AR_SDP_KIND_APPLICATION);
  g_assert_cmpuint(media_at(s, 2)->sctp_port, ==, 5000);
}

/* Print and re-parse every fixture: the builder keeps what the parser read. */
static void
test_build_roundtrip(void)
{
  g_autoptr(GPtrArray) names = offer_fixtures();
  g_ptr_array_add(names, g_strdup("chromium-answer-recvonly.sdp"));
  g_ptr_array_add(names, g_strdup("firefox-answer-recvonly.sdp"));
  for (guint i = 0; i < names->len; i++) {
    g_autoptr(ArSdpSession) s = parse_fixture(g_ptr_array_index(names, i));
    g_autofree char *text = ar_sdp_build(s);
    g_autoptr(GError) error = NULL;
    g_autoptr(ArSdpSession) back = ar_sdp_parse(text, &error);
    g_assert_no_error(error);
    g_autofree char *again = ar_sdp_build(back);
    g_assert_cmpstr(text, ==, again);
    g_assert_cmpuint(back->session_id, ==, s->session_id);
    g_assert_cmpstr(back->fingerprint, ==, s->fingerprint);
    g_assert_cmpuint(back->media->len, ==, s->media->len);
    for (guint k = 0; k < s->media->len; k++) {
      ArSdpMedia *a = media_at(s, k), *b = media_at(back, k);
      GString *pa = pt_list(a), *pb = pt_list(b);
      g_assert_cmpstr(pa->str, ==, pb->str);
      g_string_free(pa, TRUE);
      g_string_free(pb, TRUE);
      g_assert_cmpuint(a->extmaps->len, ==, b->extmaps->len);
      g_assert_cmpuint(a->ssrcs->len, ==, b->ssrcs->len);
      g_assert_cmpuint(a->rids->len, ==, b->rids->len);
      g_assert_cmpuint(a->simulcast_send->len, ==, b->simulcast_send->len);
      g_assert_cmpuint(a->candidates->len, ==, b->candidates->len);
      g_assert_cmpint(a->direction, ==, b->direction);
      g_assert_cmpint(a->bundle_only, ==, b->bundle_only);
    }
  }
}

static gboolean
supported_uri(const char *uri)
{
  static const char *const ok[] = {
      "urn:ietf:params:rtp-hdrext:sdes:mid",
      "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
      "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
      "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
      "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
      "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
      NULL};
  return g_strv_contains(ok, uri);
}

/* Invariants of every answer to every real offer. */
static void
test_answer_all_fixtures(void)
{
  g_autoptr(GPtrArray) names = offer_fixtures();
  ArSdpLocal local = default_local();
  for (guint i = 0; i < names->len; i++) {
    g_autoptr(ArSdpSession) offer = parse_fixture(g_ptr_array_index(names, i));
    g_autoptr(ArSdpSession) ans = answer_roundtrip(offer, &local);
    g_assert_cmpint(ans->setup, ==, AR_SDP_SETUP_PASSIVE);
    g_assert_false(ans->ice_lite);
    g_assert_cmpstr(ans->ice_ufrag, ==, "srvU");
    g_assert_cmpstr(ans->fingerprint, ==, local.fingerprint);
    g_assert_cmpuint(ans->media->len, ==, offer->media->len);
    ArSdpMedia *tag = ar_sdp_session_find_media(ans, g_ptr_array_index(ans->bundle, 0));
    g_assert_cmpuint(tag->candidates->len, ==, 1);
    g_assert_true(tag->end_of_candidates);
    for (guint k = 0; k < offer->media->len; k++) {
      ArSdpMedia *om = media_at(offer, k), *am = media_at(ans, k);
      g_assert_cmpstr(am->mid, ==, om->mid);
      gboolean in_bundle =
          g_ptr_array_find_with_equal_func(ans->bundle, am->mid, g_str_equal, NULL);
      if (om->kind == AR_SDP_KIND_APPLICATION) {
        g_assert_cmpuint(am->port, ==, 0);
        g_assert_false(in_bundle);
        continue;
      }
      g_assert_cmpuint(am->port, ==, 9);
      g_assert_true(in_bundle);
      g_assert_true(am->rtcp_mux);
      g_assert_cmpint(am->direction, ==, ar_sdp_direction_reverse(om->direction));
      for (guint c = 0; c < am->codecs->len; c++) {
        ArSdpCodec *ac = g_ptr_array_index(am->codecs, c);
        ArSdpCodec *oc = ar_sdp_media_find_codec(om, ac->pt);
        g_assert_nonnull(oc);
        g_assert_cmpstr(ac->name, ==, oc->name);
        const char *n = ac->name;
        g_assert_true(!g_ascii_strcasecmp(n, "opus") || !g_ascii_strcasecmp(n, "red") ||
                      !g_ascii_strcasecmp(n, "VP8") || !g_ascii_strcasecmp(n, "VP9") ||
                      !g_ascii_strcasecmp(n, "H264") || !g_ascii_strcasecmp(n, "rtx"));
        /* Every chosen video codec that had rtx offered keeps it. */
        if (oc->rtx_pt >= 0 && om->kind == AR_SDP_KIND_VIDEO)
          g_assert_cmpint(ac->rtx_pt, ==, oc->rtx_pt);
      }
      for (guint e = 0; e < am->extmaps->len; e++) {
        ArSdpExtmap *ae = g_ptr_array_index(am->extmaps, e);
        g_assert_true(supported_uri(ae->uri));
        g_assert_cmpuint(ar_sdp_media_find_extmap(om, ae->uri)->id, ==, ae->id);
      }
    }
  }
}

static void
test_answer_chromium_codecs(void)
{
  g_autoptr(ArSdpSession) offer = parse_fixture("chromium-audio-video.sdp");
  ArSdpLocal local = default_local();
  g_autoptr(ArSdpSession) ans = answer_roundtrip(offer, &local);
  ArSdpMedia *a = media_at(ans, 0), *v = media_at(ans, 1);
  /* Opus and RED over Opus; G722, PCMU, PCMA, CN, telephone-event dropped. */
  assert_pts(a, "111 63");
  g_assert_cmpstr(ar_sdp_media_find_codec(a, 111)->fmtp, ==, "minptime=10;useinbandfec=1");
  g_assert_cmpstr(ar_sdp_media_find_codec(a, 63)->fmtp, ==, "111/111");
  /* VP8+rtx, H.264 42001f pm1 + rtx, 42e01f pm1 + rtx, VP9 profile 0 + rtx, in offer order;
   * pm0 (104, 114), Main 4d001f, AV1, VP9 profile 2, red/ulpfec are not taken. */
  assert_pts(v, "96 97 102 103 108 109 98 99");
  g_assert_cmpstr(ar_sdp_media_find_codec(v, 102)->fmtp, ==,
                  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f");
  g_assert_cmpstr(ar_sdp_media_find_codec(v, 108)->fmtp, ==,
                  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  g_assert_cmpstr(ar_sdp_media_find_codec(v, 98)->fmtp, ==, "profile-id=0");
  g_assert_cmpstr(ar_sdp_media_find_codec(v, 97)->fmtp, ==, "apt=96");
  ArSdpCodec *vp8 = ar_sdp_media_find_codec(v, 96);
  g_assert_cmpuint(vp8->rtcp_fb->len, ==, 5);
  g_assert_true(ar_sdp_codec_has_fb(vp8, "goog-remb"));
  /* Extensions: only the six, with Chromium's ids. */
  g_assert_cmpuint(a->extmaps->len, ==, 4);
  g_assert_cmpuint(v->extmaps->len, ==, 5);
  g_assert_null(ar_sdp_media_find_extmap(v, "urn:ietf:params:rtp-hdrext:toffset"));
  g_assert_cmpuint(ar_sdp_media_find_extmap(v, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")->id,
                   ==, 10);
  g_assert_cmpint(a->direction, ==, AR_SDP_DIR_SENDRECV);
  g_assert_true(ans->extmap_allow_mixed);
  g_assert_cmpuint(ans->session_id, ==, 4242);
}

static void
test_answer_local_policy(void)
{
  g_autoptr(ArSdpSession) offer = parse_fixture("chromium-audio-video.sdp");
  ArSdpLocalMedia media[2] = {
      {.direction = AR_SDP_DIR_RECVONLY},
      {.direction = AR_SDP_DIR_SENDRECV, .ssrc = 1111, .rtx_ssrc = 2222, .msid = "peer1 cam"},
  };
  ArSdpLocal local = default_local();
  local.media = media;
  local.n_media = 2;
  local.codecs = AR_SDP_CODEC_OPUS | AR_SDP_CODEC_VP8 | AR_SDP_CODEC_RTX;
  g_autoptr(ArSdpSession) ans = answer_roundtrip(offer, &local);
  ArSdpMedia *a = media_at(ans, 0), *v = media_at(ans, 1);
  g_assert_cmpint(a->direction, ==, AR_SDP_DIR_RECVONLY);
  g_assert_cmpuint(a->ssrcs->len, ==, 0);
  assert_pts(a, "111"); /* no RED in the codec set */
  g_assert_cmpint(v->direction, ==, AR_SDP_DIR_SENDRECV);
  assert_pts(v, "96 97");
  g_assert_cmpstr(v->msid, ==, "peer1 cam");
  ArSdpSsrcGroup *fid = ar_sdp_media_find_ssrc_group(v, "FID");
  g_assert_nonnull(fid);
  g_assert_cmpuint(g_array_index(fid->ssrcs, guint32, 0), ==, 1111);
  g_assert_cmpuint(g_array_index(fid->ssrcs, guint32, 1), ==, 2222);
  g_assert_cmpstr(ar_sdp_media_find_ssrc(v, 2222)->cname, ==, "anteroom");

  /* A client that only receives, and a server that only receives there: inactive. */
  g_autoptr(ArSdpSession) recv_offer = parse_fixture("firefox-recvonly.sdp");
  ArSdpLocalMedia recv_only[1] = {{.direction = AR_SDP_DIR_RECVONLY}};
  local.media = recv_only;
  local.n_media = 1;
  g_autoptr(ArSdpSession) ans2 = answer_roundtrip(recv_offer, &local);
  g_assert_cmpint(media_at(ans2, 0)->direction, ==, AR_SDP_DIR_INACTIVE);
  g_assert_cmpint(media_at(ans2, 1)->direction, ==, AR_SDP_DIR_SENDONLY);
}

static void
check_simulcast_answer(const char *fixture)
{
  g_autoptr(ArSdpSession) offer = parse_fixture(fixture);
  ArSdpLocal local = default_local();
  g_autoptr(ArSdpSession) ans = answer_roundtrip(offer, &local);
  ArSdpMedia *v = media_at(ans, 1);
  g_assert_cmpint(v->direction, ==, AR_SDP_DIR_RECVONLY);
  g_assert_cmpuint(v->simulcast_send->len, ==, 0);
  g_assert_cmpuint(v->simulcast_recv->len, ==, 3);
  g_assert_cmpstr(g_ptr_array_index(v->simulcast_recv, 0), ==, "q");
  g_assert_cmpstr(g_ptr_array_index(v->simulcast_recv, 1), ==, "h");
  g_assert_cmpstr(g_ptr_array_index(v->simulcast_recv, 2), ==, "f");
  g_assert_cmpuint(v->rids->len, ==, 3);
  for (guint i = 0; i < v->rids->len; i++)
    g_assert_cmpint(((ArSdpRid *)g_ptr_array_index(v->rids, i))->direction, ==, AR_SDP_RID_RECV);
  ArSdpExtmap *e = ar_sdp_media_find_extmap(v, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
  g_assert_nonnull(e);
  g_assert_nonnull(
      ar_sdp_media_find_extmap(v, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"));
  g_assert_false(v->bundle_only);
  g_assert_cmpuint(v->port, ==, 9);
}

static void
test_answer_simulcast(void)
{
  check_simulcast_answer("chromium-simulcast.sdp");
  check_simulcast_answer("firefox-simulcast.sdp");
  /* Firefox writes extmap directions: sendonly there is recvonly here. */
  g_autoptr(ArSdpSession) offer = parse_fixture("firefox-simulcast.sdp");
  ArSdpLocal local = default_local();
  g_autoptr(ArSdpSession) ans = answer_roundtrip(offer, &local);
  ArSdpExtmap *e =
      ar_sdp_media_find_extmap(media_at(ans, 1), "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
  g_assert_cmpuint(e->id, ==, 9);
  g_assert_cmpint(e->direction, ==, AR_SDP_DIR_RECVONLY);
  assert_pts(media_at(ans, 1), "120 124 121 125");
}

static void
test_answer_datachannel_rejected(void)
{
  g_autoptr(ArSdpSession) offer = parse_fixture("chromium-datachannel.sdp");
  ArSdpLocal local = default_local();
  g_autoptr(ArSdpSession) ans = answer_roundtrip(offer, &local);
  ArSdpMedia *d = media_at(ans, 2);
  g_assert_cmpuint(d->port, ==, 0);
  g_assert_cmpstr(d->proto, ==, "UDP/DTLS/SCTP");
  g_assert_cmpstr(g_ptr_array_index(d->formats, 0), ==, "webrtc-datachannel");
  g_assert_cmpstr(d->mid, ==, "2");
  g_assert_cmpuint(ans->bundle->len, ==, 2);
}

static void
test_answer_safari_h264(void)
{
  g_autoptr(ArSdpSession) offer = parse_fixture("safari-audio-video-datachannel.sdp");
  ArSdpLocal local = default_local();
  /* Default profiles: Constrained High (640c1f) is not taken, Constrained Baseline is. */
  g_autoptr(ArSdpSession) ans = answer_roundtrip(offer, &local);
  assert_pts(media_at(ans, 0), "98 99 100 101");
  g_assert_cmpint(media_at(ans, 0)->direction, ==, AR_SDP_DIR_SENDONLY);
  assert_pts(media_at(ans, 1), "111");
  g_assert_cmpuint(media_at(ans, 2)->port, ==, 0);

  local.h264_profiles = AR_SDP_H264_CONSTRAINED_BASELINE | AR_SDP_H264_CONSTRAINED_HIGH;
  g_autoptr(ArSdpSession) ans2 = answer_roundtrip(offer, &local);
  ArSdpMedia *v = media_at(ans2, 0);
  assert_pts(v, "96 97 98 99 100 101");
  g_assert_cmpstr(ar_sdp_media_find_codec(v, 96)->fmtp, ==,
                  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f");

  /* Only H.264, and only High: nothing Safari offers fits, so video is rejected. */
  local.codecs = AR_SDP_CODEC_OPUS | AR_SDP_CODEC_H264;
  local.h264_profiles = AR_SDP_H264_HIGH;
  g_autoptr(ArSdpSession) ans3 = answer_roundtrip(offer, &local);
  g_assert_cmpuint(media_at(ans3, 0)->port, ==, 0);
  g_assert_cmpuint(ans3->bundle->len, ==, 1);
}

/* anteroom is the DTLS server (passive) unless the offerer insists on passive itself. */
static void
test_answer_setup(void)
{
  g_autoptr(ArSdpSession) offer = parse_fixture("chromium-audio-video.sdp");
  ArSdpLocal local = default_local();
  const struct {
    ArSdpSetup offered, answered;
  } cases[] = {{AR_SDP_SETUP_ACTPASS, AR_SDP_SETUP_PASSIVE},
               {AR_SDP_SETUP_ACTIVE, AR_SDP_SETUP_PASSIVE},
               {AR_SDP_SETUP_PASSIVE, AR_SDP_SETUP_ACTIVE}};
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    offer->setup = cases[i].offered;
    g_autoptr(ArSdpSession) ans = answer_roundtrip(offer, &local);
    g_assert_cmpint(ans->setup, ==, cases[i].answered);
  }
}

static void
test_answer_nothing_accepted(void)
{
  g_autoptr(ArSdpSession) offer = parse_fixture("chromium-audio-video.sdp");
  ArSdpLocal local = default_local();
  local.codecs = AR_SDP_CODEC_VIDEO_FEC; /* red/ulpfec alone carry no media */
  g_autoptr(GError) error = NULL;
  g_autoptr(ArSdpSession) ans = ar_sdp_answer(offer, &local, &error);
  g_assert_null(ans);
  g_assert_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOTHING_ACCEPTED);
}

static void
test_h264_profiles(void)
{
  static const struct {
    const char *plid;
    gboolean ok;
    ArSdpH264Profile profile;
  } cases[] = {
      {"42e01f", TRUE, AR_SDP_H264_CONSTRAINED_BASELINE},
      {"42c01f", TRUE, AR_SDP_H264_CONSTRAINED_BASELINE},
      {"4d801f", TRUE, AR_SDP_H264_CONSTRAINED_BASELINE},
      {"42001f", TRUE, AR_SDP_H264_BASELINE},
      {"42000a", TRUE, AR_SDP_H264_BASELINE},
      {"4d001f", TRUE, AR_SDP_H264_MAIN},
      {"640c1f", TRUE, AR_SDP_H264_CONSTRAINED_HIGH},
      {"640C34", TRUE, AR_SDP_H264_CONSTRAINED_HIGH},
      {"64001f", TRUE, AR_SDP_H264_HIGH},
      {"f4001f", FALSE, 0},
      {"42e41f", FALSE, 0}, /* reserved_zero_4bits of profile-iop set */
      {"zzzz1f", FALSE, 0},
      {"42e01", FALSE, 0},
      {"42e01f00", FALSE, 0},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    ArSdpH264Profile p = 0;
    guint8 level = 0;
    gboolean ok = ar_sdp_h264_profile_parse(cases[i].plid, &p, &level);
    g_assert_cmpint(ok, ==, cases[i].ok);
    if (ok)
      g_assert_cmpint(p, ==, cases[i].profile);
  }
  guint8 level = 0;
  g_assert_true(ar_sdp_h264_profile_parse("640c34", NULL, &level));
  g_assert_cmpuint(level, ==, 0x34);

  g_autoptr(ArSdpCodec) c = ar_sdp_codec_new(102, "H264", 90000, 0);
  c->fmtp = g_strdup("profile-level-id=42e01f;packetization-mode=0");
  g_assert_null(ar_sdp_codec_accept(c, AR_SDP_KIND_VIDEO, 0, 0));
  g_free(c->fmtp);
  c->fmtp = g_strdup("packetization-mode=1"); /* no profile-level-id: 42000a, Baseline */
  g_autoptr(ArSdpCodec) a = ar_sdp_codec_accept(c, AR_SDP_KIND_VIDEO, 0, 0);
  g_assert_nonnull(a);
  g_assert_cmpstr(a->fmtp, ==,
                  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42000a");
  g_assert_null(ar_sdp_codec_accept(c, AR_SDP_KIND_VIDEO, 0, AR_SDP_H264_CONSTRAINED_BASELINE));
  g_free(c->fmtp);
  c->fmtp = g_strdup("packetization-mode=1;profile-level-id=4d001f");
  g_assert_null(ar_sdp_codec_accept(c, AR_SDP_KIND_VIDEO, 0, 0));
  g_autoptr(ArSdpCodec) m = ar_sdp_codec_accept(c, AR_SDP_KIND_VIDEO, 0, AR_SDP_H264_MAIN);
  g_assert_nonnull(m);
  /* H.264 is video: never accepted on an audio m-line. */
  g_assert_null(ar_sdp_codec_accept(c, AR_SDP_KIND_AUDIO, 0, AR_SDP_H264_MAIN));

  g_autoptr(ArSdpCodec) opus = ar_sdp_codec_new(111, "opus", 48000, 2);
  opus->fmtp = g_strdup("minptime=10; useinbandfec=1;usedtx=1;stereo=1");
  g_autoptr(ArSdpCodec) oa = ar_sdp_codec_accept(opus, AR_SDP_KIND_AUDIO, 0, 0);
  g_assert_cmpstr(oa->fmtp, ==, "minptime=10;useinbandfec=1;usedtx=1");
  g_autoptr(ArSdpCodec) mono = ar_sdp_codec_new(111, "opus", 48000, 1);
  g_assert_null(ar_sdp_codec_accept(mono, AR_SDP_KIND_AUDIO, 0, 0));
}

static ArSdpSession *
answer_of(const char *fixture, const ArSdpLocal *local)
{
  g_autoptr(ArSdpSession) offer = parse_fixture(fixture);
  g_autoptr(GError) error = NULL;
  ArSdpSession *ans = ar_sdp_answer(offer, local, &error);
  g_assert_no_error(error);
  return ans;
}

static void
test_offer_build_slots(void)
{
  ArSdpLocal local = default_local();
  g_autoptr(ArSdpSession) current = answer_of("chromium-audio-video.sdp", &local);
  ArSdpSlot slots[2] = {
      {.mid = "a1", .like = media_at(current, 0), .ssrc = 5000, .msid = "peer1 mic"},
      {.mid = "v1",
       .like = media_at(current, 1),
       .ssrc = 6000,
       .rtx_ssrc = 6001,
       .msid = "peer1 cam"},
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ArSdpSession) offer = ar_sdp_offer_build(current, &local, slots, 2, &error);
  g_assert_no_error(error);
  g_autofree char *text = ar_sdp_build(offer);
  g_autoptr(ArSdpSession) back = ar_sdp_parse(text, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(back->session_id, ==, current->session_id);
  g_assert_cmpuint(back->session_version, ==, current->session_version + 1);
  g_assert_cmpint(back->setup, ==, AR_SDP_SETUP_PASSIVE);
  g_assert_cmpuint(back->media->len, ==, 4);
  g_assert_cmpuint(back->bundle->len, ==, 4);
  g_assert_cmpstr(g_ptr_array_index(back->bundle, 3), ==, "v1");
  ArSdpMedia *a1 = ar_sdp_session_find_media(back, "a1");
  ArSdpMedia *v1 = ar_sdp_session_find_media(back, "v1");
  g_assert_cmpint(a1->direction, ==, AR_SDP_DIR_SENDONLY);
  g_assert_cmpint(v1->direction, ==, AR_SDP_DIR_SENDONLY);
  /* The slots reuse the negotiated payload types and extension ids. */
  GString *like_pts = pt_list(media_at(current, 1));
  assert_pts(v1, like_pts->str);
  g_string_free(like_pts, TRUE);
  g_assert_cmpuint(v1->extmaps->len, ==, media_at(current, 1)->extmaps->len);
  ArSdpSsrcGroup *fid = ar_sdp_media_find_ssrc_group(v1, "FID");
  g_assert_nonnull(fid);
  g_assert_cmpuint(g_array_index(fid->ssrcs, guint32, 1), ==, 6001);
  g_assert_cmpstr(ar_sdp_media_find_ssrc(v1, 6000)->msid, ==, "peer1 cam");
  g_assert_cmpstr(ar_sdp_media_find_ssrc(v1, 6000)->cname, ==, "anteroom");
  g_assert_null(ar_sdp_media_find_ssrc_group(a1, "FID"));
  g_assert_cmpstr(a1->msid, ==, "peer1 mic");
  /* The candidates stay on the BUNDLE tag only. */
  g_assert_cmpuint(media_at(back, 0)->candidates->len, ==, 1);
  g_assert_cmpuint(v1->candidates->len, ==, 0);

  /* Slots for a first offer, with no current session. */
  g_autoptr(ArSdpSession) first = ar_sdp_offer_build(NULL, &local, slots, 2, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(first->media->len, ==, 2);
  g_assert_cmpuint(first->session_id, ==, 4242);

  /* A mid already in use, and a slot with nothing to copy. */
  ArSdpSlot dup = {.mid = "1", .like = media_at(current, 1), .ssrc = 7};
  g_assert_null(ar_sdp_offer_build(current, &local, &dup, 1, &error));
  g_assert_error(error, AR_SDP_ERROR, AR_SDP_ERROR_SLOT);
  g_clear_error(&error);
  g_autoptr(ArSdpSession) dc = answer_of("chromium-datachannel.sdp", &local);
  ArSdpSlot app = {.mid = "x", .like = media_at(dc, 2)};
  g_assert_null(ar_sdp_offer_build(current, &local, &app, 1, &error));
  g_assert_error(error, AR_SDP_ERROR, AR_SDP_ERROR_SLOT);
  g_clear_error(&error);
  /* A rejected m-line (no codec was common) lists bare payload types: nothing to copy. */
  ArSdpLocal audio_only = default_local();
  audio_only.codecs = AR_SDP_CODEC_OPUS;
  g_autoptr(ArSdpSession) ao = answer_of("firefox-audio-video.sdp", &audio_only);
  g_assert_true(ar_sdp_media_is_rejected(media_at(ao, 1)));
  ArSdpSlot rej = {.mid = "y", .like = media_at(ao, 1), .ssrc = 8};
  g_assert_null(ar_sdp_offer_build(ao, &local, &rej, 1, &error));
  g_assert_error(error, AR_SDP_ERROR, AR_SDP_ERROR_SLOT);
}

static void
test_broken_fixtures(void)
{
  static const struct {
    const char *file;
    ArSdpError code;
  } cases[] = {
      {"broken-not-sdp.sdp", AR_SDP_ERROR_NOT_SDP},
      {"broken-no-media.sdp", AR_SDP_ERROR_NO_MEDIA},
      {"broken-no-ice-ufrag.sdp", AR_SDP_ERROR_ICE_CREDENTIALS},
      {"broken-no-ice-pwd.sdp", AR_SDP_ERROR_ICE_CREDENTIALS},
      {"broken-short-ice-pwd.sdp", AR_SDP_ERROR_ICE_CREDENTIALS},
      {"broken-no-fingerprint.sdp", AR_SDP_ERROR_FINGERPRINT},
      {"broken-fingerprint-sha1.sdp", AR_SDP_ERROR_FINGERPRINT},
      {"broken-fingerprint-short.sdp", AR_SDP_ERROR_FINGERPRINT},
      {"broken-setup-invalid.sdp", AR_SDP_ERROR_SETUP},
      {"broken-no-bundle.sdp", AR_SDP_ERROR_BUNDLE},
      {"broken-outside-bundle.sdp", AR_SDP_ERROR_BUNDLE},
      {"broken-no-rtcp-mux.sdp", AR_SDP_ERROR_RTCP_MUX},
      {"broken-duplicate-mid.sdp", AR_SDP_ERROR_DUPLICATE_MID},
      {"broken-pt-out-of-range.sdp", AR_SDP_ERROR_PAYLOAD_TYPE},
      {"broken-pt-rtcp-range.sdp", AR_SDP_ERROR_PAYLOAD_TYPE},
      {"broken-no-rtpmap.sdp", AR_SDP_ERROR_RTPMAP_MISSING},
      {"broken-extmap-id-one-byte.sdp", AR_SDP_ERROR_EXTMAP_ID},
      {"broken-extmap-id-two-byte.sdp", AR_SDP_ERROR_EXTMAP_ID},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *text = load(cases[i].file);
    g_autoptr(GError) error = NULL;
    g_autoptr(ArSdpSession) s = ar_sdp_parse(text, &error);
    if (!error || error->code != (gint)cases[i].code)
      g_printerr("%s: %s\n", cases[i].file, error ? error->message : "parsed");
    g_assert_null(s);
    g_assert_error(error, AR_SDP_ERROR, (gint)cases[i].code);
    g_assert_cmpuint(strlen(error->message), >, 8);
  }
  /* Each broken file differs from a fixture that parses: the defect is what is caught. */
  g_autoptr(ArSdpSession) base = parse_fixture("chromium-audio-video.sdp");
  g_assert_nonnull(base);
}

static void
test_small_cases(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null(ar_sdp_parse("", &error));
  g_assert_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOT_SDP);
  g_clear_error(&error);
  g_assert_null(ar_sdp_parse("v=0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n", &error));
  g_assert_error(error, AR_SDP_ERROR, AR_SDP_ERROR_NOT_SDP); /* no o= line */
  g_clear_error(&error);

  char *v = ar_sdp_fmtp_get("a=1; apt=96 ;x", "apt");
  g_assert_cmpstr(v, ==, "96");
  g_free(v);
  g_assert_null(ar_sdp_fmtp_get("xapt=96", "apt"));
  g_assert_null(ar_sdp_fmtp_get(NULL, "apt"));
  g_assert_cmpint(ar_sdp_direction_reverse(AR_SDP_DIR_SENDONLY), ==, AR_SDP_DIR_RECVONLY);
  g_assert_cmpint(ar_sdp_direction_reverse(AR_SDP_DIR_INACTIVE), ==, AR_SDP_DIR_INACTIVE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/parse/all-fixtures", test_parse_all_fixtures);
  g_test_add_func("/sdp/parse/chromium", test_parse_chromium);
  g_test_add_func("/sdp/parse/firefox-simulcast", test_parse_firefox_simulcast);
  g_test_add_func("/sdp/parse/safari", test_parse_safari);
  g_test_add_func("/sdp/parse/broken", test_broken_fixtures);
  g_test_add_func("/sdp/parse/small", test_small_cases);
  g_test_add_func("/sdp/build/roundtrip", test_build_roundtrip);
  g_test_add_func("/sdp/answer/all-fixtures", test_answer_all_fixtures);
  g_test_add_func("/sdp/answer/chromium-codecs", test_answer_chromium_codecs);
  g_test_add_func("/sdp/answer/local-policy", test_answer_local_policy);
  g_test_add_func("/sdp/answer/simulcast", test_answer_simulcast);
  g_test_add_func("/sdp/answer/datachannel", test_answer_datachannel_rejected);
  g_test_add_func("/sdp/answer/safari-h264", test_answer_safari_h264);
  g_test_add_func("/sdp/answer/nothing-accepted", test_answer_nothing_accepted);
  g_test_add_func("/sdp/answer/setup", test_answer_setup);
  g_test_add_func("/sdp/codec/h264-profiles", test_h264_profiles);
  g_test_add_func("/sdp/offer/slots", test_offer_build_slots);
  return g_test_run();
}
