// The Leptos example (examples/leptos-flags: a client-side Leptos app on
// flaglive-web, built by scripts/test) served by flaglive-server, in
// Chromium as maria: it shows the server's own evaluation for her, says
// ready, and re-renders on an admin's toggle; no console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';
import { FlagServer } from './lib/server.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { watchedPage } from './lib/framework-page.mjs';

const DIST = path.join(ROOT, 'examples/leptos-flags/dist');
const MARIA = { id: 'user-maria', role: 'md', username: 'maria', password: 'md-demo' };
const PRICING = ['control', 'annual', 'compact'];

let server;
let browser;
before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'pkg/leptos_flags_example_bg.wasm')), 'built by scripts/test (build_leptos_example)');
  server = await FlagServer.start({ staticDir: DIST });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('Leptos app on flaglive-web: maria\'s values from the server, ready, a toggle re-renders it live', async () => {
  const admin = await server.session('admin', 'admin-demo');
  const { page, problems } = await watchedPage(browser, ['promo', 'dashboard', 'pricing']);
  try {
    const login = await page.request.post(`${server.url}/api/auth/login`, { data: { username: MARIA.username, password: MARIA.password } });
    assert.equal(login.status(), 200);
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 30_000 });
    const want = await admin.evaluate(['promo_banner', 'new_dashboard', ...PRICING.map((v) => `pricing_page_${v}`)], MARIA);
    const text = (id) => page.evaluate((i) => document.getElementById(i).textContent, id);
    assert.equal(await text('promo'), String(want.promo_banner.enabled));
    assert.equal(await text('dashboard'), String(want.new_dashboard.enabled));
    assert.equal(await text('pricing'), PRICING.find((v) => want[`pricing_page_${v}`].enabled) ?? PRICING[0]);
    assert.equal(await page.evaluate(() => !!document.getElementById('banner')), want.promo_banner.enabled, 'the banner follows the flag');
    for (const value of [!want.promo_banner.enabled, want.promo_banner.enabled]) {
      await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
      await page.waitForFunction((v) => document.getElementById('promo').textContent === String(v), value, { timeout: 15_000 });
      assert.equal(await page.evaluate(() => !!document.getElementById('banner')), value);
    }
    assert.deepEqual(problems, [], 'no console error or warning');
  } finally {
    await page.close();
  }
});
