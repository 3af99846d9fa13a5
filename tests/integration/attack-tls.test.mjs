// Issue 12, attacks that must fail: TLS below 1.2. The HTTPS/WSS listener refuses TLS 1.0 and
// 1.1 handshakes and accepts 1.2 and 1.3 (45 CFR 164.312(e), transmission security).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { Anteroom } from './lib/anteroom.mjs';

let server;
before(async () => { server = await Anteroom.start(); });
after(async () => { await server?.stop(); });

// Resolves with the negotiated protocol, or the handshake error's text.
function handshake(version) {
  return new Promise((res) => {
    const s = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false,
      minVersion: version, maxVersion: version, servername: 'localhost',
      // OpenSSL 3's default security level 1 refuses to offer TLS 1.0/1.1 at all; level 0
      // lets this client try, so the refusal we see is the server's.
      ciphers: 'DEFAULT@SECLEVEL=0' });
    s.setTimeout(5000, () => { s.destroy(); res({ error: 'timeout' }); });
    s.once('secureConnect', () => { const p = s.getProtocol(); s.end(); res({ protocol: p }); });
    s.once('error', (e) => res({ error: `${e.code || ''} ${e.message}` }));
  });
}

for (const v of ['TLSv1', 'TLSv1.1']) {
  test(`${v} is refused`, async () => {
    const r = await handshake(v);
    assert.ok(r.error, `${v} negotiated ${r.protocol}`);
    // The server answers with a protocol_version alert (70): the refusal is its, not ours.
    assert.match(r.error, /PROTOCOL_VERSION|protocol version/i);
    console.log(`# ${v}: ${r.error.trim()}`);
  });
}

for (const v of ['TLSv1.2', 'TLSv1.3']) {
  test(`${v} is accepted`, async () => {
    const r = await handshake(v);
    assert.equal(r.protocol, v, JSON.stringify(r));
  });
}
