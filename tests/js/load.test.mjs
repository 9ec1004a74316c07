// Convergence under load: 50 FlagClients in headless Chromium (5 users x
// 10 clients; each user's page shares one EventSource) and 1 000 stream
// followers in a separate process (bench/src/load.rs: the core Store behind
// each, half part D, half part B) on one real server, while 1 000 random
// admin changes of every kind are applied as fast as the server takes them.
// At the end every client equals the server's own evaluation for its user,
// no part D follower was sent another user's id, and the server's memory
// stayed bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FlagServer, LOAD_ARGS } from './lib/server.mjs';
import { launchBrowser } from './lib/chromium.mjs';
import { DEMO_USERS, openClientPages, assertPagesConverge } from './lib/client-pages.mjs';
import { ROOT } from './lib/paths.mjs';

const LOAD = process.env.FLAGLIVE_LOAD || path.join(ROOT, 'target/debug/load');
const USERS = DEMO_USERS;
const CLIENTS_PER_PAGE = 10;
const FOLLOWERS = 1000;
const CHANGES = 1000;
/** Far above what the server needs (peaks of 180-240 MB measured in debug
 *  builds with 1 000 streams); a leak per change or per message would cross it. */
const MEMORY_LIMIT_KB = 512 * 1024;

async function rssKb(pid) {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

/** Runs the follower process; resolves with its exit code and output. */
function runFollowers(url) {
  return new Promise((resolve) => {
    const proc = spawn(LOAD, ['--url', url, '--clients', String(FOLLOWERS), '--changes', String(CHANGES), '--seed', '11'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    proc.on('exit', (code) => resolve({ code, out }));
  });
}

test(`${USERS.length * CLIENTS_PER_PAGE} browser clients and ${FOLLOWERS} stream followers converge after ${CHANGES} random changes`, async () => {
  const server = await FlagServer.start({ args: LOAD_ARGS });
  const browser = await launchBrowser();
  try {
    const pages = await openClientPages(browser, server.url, USERS, { clientsPerPage: CLIENTS_PER_PAGE });

    let peakKb = 0;
    const sampler = setInterval(async () => {
      try { peakKb = Math.max(peakKb, await rssKb(server.proc.pid)); } catch { /* exited */ }
    }, 200);
    const followers = await runFollowers(server.url);
    clearInterval(sampler);
    const result = followers.out.split('\n').filter((l) => l.startsWith('load: clients')).join('\n');
    console.log(result || followers.out);
    assert.equal(followers.code, 0, `followers converge and see no foreign ids:\n${followers.out}`);
    const applied = Number(/changes (\d+) applied/.exec(result)?.[1]);
    assert.ok(applied >= CHANGES, `${CHANGES} changes applied: ${result}`);

    const admin = await server.session('admin', 'admin-demo');
    await assertPagesConverge(pages, admin);
    console.log(`server memory: peak RSS ${(peakKb / 1024).toFixed(0)} MB during the run, ${((await rssKb(server.proc.pid)) / 1024).toFixed(0)} MB after`);
    assert.ok(peakKb > 0 && peakKb < MEMORY_LIMIT_KB, `server RSS peak ${peakKb} kB`);
  } finally {
    await browser.close();
    await server.stop();
  }
});
