// flaglive/react and flaglive/openfeature in a real Vite + React app built
// from the packed tarball, in headless Chromium against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { FlagServer } from './lib/server.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { APP, buildApp } from './lib/app.mjs';

const MARIA = { id: 'user-maria', role: 'md', username: 'maria', password: 'md-demo' };
let browser;
let packed;

before(async () => {
  packed = buildApp();
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

/** The built app, signed in as maria. */
async function openApp(server) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${server.url}/tests/js/app/dist/index.html`);
  const status = await page.evaluate(async ({ u, p }) => (await fetch('/api/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u, password: p }),
  })).status, { u: MARIA.username, p: MARIA.password });
  assert.equal(status, 200);
  return { page, errors };
}

/** Runs `body` with a fresh server, an admin session and the app signed in as maria. */
async function withApp(body) {
  const server = await FlagServer.start();
  const admin = await server.session('admin', 'admin-demo');
  const { page, errors } = await openApp(server);
  try {
    await body({ server, admin, page, errors });
  } finally {
    await page.close();
    await server.stop();
  }
}

const text = (page, id) => page.evaluate((i) => window.text(i), id);
const renders = (page) => page.evaluate(() => ({ ...window.renders }));

test('the packed tarball ships the right files and builds with Vite defaults', () => {
  for (const f of ['index.js', 'index.d.ts', 'react.js', 'react.d.ts', 'openfeature.js', 'openfeature.d.ts', 'wasm.js', 'client.js', 'flaglive_wasm_bg.wasm', 'package.json',
    'node.js', 'node-init.js', 'react-node.js', 'openfeature-node.js', 'flaglive_wasm_inline.js',
    'testing.js', 'testing.d.ts', 'testing-node.js', 'devtools.js', 'devtools.d.ts',
    'dev-init.js', 'index-dev.js', 'react-dev.js', 'node-text.js', 'cjs/package.json', 'cjs/node.js', 'cjs/wasm.js']) {
    assert.ok(packed.files.includes(f), `${f} in the tarball (${packed.files.join(', ')})`);
  }
  assert.ok(!packed.files.some((f) => f.startsWith('.')), 'no dotfiles shipped');
  const assets = fs.readdirSync(path.join(APP, 'dist/assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `Vite emitted the wasm (${assets.join(', ')})`);
});

test('hooks show the server\'s values and re-render only what changed', () => withApp(async ({ admin, page, errors }) => {
  await page.evaluate(() => window.mountHooks());
  await page.waitForFunction(() => window.text('status') === 'ready', null, { timeout: 10_000 });
  const want = await admin.evaluate(['new_dashboard', 'promo_banner', 'beta_reports', 'pricing_page_control', 'pricing_page_annual', 'pricing_page_compact'], MARIA);
  assert.equal(await text(page, 'dashboard'), String(want.new_dashboard.enabled));
  assert.equal(await text(page, 'promo'), String(want.promo_banner.enabled));
  assert.equal(await text(page, 'detail'), want.beta_reports.reason);
  const variant = ['control', 'annual', 'compact'].find((v) => want[`pricing_page_${v}`].enabled) ?? 'control';
  assert.equal(await text(page, 'pricing'), variant);
  // maria's customer has an override (limits only), so it wins over her organization's (part E).
  assert.equal(await text(page, 'config'), JSON.stringify({ mode: 'light', accent: '#2f6f4f' }));
  const compat = JSON.parse(await text(page, 'compat'));
  assert.equal(compat.one, want.new_dashboard.enabled);
  assert.equal(compat.loading, false);
  assert.equal(compat.ab, variant);

  const before = await renders(page);
  const promo = want.promo_banner.enabled;
  await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
  await page.waitForFunction((v) => window.text('promo') === String(v), !promo, { timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 300)); // let any stray render happen
  const afterToggle = await renders(page);
  assert.equal(afterToggle.promo, before.promo + 1, 'the promo component re-rendered once');
  for (const untouched of ['dashboard', 'detail', 'pricing', 'config', 'status']) {
    assert.equal(afterToggle[untouched], before[untouched], `${untouched} did not re-render`);
  }

  await admin.call('PUT', '/api/admin/config/customer/acme-east', { value: { theme: { accent: '#000000' } } });
  await page.waitForFunction(() => window.text('config') === JSON.stringify({ mode: 'light', accent: '#000000' }), null, { timeout: 10_000 });
  assert.equal((await renders(page)).dashboard, before.dashboard, 'a config change leaves flag components alone');
  assert.deepEqual(errors, []);
}));

test('StrictMode double mount leaves one stream; unmount closes it', () => withApp(async ({ server, page, errors }) => {
  await page.evaluate(() => window.mountHooks({ strict: true }));
  await page.waitForFunction(() => window.text('status') === 'ready', null, { timeout: 10_000 });
  assert.equal(await server.connectionsBecome(1), 1, 'one stream after the StrictMode double mount');
  await new Promise((r) => setTimeout(r, 1200)); // pings would reveal a leaked second stream
  assert.equal(await server.connectionsBecome(1), 1);
  await page.evaluate(() => window.unmount());
  assert.equal(await server.connectionsBecome(0), 0, 'provider cleanup closed the EventSource');
  assert.deepEqual(errors, []);
}));

test('fallback renders until ready; a given client is left open on unmount', () => withApp(async ({ server, page, errors }) => {
  await page.evaluate(() => window.mountHooks({ ownClient: true, fallback: 'loading…' }));
  await page.waitForFunction(() => window.text('status') === 'ready', null, { timeout: 10_000 });
  await page.evaluate(() => window.unmount());
  assert.equal(await page.evaluate(() => window.client.status), 'ready');
  assert.equal(await server.connectionsBecome(1), 1, 'the app owns its client');
  await page.evaluate(() => window.client.close());
  assert.equal(await server.connectionsBecome(0), 0);
  assert.deepEqual(errors, []);
}));

test('server render from a bootstrap snapshot hydrates without a mismatch', () => withApp(async ({ server, page, errors }) => {
  const snapshot = await page.evaluate(async () => (await fetch('/api/feature-flags/snapshot')).json());
  const r = await page.evaluate((b) => window.ssrHydrate(b), snapshot);
  assert.deepEqual(r.recoverable, [], 'no hydration mismatch');
  assert.match(r.html, /<span id="promo">(true|false)<\/span>/);
  const promo = snapshot.flags.find((f) => f.flagName === 'promo_banner').enabled;
  assert.ok(r.html.includes(`<span id="promo">${promo}</span>`), 'server HTML has the bootstrap value');
  assert.ok(r.hydrated.includes(`<span id="promo">${promo}</span>`), 'no flicker: the first client render agrees');
  await page.waitForFunction(() => window.text('status') === 'ready', null, { timeout: 10_000 });
  await page.evaluate(() => window.unmount());
  assert.deepEqual(errors, []);
}));

test('server rendering in Node: bootstrap values, no window needed', async () => {
  assert.equal(typeof globalThis.window, 'undefined');
  const pkg = path.join(APP, 'node_modules/flaglive');
  const flaglive = await import(path.join(pkg, 'index.js'));
  const { FlagProvider, useFlag, useVariant } = await import(path.join(pkg, 'react.js'));
  const { createElement: h } = await import('react');
  const { renderToString } = await import('react-dom/server');
  flaglive.initSync({ module: fs.readFileSync(path.join(pkg, 'flaglive_wasm_bg.wasm')) });
  const bootstrap = {
    user: { id: 'u1', role: 'md' },
    flags: [
      { flagName: 'on', enabled: true, rolloutStrategy: 'all' },
      { flagName: 'ab_b', enabled: true, rolloutStrategy: 'all' },
      { flagName: 'role_only', enabled: true, rolloutStrategy: 'targeted', roleTargets: [{ role: 'md', enabled: true }] },
    ],
  };
  const Show = () => h('i', null, `${useFlag('on')}/${useFlag('role_only')}/${useFlag('missing', true)}/${useVariant('ab', ['a', 'b'])}`);
  const html = renderToString(h(FlagProvider, { options: { bootstrap } }, h(Show)));
  assert.equal(html, '<i>true/true/true/b</i>');
  // A prepared bootstrap carries its code format. One from a server on
  // another format (here: its codes say every flag is off) is not read as
  // ours: the core evaluates its snapshot text instead.
  const prepared = flaglive.prepareBootstrap(bootstrap, { variants: { ab: ['a', 'b'] } });
  assert.equal(prepared.state.codes, 1);
  assert.equal(renderToString(h(FlagProvider, { options: { bootstrap: prepared } }, h(Show))), '<i>true/true/true/b</i>');
  const allOff = Object.fromEntries(Object.keys(prepared.state.f).map((name) => [name, 2]));
  const foreign = { snapshot: prepared.snapshot, state: { ...prepared.state, codes: 99, f: allOff, v: {} } };
  assert.equal(renderToString(h(FlagProvider, { options: { bootstrap: foreign } }, h(Show))), '<i>true/true/true/b</i>');
  const untagged = { snapshot: prepared.snapshot, state: { f: allOff, c: null, v: {} } };
  assert.equal(renderToString(h(FlagProvider, { options: { bootstrap: untagged } }, h(Show))), '<i>true/true/true/b</i>');
});

/** Runs `code` as an ES module in a fresh Node process inside the app, so
 *  `flaglive` resolves through the package's exports as a user's would. */
function inNode(code) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: APP, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('under Node the package loads its wasm at import: init() resolves, prepareBootstrap works, nothing is fetched', () => {
  const got = inNode(`
    let fetches = 0;
    globalThis.fetch = () => { fetches++; throw new Error('no fetch expected'); };
    const { isLoaded, init, prepareBootstrap } = await import('flaglive');
    const loadedAtImport = isLoaded();
    await init();
    const react = await import('flaglive/react');
    const snapshot = { user: { id: 'u1' }, flags: [{ flagName: 'ab_b', enabled: true, rolloutStrategy: 'all' }], config: { defaults: { n: 1 } } };
    const prepared = prepareBootstrap(JSON.stringify(snapshot), { variants: { ab: ['a', 'b'], other: { variants: ['x'], defaultVariant: 'y' } } });
    let bad;
    try { prepareBootstrap('{"flags":3}'); } catch (e) { bad = e.message; }
    let badVariants;
    try { prepareBootstrap(JSON.stringify(snapshot), { variants: { ab: 'a,b' } }); } catch (e) { badVariants = e.message; }
    console.log(JSON.stringify({ loadedAtImport, fetches, prepared, bad, badVariants, provider: typeof react.FlagProvider }));
  `);
  assert.equal(got.loadedAtImport, true);
  assert.equal(got.fetches, 0);
  assert.equal(got.provider, 'function');
  assert.deepEqual(got.prepared.state, { codes: 1, u: 'u1', f: { ab_b: 9 }, c: { value: { n: 1 }, source: 'DEFAULT' }, v: { '["ab",null,"a","b"]': 'b', '["other","y","x"]': 'y' } });
  assert.match(got.bad, /^flaglive\.prepareBootstrap: not a snapshot: /);
  assert.equal(got.badVariants, 'flaglive.prepareBootstrap: variants of ab: expected (testName: string, variants: string[], defaultVariant?: string)');
});

test('a prepared bootstrap renders on the server as the snapshot does, and the OpenFeature provider stays inert there', () => {
  const got = inNode(`
    let fetches = 0;
    globalThis.fetch = () => { fetches++; throw new Error('no fetch expected'); };
    const { prepareBootstrap } = await import('flaglive');
    const { FlagProvider, useFlag, useVariant, useConfig } = await import('flaglive/react');
    const { FlagliveProvider } = await import('flaglive/openfeature');
    const { OpenFeature } = await import('@openfeature/web-sdk');
    const { createElement: h } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const snapshot = { user: { id: 'u1', role: 'md' }, flags: [{ flagName: 'on', enabled: true, rolloutStrategy: 'all' }, { flagName: 'ab_b', enabled: true, rolloutStrategy: 'all' }], config: { defaults: { theme: 'dark' } } };
    const Show = () => h('i', null, \`\${useFlag('on')}/\${useVariant('ab', ['a', 'b'])}/\${useConfig('theme', 'none')}\`);
    const render = (bootstrap) => renderToString(h(FlagProvider, { options: { bootstrap } }, h(Show)));
    await OpenFeature.setProviderAndWait(new FlagliveProvider({ baseUrl: 'http://127.0.0.1:9' }));
    const of = OpenFeature.getClient().getBooleanDetails('on', true);
    console.log(JSON.stringify({ plain: render(snapshot), prepared: render(prepareBootstrap(snapshot)), fetches, of: [of.value, of.errorCode] }));
  `);
  assert.equal(got.plain, '<i>true/b/dark</i>');
  assert.equal(got.prepared, got.plain);
  assert.equal(got.fetches, 0, 'nothing fetched on the server');
  assert.deepEqual(got.of, [true, 'PROVIDER_NOT_READY']);
});

