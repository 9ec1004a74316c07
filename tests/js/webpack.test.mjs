// flaglive in a plain webpack 5 app (tests/js/webpack-app) with no
// configuration beyond its entry, built from the packed tarball, served
// beside the real flaglive-server and updated live in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FlagServer } from './lib/server.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { ROOT } from './lib/paths.mjs';
import { installPacked } from '../../scripts/lib/install-packed.mjs';

const APP = path.join(ROOT, 'tests/js/webpack-app');
const MARIA = { id: 'user-maria', role: 'md', username: 'maria', password: 'md-demo' };
let browser;
let build;

before(async () => {
  installPacked(APP);
  fs.rmSync(path.join(APP, 'dist'), { recursive: true, force: true });
  build = spawnSync(path.join(APP, 'node_modules/.bin/webpack'), ['--mode', 'production'], { cwd: APP, encoding: 'utf8' });
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

test('webpack 5 builds it with no configuration, emitting the wasm', () => {
  assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
  assert.doesNotMatch(build.stdout, /WARNING|ERROR/, build.stdout);
  assert.ok(fs.readdirSync(path.join(APP, 'dist')).some((f) => f.endsWith('.wasm')), 'the wasm is emitted');
});

test('the webpack app shows maria\'s flags and follows an admin toggle live', async () => {
  const server = await FlagServer.start();
  const page = await browser.context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  try {
    const admin = await server.session('admin', 'admin-demo');
    const login = await browser.context.request.post(`${server.url}/api/auth/login`, { data: { username: MARIA.username, password: MARIA.password } });
    assert.equal(login.status(), 200);
    await page.goto(`${server.url}/tests/js/webpack-app/index.html`);
    await page.waitForFunction(() => document.getElementById('status').textContent === 'ready', null, { timeout: 10_000 });
    const want = await admin.evaluate(['promo_banner'], MARIA);
    assert.equal(await page.textContent('#promo'), String(want.promo_banner.enabled));
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await page.waitForFunction((v) => document.getElementById('promo').textContent === v, String(!want.promo_banner.enabled), { timeout: 10_000 });
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await server.stop();
  }
});
