/* Which offered codecs the SFU accepts, and the fmtp and rtcp-fb it answers with. anteroom never
 * decodes, so a codec is accepted when every subscriber can decode what the publisher sends:
 * Opus, VP8, VP9 profile 0, and H.264 packetization-mode 1 in the profiles ArSdpLocal allows. */
#include "sdp_private.h"

#include <string.h>

char *
ar_sdp_fmtp_get(const char *fmtp, const char *key)
{
  if (!fmtp)
    return NULL;
  gsize klen = strlen(key);
  g_auto(GStrv) params = g_strsplit(fmtp, ";", -1);
  for (guint i = 0; params[i]; i++) {
    const char *p = params[i];
    while (*p == ' ')
      p++;
    if (g_ascii_strncasecmp(p, key, klen) == 0 && p[klen] == '=') {
      char *v = g_strdup(p + klen + 1);
      return g_strstrip(v);
    }
  }
  return NULL;
}

/* RFC 6184 section 8.1: the profile is profile_idc plus the constraint_set flags of
 * profile-iop. The patterns are libwebrtc's (h264_profile_level_id.cc): a mask of the iop bits
 * that matter and the value they must have. */
gboolean
ar_sdp_h264_profile_parse(const char *profile_level_id, ArSdpH264Profile *profile, guint8 *level)
{
  static const struct {
    guint8 idc, mask, value;
    ArSdpH264Profile profile;
  } patterns[] = {
      {0x42, 0x4F, 0x40, AR_SDP_H264_CONSTRAINED_BASELINE}, /* x1xx0000 */
      {0x4D, 0x8F, 0x80, AR_SDP_H264_CONSTRAINED_BASELINE}, /* 1xxx0000 */
      {0x58, 0xCF, 0xC0, AR_SDP_H264_CONSTRAINED_BASELINE}, /* 11xx0000 */
      {0x42, 0x4F, 0x00, AR_SDP_H264_BASELINE},             /* x0xx0000 */
      {0x58, 0xCF, 0x80, AR_SDP_H264_BASELINE},             /* 10xx0000 */
      {0x4D, 0xAF, 0x00, AR_SDP_H264_MAIN},                 /* 0x0x0000 */
      {0x64, 0xFF, 0x00, AR_SDP_H264_HIGH},                 /* 00000000 */
      {0x64, 0xFF, 0x0C, AR_SDP_H264_CONSTRAINED_HIGH},     /* 00001100 */
  };
  if (!profile_level_id || strlen(profile_level_id) != 6)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!g_ascii_isxdigit(profile_level_id[i]))
      return FALSE;
  guint32 v = (guint32)g_ascii_strtoull(profile_level_id, NULL, 16);
  guint8 idc = (guint8)(v >> 16), iop = (guint8)(v >> 8), lvl = (guint8)v;
  for (guint i = 0; i < G_N_ELEMENTS(patterns); i++) {
    if (patterns[i].idc == idc && (iop & patterns[i].mask) == patterns[i].value) {
      if (profile)
        *profile = patterns[i].profile;
      if (level)
        *level = lvl;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
name_is(const ArSdpCodec *c, const char *name, guint clock_rate)
{
  return c->name && g_ascii_strcasecmp(c->name, name) == 0 && c->clock_rate == clock_rate;
}

/* The feedback the router implements; the rest (e.g. rrtr) is dropped from the answer. */
static void
copy_supported_fb(const ArSdpCodec *from, ArSdpCodec *to)
{
  static const char *const supported[] = {"nack", "nack pli", "ccm fir", "goog-remb",
                                          "transport-cc"};
  for (guint i = 0; i < from->rtcp_fb->len; i++) {
    const char *fb = g_ptr_array_index(from->rtcp_fb, i);
    for (guint k = 0; k < G_N_ELEMENTS(supported); k++)
      if (g_str_equal(fb, supported[k]) && !ar_sdp_codec_has_fb(to, fb))
        g_ptr_array_add(to->rtcp_fb, g_strdup(fb));
  }
}

static ArSdpCodec *
answer_copy(const ArSdpCodec *offered, char *fmtp)
{
  ArSdpCodec *c =
      ar_sdp_codec_new(offered->pt, offered->name, offered->clock_rate, offered->channels);
  c->fmtp = fmtp;
  copy_supported_fb(offered, c);
  return c;
}

static char *
opus_fmtp(const ArSdpCodec *offered)
{
  g_autofree char *minptime = ar_sdp_fmtp_get(offered->fmtp, "minptime");
  g_autofree char *fec = ar_sdp_fmtp_get(offered->fmtp, "useinbandfec");
  g_autofree char *dtx = ar_sdp_fmtp_get(offered->fmtp, "usedtx");
  GString *s = g_string_new(NULL);
  if (minptime)
    g_string_append_printf(s, "minptime=%s", minptime);
  if (g_strcmp0(fec, "1") == 0)
    g_string_append_printf(s, "%suseinbandfec=1", s->len ? ";" : "");
  if (dtx)
    g_string_append_printf(s, "%susedtx=%s", s->len ? ";" : "", dtx);
  return g_string_free(s, s->len == 0);
}

static ArSdpCodec *
accept_h264(const ArSdpCodec *offered, guint profiles)
{
  g_autofree char *mode = ar_sdp_fmtp_get(offered->fmtp, "packetization-mode");
  g_autofree char *plid = ar_sdp_fmtp_get(offered->fmtp, "profile-level-id");
  /* Mode 0 (single NAL unit) cannot carry the FU-A fragments every browser encoder sends. */
  if (g_strcmp0(mode, "1") != 0)
    return NULL;
  ArSdpH264Profile profile;
  /* RFC 6184: an absent profile-level-id means 42000a, Baseline level 1.0. */
  if (!ar_sdp_h264_profile_parse(plid ? plid : "42000a", &profile, NULL))
    return NULL;
  if (!(profiles & profile))
    return NULL;
  /* Answer the offerer's own profile-level-id: with level-asymmetry-allowed each side sends at
   * the level the other declared, and the SFU only relays. */
  char *fmtp = g_strdup_printf("level-asymmetry-allowed=1;packetization-mode=1;"
                               "profile-level-id=%s",
                               plid ? plid : "42000a");
  return answer_copy(offered, fmtp);
}

ArSdpCodec *
ar_sdp_codec_accept(const ArSdpCodec *offered, ArSdpKind kind, guint codecs, guint h264_profiles)
{
  if (codecs == 0)
    codecs = AR_SDP_CODECS_DEFAULT;
  if (h264_profiles == 0)
    h264_profiles = AR_SDP_H264_DEFAULT;
  if (kind == AR_SDP_KIND_AUDIO) {
    if ((codecs & AR_SDP_CODEC_OPUS) && name_is(offered, "opus", 48000) && offered->channels == 2)
      return answer_copy(offered, opus_fmtp(offered));
    if ((codecs & AR_SDP_CODEC_AUDIO_RED) && name_is(offered, "red", 48000))
      return answer_copy(offered, g_strdup(offered->fmtp));
    return NULL;
  }
  if (kind != AR_SDP_KIND_VIDEO)
    return NULL;
  if ((codecs & AR_SDP_CODEC_VP8) && name_is(offered, "VP8", 90000))
    return answer_copy(offered, NULL);
  if ((codecs & AR_SDP_CODEC_VP9) && name_is(offered, "VP9", 90000)) {
    g_autofree char *profile = ar_sdp_fmtp_get(offered->fmtp, "profile-id");
    if (profile && !g_str_equal(profile, "0"))
      return NULL;
    return answer_copy(offered, profile ? g_strdup("profile-id=0") : NULL);
  }
  if ((codecs & AR_SDP_CODEC_H264) && name_is(offered, "H264", 90000))
    return accept_h264(offered, h264_profiles);
  if ((codecs & AR_SDP_CODEC_VIDEO_FEC) &&
      (name_is(offered, "red", 90000) || name_is(offered, "ulpfec", 90000)))
    return answer_copy(offered, NULL);
  return NULL;
}

gboolean
ar_sdp_codec_is_rtx(const ArSdpCodec *c)
{
  return c->name && g_ascii_strcasecmp(c->name, "rtx") == 0;
}

/* Audio RED's fmtp lists its redundant encodings' payload types ("111/111"): RED is usable only
 * when every one of them was accepted. */
gboolean
ar_sdp_red_primaries_accepted(const ArSdpCodec *red, const ArSdpMedia *answer)
{
  if (!red->fmtp)
    return FALSE;
  g_auto(GStrv) pts = g_strsplit(red->fmtp, "/", -1);
  for (guint i = 0; pts[i]; i++) {
    char *end = NULL;
    guint64 pt = g_ascii_strtoull(pts[i], &end, 10);
    if (end == pts[i] || *end != '\0' || pt > 127)
      return FALSE;
    const ArSdpCodec *c = ar_sdp_media_find_codec(answer, (guint)pt);
    if (!c || g_ascii_strcasecmp(c->name, "red") == 0)
      return FALSE;
  }
  return pts[0] != NULL;
}
