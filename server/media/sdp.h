/* SDP for anteroom's one-PeerConnection-per-participant SFU: parses a browser's offer or answer
 * into plain structs (validated: BUNDLE, rtcp-mux, ICE credentials, sha-256 fingerprint), builds
 * SDP text from them, and negotiates: the SFU's answer to a browser offer, and server-side offers
 * that add send-only receive slots. Called by the signaling session and the media worker setup;
 * GStreamer's gst-sdp (GstSDPMessage) does the line-level parsing and printing. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AR_SDP_ERROR (ar_sdp_error_quark())
GQuark ar_sdp_error_quark(void);

typedef enum {
  AR_SDP_ERROR_NOT_SDP,          /* not an SDP session description at all */
  AR_SDP_ERROR_NO_MEDIA,         /* no m-line */
  AR_SDP_ERROR_ICE_CREDENTIALS,  /* a=ice-ufrag / a=ice-pwd missing or malformed */
  AR_SDP_ERROR_FINGERPRINT,      /* a=fingerprint missing, not sha-256, or malformed */
  AR_SDP_ERROR_SETUP,            /* a=setup missing or not actpass/active/passive */
  AR_SDP_ERROR_BUNDLE,           /* no BUNDLE group, m-line outside it, or m-line without mid */
  AR_SDP_ERROR_RTCP_MUX,         /* an RTP m-line without a=rtcp-mux */
  AR_SDP_ERROR_DUPLICATE_MID,    /* two m-lines with the same a=mid */
  AR_SDP_ERROR_PAYLOAD_TYPE,     /* payload type not a number in 0–63 or 96–127 */
  AR_SDP_ERROR_RTPMAP_MISSING,   /* dynamic payload type without a=rtpmap */
  AR_SDP_ERROR_EXTMAP_ID,        /* header extension id outside 1–14 (one-byte) / 1–255 */
  AR_SDP_ERROR_NOTHING_ACCEPTED, /* answer: no offered m-line could be accepted */
  AR_SDP_ERROR_SLOT,             /* offer build: a slot is unusable (duplicate mid, no codec) */
} ArSdpError;

typedef enum {
  AR_SDP_KIND_AUDIO,
  AR_SDP_KIND_VIDEO,
  AR_SDP_KIND_APPLICATION,
  AR_SDP_KIND_OTHER,
} ArSdpKind;

/* UNSPECIFIED exists for a=extmap, whose direction is optional; an m-line without a direction
 * attribute is SENDRECV. */
typedef enum {
  AR_SDP_DIR_UNSPECIFIED,
  AR_SDP_DIR_SENDRECV,
  AR_SDP_DIR_SENDONLY,
  AR_SDP_DIR_RECVONLY,
  AR_SDP_DIR_INACTIVE,
} ArSdpDirection;

typedef enum {
  AR_SDP_SETUP_NONE,
  AR_SDP_SETUP_ACTPASS,
  AR_SDP_SETUP_ACTIVE,
  AR_SDP_SETUP_PASSIVE,
} ArSdpSetup;

typedef enum {
  AR_SDP_RID_SEND,
  AR_SDP_RID_RECV,
} ArSdpRidDirection;

typedef struct {
  guint8 pt;
  char *name; /* encoding name as written ("opus", "VP8", "rtx"); NULL: unknown static PT */
  guint clock_rate;
  guint channels;     /* 0 when the rtpmap has none */
  char *fmtp;         /* parameters of a=fmtp, NULL when absent */
  GPtrArray *rtcp_fb; /* char *: "nack", "nack pli", "ccm fir", "goog-remb", "transport-cc" */
  gint rtx_pt;        /* the rtx codec repairing this one (its apt= points here), -1 if none */
  gint apt;           /* for an rtx codec: the payload type it repairs, else -1 */
} ArSdpCodec;

typedef struct {
  guint id;
  ArSdpDirection direction; /* UNSPECIFIED unless written as a=extmap:id/dir */
  char *uri;
  char *attributes; /* extension attributes after the URI, NULL when none */
} ArSdpExtmap;

