// Pages of FlagClients (tests/js/client-page.html) for the convergence
// tests: each page signs in as one user and starts several clients, which
// share the page's one EventSource as the SDK does.
import assert from 'node:assert/strict';

/** The users `flaglive-server --seed-demo` creates (server/src/seed.rs). */
export const DEMO_USERS = [
  { id: 'user-admin', role: 'admin', username: 'admin', password: 'admin-demo' },
  { id: 'user-maria', role: 'md', username: 'maria', password: 'md-demo' },
  { id: 'user-tom', role: 'field-tech', username: 'tom', password: 'tech-demo' },
  { id: 'user-sara', role: 'sales', username: 'sara', password: 'sales-demo' },
  { id: 'user-sam', role: 'sales', username: 'sam', password: 'sales-demo' },
];

/** Opens `pagesPerUser` pages per user at `baseUrl`, each with
 *  `clientsPerPage` ready clients; returns [{ user, page, errors }]. */
export async function openClientPages(browser, baseUrl, users, { pagesPerUser = 1, clientsPerPage }) {
  const pages = [];
  for (const user of users) {
    for (let p = 0; p < pagesPerUser; p++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${baseUrl}/tests/js/client-page.html`);
      assert.equal(await page.evaluate(({ u, pw }) => window.login(u, pw), { u: user.username, pw: user.password }), 200);
      const statuses = await page.evaluate((n) => window.startClients(n), clientsPerPage);
      assert.deepEqual(statuses, Array(clientsPerPage).fill('ready'));
      pages.push({ user, page, errors });
    }
  }
  return pages;
}

/** Every client of every page ends equal to the server's own evaluation for
 *  its user (`admin`: a session from lib/server.mjs), status `ready`, and no
 *  page had an error. */
export async function assertPagesConverge(pages, admin) {
  const names = (await admin.call('GET', '/api/admin/flags')).map((f) => f.flagName).sort((a, b) => a.localeCompare(b));
  for (const { user, page, errors } of pages) {
    const want = JSON.stringify(await admin.evaluate(names, user));
    try {
      await page.waitForFunction((w) => window.clientStates().every((s) => s === w), want, { timeout: 20_000, polling: 100 });
    } catch {
      const states = await page.evaluate(() => window.clientStates());
      assert.deepEqual(states.map((s) => JSON.parse(s)), Array(states.length).fill(JSON.parse(want)), `${user.username}'s clients converge`);
    }
    const statuses = await page.evaluate(() => window.clients.map((c) => c.status));
    assert.deepEqual(statuses, statuses.map(() => 'ready'));
    assert.deepEqual(errors, [], `${user.username}: no page errors`);
  }
}
