/* SDP text helpers of the load generator, sans-IO: the value of an attribute line, and the
 * answer a receive-only VideoRoom leg sends to Janus's subscriber offer. Input is the remote
 * server's text, so both are fuzzed (tests/fuzz/fuzz_lg_sdp.c). */
#pragma once
#include <glib.h>

/* The rest of the first line starting with `prefix` (e.g. "a=ice-ufrag:"), or NULL. */
char *lg_sdp_value(const char *sdp, const char *prefix);

/* Answers every m-line of `offer` receive-only with the first payload type it offers and that
 * type's a=rtpmap, our ICE credentials and fingerprint, setup:active and rtcp-mux; m-lines
 * offered with port 0 stay rejected (port 0, a=inactive) and out of the BUNDLE group.
 * `candidates` ("a=candidate:...\r\n" lines) go into the first accepted m-line. Returns NULL
 * when no m-line is accepted. */
char *lg_sdp_answer_for(const char *offer, const char *ufrag, const char *pwd,
                        const char *fingerprint, const char *candidates);
