// flaglive in a Next.js App Router app (tests/js/next-app), built from the
// packed tarball with Turbopack (Next's default) and with webpack, served by
// `next start` with /api rewritten to the real flaglive-server and Next's
// default compression on. In Chromium: the server HTML already holds the
// signed-in user's values, hydration is clean and flicker-free, an admin
// toggle re-renders the page live, and OpenFeature's React SDK works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FlagServer, freePort } from './lib/server.mjs';
import { startAnswering } from './lib/web-process.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { ROOT, PKG } from './lib/paths.mjs';
import { installPacked } from '../../scripts/lib/install-packed.mjs';
import { watchedPage as watchedPageOf } from './lib/framework-page.mjs';

const APP = path.join(ROOT, 'tests/js/next-app');
const NEXT = path.join(APP, 'node_modules/.bin/next');
const MARIA = { id: 'user-maria', role: 'md', username: 'maria', password: 'md-demo' };
const PRICING = ['control', 'annual', 'compact'];
// Production builds with each bundler, and the dev server (Turbopack),
// where React reports hydration mismatches in full.
const BUNDLERS = { turbopack: [], webpack: ['--webpack'] };
const MODES = [...Object.keys(BUNDLERS), 'dev'];
const IDS = ['promo', 'dashboard', 'pricing', 'theme'];

let server;
let admin;
let browser;
const apps = {};

async function startNext(name) {
  const env = { ...process.env, FLAG_SERVER: server.url, NEXT_DIST_DIR: `.next-${name}`, NEXT_TELEMETRY_DISABLED: '1' };
  let log = '';
  // A fresh output directory: no cache or lock of an earlier, interrupted run.
  fs.rmSync(path.join(APP, env.NEXT_DIST_DIR), { recursive: true, force: true });
  if (name !== 'dev') {
    const started = Date.now();
    const build = spawnSync(NEXT, ['build', ...BUNDLERS[name]], { cwd: APP, env, encoding: 'utf8' });
    log = `${build.stdout}\n${build.stderr}`;
    if (build.status !== 0) throw new Error(`next build (${name}) failed:\n${log}`);
    console.log(`next build (${name}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const port = await freePort();
  const command = name === 'dev' ? 'dev' : 'start';
  const url = `http://127.0.0.1:${port}`;
  // Up to 2 minutes: the dev server compiles on the first request.
  const { proc, output } = await startAnswering(NEXT, [command, '-p', String(port), '-H', '127.0.0.1'], {
    url, cwd: APP, env, tries: 600, everyMs: 200, what: `next ${command} (${name})`,
  });
  return { url, proc, log, output };
}

before(async () => {
  server = await FlagServer.start();
  admin = await server.session('admin', 'admin-demo');
  installPacked(APP);
  for (const name of MODES) apps[name] = await startNext(name);
  browser = await launchChromium();
});

after(async () => {
  for (const app of Object.values(apps)) app.proc.kill();
  await browser?.close();
  await server?.stop();
});

/** What maria must see, from the server's own evaluation and the core's variant rule. */
async function expected() {
  const names = ['promo_banner', 'new_dashboard', ...PRICING.map((v) => `pricing_page_${v}`)];
  const want = await admin.evaluate(names, MARIA);
  const { chooseVariant } = await import(path.join(PKG, 'node.js'));
  const enabled = names.filter((n) => want[n].enabled);
  return { promo: String(want.promo_banner.enabled), dashboard: String(want.new_dashboard.enabled), pricing: chooseVariant('pricing_page', PRICING, enabled) };
}

const between = (html, id) => html.match(new RegExp(`<p id="${id}">(.*?)</p>`))?.[1]?.replace(/<!-- -->/g, '');

for (const name of Object.keys(BUNDLERS)) {
  test(`${name}: next build logs no provider error`, () => {
    const { log } = apps[name];
    assert.match(log, /Compiled successfully/, log);
    assert.doesNotMatch(log, /Error during provider initialization|HANGING_PROMISE|fetch failed|flaglive:/i, log);
  });
}

/** A page recording flicker and console problems (lib/framework-page.mjs). */
const watchedPage = () => watchedPageOf(browser, IDS);

/** Holds the wasm back for a second; returns when hydration committed and
 *  when the wasm arrived (page clock). */
async function slowWasm(page) {
  await page.route('**/*.wasm', async (route) => { await new Promise((r) => setTimeout(r, 1000)); await route.continue(); });
  // Flags may be ready before the wasm is in (a prepared answer): wait for it.
  return async () => (await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm')), null, { timeout: 15_000 }), page.evaluate(() => ({
    hydrated: window.hydratedAt,
    wasm: performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'))?.responseEnd,
  })));
}

async function signIn(url) {
  const login = await browser.context.request.post(`${url}/api/auth/login`, { data: { username: MARIA.username, password: MARIA.password } });
  assert.equal(login.status(), 200, 'login through the Next rewrite');
}

