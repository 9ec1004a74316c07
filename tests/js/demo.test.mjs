// End to end: the www-demo app (built by scripts/test from the packed
// package) served by the real flaglive-server, an admin window and user
// windows in headless Chromium with separate cookies. Screenshots of both
// views land in tests/js/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FlagServer } from './lib/server.mjs';
import { launchBrowser } from './lib/chromium.mjs';
import { ROOT } from './lib/paths.mjs';

const DIST = path.join(ROOT, 'www-demo/dist');
const ARTIFACTS = path.join(ROOT, 'tests/js/artifacts');
const USERS = {
  admin: { id: 'user-admin', role: 'admin' },
  maria: { id: 'user-maria', role: 'md' },
  tom: { id: 'user-tom', role: 'field-tech' },
  sara: { id: 'user-sara', role: 'sales' },
  sam: { id: 'user-sam', role: 'sales' },
};
const WAIT = { timeout: 10_000 };

let browser;
let server;
let admin; // API session: the server's own evaluation, and setup
before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), 'www-demo is built (scripts/test builds it)');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchBrowser();
  server = await FlagServer.start({ staticDir: DIST });
  admin = await server.session('admin', 'admin-demo');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A new window (own cookies) signed in through the demo's sign-in page. */
async function signIn(username, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/`);
  await page.click(`[data-testid=signin-${username}]`);
  await page.locator('[data-testid=status]').filter({ hasText: 'ready' }).waitFor(WAIT);
  return { page, context, errors };
}

/** Every flag row of the user's panel as { name: {enabled, reason} }. */
async function panel(page) {
  return page.$$eval('[data-testid^=flag-]:not([data-testid=flag-table])', (rows) => Object.fromEntries(
    rows.map((r) => [r.dataset.testid.slice('flag-'.length), { enabled: r.dataset.enabled === 'true', reason: r.dataset.reason }]),
  ));
}

async function panelMatchesServer(page, username) {
  let shown;
  let expected;
  for (let i = 0; i < 50; i++) {
    shown = await panel(page);
    expected = await admin.evaluate(Object.keys(shown), USERS[username]);
    if (JSON.stringify(shown) === JSON.stringify(expected) && Object.keys(shown).length > 0) return;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(shown, expected, `${username}'s flag panel equals the server's evaluation`);
}

/** Java's String.hashCode over UTF-16 units, |h| mod 100: the bucket, computed independently of the SDK. */
function bucket(userId, flagName) {
  let h = 0;
  const s = `${userId}:${flagName}`;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return Math.abs(h) % 100;
}

test('admin changes reach the user window: toggle, rollout, user target, config', async () => {
  const { page: user, errors } = await signIn('maria');
  const { page: adm } = await signIn('admin');
  await adm.click('[data-testid=nav-admin]');
  await adm.waitForSelector('[data-testid=admin-flag-promo_banner]', WAIT);
  await panelMatchesServer(user, 'maria');

  // A toggle.
  await user.waitForSelector('[data-testid=promo-banner]', WAIT);
  await adm.uncheck('[data-testid=toggle-promo_banner]');
  await user.waitForSelector('[data-testid=promo-banner]', { state: 'detached', ...WAIT });
  await adm.check('[data-testid=toggle-promo_banner]');
  await user.waitForSelector('[data-testid=promo-banner]', WAIT);

  // A rollout change: maria's bucket for new_dashboard decides.
  const b = bucket(USERS.maria.id, 'new_dashboard');
  const layout = (pct) => (b < pct ? 'new' : 'classic');
  for (const pct of [0, 100, b, b + 1]) {
    await adm.fill('[data-testid=rollout-new_dashboard]', String(pct));
    await user.waitForSelector(`[data-testid=dashboard][data-layout=${layout(pct)}]`, WAIT);
  }
  await panelMatchesServer(user, 'maria');

  // A user target beats maria's role target (rule 3 before rule 4).
  await user.waitForSelector('[data-testid=beta-reports]', WAIT);
  const beta = adm.locator('[data-testid=user-targets-beta_reports]');
  await beta.getByLabel('Users to target').selectOption({ label: 'maria' });
  await beta.getByLabel('target value').selectOption('false');
  await beta.getByRole('button', { name: 'Add' }).click();
  await user.waitForSelector('[data-testid=beta-reports]', { state: 'detached', ...WAIT });
  await user.waitForSelector('[data-testid=flag-beta_reports][data-reason=user_targeted]', WAIT);
  await beta.getByRole('button', { name: 'remove maria' }).click();
  await user.waitForSelector('[data-testid=flag-beta_reports][data-reason=role_targeted]', WAIT);
  await user.waitForSelector('[data-testid=beta-reports]', WAIT);

  // A config change in maria's customer layer.
  assert.equal(await user.textContent('[data-testid=reports-per-day]'), '50');
  const layer = adm.locator('[data-testid=layer-customer-acme-east]');
  await layer.locator('textarea').fill('{ "limits": { "reportsPerDay": 77 } }');
  await layer.getByRole('button', { name: 'Save' }).click();
  await user.locator('[data-testid=reports-per-day]').filter({ hasText: '77' }).waitFor(WAIT);
  // A layer that does not apply to maria changes nothing for her.
  const org = adm.locator('[data-testid=layer-organization-acme]');
  await org.locator('textarea').fill('{ "theme": { "accent": "#123456" } }');
  await org.getByRole('button', { name: 'Save' }).click();
  await user.waitForTimeout(300);
  assert.equal(await user.getAttribute('[data-testid=product]', 'data-accent'), '#2f6f4f', 'customer override wins over organization (part E)');

  await panelMatchesServer(user, 'maria');
  // The admin page's audit log shows the server's newest entries: the
  // layer saved last, by admin, on top.
  const { entries } = await admin.call('GET', '/api/admin/audit?limit=20');
  assert.deepEqual([entries[0].action, entries[0].actor, entries[0].target], ['config.changed', { kind: 'user', name: 'admin' }, 'organization/acme']);
  const audit = adm.locator('[data-testid=audit-log]');
  await audit.locator(`[data-testid=audit-${entries[0].version}]`).waitFor(WAIT);
  const rows = await audit.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.deepEqual(rows.map((r) => [Number(r[0]), r[2], r[3], r[4]]), entries.map((e) => [e.version, e.actor.name, e.action, e.target]));
  await user.screenshot({ path: path.join(ARTIFACTS, 'demo-user.png'), fullPage: true });
  await adm.screenshot({ path: path.join(ARTIFACTS, 'demo-admin.png'), fullPage: true });
  await user.setViewportSize({ width: 390, height: 800 });
  await user.screenshot({ path: path.join(ARTIFACTS, 'demo-user-phone.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await user.context().close();
  await adm.context().close();
});

test('the pricing A/B variant matches the bucket, for every demo user, across reloads', async () => {
  const flags = await admin.call('GET', '/api/admin/flags');
  const pricing = Object.fromEntries(flags.filter((f) => f.flagName.startsWith('pricing_page_')).map((f) => [f.flagName, f]));
  for (const username of Object.keys(USERS)) {
    const on = (v) => {
      const f = pricing[`pricing_page_${v}`];
      if (!f.enabled) return false;
      if (f.rolloutStrategy === 'all') return true;
      return bucket(USERS[username].id, f.flagName) < f.rolloutPercentage;
    };
    const expected = ['control', 'annual', 'compact'].find(on) ?? 'control';
    const { page, context } = await signIn(username);
    for (let reload = 0; reload < 3; reload++) {
      if (reload) {
        await page.reload();
        await page.locator('[data-testid=status]').filter({ hasText: 'ready' }).waitFor(WAIT);
      }
      assert.equal(await page.getAttribute('[data-testid=pricing]', 'data-variant'), expected, `${username}, load ${reload + 1}`);
    }
    await context.close();
  }
});

test('devtools: an override re-renders the page, says override, survives a reload of the tab, and clears', async () => {
  const { page, context, errors } = await signIn('maria');
  await panelMatchesServer(page, 'maria');
  const row = '[data-testid="flag-promo_banner"]';
  const server = (await admin.evaluate(['promo_banner'], USERS.maria)).promo_banner;
  const forced = server.enabled ? 'off' : 'on';
  await page.selectOption('[data-testid="override-promo_banner"]', forced);
  await page.locator(`${row}[data-reason=override][data-enabled="${!server.enabled}"]`).waitFor(WAIT);
  await page.waitForSelector('[data-testid=promo-banner]', { state: server.enabled ? 'detached' : 'attached', ...WAIT });
  await page.selectOption('[data-testid="override-variant-pricing_page"]', 'compact');
  await page.locator('[data-testid=pricing][data-variant=compact]').waitFor(WAIT);
  assert.equal(await page.textContent('[data-testid="variant-pricing_page"]'), 'compact');
  assert.match(await page.textContent('[data-testid=event-log]'), /override promo_banner: (on|off)/);

  // A live admin change of another flag still shows; the overridden one keeps its override.
  await admin.call('POST', '/api/admin/flags/dark_mode/toggle', {});
  const dark = (await admin.evaluate(['dark_mode'], USERS.maria)).dark_mode;
  await page.locator(`[data-testid="flag-dark_mode"][data-enabled="${dark.enabled}"]`).waitFor(WAIT);
  await page.reload();
  await page.locator('[data-testid=status]').filter({ hasText: 'ready' }).waitFor(WAIT);
  await page.locator(`${row}[data-reason=override]`).waitFor(WAIT);
  await page.locator('[data-testid=pricing][data-variant=compact]').waitFor(WAIT);

  await page.selectOption('[data-testid="override-promo_banner"]', '');
  await page.selectOption('[data-testid="override-variant-pricing_page"]', '');
  await page.locator(`${row}[data-reason=${server.reason}]`).waitFor(WAIT);
  await panelMatchesServer(page, 'maria');
  assert.deepEqual(errors, []);
  await context.close();
});

test('server stop: the user window shows stale and keeps its flags; after restart it recovers and converges', async () => {
  await admin.call('POST', '/api/admin/flags/promo_banner/toggle', { enabled: true });
  const { page: user, context, errors } = await signIn('tom');
  await panelMatchesServer(user, 'tom');
  const before = await panel(user);

  await server.kill();
  try {
    await user.locator('[data-testid=status]').filter({ hasText: 'stale' }).waitFor(WAIT);
    assert.deepEqual(await panel(user), before, 'last good flags kept while the server is down');
    await user.waitForSelector('[data-testid=promo-banner]');
  } finally {
    await server.restart();
  }
  admin = await server.session('admin', 'admin-demo');
  await admin.call('POST', '/api/admin/flags/promo_banner/toggle', { enabled: false });
  await admin.call('PUT', '/api/admin/flags/beta_reports/user-targets/user-tom', { enabled: false });
  await user.locator('[data-testid=status]').filter({ hasText: 'ready' }).waitFor(WAIT);
  await user.waitForSelector('[data-testid=promo-banner]', { state: 'detached', ...WAIT });
  await panelMatchesServer(user, 'tom');
  const log = await user.textContent('[data-testid=event-log]');
  assert.match(log, /status stale/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('flag names and config values with markup render as text', async () => {
  const evil = '<img src=x onerror="window.pwned=1">';
  await admin.call('POST', '/api/admin/flags', { flagName: evil, enabled: true, description: '<b>bold?</b>' });
  await admin.call('PUT', '/api/admin/config/defaults', { value: { support: { email: '<script>window.pwned=2</script>' } } });
  const { page: adm, context } = await signIn('admin');
  await adm.locator(`[data-testid="flag-${evil.replace(/"/g, '\\"')}"]`).waitFor(WAIT);
  assert.match(await adm.textContent('[data-testid=support]'), /<script>window\.pwned=2<\/script>/);
  await adm.click('[data-testid=nav-admin]');
  await adm.getByText(evil, { exact: true }).waitFor(WAIT);
  assert.equal(await adm.evaluate(() => window.pwned), undefined);
  assert.equal(await adm.locator('img[src=x]').count(), 0);
  await context.close();
});