test('OpenFeature provider: values, reasons, errors, change events', () => withApp(async ({ server, admin, page, errors }) => {
  await page.evaluate(() => window.openFeature());
  const want = await admin.evaluate(['new_dashboard', 'promo_banner', 'pricing_page_control', 'pricing_page_annual', 'pricing_page_compact'], MARIA);
  const got = await page.evaluate(() => ({
    dashboard: window.of.getBooleanDetails('new_dashboard', false),
    missing: window.of.getBooleanDetails('no_such_flag', true),
    pricing: window.of.getStringDetails('pricing_page', 'control'),
    theme: window.of.getObjectDetails('theme', {}),
    limit: window.of.getNumberDetails('limits.reportsPerDay', 0),
    wrongType: window.of.getNumberDetails('theme', 7),
  }));
  assert.equal(got.dashboard.value, want.new_dashboard.enabled);
  const reasons = { percentage_rollout: 'SPLIT', strategy_all: 'STATIC', flag_disabled: 'DISABLED', user_targeted: 'TARGETING_MATCH', role_targeted: 'TARGETING_MATCH' };
  assert.equal(got.dashboard.reason, reasons[want.new_dashboard.reason] ?? got.dashboard.reason);
  assert.deepEqual([got.missing.value, got.missing.errorCode, got.missing.reason], [true, 'FLAG_NOT_FOUND', 'ERROR']);
  const variant = ['control', 'annual', 'compact'].find((v) => want[`pricing_page_${v}`].enabled) ?? 'control';
  assert.equal(got.pricing.value, variant);
  assert.deepEqual(got.theme.value, { mode: 'light', accent: '#2f6f4f' });
  assert.equal(got.theme.flagMetadata.source, 'CUSTOMER_OVERRIDE');
  assert.equal(got.limit.value, 50);
  assert.deepEqual([got.wrongType.value, got.wrongType.errorCode], [7, 'TYPE_MISMATCH']);

  assert.deepEqual(await page.evaluate(() => window.ofEvents.map((e) => e.type)), ['PROVIDER_READY'], 'the first load is not a change');
  await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
  await page.waitForFunction(() => window.ofEvents.some((e) => e.type === 'PROVIDER_CONFIGURATION_CHANGED' && e.flags?.includes('promo_banner')), null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.of.getBooleanValue('promo_banner', true)), !want.promo_banner.enabled);

  await server.kill();
  await page.waitForFunction(() => window.ofEvents.some((e) => e.type === 'PROVIDER_STALE'), null, { timeout: 15_000 });
  await server.restart();
  await page.waitForFunction(() => window.ofEvents.filter((e) => e.type === 'PROVIDER_READY').length >= 2, null, { timeout: 30_000 });
  await page.evaluate(() => window.ofProvider.onClose());
  assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)), []);
}));

