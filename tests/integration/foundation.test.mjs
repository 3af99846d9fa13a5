// Issue 3: one process serving HTTPS and WSS on one port, config checks, metrics, signals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Anteroom, request, runAnteroom, freePort, configText, SOURCE_DIR } from './lib/anteroom.mjs';
import { SignalingClient } from './lib/ws.mjs';
import { parsePrometheus } from './lib/prometheus.mjs';

let server;
before(async () => { server = await Anteroom.start(); });
after(async () => { await server?.stop(); });

test('healthz and readyz answer', async () => {
  const h = await request(`${server.url}/healthz`);
  assert.equal(h.status, 200);
  assert.equal(h.body, 'ok\n');
  const r = await request(`${server.url}/readyz`);
  assert.equal(r.status, 200);
});

test('static files are served with content types, caching and security headers', async () => {
  const page = await request(`${server.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'], /^text\/html/);
  assert.equal(page.body, readFileSync(join(SOURCE_DIR, 'web-client', 'index.html'), 'utf8'));
  assert.match(page.headers['cache-control'], /max-age=60/);
  assert.ok(page.headers.etag, 'an ETag lets browsers revalidate');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.match(page.headers['content-security-policy'], /default-src 'self'/);
  const css = await request(`${server.url}/css/base.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers['content-type'], /^text\/css/);
  const again = await request(`${server.url}/`, { headers: { 'if-none-match': page.headers.etag } });
  assert.equal(again.status, 304);
  const missing = await request(`${server.url}/no-such-file.html`);
  assert.equal(missing.status, 404);
});

test('path traversal does not escape the web root', async () => {
  for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/css/../../meson.build']) {
    const r = await request(`${server.url}${p}`);
    assert.ok(!r.body.includes('root:x:0:0') && !r.body.includes("project('anteroom'"), `${p} leaked a file`);
  }
});

test('a WSS connection answers hello and echoes ping data', async () => {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  const w = await c.request('hello');
  assert.equal(w.type, 'welcome');
  assert.equal(w.version, 1);
  const p = await c.request('ping', { data: { n: 42, s: 'x' } });
  assert.equal(p.type, 'pong');
  assert.deepEqual(p.data, { n: 42, s: 'x' });
  await c.close();
});

test('malformed and unknown messages get an error reply and the connection stays', async () => {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  c.sendRaw('{not json');
  const e1 = await c.waitFor((m) => m.type === 'error');
  assert.equal(e1.code, 'bad_json');
  c.sendRaw('[1,2,3]');
  assert.equal((await c.waitFor((m) => m.type === 'error')).code, 'bad_message');
  const e3 = await c.request('no-such-thing');
  assert.equal(e3.type, 'error');
  assert.equal(e3.code, 'unknown_type');
  const p = await c.request('ping');
  assert.equal(p.type, 'pong');
  await c.close();
});

test('an oversized message closes that connection only', async () => {
  const other = new SignalingClient(server.wsUrl);
  await other.opened;
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  c.sendRaw(JSON.stringify({ type: 'ping', data: 'x'.repeat(100 * 1024) }));
  const closed = await c.closed;
  assert.equal(closed.code, 1009);
  assert.equal((await other.request('ping')).type, 'pong');
  await other.close();
});

test('a client that keeps sending garbage is disconnected', async () => {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  for (let i = 0; i < 25; i++) c.sendRaw('garbage');
  const closed = await c.closed;
  assert.equal(closed.code, 1008);
});

