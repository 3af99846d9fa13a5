/* RFC 4588 retransmission payload format, done in place on an ArRtpView. The router unwraps
 * incoming RTX into the original stream (OSN in the first two payload bytes) before the normal
 * path sees it, and wraps a stored original into RTX when it answers a NACK. */
#pragma once
#include "rtp.h"

/* Turns an RTX packet into the original one: seq = OSN, pt = apt, ssrc = media_ssrc. The header
 * moves 2 bytes forward over the OSN, so v->buf advances by 2 and v->len shrinks by 2.
 * FALSE when the payload holds no OSN (padding-only probes), v unchanged. */
gboolean ar_rtx_unwrap(ArRtpView *v, guint8 apt, guint32 media_ssrc);

/* Turns an original packet into RTX: inserts its seq as OSN, sets pt, ssrc and seq. The header
 * moves 2 bytes back into the headroom the caller reserved before v->buf, so v->buf retreats
 * by 2 and v->len grows by 2. FALSE when headroom < 2, v unchanged. */
gboolean ar_rtx_wrap(ArRtpView *v, gsize headroom, guint8 rtx_pt, guint32 rtx_ssrc,
                     guint16 rtx_seq);
