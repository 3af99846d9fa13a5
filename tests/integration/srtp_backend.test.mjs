// Issue 14: the SRTP backend is chosen at start-up and reported in /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Anteroom, request } from './lib/anteroom.mjs';
import { parsePrometheus } from './lib/prometheus.mjs';

async function backendOf(server) {
  const r = await request(`${server.url}/metrics`);
  const s = parsePrometheus(r.body).filter((x) => x.name === 'anteroom_srtp_backend');
  assert.equal(s.length, 1, 'exactly one backend is reported');
  assert.equal(s[0].value, 1);
  return s[0].labels.backend;
}

test('OpenSSL-backed SRTP is the default and is reported', async () => {
  const s = await Anteroom.start();
  try {
    assert.equal(await backendOf(s), 'openssl');
  } finally { await s.stop(); }
});

test('[media] srtp_backend = libsrtp keeps the stock implementation', async () => {
  const s = await Anteroom.start({ media: { srtp_backend: 'libsrtp' } });
  try {
    assert.equal(await backendOf(s), 'libsrtp');
    assert.match(s.log, /srtp_backend = libsrtp/);
  } finally { await s.stop(); }
});
