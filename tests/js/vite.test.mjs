// The packed package in one small app on Vite 5, 6, 7 and 8, dev server and
// production build, with no configuration. The dev servers of 5-7 pre-bundle
// flaglive's code into node_modules/.vite/deps, away from its .wasm, so the
// module's URL beside the code gets the dev server's HTML page; 8 and the
// builds keep the file beside the code. Every way, the page must show the
// server's values and follow a live change, with no console error, through
// the plain client and the React provider.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FlagServer, freePort } from './lib/server.mjs';
import { startAnswering } from './lib/web-process.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { ROOT } from './lib/paths.mjs';
import { installPacked } from '../../scripts/lib/install-packed.mjs';

const APP = path.join(ROOT, 'tests/js/vite-app');
const WAIT = { timeout: 30_000 };
let browser;

before(async () => {
  installPacked(APP);
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

const VITES = ['vite5', 'vite6', 'vite7', 'vite8'];

/** `vite` (the package `vite5`, ...) serving the app in dev mode; resolves once it answers. */
async function devServer(vite, flagServer) {
  // --force: pre-bundle again, as on a first start (the tarball was just installed).
  return serve(vite, flagServer, [], ['--force']);
}

/** The app built by `vite`, served by its `vite preview` (which proxies /api as the dev server does). */
async function previewServer(vite, flagServer) {
  const outDir = path.join('dist', vite);
  execFileSync(process.execPath, [viteBin(vite), 'build', '--outDir', outDir, '--emptyOutDir'], { cwd: APP, stdio: ['ignore', 'pipe', 'inherit'] });
  return serve(vite, flagServer, ['preview'], ['--outDir', outDir]);
}

const viteBin = (vite) => path.join(APP, 'node_modules', vite, 'bin/vite.js');

async function serve(vite, flagServer, command, extra) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { proc, output } = await startAnswering(process.execPath, [viteBin(vite), ...command, '--port', String(port), '--strictPort', '--host', '127.0.0.1', ...extra], {
    url, cwd: APP, env: { ...process.env, FLAG_SERVER: flagServer.url, BROWSER: 'none' }, tries: 300, everyMs: 100, what: vite,
  });
  return { url, log: output, stop: () => proc.kill('SIGTERM') };
}

const WAYS = [['dev server', devServer], ['production build', previewServer]];
for (const vite of VITES) for (const [way, start] of WAYS) {
  test(`${vite} ${way}, no configuration: the page loads the wasm and follows a live change`, async () => {
    const version = JSON.parse(fs.readFileSync(path.join(APP, 'node_modules', vite, 'package.json'), 'utf8')).version;
    const server = await FlagServer.start();
    let served, page;
    try {
      served = await start(vite, server);
      page = await browser.context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      // Which request a "Failed to load resource" was.
      page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${new URL(r.url()).pathname}`); });
      const admin = await server.session('admin', 'admin-demo');
      // Sign in through the Vite server's proxy, so the cookie is the page's.
      const login = await page.request.post(`${served.url}/api/auth/login`, { data: { username: 'maria', password: 'md-demo' } });
      assert.equal(login.status(), 200);
      await page.goto(`${served.url}/`);
      const want = (await admin.evaluate(['promo_banner'], { id: 'user-maria', role: 'md' })).promo_banner.enabled;
      const shows = async (value) => {
        await page.locator('#client').filter({ hasText: String(value) }).waitFor(WAIT);
        await page.locator('#react span').filter({ hasText: String(value) }).waitFor(WAIT);
      };
      try {
        await shows(want);
      } catch (e) {
        const seen = await page.evaluate(() => document.body.innerText);
        throw new Error(`Vite ${version} ${way}: the page shows ${JSON.stringify(seen)}; console: ${errors.join(' | ')}\n${served.log()}`, { cause: e });
      }
      assert.equal(await page.getAttribute('#client', 'data-status'), 'ready');
      await admin.call('POST', '/api/admin/flags/promo_banner/toggle', { enabled: !want });
      await shows(!want);
      assert.deepEqual(errors, [], `Vite ${version} ${way}: no console error`);
    } finally {
      await page?.close();
      served?.stop();
      await server.stop();
    }
  });
}