const exposuresOf = (page, type, name) => page.evaluate(([t, n]) => window.exposures.filter((e) => e.type === t && e.name === n), [type, name]);

test('exposures: once per user and value, from commits only (StrictMode, two readers, re-renders, a render that never commits)', () => withApp(async ({ server, admin, page, errors }) => {
  await page.evaluate(() => window.mountExposures());
  await page.waitForFunction(() => window.exposures.some((e) => e.name === 'pricing_page'), null, { timeout: 10_000 });
  const shown = await text(page, 'pricing');
  for (let i = 0; i < 3; i++) await page.evaluate(() => window.rerender());
  await new Promise((r) => setTimeout(r, 300));
  let pricing = await exposuresOf(page, 'variant', 'pricing_page');
  assert.equal(pricing.length, 1, `one exposure for two readers, StrictMode and re-renders: ${JSON.stringify(pricing)}`);
  assert.deepEqual({ ...pricing[0], timestamp: 0, version: 0 },
    { type: 'variant', name: 'pricing_page', variant: shown, enabled: pricing[0].enabled, reason: pricing[0].reason, userId: MARIA.id, timestamp: 0, version: 0 });
  assert.equal(typeof pricing[0].version, 'number');
  assert.deepEqual(await exposuresOf(page, 'variant', 'checkout_flow'), [], 'a render that never committed reports nothing');
  assert.deepEqual(await exposuresOf(page, 'flag', 'promo_banner'), [], 'flag reads are not exposures by default');
  await page.evaluate(() => window.releaseSuspended());
  await page.waitForFunction(() => window.exposures.some((e) => e.name === 'checkout_flow'), null, { timeout: 10_000 });
  assert.equal((await exposuresOf(page, 'variant', 'checkout_flow'))[0].reason, 'flag_not_found', 'a test without flags: its default, reported once');

  // A rollout change moves maria to another variant: reported again, once.
  if (shown === 'control') await admin.call('PUT', '/api/admin/flags/pricing_page_compact/rollout', { rolloutPercentage: 100 });
  else await admin.call('POST', `/api/admin/flags/pricing_page_${shown}/toggle`, {});
  await page.waitForFunction((s) => window.text('pricing') !== s, shown, { timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 300));
  pricing = await exposuresOf(page, 'variant', 'pricing_page');
  assert.equal(pricing.length, 2, JSON.stringify(pricing));
  assert.equal(pricing[1].variant, await text(page, 'pricing'));

  // Another user signs in on this tab: what they see is reported for them.
  assert.equal(await page.evaluate(async () => (await fetch('/api/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'tom', password: 'tech-demo' }),
  })).status), 200);
  await page.evaluate(() => window.client.identify());
  await page.waitForFunction(() => window.exposures.some((e) => e.userId === 'user-tom' && e.name === 'pricing_page'), null, { timeout: 10_000 });
  const toms = (await exposuresOf(page, 'variant', 'pricing_page')).filter((e) => e.userId === 'user-tom');
  assert.equal(toms.length, 1);
  assert.equal(toms[0].variant, await text(page, 'pricing'));
  assert.deepEqual(errors, []);
  void server;
}));

