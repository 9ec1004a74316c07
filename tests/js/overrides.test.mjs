// Overrides for testers (FlagClient.setOverride), from the built package in
// headless Chromium against the real server: they win over every rule with
// reason `override`, follow the tab (sessionStorage) but no other tab, and
// come from the URL only when the app allows it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FlagServer } from './lib/server.mjs';
import { launchChromium } from './lib/chromium.mjs';

let browser;
let server;
let admin;
before(async () => {
  browser = await launchChromium();
  server = await FlagServer.start();
  admin = await server.session('admin', 'admin-demo');
});
after(async () => { await browser?.close(); await server?.stop(); });

const MARIA = { id: 'user-maria', role: 'md' };
const PRICING = ['control', 'annual', 'compact'];

async function open(query = '', options = {}) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/tests/js/client-page.html${query}`);
  assert.equal(await page.evaluate(() => window.login('maria', 'md-demo')), 200);
  assert.deepEqual(await page.evaluate((o) => window.startClient({ cache: false, ...o }), options), { ok: true, status: 'ready' });
  return { page, errors };
}

const read = (page) => page.evaluate((variants) => ({
  promo: window.client.evaluate('promo_banner'),
  pricing: window.client.variant('pricing_page', variants),
  overrides: window.client.overrides(),
}), PRICING);

test('an override wins over every rule, says so, notifies, and clears', async () => {
  const { page, errors } = await open();
  try {
    const server = (await admin.evaluate(['promo_banner'], MARIA)).promo_banner;
    await page.evaluate((on) => { window.notifications = []; window.client.setOverride('promo_banner', !on); window.client.setOverride('pricing_page', 'compact'); }, server.enabled);
    let got = await read(page);
    assert.deepEqual(got.promo, { enabled: !server.enabled, reason: 'override' });
    assert.equal(got.pricing, 'compact');
    await page.waitForFunction(() => window.notifications.some((n) => n.names.includes('promo_banner')));
    // The server changes the flag: the override still wins.
    const version = await page.evaluate(() => window.client.version);
    const heard = await page.evaluate(() => window.notifications.length);
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await page.waitForFunction((v) => window.client.version > v, version);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual((await read(page)).promo, { enabled: !server.enabled, reason: 'override' });
    assert.equal(await page.evaluate((n) => window.notifications.slice(n).some((x) => x.names.includes('promo_banner')), heard), false,
      'an overridden flag did not change for the user: no notification');
    // Cleared: the server's value again (now toggled).
    await page.evaluate(() => window.client.setOverride('promo_banner', null));
    got = await read(page);
    assert.deepEqual(got.promo, (await admin.evaluate(['promo_banner'], MARIA)).promo_banner);
    assert.deepEqual(got.overrides, { pricing_page: 'compact' });
    const bad = await page.evaluate(() => { try { window.client.setOverride('x', 5); return null; } catch (e) { return e.message; } });
    assert.match(bad, /^flaglive\.setOverride: expected a name and true, false, a variant or null/);
    assert.deepEqual(errors, []);
  } finally {
    await page.evaluate(() => window.client.setOverride('pricing_page', null));
    await page.close();
  }
});

test('overrides survive a reload of the tab, and no other tab sees them', async () => {
  const { page, errors } = await open();
  const other = await open();
  try {
    await page.evaluate(() => window.client.setOverride('dark_mode', true));
    await page.reload();
    assert.equal(await page.evaluate(() => window.login('maria', 'md-demo')), 200);
    await page.evaluate(() => window.startClient({ cache: false }));
    assert.deepEqual((await page.evaluate(() => window.client.evaluate('dark_mode'))), { enabled: true, reason: 'override' });
    assert.deepEqual(await other.page.evaluate(() => window.client.overrides()), {});
    assert.notEqual((await other.page.evaluate(() => window.client.evaluate('dark_mode'))).reason, 'override');
    assert.deepEqual([...errors, ...other.errors], []);
  } finally {
    await page.evaluate(() => window.client.setOverride('dark_mode', null));
    await page.close();
    await other.page.close();
  }
});

test('URL overrides only when the app allows them', async () => {
  const query = '?flaglive=promo_banner:off,pricing_page:annual';
  const ignored = await open(query);
  const allowed = await open(query, { urlOverrides: true });
  try {
    assert.deepEqual((await read(ignored.page)).overrides, {}, 'off by default: a link cannot steer a page');
    const got = await read(allowed.page);
    assert.deepEqual(got.overrides, { promo_banner: false, pricing_page: 'annual' });
    assert.deepEqual(got.promo, { enabled: false, reason: 'override' });
    assert.equal(got.pricing, 'annual');
    assert.deepEqual([...ignored.errors, ...allowed.errors], []);
  } finally {
    await allowed.page.evaluate(() => { window.client.setOverride('promo_banner', null); window.client.setOverride('pricing_page', null); });
    await ignored.page.close();
    await allowed.page.close();
  }
});
