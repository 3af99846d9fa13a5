// Issue 7 in the browser: the clinician console's "Add walk-in" panel adds a walk-in, shows the
// patient's link as text and as a QR code, the new row appears in the lobby, the panel passes
// the accessibility scan, and the link opens the patient's normal check-in on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launchChromium, newPerson, screen, axeScan, PHONE, DESKTOP } from './lib/web.mjs';

let demo, browser;
before(async () => {
  demo = await startDemo();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

test('Add walk-in: link and QR code to hand over, a lobby row, and the link opens check-in', async () => {
  const clinician = await newPerson(browser, { viewport: DESKTOP });
  const patient = await newPerson(browser, { viewport: PHONE });
  try {
    const page = clinician.page;
    await page.goto(demo.links.clinician);
    await screen(page, 'lobby');
    await page.waitForSelector('#walkin-who option[value="prac_okafor"]', { state: 'attached', timeout: 15000 });
    assert.equal(await page.inputValue('#walkin-who'), 'prac_okafor'); // "Me" for a clinician
    await page.selectOption('#walkin-lang', 'es');
    await page.check('#walkin-interp');
    await page.fill('#walkin-label', 'Ana Torres');
    await page.click('.walkin button[type="submit"]');
    await page.waitForSelector('#walkin-link', { timeout: 15000 });
    const link = await page.inputValue('#walkin-link');
    assert.match(link, /\/patient\.html#t=[\w-]+\.[\w-]+$/);
    assert.equal(await page.locator('.walkin img.qr').count(), 1);
    await page.waitForSelector('#lobby-rows th:has-text("Ana T.")', { timeout: 15000 });
    assert.deepEqual(await axeScan(page), []);
    assert.deepEqual(page.consoleErrors, []);

    await patient.page.goto(link);
    await screen(patient.page, 'consent');
    assert.deepEqual(patient.page.consoleErrors, []);
  } finally {
    await clinician.ctx.close();
    await patient.ctx.close();
  }
});