typedef struct {
  guint32 ssrc;
  char *cname; /* NULL when absent */
  char *msid;  /* "stream-id track-id", NULL when absent */
} ArSdpSsrc;

typedef struct {
  char *semantics; /* "FID", "SIM", "FEC-FR" */
  GArray *ssrcs;   /* guint32 */
} ArSdpSsrcGroup;

typedef struct {
  char *id;
  ArSdpRidDirection direction;
  char *restrictions; /* "pt=96;max-width=1280" as written, NULL when none */
} ArSdpRid;

typedef struct {
  ArSdpKind kind;
  char *media;        /* the m-line's media token ("audio", "video", "application", ...) */
  guint port;         /* 0: rejected, unless bundle_only */
  char *proto;        /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP" */
  GPtrArray *formats; /* char *: the m-line's format list as written */
  char *mid;
  ArSdpDirection direction;
  gboolean rtcp_mux;
  gboolean rtcp_rsize;
  gboolean bundle_only;
  gboolean extmap_allow_mixed; /* media-level a=extmap-allow-mixed (Firefox writes it here) */
  GPtrArray *codecs;           /* ArSdpCodec *, in m-line order (RTP m-lines only) */
  GPtrArray *extmaps;          /* ArSdpExtmap * */
  GPtrArray *ssrcs;            /* ArSdpSsrc * */
  GPtrArray *ssrc_groups;      /* ArSdpSsrcGroup * */
  GPtrArray *rids;             /* ArSdpRid * */
  GPtrArray *simulcast_send;   /* char *: one entry per stream ("q", or alternatives "a,b") */
  GPtrArray *simulcast_recv;
  char *msid;            /* a=msid value "stream-id track-id", NULL when absent */
  GPtrArray *candidates; /* char *: a=candidate values (what follows "candidate:") */
  gboolean end_of_candidates;
  guint sctp_port; /* application m-lines: a=sctp-port, 0 when absent */
} ArSdpMedia;

typedef struct {
  guint64 session_id; /* o= line; a renegotiation offer keeps the id and bumps the version */
  guint64 session_version;
  char *ice_ufrag;
  char *ice_pwd;
  char *fingerprint_algorithm; /* always "sha-256" after ar_sdp_parse */
  char *fingerprint;           /* "AB:CD:..." (32 pairs) */
  ArSdpSetup setup;
  GPtrArray *bundle; /* char *: mids of the BUNDLE group, in order */
  gboolean ice_lite;
  gboolean ice_trickle;
  gboolean extmap_allow_mixed; /* two-byte header extensions allowed (RFC 8285) */
  GPtrArray *media;            /* ArSdpMedia * */
} ArSdpSession;

/* --- model ------------------------------------------------------------------------------ */
ArSdpSession *ar_sdp_session_new(void);
void ar_sdp_session_free(ArSdpSession *s);
ArSdpSession *ar_sdp_session_copy(const ArSdpSession *s);
ArSdpMedia *ar_sdp_session_find_media(const ArSdpSession *s, const char *mid);

ArSdpMedia *ar_sdp_media_new(ArSdpKind kind);
void ar_sdp_media_free(ArSdpMedia *m);
ArSdpMedia *ar_sdp_media_copy(const ArSdpMedia *m);
ArSdpCodec *ar_sdp_media_find_codec(const ArSdpMedia *m, guint pt);
/* First codec whose encoding name matches (case-insensitive), NULL if none. */
ArSdpCodec *ar_sdp_media_find_codec_by_name(const ArSdpMedia *m, const char *name);
ArSdpExtmap *ar_sdp_media_find_extmap(const ArSdpMedia *m, const char *uri);
ArSdpRid *ar_sdp_media_find_rid(const ArSdpMedia *m, const char *id);
ArSdpSsrc *ar_sdp_media_find_ssrc(const ArSdpMedia *m, guint32 ssrc);
ArSdpSsrcGroup *ar_sdp_media_find_ssrc_group(const ArSdpMedia *m, const char *semantics);
/* An m-line that carries nothing: port 0 and not bundle-only. */
gboolean ar_sdp_media_is_rejected(const ArSdpMedia *m);

