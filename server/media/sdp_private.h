/* Helpers shared by the sdp_*.c files and not part of the module's interface. */
#pragma once

#include "sdp.h"

gboolean ar_sdp_codec_is_rtx(const ArSdpCodec *c);
gboolean ar_sdp_red_primaries_accepted(const ArSdpCodec *red, const ArSdpMedia *answer);