for (const name of MODES) {
  test(`${name}: Pages Router (getServerSideProps + prepareBootstrap): server HTML has maria's flags, hydration is clean, a toggle re-renders live`, async () => {
    const { url } = apps[name];
    const { page, problems } = await watchedPage();
    try {
      const signedOut = await (await fetch(`${url}/pages-router`)).text(); // no cookie
      assert.match(signedOut, /id="signed-out"/, 'signed out: bootstrap null, no provider');
      await signIn(url);
      const want = await expected();
      const html = await (await browser.context.request.get(`${url}/pages-router`)).text();
      for (const id of ['promo', 'dashboard', 'pricing']) assert.equal(between(html, id), want[id], `server HTML #${id}`);
      await page.goto(`${url}/pages-router`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 15_000 });
      const first = await page.evaluate(() => window.first);
      for (const id of ['promo', 'dashboard', 'pricing']) assert.equal(first[id], want[id], `the page as served, #${id}`);
      assert.deepEqual(await page.evaluate(() => window.changes), [], 'no value changed during hydration and start-up');
      const off = want.promo === 'true' ? 'false' : 'true';
      await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
      await page.waitForFunction((v) => document.getElementById('promo').textContent === v, off, { timeout: 10_000 });
      await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
      await page.waitForFunction((v) => document.getElementById('promo').textContent === v, want.promo, { timeout: 10_000 });
      assert.deepEqual(problems, [], 'no errors or warnings in the console');
    } finally {
      await page.close();
    }
  });

  test(`${name}: a plain snapshot text as bootstrap also hydrates without a mismatch`, async () => {
    const { url } = apps[name];
    const { page, problems } = await watchedPage();
    try {
      await signIn(url);
      const want = await expected();
      const timing = await slowWasm(page);
      await page.goto(`${url}/raw`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 15_000 });
      const t = await timing();
      assert.ok(t.hydrated > t.wasm, `hydration waited for the wasm (${JSON.stringify(t)})`);
      const first = await page.evaluate(() => window.first);
      for (const id of ['promo', 'dashboard', 'pricing']) assert.equal(first[id], want[id], `the page as served, #${id}`);
      assert.deepEqual(await page.evaluate(() => window.changes), [], 'no value changed during hydration and start-up');
      assert.deepEqual(problems, [], 'no errors or warnings in the console');
    } finally {
      await page.close();
    }
  });

  test(`${name}: server HTML has maria's flags, hydration is clean, toggles re-render live, OpenFeature follows`, async () => {
    const { url } = apps[name];
    const { page, problems } = await watchedPage();
    try {
      await signIn(url);
      const want = await expected();

      const html = await (await browser.context.request.get(url)).text();
      for (const id of ['promo', 'dashboard', 'pricing']) assert.equal(between(html, id), want[id], `server HTML #${id}`);
      assert.match(between(html, 'theme'), /^\{.*\}$/, 'server HTML has the resolved config');

      const timing = await slowWasm(page);
      await page.goto(url);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 15_000 });
      const t = await timing();
      assert.ok(t.hydrated < t.wasm, `hydrated before the wasm arrived (${JSON.stringify(t)})`);
      const first = await page.evaluate(() => window.first);
      for (const id of ['promo', 'dashboard', 'pricing']) assert.equal(first[id], want[id], `the page as served, #${id}`);
      assert.deepEqual(await page.evaluate(() => window.changes), [], 'no value changed during hydration and start-up');
      assert.equal(await page.textContent('#theme'), first.theme.replace(/&quot;/g, '"'));
      await page.waitForFunction((v) => document.getElementById('of-promo').textContent === v, want.promo, { timeout: 10_000 });

      // An admin toggle, through the flag server, the stream, Next's rewrite (compressing by default).
      const flip = async (expectValue) => {
        const sent = Date.now();
        await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
        await page.waitForFunction((v) => document.getElementById('promo').textContent === v, expectValue, { timeout: 10_000, polling: 'raf' })
          .catch(async (e) => { throw new Error(`${e.message}; status ${await page.textContent('#status')}; console: ${problems.join(' | ')}`); });
        const ms = Date.now() - sent;
        await page.waitForFunction((v) => document.getElementById('of-promo').textContent === v, expectValue, { timeout: 10_000 });
        return ms;
      };
      const off = want.promo === 'true' ? 'false' : 'true';
      const latencies = [await flip(off), await flip(want.promo)];
      console.log(`${name}: admin toggle -> re-render through the Next rewrite: ${latencies.join(' ms, ')} ms`);
      assert.equal(await page.textContent('#status'), 'ready', 'the stream was live, not replaced by re-reads');

      // A new OpenFeature context re-reads the snapshot; values keep following.
      await page.click('#of-context');
      assert.ok((await flip(off)) >= 0);
      await flip(want.promo);
      assert.deepEqual(problems, [], 'no errors or warnings in the console');
    } catch (e) {
      const seen = await page.evaluate(() => ({ text: document.querySelector('main')?.innerText, changes: window.changes })).catch(() => null);
      e.message += `\npage: ${JSON.stringify(seen)}\nconsole: ${problems.join(' | ')}`;
      throw e;
    } finally {
      await page.close();
    }
  });
}
