// Three flaglive-server instances on one PostgreSQL database behind a
// round-robin load balancer. Browser FlagClients (through the balancer)
// and stream followers (bench/src/load.rs, spread over the instances
// directly) follow while random admin changes go to random instances. In
// the middle of the run the instance with the most browser streams is
// killed (SIGKILL); its clients reconnect through the balancer to another
// instance and resume from their last event id. At the end every browser
// client equals the server's own evaluation for its user and every
// follower converged. Needs FLAGLIVE_TEST_POSTGRES (scripts/test starts one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { FlagServer, LOAD_ARGS } from './lib/server.mjs';
import { Balancer } from './lib/balancer.mjs';
import { launchBrowser } from './lib/chromium.mjs';
import { DEMO_USERS, openClientPages, assertPagesConverge } from './lib/client-pages.mjs';
import { POSTGRES, createDatabase } from './lib/postgres.mjs';
import { ROOT } from './lib/paths.mjs';

const LOAD = process.env.FLAGLIVE_LOAD || path.join(ROOT, 'target/debug/load');
const USERS = DEMO_USERS;
const PAGES_PER_USER = 2;
const CLIENTS_PER_PAGE = 4;
const FOLLOWERS = 300;
const CHANGES = 600;

/** Starts the followers; resolves when they are connected, with a promise
 *  of the exit code and output. */
function startFollowers(urls) {
  const proc = spawn(LOAD, ['--url', urls.join(','), '--clients', String(FOLLOWERS), '--changes', String(CHANGES),
    '--seed', '17', '--probe-ms', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let connected;
  const ready = new Promise((r) => (connected = r));
  const add = (d) => {
    out += d;
    if (out.includes('followers connected')) connected();
  };
  proc.stdout.on('data', add);
  proc.stderr.on('data', add);
  const done = new Promise((resolve) => proc.on('exit', (code) => { connected(); resolve({ code, out }); }));
  return { ready, done };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('three instances on one PostgreSQL: clients spread over them converge, also when one is killed mid-run',
  { skip: POSTGRES ? false : 'needs FLAGLIVE_TEST_POSTGRES (scripts/test starts a PostgreSQL)' }, async () => {
    const databaseUrl = createDatabase(`flaglive_js_instances_${process.pid}`);
    const servers = [];
    // One after the other: the first migrates and seeds, the others find it done.
    for (let i = 0; i < 3; i++) servers.push(await FlagServer.start({ databaseUrl, args: LOAD_ARGS }));
    const balancer = await Balancer.start(servers.map((s) => s.port));
    const browser = await launchBrowser();
    try {
      const pages = await openClientPages(browser, balancer.url, USERS, { pagesPerUser: PAGES_PER_USER, clientsPerPage: CLIENTS_PER_PAGE });
      const streams = await balancer.streamsReach(pages.length);
      if (streams !== pages.length) {
        // Seen once in CI (11 for 10 pages), never here: say which page reopened and why.
        const why = await Promise.all(pages.map(({ user, page }) => page.evaluate(() =>
          window.clients.map((c) => ({ reconnects: c.reconnects, status: c.status, lastError: c.lastError})))
          .then((clients) => ({ user: user.username, clients }))));
        assert.fail(`one stream per page: ${streams} for ${pages.length} pages; per instance ${balancer.streams}; ${JSON.stringify(why)}`);
      }
      console.log(`browser streams per instance: ${balancer.streams.join(', ')}`);

      const followers = startFollowers(servers.map((s) => s.url));
      await followers.ready;
      const open = await Promise.all(servers.map((s) => s.connections()));
      assert.ok(open.every((n) => n > 0), `every instance has streams: ${open}`);
      await sleep(3000); // changes under way on every instance

      const victim = balancer.streams.indexOf(Math.max(...balancer.streams));
      const streamsBefore = balancer.streams.reduce((a, b) => a + b);
      const onVictim = balancer.streams[victim];
      await servers[victim].kill();
      console.log(`killed instance ${victim} (${onVictim} browser streams, ${open[victim]} streams in all)`);

      const { code, out } = await followers.done;
      const result = out.split('\n').filter((l) => /^(load: clients|latency:)/.test(l)).join('\n');
      console.log(result || out);
      assert.equal(code, 0, `followers converge and see no foreign ids:\n${out}`);
      assert.ok(Number(/changes (\d+) applied/.exec(result)?.[1]) >= CHANGES, result);
      assert.ok(Number(/reconnects (\d+)/.exec(result)?.[1]) > 0, `the killed instance's followers moved: ${result}`);

      const live = servers.find((_, i) => i !== victim);
      const admin = await live.session('admin', 'admin-demo');
      await assertPagesConverge(pages, admin);
      const reopened = balancer.streams.reduce((a, b) => a + b) - streamsBefore;
      assert.ok(reopened >= onVictim, `the killed instance's ${onVictim} browser streams reopened elsewhere (${reopened} reopened)`);
      for (const [i, s] of servers.entries()) {
        if (i === victim) continue;
        // Concurrent commits on other instances never end a survivor's streams.
        assert.equal((await s.health()).restarts, 0, `instance ${i} never restarted its hub`);
      }
    } finally {
      await browser.close();
      await balancer.stop();
      for (const s of servers) await s.stop();
    }
  });