test('/metrics is valid Prometheus text with the expected families', async () => {
  const c = new SignalingClient(server.wsUrl);
  await c.opened;
  await c.request('ping');
  const r = await request(`${server.url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const samples = parsePrometheus(r.body);
  const get = (name, labels = {}) => samples.find((s) => s.name === name &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(get('process_resident_memory_bytes').value > 0);
  assert.ok(get('process_cpu_seconds_total').value >= 0);
  assert.ok(get('anteroom_websocket_connections').value >= 1);
  assert.ok(get('anteroom_visits_active'));
  assert.ok(get('anteroom_media_packets_total', { direction: 'in' }));
  assert.ok(get('anteroom_media_errors_total', { kind: 'srtp_auth' }));
  assert.ok(get('anteroom_signaling_errors_total', { code: 'bad_json' }).value >= 1);
  assert.equal(get('anteroom_media_workers').type, 'gauge');
  await c.close();
});

test('WebSocket connections from another origin are refused when public_url is set', async () => {
  const port = await freePort();
  const s = await Anteroom.start({ server: { port, public_url: `https://127.0.0.1:${port}` } });
  try {
    const good = new SignalingClient(s.wsUrl, { origin: `https://127.0.0.1:${port}` });
    await good.opened;
    await good.close();
    const bad = new SignalingClient(s.wsUrl, { origin: 'https://evil.example' });
    await assert.rejects(bad.opened);
  } finally { await s.stop(); }
});

test('SIGTERM drains and exits 0', async () => {
  const s = await Anteroom.start();
  s.proc.kill('SIGTERM');
  const { code } = await s.exited;
  assert.equal(code, 0);
  assert.match(s.log, /draining/);
  await s.stop();
});

test('SIGHUP reloads the log level and the certificate', async () => {
  const s = await Anteroom.start();
  try {
    writeFileSync(s.configPath, readFileSync(s.configPath, 'utf8').replace('level = debug', 'level = warning'));
    s.proc.kill('SIGHUP');
    const deadline = Date.now() + 5000;
    while (!/reload: log level warning/.test(s.log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(s.log, /reload: log level warning/);
    assert.equal((await request(`${s.url}/healthz`)).status, 200);
  } finally { await s.stop(); }
});

test('--version and --check-config', async () => {
  const v = await runAnteroom(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^anteroom \d+\.\d+\.\d+/);
  const ok = await runAnteroom(['--check-config', join(SOURCE_DIR, 'conf', 'anteroom.conf')]);
  assert.equal(ok.code, 0);
});

function badConfig(text) {
  const dir = mkdtempSync(join(tmpdir(), 'anteroom-bad-'));
  const path = join(dir, 'bad.conf');
  writeFileSync(path, text);
  return path;
}

test('bad configurations exit 2 with one line naming file, line and key', async () => {
  const cases = [
    ['[server]\nport = 8443\n[media]\nfoo = 1\n', /bad\.conf:4: \[media\] foo: unknown key/],
    ['[server]\nport = 99999\n', /bad\.conf:2: \[server\] port: '99999' is not a whole number/],
    ['[log]\n\nlevel = loud\n', /bad\.conf:3: \[log\] level: 'loud' is not one of/],
    ['[nonsense]\nx = 1\n', /bad\.conf:1: \[nonsense\]: unknown section/],
    ['this is not a config\n', /bad\.conf:1: .*not a key-value pair/],
  ];
  for (const [text, re] of cases) {
    const path = badConfig(text);
    for (const args of [['--config', path], ['--check-config', path]]) {
      const r = await runAnteroom(args);
      assert.equal(r.code, 2, `${text} ${args[0]}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
  }
});

test('start-up failures exit 2 with the cause and leave nothing running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anteroom-fail-'));
  const blocker = net.createServer();
  const busyPort = await freePort();
  await new Promise((r) => blocker.listen(busyPort, '127.0.0.1', r));
  try {
    const cases = [
      [{ server: { listen_address: '127.0.0.1', port: busyPort, state_dir: join(dir, 's1') } }, /port in use/],
      [{ server: { listen_address: '127.0.0.1', port: await freePort(), state_dir: '/etc/hostname/sub' } }, /state_dir .* cannot be created/],
      [{ server: { listen_address: '127.0.0.1', port: await freePort(), state_dir: join(dir, 's2') },
         tls: { certificate: join(dir, 'missing.pem'), private_key: join(dir, 'missing.key') } }, /\[tls\] .*missing\.pem/],
      [{ server: { listen_address: '127.0.0.1', port: await freePort(), state_dir: join(dir, 's3') },
         tls: { certificate: join(SOURCE_DIR, 'meson.build'), private_key: join(SOURCE_DIR, 'meson.build') } }, /\[tls\] .*meson\.build/],
    ];
    for (const [cfg, re] of cases) {
      const path = badConfig(configText(cfg));
      const r = await runAnteroom(['--config', path]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('anteroom:')).length, 1);
    }
  } finally { blocker.close(); }
});
