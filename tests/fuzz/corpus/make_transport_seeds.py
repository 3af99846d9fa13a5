#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_stun, fuzz_demux and fuzz_dtls.

STUN seeds are the RFC 5769 test vectors plus ICE binding requests built here with known values
(MESSAGE-INTEGRITY and FINGERPRINT computed with hmac/zlib, independently of stun.c). The DTLS
seed is a real DTLS 1.2 ClientHello offering use_srtp, captured on loopback from
`openssl s_client`; the other DTLS seeds are hand-made records around it.

Run from anywhere: python3 tests/fuzz/corpus/make_transport_seeds.py
"""
import hashlib
import hmac
import os
import socket
import struct
import subprocess
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = b"VOkJxbRl1RmTxUk/WvJxBt"
COOKIE = 0x2112A442

RFC5769 = {
    "rfc5769-request": "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c"
    "69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a6836765920202000080014"
    "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
    "rfc5769-ipv4": "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f722000"
    "2000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96",
    "rfc5769-ipv6": "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f722000"
    "2000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bf"
    "e3ed4180280004c8fb0b4c",
    "rfc5769-long-term": "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae3"
    "8383e382afe382b900000015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014"
    "000b6578616d706c652e6f72670000080014f67024656dd64a3e02b8e0712e85c9a28ca89666",
}


def attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\x00" * (-len(v) % 4)


def stun(msg_type, txid, attrs, password=None, fingerprint=True):
    body = b"".join(attr(t, v) for t, v in attrs)
    if password is not None:
        hdr = struct.pack("!HHI", msg_type, len(body) + 24, COOKIE) + txid
        mac = hmac.new(password, hdr + body, hashlib.sha1).digest()
        body += attr(0x0008, mac)
    if fingerprint:
        hdr = struct.pack("!HHI", msg_type, len(body) + 8, COOKIE) + txid
        crc = zlib.crc32(hdr + body) ^ 0x5354554E
        body += attr(0x8028, struct.pack("!I", crc))
    return struct.pack("!HHI", msg_type, len(body), COOKIE) + txid + body


def stun_seeds():
    seeds = {k: bytes.fromhex(v) for k, v in RFC5769.items()}
    txid = bytes(range(1, 13))
    seeds["chrome-binding-request"] = stun(0x0001, txid, [
        (0x0006, b"Xk9p:3fQe"),
        (0xC057, b"\x00\x01\x00\x0a"),
        (0x802A, bytes.fromhex("123456789abcdef0")),
        (0x0025, b""),
        (0x0024, struct.pack("!I", 0x6E7F1EFF)),
    ], PASSWORD)
    xport = 50000 ^ (COOKIE >> 16)
    xaddr = 0x7F000001 ^ COOKIE
    seeds["libnice-success"] = stun(0x0101, txid, [
        (0x0020, struct.pack("!BBHI", 0, 1, xport, xaddr)),
    ], PASSWORD)
    seeds["error-response"] = stun(0x0111, txid, [(0x0009, b"\x00\x00\x04\x01Unauthorized")])
    seeds["indication-bare"] = stun(0x0011, txid, [], fingerprint=False)
    return seeds


def capture_client_hello():
    """A DTLS 1.2 ClientHello with use_srtp from OpenSSL's own client, on loopback only."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    port = sock.getsockname()[1]
    proc = subprocess.Popen(
        ["openssl", "s_client", "-dtls1_2", "-connect", f"127.0.0.1:{port}", "-mtu", "1200",
         "-use_srtp", "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", "-quiet"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        data, _ = sock.recvfrom(2048)
    finally:
        proc.kill()
        proc.wait()
        sock.close()
    return data


def dtls_record(content_type, epoch, seq, payload):
    return struct.pack("!BHH", content_type, 0xFEFD, epoch) + seq.to_bytes(6, "big") + \
        struct.pack("!H", len(payload)) + payload


def write(dirname, seeds):
    d = os.path.join(HERE, dirname)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    stun_s = stun_seeds()
    hello = capture_client_hello()
    assert hello[0] == 22 and hello[13] == 1, "not a DTLS ClientHello"

    dtls = {
        "client-hello": hello,
        # The same hello twice in one datagram (two records in one datagram are legal DTLS).
        "client-hello-twice": hello + hello,
        "alert-fatal": dtls_record(21, 0, 1, b"\x02\x28"),
        "ccs-early": dtls_record(20, 0, 1, b"\x01"),
        "appdata-epoch1": dtls_record(23, 1, 1, bytes(range(32))),
        "truncated-record": hello[:20],
    }
    framed = b""
    for dg in (hello, dtls_record(21, 0, 2, b"\x01\x00")):
        framed += struct.pack("!H", len(dg)) + dg
    # fuzz_dtls reads an input that starts with 0xff as [u16 length][datagram]... pairs.
    dtls["framed-two-datagrams"] = b"\xff" + framed

    rtp = bytes.fromhex("80e01234000000640000beef") + bytes(range(20))
    rtcp_rr = bytes.fromhex("81c90007deadbeef") + bytes(range(24))
    demux = {
        "stun-request": stun_s["chrome-binding-request"],
        "stun-short": stun_s["chrome-binding-request"][:19],
        "dtls-client-hello": hello,
        "rtp-vp8": rtp,
        "rtcp-rr": rtcp_rr,
        "rtcp-short": rtcp_rr[:7],
        "turn-channel": bytes.fromhex("40000004deadbeef"),
        "zrtp": bytes.fromhex("10000000") + bytes(range(16)),
    }
    write("stun", stun_s)
    write("demux", demux)
    write("dtls", dtls)


if __name__ == "__main__":
    main()
