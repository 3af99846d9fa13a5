// Starts a real anteroom for a test: its own config, state directory and port, on loopback.
// Tests run inside a network namespace made by scripts/check.sh (unshare -n), so nothing
// here can reach any other address.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import https from 'node:https';
import net from 'node:net';

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = resolve(here, '..', '..', '..');
export const BINARY = process.env.ANTEROOM_BIN || join(SOURCE_DIR, 'build', 'anteroom');

export const insecureAgent = new https.Agent({ rejectUnauthorized: false, keepAlive: false });

export async function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

// GET/POST over HTTPS to the test server, accepting its self-signed certificate.
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((res, rej) => {
    const req = https.request(url, { method, headers, agent: insecureAgent }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode, headers: r.headers,
        body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', rej);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function configText(opts) {
  const lines = [];
  for (const [section, keys] of Object.entries(opts)) {
    lines.push(`[${section}]`);
    for (const [k, v] of Object.entries(keys)) lines.push(`${k} = ${v}`);
    lines.push('');
  }
  return lines.join('\n');
}

// Runs anteroom with extra args and no wait: for exit-status tests.
export function runAnteroom(args, { timeoutMs = 10000 } = {}) {
  return new Promise((res) => {
    const p = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code, signal) => { clearTimeout(t); res({ code, signal, stdout: out, stderr: err }); });
  });
}

export class Anteroom {
  constructor(proc, port, dir, configPath) {
    this.proc = proc; this.port = port; this.dir = dir; this.configPath = configPath;
    this.url = `https://127.0.0.1:${port}`;
    this.wsUrl = `wss://127.0.0.1:${port}/ws`;
    this.log = '';
    this.stdout = '';
    this.exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
    proc.stderr.on('data', (d) => (this.log += d));
    proc.stdout.on('data', (d) => (this.stdout += d));
  }

  // Starts a server and waits for /healthz. extra: {section: {key: value}} merged into the config.
  static async start(extra = {}, { args = [] } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'anteroom-test-'));
    const port = await freePort();
    const cfg = { server: { listen_address: '127.0.0.1', port, state_dir: join(dir, 'state'),
      drain_seconds: 5 }, log: { level: 'debug' } };
    for (const [s, keys] of Object.entries(extra)) cfg[s] = { ...(cfg[s] || {}), ...keys };
    const configPath = join(dir, 'anteroom.conf');
    writeFileSync(configPath, configText(cfg));
    const proc = spawn(BINARY, ['--config', configPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new Anteroom(proc, cfg.server.port, dir, configPath);
    await server.waitHealthy();
    return server;
  }

  // Starts with the demo clinic seeded (--demo with this test's own config) and parses the
  // printed links: server.links.{patient,clinician,interpreter,caregiver} = {url, token}.
  // The demo's waiting patient (anteroom-peer, [demo] peer) is off unless extra.demo turns it
  // on: tests bring their own participants and count the line.
  static async startDemo(extra = {}) {
    const withDefaults = { ...extra, demo: { peer: 'false', ...(extra.demo || {}) } };
    const server = await Anteroom.start(withDefaults, { args: ['--demo'] });
    const deadline = Date.now() + 10000;
    while (!server.stdout.includes('Stop with Ctrl-C') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    server.links = {};
    for (const role of ['patient', 'clinician', 'interpreter', 'caregiver']) {
      const m = server.stdout.match(new RegExp(`^  ${role}\\s+(\\S+#t=(\\S+))$`, 'm'));
      if (!m) throw new Error(`no ${role} link in demo output:\n${server.stdout}\n${server.log}`);
      server.links[role] = { url: m[1], token: m[2] };
    }
    return server;
  }

  async waitHealthy(timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    let exited = null;
    this.exited.then((e) => (exited = e));
    while (Date.now() < deadline) {
      if (exited) throw new Error(`anteroom exited (${JSON.stringify(exited)}):\n${this.log}`);
      try {
        const r = await request(`${this.url}/healthz`);
        if (r.status === 200) return;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`anteroom did not become healthy:\n${this.log}`);
  }

  // Stops the server (SIGTERM, then SIGKILL after 10 s); keepFiles leaves the state directory
  // for the test to inspect (call cleanup() afterwards).
  async stop({ keepFiles = false } = {}) {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(t);
    }
    // AR_SERVER_LOG=DIR keeps every server's log (debug level) as DIR/anteroom-<port>.log.
    if (process.env.AR_SERVER_LOG) writeFileSync(join(process.env.AR_SERVER_LOG, `anteroom-${this.port}.log`), this.log);
    if (!keepFiles) this.cleanup();
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