test('the demo runs under its Content-Security-Policy, which needs wasm-unsafe-eval', async () => {
  // Every violation the page reports, from before its first script.
  const watch = () => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  };
  const context = await browser.newContext();
  await context.addInitScript(watch);
  const page = await context.newPage();
  const response = await page.goto(`${server.url}/`);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  await page.click('[data-testid=signin-maria]');
  await page.locator('[data-testid=status]').filter({ hasText: 'ready' }).waitFor(WAIT);
  assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'the demo works under it');
  await context.close();

  // The same page under a policy without 'wasm-unsafe-eval': the module is refused.
  const strict = await FlagServer.start({ staticDir: DIST, args: ['--content-security-policy', "default-src 'self'; script-src 'self'"] });
  const strictContext = await browser.newContext();
  await strictContext.addInitScript(watch);
  try {
    const strictPage = await strictContext.newPage();
    await strictPage.goto(`${strict.url}/`);
    await strictPage.click('[data-testid=signin-maria]'); // the flags, and so the wasm, come after sign-in
    await strictPage.waitForFunction(() => window.cspViolations.some((v) => v.startsWith('script-src')), null, WAIT);
  } finally {
    await strictContext.close();
    await strict.stop();
  }
});

test('the devtools panel fits its column from 1 024 px up: the page never scrolls sideways', async () => {
  // A long flag name is the worst case for the panel's first column.
  const long = 'checkout_redesign_for_enterprise_customers_in_europe';
  await admin.call('POST', '/api/admin/flags', { flagName: long, enabled: true, rolloutStrategy: 'all' });
  try {
    for (const width of [1024, 1280, 1600]) {
      const { page, context, errors } = await signIn('maria', { width, height: 900 });
      await page.locator(`[data-testid="flag-${long}"]`).waitFor(WAIT);
      const fit = await page.evaluate(() => {
        const panel = document.querySelector('[data-flaglive-devtools]');
        const column = panel.parentElement.getBoundingClientRect();
        const box = panel.getBoundingClientRect();
        const outside = [...panel.querySelectorAll('*')]
          .filter((e) => e.getBoundingClientRect().right > column.right + 1)
          .map((e) => `${e.tagName.toLowerCase()}${e.dataset.testid ? `[${e.dataset.testid}]` : ''}`);
        return {
          pageScrollsSideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
          panelWiderThanColumn: box.right > column.right + 1 || box.left < column.left - 1,
          panelScrollsInside: panel.scrollWidth > panel.clientWidth + 1,
          outside: outside.slice(0, 5),
        };
      });
      assert.deepEqual(fit, { pageScrollsSideways: false, panelWiderThanColumn: false, panelScrollsInside: false, outside: [] }, `at ${width} px`);
      assert.deepEqual(errors, []);
      await context.close();
    }
  } finally {
    await admin.call('DELETE', `/api/admin/flags/${long}`);
  }
});