ArSdpCodec *ar_sdp_codec_new(guint8 pt, const char *name, guint clock_rate, guint channels);
void ar_sdp_codec_free(ArSdpCodec *c);
ArSdpCodec *ar_sdp_codec_copy(const ArSdpCodec *c);
gboolean ar_sdp_codec_has_fb(const ArSdpCodec *c, const char *fb);

ArSdpExtmap *ar_sdp_extmap_new(guint id, const char *uri);
void ar_sdp_extmap_free(ArSdpExtmap *e);
ArSdpExtmap *ar_sdp_extmap_copy(const ArSdpExtmap *e);

ArSdpSsrc *ar_sdp_ssrc_new(guint32 ssrc);
void ar_sdp_ssrc_free(ArSdpSsrc *s);
ArSdpSsrc *ar_sdp_ssrc_copy(const ArSdpSsrc *s);

ArSdpSsrcGroup *ar_sdp_ssrc_group_new(const char *semantics);
void ar_sdp_ssrc_group_free(ArSdpSsrcGroup *g);
ArSdpSsrcGroup *ar_sdp_ssrc_group_copy(const ArSdpSsrcGroup *g);

ArSdpRid *ar_sdp_rid_new(const char *id, ArSdpRidDirection direction);
void ar_sdp_rid_free(ArSdpRid *r);
ArSdpRid *ar_sdp_rid_copy(const ArSdpRid *r);

const char *ar_sdp_direction_to_string(ArSdpDirection d);
/* The direction seen from the other side: sendonly <-> recvonly. */
ArSdpDirection ar_sdp_direction_reverse(ArSdpDirection d);
const char *ar_sdp_setup_to_string(ArSdpSetup setup);
const char *ar_sdp_kind_to_string(ArSdpKind kind);

/* --- text ------------------------------------------------------------------------------- */
/* Parses and validates an offer or answer; every problem is an AR_SDP_ERROR naming the m-line. */
ArSdpSession *ar_sdp_parse(const char *text, GError **error);
/* SDP text (CRLF lines) for the model, through GstSDPMessage. */
char *ar_sdp_build(const ArSdpSession *s);

/* --- negotiation ------------------------------------------------------------------------ */
/* What the server does on one m-line: its direction (from the server's side), and when it
 * sends, the SSRCs and msid of the stream it sends there. */
typedef struct {
  ArSdpDirection direction; /* UNSPECIFIED means SENDRECV: take what the client offers */
  guint32 ssrc;             /* 0: no a=ssrc lines */
  guint32 rtx_ssrc;         /* 0: no RTX stream (no FID group) */
  const char *msid;         /* "stream-id track-id" or NULL */
} ArSdpLocalMedia;

/* Codec families the server will accept; 0 in ArSdpLocal.codecs means AR_SDP_CODECS_DEFAULT. */
typedef enum {
  AR_SDP_CODEC_OPUS = 1 << 0,
  AR_SDP_CODEC_AUDIO_RED = 1 << 1, /* red/48000/2 over Opus */
  AR_SDP_CODEC_VP8 = 1 << 2,
  AR_SDP_CODEC_H264 = 1 << 3,
  AR_SDP_CODEC_VP9 = 1 << 4,       /* profile-id 0 only */
  AR_SDP_CODEC_VIDEO_FEC = 1 << 5, /* red/90000 + ulpfec/90000 */
  AR_SDP_CODEC_RTX = 1 << 6,       /* rtx for each chosen video codec */
} ArSdpCodecSet;
#define AR_SDP_CODECS_DEFAULT                                                                      \
  (AR_SDP_CODEC_OPUS | AR_SDP_CODEC_AUDIO_RED | AR_SDP_CODEC_VP8 | AR_SDP_CODEC_H264 |             \
   AR_SDP_CODEC_VP9 | AR_SDP_CODEC_RTX)

