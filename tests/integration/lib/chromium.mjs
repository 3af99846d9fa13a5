// Debian Chromium driven by playwright-core with fake camera and microphone, as in
// ../shared/TESTING.md. One browser per test file; each case gets its own context.
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--ignore-certificate-errors', '--autoplay-policy=no-user-gesture-required'];

export async function launchChromium(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'anteroom-chromium-'));
  return chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: false, ignoreHTTPSErrors: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}
