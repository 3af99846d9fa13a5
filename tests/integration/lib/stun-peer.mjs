// A minimal ICE peer over a plain UDP socket (RFC 5389/8445 short-term credentials): it answers
// the server's connectivity checks and nominates the pair, so the server's libnice accepts
// datagrams from it — then a test can send the server whatever bytes it likes from a validated
// address. No DTLS, no SRTP: this is a tool for bad-input tests.
import dgram from 'node:dgram';
import crypto from 'node:crypto';
import zlib from 'node:zlib';

const MAGIC = 0x2112a442;

function attr(type, value) {
  const pad = (4 - (value.length % 4)) % 4;
  const b = Buffer.alloc(4 + value.length + pad);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(value.length, 2);
  value.copy(b, 4);
  return b;
}

// Builds a STUN message with MESSAGE-INTEGRITY (key) and FINGERPRINT appended.
function message(type, txid, attrs, key) {
  let body = Buffer.concat(attrs);
  const header = (len) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(len, 2);
    h.writeUInt32BE(MAGIC, 4);
    txid.copy(h, 8);
    return h;
  };
  const mi = crypto.createHmac('sha1', key).update(Buffer.concat([header(body.length + 24), body])).digest();
  body = Buffer.concat([body, attr(0x0008, mi)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((zlib.crc32(Buffer.concat([header(body.length + 8), body])) ^ 0x5354554e) >>> 0);
  body = Buffer.concat([body, attr(0x8028, crc)]);
  return Buffer.concat([header(body.length), body]);
}

function xorAddress(address, port) {
  const v = Buffer.alloc(8);
  v.writeUInt16BE(0x0001, 0);
  v.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  const ip = address.split('.').map(Number);
  v.writeUInt32BE((((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) ^ MAGIC) >>> 0, 4);
  return v;
}

export class StunPeer {
  constructor() {
    this.ufrag = crypto.randomBytes(4).toString('hex');
    this.pwd = crypto.randomBytes(16).toString('hex');
    this.sock = dgram.createSocket('udp4');
    this.responses = 0;
  }

  async bind() {
    await new Promise((r) => this.sock.bind(0, '127.0.0.1', r));
    this.port = this.sock.address().port;
    this.sock.on('message', (msg, rinfo) => this.#onMessage(msg, rinfo));
  }

  #onMessage(msg, rinfo) {
    if (msg.length < 20 || msg.readUInt32BE(4) !== MAGIC) return;
    const type = msg.readUInt16BE(0);
    if (type === 0x0101) { this.responses++; return; }
    if (type !== 0x0001) return;
    const txid = msg.subarray(8, 20);
    const reply = message(0x0101, txid, [attr(0x0020, xorAddress(rinfo.address, rinfo.port))], this.pwd);
    this.sock.send(reply, rinfo.port, rinfo.address);
  }

  // Replaces ICE credentials and candidates of a real offer with this peer's own.
  offerFrom(sdp) {
    return sdp.replace(/a=ice-ufrag:.*\r\n/g, `a=ice-ufrag:${this.ufrag}\r\n`)
      .replace(/a=ice-pwd:.*\r\n/g, `a=ice-pwd:${this.pwd}\r\n`)
      .replace(/a=candidate:.*\r\n/g, '').replace(/a=end-of-candidates\r\n/g, '');
  }

  candidate() {
    return `candidate:1 1 udp 2122260223 127.0.0.1 ${this.port} typ host`;
  }

  // Connectivity check towards the server with USE-CANDIDATE (we are controlling).
  check(serverUfrag, serverPwd, port) {
    const txid = crypto.randomBytes(12);
    const prio = Buffer.alloc(4); prio.writeUInt32BE(1845501695);
    const tie = crypto.randomBytes(8);
    const m = message(0x0001, txid, [attr(0x0006, Buffer.from(`${serverUfrag}:${this.ufrag}`)),
      attr(0x0024, prio), attr(0x802a, tie), attr(0x0025, Buffer.alloc(0))], serverPwd);
    this.sock.send(m, port, '127.0.0.1');
  }

  send(buf, port) {
    return new Promise((r) => this.sock.send(buf, port, '127.0.0.1', r));
  }

  close() { this.sock.close(); }
}