/* H.264 profiles (RFC 6184 profile_idc + constraint flags); see sdp_codec.c. */
typedef enum {
  AR_SDP_H264_CONSTRAINED_BASELINE = 1 << 0,
  AR_SDP_H264_BASELINE = 1 << 1,
  AR_SDP_H264_MAIN = 1 << 2,
  AR_SDP_H264_CONSTRAINED_HIGH = 1 << 3,
  AR_SDP_H264_HIGH = 1 << 4,
} ArSdpH264Profile;
/* Every browser decodes these; an SFU forwards one encoding to all, so this is the safe set. */
#define AR_SDP_H264_DEFAULT (AR_SDP_H264_CONSTRAINED_BASELINE | AR_SDP_H264_BASELINE)

typedef struct {
  guint64 session_id; /* o= of the server's descriptions */
  guint64 session_version;
  const char *ice_ufrag;
  const char *ice_pwd;
  const char *fingerprint;       /* sha-256, "AB:CD:..." */
  const char *const *candidates; /* NULL-terminated a=candidate values, or NULL (trickle) */
  gboolean end_of_candidates;
  const char *cname;            /* RTCP CNAME of the streams the server sends */
  ArSdpSetup setup;             /* offers only; NONE means passive (anteroom is DTLS server) */
  guint codecs;                 /* ArSdpCodecSet, 0: AR_SDP_CODECS_DEFAULT */
  guint h264_profiles;          /* ArSdpH264Profile, 0: AR_SDP_H264_DEFAULT */
  const ArSdpLocalMedia *media; /* per offered m-line, by index; may be shorter or NULL */
  guint n_media;
} ArSdpLocal;

/* The server's answer to a browser offer (see sdp_negotiate.c for every rule). */
ArSdpSession *ar_sdp_answer(const ArSdpSession *offer, const ArSdpLocal *local, GError **error);

/* A send-only (server -> client) m-line to add in a server offer. Payload types, rtcp-fb and
 * header extensions are copied from `like`: an m-line of the same kind already negotiated with
 * this client, so the BUNDLE keeps one meaning per payload type. */
typedef struct {
  const char *mid;
  const ArSdpMedia *like;
  ArSdpDirection direction; /* UNSPECIFIED means SENDONLY */
  guint32 ssrc;
  guint32 rtx_ssrc; /* 0: no FID group (also when `like` has no rtx) */
  const char *msid; /* "stream-id track-id" */
} ArSdpSlot;

/* A server offer: the m-lines of `current` (the server's last local description, NULL for a
 * first offer) in their places, then one m-line per slot; the version is bumped. */
ArSdpSession *ar_sdp_offer_build(const ArSdpSession *current, const ArSdpLocal *local,
                                 const ArSdpSlot *slots, guint n_slots, GError **error);

/* --- codec helpers (sdp_codec.c) -------------------------------------------------------- */
/* Value of `key` in an fmtp parameter string ("a=1;b=2"), newly allocated, or NULL. */
char *ar_sdp_fmtp_get(const char *fmtp, const char *key);
/* The codec to answer for an offered one (same PT and name; fmtp rewritten, rtcp-fb filtered to
 * what the router implements), or NULL when the SFU does not accept it. rtx is not decided here:
 * it follows its primary. `codecs`/`h264_profiles` as in ArSdpLocal (0: defaults). */
ArSdpCodec *ar_sdp_codec_accept(const ArSdpCodec *offered, ArSdpKind kind, guint codecs,
                                guint h264_profiles);
/* Profile of a 6-hex-digit profile-level-id; FALSE when malformed or no known profile. */
gboolean ar_sdp_h264_profile_parse(const char *profile_level_id, ArSdpH264Profile *profile,
                                   guint8 *level);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArSdpSession, ar_sdp_session_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArSdpMedia, ar_sdp_media_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArSdpCodec, ar_sdp_codec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArSdpExtmap, ar_sdp_extmap_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArSdpSsrc, ar_sdp_ssrc_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArSdpSsrcGroup, ar_sdp_ssrc_group_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ArSdpRid, ar_sdp_rid_free)

G_END_DECLS
