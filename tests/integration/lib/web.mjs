// Helpers for the web client tests: a demo clinic on a free port (links parsed from
// `anteroom --demo`), one Chromium per test file with fresh contexts per person, the
// axe-core scan, and screenshots into docs/screenshots/.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { BINARY, SOURCE_DIR, freePort, configText, request } from './anteroom.mjs';

const require = createRequire(import.meta.url);
export const AXE_PATH = require.resolve('axe-core/axe.min.js');
export const SHOTS_DIR = join(SOURCE_DIR, 'docs', 'screenshots');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

// A demo clinic: {url, links: {patient, clinician, interpreter, caregiver}, login, password,
// restart(), stop()}. restart() stops the process and starts it again on the same state
// (without --demo, which would reseed), as a server restart in production.
// signaling: extra [signaling] keys, e.g. a short grace_seconds where every screen must start
// from a fresh patient (a patient who dropped keeps their place for the grace period).
// scheduling: extra [scheduling] keys (offers to the waiting list).
export async function startDemo({ signaling = {}, scheduling = null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'anteroom-web-'));
  const port = await freePort();
  const configPath = join(dir, 'anteroom.conf');
  writeFileSync(configPath, configText({
    server: { listen_address: '127.0.0.1', port, state_dir: join(dir, 'state'), drain_seconds: 1,
      web_root: join(SOURCE_DIR, 'web-client') },
    log: { level: 'info' },
    // Screenshots open many windows on one link in a row; the per-link cap is the identity
    // tests' business.
    signaling: { max_connections_per_token: 50, ...signaling },
    ...(scheduling ? { scheduling } : {}),
    // No synthetic demo patient (make demo's anteroom-peer): the journeys bring their own.
    demo: { peer: false },
  }));
  const demo = { dir, port, url: `https://127.0.0.1:${port}`, wsUrl: `wss://127.0.0.1:${port}/ws`, log: '', links: {} };

  function launch(args) {
    const p = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    demo.proc = p;
    demo.stdout = '';
    p.stdout.on('data', (d) => (demo.stdout += d));
    p.stderr.on('data', (d) => (demo.log += d));
    demo.exited = new Promise((res) => p.on('exit', (code, signal) => res({ code, signal })));
    return p;
  }
  async function healthy() {
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      try {
        if ((await request(`${demo.url}/healthz`)).status === 200) return;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`anteroom did not start:\n${demo.log}`);
  }

  launch(['--demo', '--config', configPath]);
  const deadline = Date.now() + 15000;
  while (!demo.stdout.includes('Stop with Ctrl-C') && Date.now() < deadline) {
    if (demo.proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!demo.stdout.includes('Stop with Ctrl-C')) throw new Error(`demo did not start:\n${demo.stdout}\n${demo.log}`);
  for (const role of ['patient', 'clinician', 'interpreter', 'caregiver']) {
    const m = demo.stdout.match(new RegExp(`^  ${role}\\s+(https://\\S+#t=\\S+)$`, 'm'));
    if (!m) throw new Error(`no ${role} link in:\n${demo.stdout}`);
    demo.links[role] = m[1];
  }
  const login = demo.stdout.match(/as (\S+) \/ (\S+)/);
  if (login) { demo.login = login[1]; demo.password = login[2]; }

  demo.kill = async () => {
    if (demo.proc.exitCode === null && demo.proc.signalCode === null) {
      demo.proc.kill('SIGTERM');
      const t = setTimeout(() => demo.proc.kill('SIGKILL'), 8000);
      await demo.exited;
      clearTimeout(t);
    }
  };
  demo.restart = async ({ downMs = 0 } = {}) => {
    await demo.kill();
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    launch(['--config', configPath]);
    await healthy();
  };
  demo.stop = async () => {
    await demo.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  return demo;
}

const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];

// One Chromium per test file. Camera and microphone are allowed per context (permissions),
// so a context without them sees the browser's "denied" answer, as a person who said no.
export async function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: false, args: CHROMIUM_ARGS });
}

// A person: a context with its own storage, viewport, language and camera permission.
export async function newPerson(browser, { viewport = PHONE, locale = 'en-US', camera = true, colorScheme = 'light' } = {}) {
  const ctx = await browser.newContext({ viewport, locale, ignoreHTTPSErrors: true, colorScheme,
    permissions: camera ? ['camera', 'microphone'] : [] });
  const page = await ctx.newPage();
  page.consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)));
  return { ctx, page };
}

export async function screen(page, name, timeout = 15000) {
  await page.waitForSelector(`#app[data-screen="${name}"]`, { timeout });
}

// axe-core, from node_modules, injected into the page; returns serious and critical violations.
// page.addScriptTag({path}) inserts an inline <script>, which the server's Content-Security-
// Policy (script-src 'self') rightly blocks; evaluating the same file through the DevTools
// protocol is not subject to the page's CSP, and the pages keep their real CSP while scanned.
const AXE_SOURCE = readFileSync(AXE_PATH, 'utf8');
export async function axeScan(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE_SOURCE);
  const res = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

export async function shot(page, name) {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const vp = page.viewportSize();
  const suffix = vp.width < 600 ? 'phone' : 'desktop';
  await page.screenshot({ path: join(SHOTS_DIR, `${name}-${suffix}.png`) });
}

// Video statistics of the page's connections (media.js keeps them in window.__anteroom.pcs).
export async function inboundVideo(page) {
  return page.evaluate(async () => {
    let frames = 0;
    for (const pc of (window.__anteroom && window.__anteroom.pcs) || []) {
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
      });
    }
    return frames;
  });
}