test('exposures: flag reads when asked for, none before flags are loaded', () => withApp(async ({ page, errors }) => {
  assert.deepEqual(await page.evaluate(() => window.exposureBeforeLoad()), { chosen: 'control', events: [] });
  await page.evaluate(() => window.mountExposures({ exposeFlagReads: true }));
  await page.waitForFunction(() => window.exposures.some((e) => e.type === 'flag' && e.name === 'promo_banner'), null, { timeout: 10_000 });
  await page.evaluate(() => window.rerender());
  await new Promise((r) => setTimeout(r, 300));
  const promo = await exposuresOf(page, 'flag', 'promo_banner');
  assert.equal(promo.length, 1);
  assert.equal(String(promo[0].enabled), await text(page, 'promo'));
  const direct = await page.evaluate(() => {
    const before = window.exposures.length;
    window.client.isEnabled('dark_mode');
    window.client.isEnabled('dark_mode');
    window.client.track('purchase', { total: 42 });
    return window.exposures.slice(before).map((e) => [e.type, e.name, e.details ?? null]);
  });
  assert.deepEqual(direct, [['flag', 'dark_mode', null], ['track', 'purchase', { total: 42 }]]);
  assert.deepEqual(errors, []);
}));

test('exposures through OpenFeature: the after hook reports variants, track() reaches the same listener', () => withApp(async ({ page, errors }) => {
  await page.evaluate(() => window.openFeature());
  const got = await page.evaluate(() => {
    const a = window.of.getStringValue('pricing_page', 'control');
    const b = window.of.getStringValue('pricing_page', 'control');
    window.of.getBooleanValue('promo_banner', false); // a flag read: not an exposure by default
    window.of.track('purchase', { value: 42 });
    return { value: a === b ? a : null, events: window.exposures.map((e) => [e.type, e.name, e.variant ?? null, e.details ?? null]) };
  });
  assert.deepEqual(got.events, [['variant', 'pricing_page', got.value, null], ['track', 'purchase', null, { value: 42 }]]);
  assert.deepEqual(errors, []);
}));

test('a wasm that cannot be loaded is said in the console, not hidden behind the provider\'s fallback', async () => {
  const server = await FlagServer.start();
  const page = await browser.context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  try {
    await page.route('**/*.wasm', (route) => route.abort());
    await page.goto(`${server.url}/tests/js/app/dist/index.html`);
    await page.evaluate(() => window.mountProviderOnly());
    await page.waitForFunction(() => document.getElementById('fallback') !== null);
    for (let i = 0; i < 100 && !errors.some((e) => e.includes('flaglive: the wasm module could not be loaded')); i++) await page.waitForTimeout(50);
    assert.ok(errors.some((e) => e.includes('flaglive: the wasm module could not be loaded')), errors.join(' | '));
    assert.equal(await page.textContent('#fallback'), 'waiting');
  } finally {
    await page.close();
    await server.stop();
  }
});
