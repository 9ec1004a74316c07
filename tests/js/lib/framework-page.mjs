// The check every server-rendering framework app in tests/js passes (React
// Router, Astro): its page reads maria's snapshot on the server with her
// cookie (prepareBootstrap) and renders promo, dashboard, pricing and
// status; the app forwards /api to the flag server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PKG } from './paths.mjs';
import { FlagServer, freePort } from './server.mjs';
import { startAnswering } from './web-process.mjs';
import { launchChromium } from './chromium.mjs';
import { installPacked } from '../../../scripts/lib/install-packed.mjs';

const MARIA = { id: 'user-maria', role: 'md', username: 'maria', password: 'md-demo' };
const PRICING = ['control', 'annual', 'compact'];
const IDS = ['promo', 'dashboard', 'pricing'];

/** What maria must see: the server's own evaluation and the core's variant rule. */
async function expected(admin) {
  const names = ['promo_banner', 'new_dashboard', ...PRICING.map((v) => `pricing_page_${v}`)];
  const want = await admin.evaluate(names, MARIA);
  const { chooseVariant } = await import(path.join(PKG, 'node.js'));
  const enabled = names.filter((n) => want[n].enabled);
  return { promo: String(want.promo_banner.enabled), dashboard: String(want.new_dashboard.enabled), pricing: chooseVariant('pricing_page', PRICING, enabled) };
}

// Frameworks may put comments or attributes inside; the text is what counts.
const between = (html, id) => html.match(new RegExp(`<p id="${id}"[^>]*>(.*?)</p>`))?.[1]?.replace(/<!--.*?-->/g, '');

// Next 16's own Pages Router dev client (hot-reloader-pages.js) reads
// `window.next.router.components` when the dev server's `isrManifest`
// message comes, and throws when it comes before the router exists (before
// hydration); it logs that as this warning. A race inside `next dev`,
// unrelated to the page's code (seen once in CI, on the dev Pages Router
// test). Only this message is let through; any other still fails a test.
const NEXT_DEV_RACE = /^\[HMR\] Invalid message: \{"type":"isrManifest".*reading 'components'\)\n\s+at handleStaticIndicator /s;

/** A page that records every change of a value's text after the server's
 *  HTML was parsed (`window.changes`, a flicker; `window.first`, the HTML's
 *  values) and every console error or warning (`problems`). */
export async function watchedPage(browser, ids) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e}`));
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !NEXT_DEV_RACE.test(m.text())) problems.push(`${m.type()}: ${m.text()}`);
  });
  await page.addInitScript((names) => {
    window.changes = [];
    document.addEventListener('DOMContentLoaded', () => {
      const text = (id) => document.getElementById(id)?.textContent;
      window.first = Object.fromEntries(names.map((id) => [id, text(id)]));
      const last = { ...window.first };
      new MutationObserver(() => {
        for (const id of names) if (text(id) !== last[id]) { window.changes.push([id, last[id], text(id)]); last[id] = text(id); }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  }, ids);
  return { page, problems };
}

/**
 * A framework app's tests: `start(mode, env)` resolves to `[command, args]`
 * (after building, for `build`); each mode's server is started with
 * FLAG_SERVER, PORT and HOST set, and its page checked by frameworkPage().
 */
export function frameworkTests(label, appDir, modes, start) {
  let server;
  let browser;
  before(async () => {
    installPacked(appDir);
    server = await FlagServer.start();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  for (const mode of modes) {
    test(`${label} ${mode}: server HTML has maria's flags, hydration is clean, a toggle re-renders live`, async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env = { ...process.env, FLAG_SERVER: server.url, PORT: String(port), HOST: '127.0.0.1', BROWSER: 'none', ASTRO_TELEMETRY_DISABLED: '1' };
      const [command, args] = start(mode, env, port);
      const { proc, output } = await startAnswering(command, args, { url, cwd: appDir, env, tries: 600, everyMs: 100, what: `${label} ${mode}` });
      try {
        await frameworkPage({ browser, server, url, path: '/', log: output });
      } finally {
        proc.kill('SIGTERM');
      }
    });
  }
}

/** `command args` in `appDir`, which must succeed (a production build). */
export function mustRun(appDir, env, command, args) {
  const r = spawnSync(command, args, { cwd: appDir, env, encoding: 'utf8' });
  assert.equal(r.status, 0, `${path.basename(command)} ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Signed out: the page renders without flags. Signed in (through the app's
 * /api): the server HTML holds maria's values, the page hydrates to them
 * with no change, goes `ready`, and follows two admin toggles; no console
 * error or warning at any point.
 */
export async function frameworkPage({ browser, server, url, path: at, log }) {
  const admin = await server.session('admin', 'admin-demo');
  const signedOut = await (await fetch(`${url}${at}`)).text(); // no cookie
  assert.match(signedOut, /id="signed-out"/, 'signed out: no flags, no provider');
  const { page, problems } = await watchedPage(browser, IDS);
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  try {
    const login = await page.request.post(`${url}/api/auth/login`, { data: { username: MARIA.username, password: MARIA.password } });
    assert.equal(login.status(), 200, 'login through the app\'s /api');
    const want = await expected(admin);
    const html = await (await page.request.get(`${url}${at}`)).text();
    for (const id of IDS) assert.equal(between(html, id), want[id], `server HTML #${id}`);
    await page.goto(`${url}${at}`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 30_000 });
    const first = await page.evaluate(() => window.first);
    for (const id of IDS) assert.equal(first[id], want[id], `the page as served, #${id}`);
    assert.deepEqual(await page.evaluate(() => window.changes), [], 'no value changed during hydration and start-up');
    const off = want.promo === 'true' ? 'false' : 'true';
    for (const value of [off, want.promo]) {
      await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
      await page.waitForFunction((v) => document.getElementById('promo').textContent === v, value, { timeout: 15_000 });
    }
    assert.deepEqual(problems, [], 'no errors or warnings in the console');
  } catch (e) {
    const seen = await page.evaluate(() => ({ text: document.body?.innerText, changes: window.changes })).catch(() => null);
    e.message += `\npage: ${JSON.stringify(seen)}\nconsole: ${problems.join(' | ')}\n${log?.() ?? ''}`;
    throw e;
  } finally {
    await page.close();
  }
}
