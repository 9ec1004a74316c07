// FlagClient (from the built package, pkg/) in headless Chromium
// against the real flaglive-server: every kind of change reaches the page,
// in part D and part B mode; 401; cache with the server down; restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FlagServer } from './lib/server.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { serveDirectory } from './lib/static-server.mjs';
import { ROOT } from './lib/paths.mjs';
import { mintHs256, jwtSecret } from './lib/jwt.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

const MARIA = { id: 'user-maria', role: 'md', username: 'maria', password: 'md-demo' };

/** What the server itself says every flag is for maria. */
async function truth(admin, user = MARIA) {
  const flags = await admin.call('GET', '/api/admin/flags');
  return admin.evaluate(flags.map((f) => f.flagName).sort((a, b) => a.localeCompare(b)), user);
}

async function openPage(server) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/tests/js/client-page.html`);
  return { page, errors };
}

/** Waits until the page's flags equal the server's evaluation. */
async function converges(page, admin, label, user) {
  const want = await truth(admin, user);
  try {
    await page.waitForFunction((w) => JSON.stringify(window.flagState()) === w, JSON.stringify(want), { timeout: 10_000, polling: 50 });
  } catch {
    assert.deepEqual(await page.evaluate(() => window.flagState()), want, `${label}: flags converge`);
  }
}

for (const mode of ['part-d', 'part-b']) {
  test(`every kind of change reaches the page (${mode})`, async () => {
    const server = await FlagServer.start({ args: mode === 'part-b' ? ['--compat-part-b'] : [] });
    const admin = await server.session('admin', 'admin-demo');
    const { page, errors } = await openPage(server);
    try {
      assert.equal(await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password }), 200);
      const started = await page.evaluate(() => window.startClient({ cache: false }));
      assert.deepEqual(started, { ok: true, status: 'ready' });
      await converges(page, admin, 'initial');
      const steps = [
        ['toggle', () => admin.call('POST', '/api/admin/flags/promo_banner/toggle', {})],
        ['rollout', () => admin.call('PUT', '/api/admin/flags/new_dashboard/rollout', { rolloutPercentage: 100 })],
        ['combined enabled + rollout', () => admin.call('PATCH', '/api/admin/flags/new_dashboard', { enabled: false, rolloutPercentage: 0 })],
        ['combined back', () => admin.call('PATCH', '/api/admin/flags/new_dashboard', { enabled: true, rolloutPercentage: 100 })],
        ['own user target', () => admin.call('PUT', `/api/admin/flags/dark_mode/user-targets/${MARIA.id}`, { enabled: false })],
        ['other user target', () => admin.call('PUT', '/api/admin/flags/promo_banner/user-targets/user-tom', { enabled: true })],
        ['role target', () => admin.call('PUT', '/api/admin/flags/new_dashboard/role-targets/md', { enabled: false })],
        ['remove own target', () => admin.call('DELETE', `/api/admin/flags/dark_mode/user-targets/${MARIA.id}`)],
        ['create', () => admin.call('POST', '/api/admin/flags', { flagName: 'fresh', enabled: true })],
        ['strategy change', () => admin.call('PATCH', '/api/admin/flags/fresh', { rolloutStrategy: 'none' })],
        ['delete', () => admin.call('DELETE', '/api/admin/flags/beta_reports')],
      ];
      for (const [label, change] of steps) {
        await change();
        await converges(page, admin, label);
      }
      if (mode === 'part-d') {
        await admin.call('PUT', '/api/admin/config/customer/acme-east', { value: { limits: { reportsPerDay: 99 } } });
        await page.waitForFunction(() => window.client.config('limits.reportsPerDay')?.value === 99, null, { timeout: 10_000 });
        const cfg = await page.evaluate(() => window.client.config('limits'));
        assert.deepEqual(cfg, { value: { reportsPerDay: 99 }, source: 'CUSTOMER_OVERRIDE' });
        assert.ok(await page.evaluate(() => window.notifications.some((n) => n.config)), 'listeners hear config changes');
      }
      const notes = await page.evaluate(() => window.notifications);
      assert.ok(notes.some((n) => n.names.includes('promo_banner')), 'listener saw promo_banner');
      assert.ok(notes.every((n) => n.names.length > 0 || n.config), 'no empty notifications');
      assert.equal(await page.evaluate(() => window.client.reconnects), 0, 'no reconnects on a healthy stream');
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await server.stop();
    }
  });
}

/** Holds the page's wasm request until `release()`; `requested` once it was asked. */
async function holdWasm(page) {
  let release;
  const held = new Promise((r) => { release = r; });
  const state = { requested: false, release: () => release() };
  await page.route('**/flaglive_wasm_bg.wasm', async (route) => {
    state.requested = true;
    await held;
    await route.continue();
  });
  return state;
}

test('wasm off the critical path: flaglive-server\'s prepared answer makes flags ready before the wasm is in; then the stream goes live', async () => {
  const server = await FlagServer.start();
  const admin = await server.session('admin', 'admin-demo');
  const { page, errors } = await openPage(server);
  const wasm = await holdWasm(page);
  const snapshots = [];
  page.on('request', (r) => { if (r.url().includes('/api/feature-flags/snapshot')) snapshots.push(new URL(r.url()).search); });
  try {
    await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password });
    const started = await page.evaluate(() => window.startEarly());
    assert.equal(started.ok, true, started.error);
    assert.equal(started.wasmLoaded, false, 'ready() did not wait for the wasm');
    assert.equal(wasm.requested, true, 'the wasm request left with the snapshot request');
    assert.deepEqual(snapshots, ['?prepared=1']);
    const want = await truth(admin);
    assert.deepEqual(started.flags, want, 'the prepared evaluation is the server\'s');
    // The A/B rule needs no wasm: the first variant whose flag is on.
    const variant = ['control', 'annual', 'compact'].find((v) => want[`pricing_page_${v}`]?.enabled) ?? 'control';
    assert.equal(started.variant, variant, 'the variant before the wasm is in');
    wasm.release();
    await page.waitForFunction(() => window.wasmLoaded());
    assert.equal(await page.evaluate(() => window.client.variant('pricing_page', ['control', 'annual', 'compact'])), variant);
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await converges(page, admin, 'a live change after the wasm came');
    assert.deepEqual(snapshots, ['?prepared=1'], 'the engine took the prepared snapshot: no second read');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.stop();
  }
});

test('wasm off the critical path: a server that answers only plain snapshots gets today\'s path (the wasm reads it)', async () => {
  const server = await FlagServer.start();
  const admin = await server.session('admin', 'admin-demo');
  const { page, errors } = await openPage(server);
  const wasm = await holdWasm(page);
  // A production-like server: the query is ignored, the plain snapshot comes.
  await page.route('**/api/feature-flags/snapshot?prepared=1', (route) => route.continue({ url: route.request().url().replace('?prepared=1', '') }));
  try {
    await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password });
    const starting = page.evaluate(() => window.startEarly());
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => window.client.status), 'loading', 'a plain snapshot waits for the wasm');
    wasm.release();
    const started = await starting;
    assert.equal(started.ok, true, started.error);
    assert.equal(started.wasmLoaded, true);
    assert.deepEqual(started.flags, await truth(admin));
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await converges(page, admin, 'a live change');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.stop();
  }
});

test('wasm that cannot load: flags from the prepared answer stay, status stale with the cause, logged once', async () => {
  const server = await FlagServer.start();
  const admin = await server.session('admin', 'admin-demo');
  const { page } = await openPage(server);
  const logged = [];
  page.on('console', (m) => { if (m.type() === 'error') logged.push(m.text()); });
  await page.route('**/flaglive_wasm_bg.wasm', (route) => route.fulfill({ status: 404, body: 'not here' }));
  try {
    await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password });
    const started = await page.evaluate(() => window.startEarly());
    assert.equal(started.ok, true, started.error);
    assert.deepEqual(started.flags, await truth(admin));
    await page.waitForFunction(() => window.client.status === 'stale');
    assert.match(await page.evaluate(() => window.client.lastError), /wasm module could not be loaded/);
    assert.equal(logged.filter((t) => t.includes('wasm module could not be loaded')).length, 1, logged.join('\n'));
  } finally {
    await page.close();
    await server.stop();
  }
});

test('401: status unauthorized, ready() rejects, no retry storm', async () => {
  const server = await FlagServer.start();
  const { page } = await openPage(server);
  try {
    const started = await page.evaluate(() => window.startClient({ cache: false }));
    assert.equal(started.ok, false);
    assert.equal(started.status, 'unauthorized');
    assert.match(started.error, /401/);
    await page.waitForTimeout(1500);
    assert.equal(await page.evaluate(() => window.client.status), 'unauthorized', 'it waits for identify()');
    // After signing in, identify() brings the flags.
    assert.equal(await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password }), 200);
    await page.evaluate(() => window.client.identify());
    assert.equal(await page.evaluate(() => window.client.status), 'ready');
    assert.equal(await page.evaluate(() => window.client.isEnabled('promo_banner', false)), true);
  } finally {
    await page.close();
    await server.stop();
  }
});

test('token: a user with no password in flaglive-server gets live flags from the app\'s JWT, and exchanges a fresh one when the session is lost', async () => {
  const jwt = await jwtSecret();
  const server = await FlagServer.start({ args: jwt.args });
  const admin = await server.session('admin', 'admin-demo');
  const ana = { id: 'sso-ana', role: 'md' }; // known only to the app's own auth
  const { page, errors } = await openPage(server);
  try {
    await page.evaluate((t) => { window.jwt = t; }, mintHs256(jwt.secret, { sub: ana.id, role: ana.role }));
    const started = await page.evaluate(() => window.startClient({ cache: false, tokenFromWindow: true }));
    assert.deepEqual(started, { ok: true, status: 'ready' });
    await converges(page, admin, 'first snapshot', ana);
    await admin.call('PUT', `/api/admin/flags/dark_mode/user-targets/${ana.id}`, { enabled: false });
    await converges(page, admin, 'live change for the token user', ana);
    assert.equal(await page.evaluate(() => window.tokenCalls), 1);

    // The session is lost (cookies cleared) and the stream drops: the
    // refused reconnect leads to a 401 snapshot, which asks for a new token.
    await page.context().clearCookies();
    await page.evaluate((t) => { window.jwt = t; }, mintHs256(jwt.secret, { sub: ana.id, role: ana.role }));
    await server.restart();
    await page.waitForFunction(() => window.tokenCalls === 2, null, { timeout: 20_000 });
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await converges(page, admin, 'live again on the new session', ana);
    assert.equal(await page.evaluate(() => window.client.status), 'ready');
    assert.equal(await page.evaluate(() => window.tokenCalls), 2, 'one exchange per lost session');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.stop();
    await jwt.remove();
  }
});

test('cross-origin; server down: cached flags, status stale; restart: recovers and converges', async () => {
  // The app on its own origin, the flag server on another (CORS with credentials).
  const app = await serveDirectory(ROOT);
  const server = await FlagServer.start({ args: ['--cors-origin', app.url] });
  const admin = await server.session('admin', 'admin-demo');
  const page = await browser.context.newPage();
  const base = server.url;
  try {
    await page.goto(`${app.url}/tests/js/client-page.html`);
    assert.equal(await page.evaluate(({ u, p, base }) => window.login(u, p, base), { u: MARIA.username, p: MARIA.password, base }), 200);
    assert.equal((await page.evaluate((baseUrl) => window.startClient({ baseUrl }), base)).status, 'ready');
    await admin.call('POST', '/api/admin/flags/dark_mode/toggle', {});
    await converges(page, admin, 'cross-origin live change');
    const before = await page.evaluate(() => window.flagState());
    await page.evaluate(() => window.client.close());

    await server.kill();
    await page.reload();
    const offline = await page.evaluate((baseUrl) => window.startClient({ baseUrl }), base);
    assert.deepEqual(offline, { ok: true, status: 'stale' }, 'flags from the cache');
    assert.deepEqual(await page.evaluate(() => window.flagState()), before);
    await page.waitForTimeout(2500);
    assert.equal(await page.evaluate(() => window.client.status), 'stale', 'still usable while the server is down');

    await server.restart();
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await page.waitForFunction(() => window.client.status === 'ready', null, { timeout: 20_000 });
    await converges(page, admin, 'after restart');
    const reconnects = await page.evaluate(() => window.client.reconnects);
    assert.ok(reconnects <= 6, `backoff, not a storm: ${reconnects} reconnects`);
  } finally {
    await page.close();
    await server.stop();
    await app.close();
  }
});

test('identify(): a new sign-in replaces flags and cache; rapid calls, last wins', async () => {
  const server = await FlagServer.start();
  const admin = await server.session('admin', 'admin-demo');
  // A flag only tom has (a user target), to see a leak if there were one.
  await admin.call('PUT', '/api/admin/flags/promo_banner/user-targets/user-tom', { enabled: false });
  const { page, errors } = await openPage(server);
  try {
    await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password });
    assert.equal((await page.evaluate(() => window.startClient())).status, 'ready');
    assert.equal(await page.evaluate(() => window.client.isEnabled('promo_banner', false)), true);

    await page.evaluate(() => fetch('/api/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    await page.evaluate(({ u, p }) => window.login(u, p), { u: 'tom', p: 'tech-demo' });
    // Rapid calls: every promise settles, and the state is tom's.
    await page.evaluate(() => Promise.all([window.client.identify(), window.client.identify(), window.client.reload()]));
    assert.equal(await page.evaluate(() => window.client.status), 'ready');
    assert.deepEqual(await page.evaluate(() => window.client.evaluate('promo_banner')), { enabled: false, reason: 'user_targeted' });
    assert.equal(await page.evaluate(() => window.client.evaluate('beta_reports').reason), 'user_targeted', 'tom is targeted on beta_reports');

    // Each user's cache entry holds only that user's own snapshot.
    await page.evaluate(() => window.client.close());
    // An entry is the snapshot text, or `m:` + live messages + newline + it.
    const entries = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':user:'))
      .map((k) => [k.split(':user:')[1], localStorage.getItem(k)])
      .map(([u, text]) => [u, JSON.parse(text.startsWith('m:') ? text.slice(text.indexOf('\n') + 1) : text)]));
    assert.deepEqual(entries.map(([u]) => u).sort(), ['user-maria', 'user-tom']);
    for (const [user, snap] of entries) {
      assert.equal(snap.user.id, user);
      const promo = snap.flags.find((f) => f.flagName === 'promo_banner');
      assert.equal(promo.userTarget?.enabled, user === 'user-tom' ? false : undefined, `${user}: own target only`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.stop();
  }
});

test('malformed and unknown stream messages change nothing and break nothing', async () => {
  const server = await FlagServer.start({ args: ['--test-hooks'] });
  const admin = await server.session('admin', 'admin-demo');
  const { page, errors } = await openPage(server);
  try {
    await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password });
    assert.equal((await page.evaluate(() => window.startClient({ cache: false }))).status, 'ready');
    const before = await page.evaluate(() => window.flagState());
    const junk = [
      'not json', '', 'null', '[1,2,3]', '42', '"a string"', '{}', '{"type":"flag.exploded"}',
      '{"type":7}', '{"type":"flag.toggled"}', '{"type":"flag.toggled","flagName":"promo_banner","payload":"oops"}',
      '{"type":"flag.toggled","flagName":"promo_banner","payload":{"newState":"x","enabled":"no"}}',
      '{"type":"flag.user_target_added","flagName":"promo_banner","payload":{"userId":"someone-else","enabled":false}}',
      '{"type":"flag.deleted","flagName":"no_such_flag"}', '{"type":"config.changed","layer":"nope","value":1}',
      '{"type":"flag.rollout_changed","flagName":"new_dashboard","payload":{"newState":{"rolloutPercentage":"lots"}}}',
      '{"type":"flag.toggled","flagName":"promo_banner","version":"soon"}',
      '\u0000\u0001binary',
    ];
    for (const data of junk) await admin.call('POST', '/api/test/broadcast', { data });
    await page.waitForTimeout(1000);
    assert.deepEqual(await page.evaluate(() => window.flagState()), before, 'flags unchanged');
    assert.equal(await page.evaluate(() => window.client.status), 'ready');
    assert.equal(await page.evaluate(() => window.client.reconnects), 0, 'the stream survives');
    // Real changes still arrive afterwards.
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await converges(page, admin, 'after junk');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.stop();
  }
});

test('hidden tab: the stream closes after hiddenCloseMs and resyncs when visible', async () => {
  const server = await FlagServer.start();
  const admin = await server.session('admin', 'admin-demo');
  const { page, errors } = await openPage(server);
  const setHidden = (hidden) => page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
  try {
    await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password });
    assert.equal((await page.evaluate(() => window.startClient({ cache: false, hiddenCloseMs: 200 }))).status, 'ready');
    assert.equal(await server.connectionsBecome(1), 1);
    await setHidden(true);
    assert.equal(await server.connectionsBecome(0), 0, 'no connection held by a hidden tab');
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {}); // missed while hidden
    await setHidden(false);
    await converges(page, admin, 'visible again');
    assert.equal(await server.connectionsBecome(1), 1, 'the stream is back');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.stop();
  }
});

test('clients on one page share one EventSource per base URL', async () => {
  const server = await FlagServer.start();
  const admin = await server.session('admin', 'admin-demo');
  const { page, errors } = await openPage(server);
  try {
    await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password });
    await page.evaluate(async () => {
      const m = await import('/pkg/index.js');
      await m.default();
      window.a = new m.FlagClient({ baseUrl: '', cache: false });
      window.b = new m.FlagClient({ baseUrl: '', cache: false });
      await Promise.all([window.a.ready(), window.b.ready()]);
    });
    assert.equal(await server.connectionsBecome(1), 1, 'one connection for two clients');
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await page.waitForFunction(() => !window.a.isEnabled('promo_banner', true) && !window.b.isEnabled('promo_banner', true), null, { timeout: 10_000 });
    await page.evaluate(() => window.a.close());
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await page.waitForFunction(() => window.b.isEnabled('promo_banner', false), null, { timeout: 10_000 });
    assert.equal(await server.connectionsBecome(1), 1, 'the other client keeps the stream');
    await page.evaluate(() => window.b.close());
    assert.equal(await server.connectionsBecome(0), 0, 'the last one closes it');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await server.stop();
  }
});
