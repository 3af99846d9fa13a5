#!/usr/bin/env python3
"""Derives the broken-*.sdp fixtures from the real chromium-audio-video.sdp offer: each one
changes exactly one thing, so each must fail ar_sdp_parse with its own AR_SDP_ERROR code.
Usage: python3 tests/data/sdp/gen/make_broken.py tests/data/sdp"""
import json
import re
import sys

d = sys.argv[1] if len(sys.argv) > 1 else '.'
base = open(f'{d}/chromium-audio-video.sdp', newline='').read()
assert '\r\n' in base
lines = base.split('\r\n')


def without(prefix):
    return '\r\n'.join(l for l in lines if not l.startswith(prefix))


def sub(pattern, repl, count=0):
    out, n = re.subn(pattern, repl, base.replace('\r\n', '\n'), count=count, flags=re.M)
    assert n, pattern
    return out.replace('\n', '\r\n')


def first_media_only():
    i = next(k for k, l in enumerate(lines) if l.startswith('m='))
    return '\r\n'.join(lines[:i]) + '\r\n'


cases = {
    # A signaling bug: the whole RTCSessionDescription JSON instead of its .sdp.
    'not-sdp': json.dumps({'type': 'offer', 'sdp': base}),
    'no-media': first_media_only(),
    'no-ice-ufrag': without('a=ice-ufrag:'),
    'no-ice-pwd': without('a=ice-pwd:'),
    'short-ice-pwd': sub(r'^a=ice-pwd:.*$', 'a=ice-pwd:tooshort'),
    'no-fingerprint': without('a=fingerprint:'),
    'fingerprint-sha1': sub(r'^a=fingerprint:sha-256 .*$',
                            'a=fingerprint:sha-1 ' + ':'.join(['4A'] * 20)),
    'fingerprint-short': sub(r'^(a=fingerprint:sha-256 [0-9A-F:]+):[0-9A-F]{2}$', r'\1'),
    'setup-invalid': sub(r'^a=setup:actpass$', 'a=setup:holdconn'),
    'no-bundle': without('a=group:BUNDLE'),
    'outside-bundle': sub(r'^a=group:BUNDLE 0 1$', 'a=group:BUNDLE 0'),
    'no-rtcp-mux': without('a=rtcp-mux'),
    'duplicate-mid': sub(r'^a=mid:1$', 'a=mid:0'),
    'pt-out-of-range': sub(r'^(m=video \d+ UDP/TLS/RTP/SAVPF) 96 ', r'\1 196 '),
    'pt-rtcp-range': sub(r'^(m=video \d+ UDP/TLS/RTP/SAVPF) 96 ', r'\1 72 '),
    'no-rtpmap': without('a=rtpmap:96 '),
    # One-byte headers only (no extmap-allow-mixed): 15 is reserved, 14 is the highest id.
    'extmap-id-one-byte': '\r\n'.join(
        l for l in sub(r'^a=extmap:14 ', 'a=extmap:15 ').split('\r\n')
        if l != 'a=extmap-allow-mixed'),
    'extmap-id-two-byte': sub(r'^a=extmap:14 ', 'a=extmap:256 '),
}
for name, text in cases.items():
    with open(f'{d}/broken-{name}.sdp', 'w', newline='') as f:
        f.write(text)
    print(f'broken-{name}.sdp')
