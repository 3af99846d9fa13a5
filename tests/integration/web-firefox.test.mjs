// Issue 9: the patient page also works in Firefox ESR (driven over WebDriver BiDi by
// puppeteer-core): consent, then the device check plays the video echoed by the server and
// shows the network verdict, then the waiting room shows the place in line, with nothing
// logged as an error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';
import { startDemo } from './lib/web.mjs';

let demo, browser;
before(async () => {
  demo = await startDemo();
  browser = await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true,
    acceptInsecureCerts: true, extraPrefsFirefox: {
      'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true,
      'media.navigator.permission.fake': true, 'media.peerconnection.ice.loopback': true } });
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

test('Firefox ESR: consent, the device check with the echoed video and a verdict, the waiting room', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(demo.links.patient);
  await page.waitForSelector('#app[data-screen="consent"]', { timeout: 15000 });
  await page.click('#consent-box');
  await page.click('[data-screen="consent"] button[type="submit"]');
  await page.waitForSelector('#app[data-screen="device-check"]', { timeout: 15000 });
  await page.waitForFunction(() => document.querySelector('video.echo').videoWidth > 0, { timeout: 30000 });
  await page.waitForFunction(() => ['good', 'fair', 'poor'].includes(document.getElementById('net-verdict').dataset.verdict),
    { timeout: 15000 });
  assert.match(await page.$eval('#net-verdict', (e) => e.textContent), /connection/i);
  // On into the waiting room: the place in line arrives from the server's queue.update.
  await page.click('#check-done');
  await page.waitForSelector('#app[data-screen="waiting"]', { timeout: 15000 });
  await page.waitForFunction(() => /number \d+ in line|You are next/.test(document.getElementById('wait-position').textContent),
    { timeout: 15000 });
  assert.deepEqual(errors, []);
  await page.close();
});
