// Fault injection: FlagClient (the built package) in headless Chromium
// talks to the real flaglive-server through a proxy that drops, stalls,
// truncates, duplicates and reorders the stream and answers the snapshot
// with 500/502/HTML/nothing. The page must keep its last good flags, say
// `stale` while it cannot know better, back off instead of hammering, and
// converge to the server's evaluation once the fault clears.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FlagServer } from './lib/server.mjs';
import { FaultProxy } from './lib/fault-proxy.mjs';
import { launchChromium } from './lib/chromium.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

const MARIA = { id: 'user-maria', role: 'md', username: 'maria', password: 'md-demo' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(check, what) {
  for (let i = 0; i < 200 && !check(); i++) await sleep(50);
  assert.ok(check(), what);
}

/** Server (pings every 500 ms), proxy in front of it, maria's page on the
 *  proxy's origin with a client that gives up on silence after 2 s. */
async function setUp(serverArgs = [], proxyFaults = {}) {
  const partB = serverArgs.includes('--compat-part-b');
  const server = await FlagServer.start({ args: serverArgs });
  const proxy = Object.assign(await FaultProxy.start(server.url), proxyFaults);
  const admin = await server.session('admin', 'admin-demo');
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The stream requests the page made. The proxy's own count is higher
  // when Chromium retries a request whose reused keep-alive socket the
  // proxy dropped (it did so for each attempt once the package had more
  // modules, hence more pooled sockets), which is no request of the client.
  const streamRequests = { count: 0 };
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/feature-flags/sse') streamRequests.count += 1; });
  await page.goto(`${proxy.url}/tests/js/client-page.html`);
  assert.equal(await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password }), 200);
  const started = await page.evaluate(() => window.startClient({ cache: false, streamTimeoutMs: 2000, requestTimeoutMs: 1500 }));
  assert.deepEqual(started, { ok: true, status: 'ready' });
  const env = {
    server, proxy, admin, page, errors, streamRequests,
    state: () => page.evaluate(() => window.flagState()),
    status: () => page.evaluate(() => window.client.status),
    waitStatus: (want) => page.waitForFunction((w) => window.client.status === w, want, { timeout: 20_000, polling: 50 }),
    /** The flags of the page's client (or of `window[which]`) equal the
     *  server's own evaluation, and it says ready. */
    async converges(label, which = 'client') {
      const flags = await admin.call('GET', '/api/admin/flags');
      const want = await admin.evaluate(flags.map((f) => f.flagName).sort((a, b) => a.localeCompare(b)), MARIA);
      const now = () => page.evaluate((w) => ({ flags: window.flagState(window[w]), status: window[w].status, version: window[w].version }), which);
      try {
        await page.waitForFunction(([w, c]) => JSON.stringify(window.flagState(window[c])) === w && window[c].status === 'ready',
          [JSON.stringify(want), which], { timeout: 20_000, polling: 50 });
      } catch {
        // What to look at when it does not: versions and requests.
        const { version: seen, ...got } = await now();
        const { version } = await (await fetch(`${server.url}/api/health`)).json();
        const why = `${which} at version ${seen}, server at ${version}; requests through the proxy ${JSON.stringify(proxy.counts)}`;
        assert.deepEqual(got, { flags: want, status: 'ready' }, `${label}: converges (${why})`);
      }
    },
    /** The client's start is over: its stream is open and, in part B, the
     *  re-read its `connection` message asks for is done. */
    async started() {
      await until(() => proxy.openStreams === 1 && proxy.counts.snapshot === (partB ? 2 : 1), 'the stream open, its re-read done');
      await page.waitForFunction(() => window.client.fetching === null, null, { timeout: 10_000, polling: 50 });
    },
    async tearDown() {
      await page.close();
      await proxy.stop();
      await server.stop();
      assert.deepEqual(errors, [], 'no uncaught errors in the page');
    },
  };
  return env;
}

/** The server's arguments for a stream `mode`, 'part-d' or 'part-b'. */
const argsFor = (mode) => (mode === 'part-b' ? ['--compat-part-b'] : []);
const toggle = (env, name) => env.admin.call('POST', `/api/admin/flags/${name}/toggle`, {});

for (const mode of ['part-d', 'part-b']) {
  test(`stream duplicated, reordered, truncated mid-line (${mode}): converges`, async () => {
    const env = await setUp(argsFor(mode));
    try {
      env.proxy.streamEdit = 'duplicate';
      await toggle(env, 'promo_banner');
      await env.admin.call('PUT', '/api/admin/flags/new_dashboard/rollout', { rolloutPercentage: 100 });
      await env.converges('duplicated events');

      env.proxy.streamEdit = 'reorder';
      await toggle(env, 'dark_mode');
      await env.admin.call('PUT', `/api/admin/flags/dark_mode/user-targets/${MARIA.id}`, { enabled: true });
      await toggle(env, 'promo_banner');
      await env.admin.call('PUT', '/api/admin/flags/new_dashboard/rollout', { rolloutPercentage: 0 });
      await env.converges('reordered events');

      env.proxy.streamEdit = 'truncate';
      const streamsBefore = env.proxy.counts.stream;
      await env.admin.call('PUT', '/api/admin/flags/new_dashboard/role-targets/md', { enabled: true });
      await env.converges('event cut mid-line, connection dropped');
      assert.equal(env.proxy.streamEdit, null, 'the proxy did cut an event');
      await until(() => env.proxy.counts.stream > streamsBefore, 'the client reopens the stream');
      await toggle(env, 'promo_banner');
      await env.converges('on the reopened stream');
    } finally {
      await env.tearDown();
    }
  });
}

for (const mode of ['part-d', 'part-b']) {
  test(`a change after the snapshot, before the stream started, is not lost (${mode})`, async () => {
    // The client reads its snapshot, then opens the stream: a change in
    // between is in neither. Part D's `connection` carries the version;
    // part B's does not, so the client must re-read (CI once lost it).
    const env = await setUp(argsFor(mode), { holdStreams: true });
    try {
      await until(() => env.proxy.waitingStreams === 1, 'the stream request waits at the proxy');
      await toggle(env, 'promo_banner');
      env.proxy.releaseStreams();
      await env.converges('change while the stream started');
    } finally {
      await env.tearDown();
    }
  });
}

for (const mode of ['part-d', 'part-b']) {
  test(`a snapshot answer that travelled while the stream brought a change does not undo it (${mode})`, async () => {
    // The server writes a snapshot, a change follows, its event overtakes
    // the answer. Part D sees the older version and re-reads; part B has no
    // versions, so the client must apply the event again over the answer.
    const env = await setUp(argsFor(mode));
    try {
      await env.started();
      env.proxy.holdSnapshots = true;
      // A change, then a re-read: part B's toggle event asks for one itself
      // (debounced); part D's does not, so the test asks (reload() would
      // also restart the stream).
      await toggle(env, 'promo_banner');
      if (mode === 'part-d') await env.page.evaluate(() => window.client.refresh());
      await until(() => env.proxy.heldSnapshots === 1, 'the snapshot answer is held');
      // A user target: a complete event, which asks for no re-read in part B.
      await env.admin.call('PUT', `/api/admin/flags/dark_mode/user-targets/${MARIA.id}`, { enabled: false });
      await env.page.waitForFunction(() => window.flagState().dark_mode.reason === 'user_targeted', null, { timeout: 10_000, polling: 50 });
      const snapshots = env.proxy.counts.snapshot;
      env.proxy.releaseSnapshots();
      await env.converges('after the older answer');
      if (mode === 'part-b') assert.equal(env.proxy.counts.snapshot, snapshots, 'no further re-read needed');
    } finally {
      await env.tearDown();
    }
  });
}

for (const mode of ['part-d', 'part-b']) {
  test(`a second client on the page's shared stream keeps a change made while its snapshot travelled (${mode})`, async () => {
    // The stream is open already, so the second client gets no `connection`
    // message to re-read on: it must hear the stream while it reads.
    const env = await setUp(argsFor(mode));
    try {
      await env.started();
      env.proxy.holdSnapshots = true;
      await env.page.evaluate(async () => {
        const m = await import('/pkg/index.js');
        window.second = new m.FlagClient({ baseUrl: '', cache: false });
        window.secondHeard = [];
        window.second.subscribe((names) => window.secondHeard.push({ names, status: window.second.status }));
      });
      await until(() => env.proxy.heldSnapshots === 1, "the second client's snapshot answer is held");
      await env.admin.call('POST', '/api/admin/flags', { flagName: 'fresh', enabled: true });
      await env.page.waitForFunction(() => window.flagState().fresh?.enabled === true, null, { timeout: 10_000, polling: 50 });
      env.proxy.releaseSnapshots();
      await env.page.evaluate(() => window.second.ready());
      await env.converges('the second client', 'second');
      const heard = await env.page.evaluate(() => window.secondHeard);
      assert.ok(heard.some((n) => n.names.includes('fresh')), 'the second client announced the new flag');
      assert.deepEqual(heard.filter((n) => n.status === 'loading'), [], 'and nothing before it had flags');
      await env.converges('the first client too');
    } finally {
      await env.tearDown();
    }
  });
}

test('stream dropped and refused: last good flags kept, stale, backoff without a storm, converges', async () => {
  const env = await setUp();
  try {
    const before = await env.state();
    env.proxy.streamFault = 'drop';
    env.proxy.cutStreams();
    await env.waitStatus('stale');
    const attemptsFrom = env.streamRequests.count;
    await toggle(env, 'promo_banner');
    await env.admin.call('DELETE', '/api/admin/flags/beta_reports');
    await sleep(6000);
    assert.deepEqual(await env.state(), before, 'the last good flags stay while the stream is down');
    assert.equal(await env.status(), 'stale');
    // Backoff about 1 s doubling, with jitter: 2 to 4 attempts fit in 6 s.
    const attempts = env.streamRequests.count - attemptsFrom;
    assert.ok(attempts >= 2 && attempts <= 5, `reconnect attempts in 6 s: ${attempts}`);

    env.proxy.streamFault = null;
    await env.converges('stream back');
  } finally {
    await env.tearDown();
  }
});

test('stream stalls silently (no pings): the client notices, reconnects, converges', async () => {
  const env = await setUp();
  try {
    const reconnectsBefore = await env.page.evaluate(() => window.client.reconnects);
    env.proxy.silent = true;
    await toggle(env, 'promo_banner');
    await env.waitStatus('stale'); // after streamTimeoutMs (2 s) of silence
    env.proxy.silent = false;
    await env.converges('stall over');
    assert.ok(await env.page.evaluate(() => window.client.reconnects) > reconnectsBefore, 'a fresh stream was opened');
  } finally {
    await env.tearDown();
  }
});

test('server behind a broken gateway (500, 502, HTML, dropped, stalled): reload rejects, flags kept, backoff, recovers', async () => {
  const env = await setUp();
  try {
    for (const fault of ['status500', 'status502', 'html', 'drop', 'stall']) {
      const before = await env.state();
      env.proxy.snapshotFault = fault;
      env.proxy.streamFault = fault;
      env.proxy.cutStreams();
      await env.waitStatus('stale');
      await toggle(env, 'dark_mode'); // cannot reach the page now
      const reload = await env.page.evaluate(() => window.client.reload().then(() => 'resolved', (e) => `rejected: ${e.message}`));
      assert.match(reload, /^rejected: flaglive: /, `${fault}: reload() says why`);
      assert.equal(await env.status(), 'stale', `${fault}: status`);
      assert.deepEqual(await env.state(), before, `${fault}: the last good flags stay`);

      if (fault === 'status500') {
        // Retries: about 1 s doubling with jitter, so 2 to 4 requests in 6 s.
        const from = env.proxy.counts.snapshot;
        await sleep(6000);
        const retries = env.proxy.counts.snapshot - from;
        assert.ok(retries >= 2 && retries <= 5, `snapshot retries in 6 s: ${retries}`);
      }
      env.proxy.snapshotFault = null;
      env.proxy.streamFault = null;
      await env.converges(`after ${fault}`);
    }
  } finally {
    await env.tearDown();
  }
});

test('stream held by a compressing proxy: stale with the cause named once, flags follow by re-reads, live again once it passes', async () => {
  const server = await FlagServer.start();
  const proxy = await FaultProxy.start(server.url);
  const admin = await server.session('admin', 'admin-demo');
  const page = await browser.context.newPage();
  const warnings = [];
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'warning' && m.text().includes('flaglive')) warnings.push(m.text()); });
  const state = () => page.evaluate(() => ({ flags: window.flagState(), status: window.client.status, error: window.client.lastError }));
  const want = async () => {
    const flags = await admin.call('GET', '/api/admin/flags');
    return admin.evaluate(flags.map((f) => f.flagName).sort((a, b) => a.localeCompare(b)), MARIA);
  };
  try {
    await page.goto(`${proxy.url}/tests/js/client-page.html`);
    assert.equal(await page.evaluate(({ u, p }) => window.login(u, p), { u: MARIA.username, p: MARIA.password }), 200);
    proxy.compressStreams = true;
    await page.evaluate(() => window.startClient({ cache: false, streamStartTimeoutMs: 1000 }));
    await page.waitForFunction(() => window.client.status === 'stale', null, { timeout: 10_000 });
    assert.match((await state()).error, /no live stream data in 1000 ms: a proxy is buffering or compressing it/);

    // Changes still arrive, by the snapshot re-read on each reopening.
    await toggle({ admin }, 'promo_banner');
    await admin.call('PUT', `/api/admin/flags/dark_mode/user-targets/${MARIA.id}`, { enabled: true });
    const expected = JSON.stringify(await want());
    await page.waitForFunction((w) => JSON.stringify(window.flagState()) === w, expected, { timeout: 20_000, polling: 100 });
    const held = await state();
    assert.equal(held.status, 'stale', 'fresh flags, but not live');
    assert.ok(proxy.counts.stream >= 2, `the stream was reopened (${proxy.counts.stream})`);
    assert.equal(warnings.length, 1, `one console warning: ${warnings.join(' | ')}`);
    assert.match(warnings[0], /\/api\/feature-flags\/sse: see README "Behind a proxy"/);

    // The proxy stops compressing: the next reopening is live again.
    proxy.compressStreams = false;
    await page.waitForFunction(() => window.client.status === 'ready', null, { timeout: 40_000, polling: 100 });
    assert.equal((await state()).error, undefined);
    const reads = proxy.counts.snapshot;
    await toggle({ admin }, 'promo_banner');
    await page.waitForFunction((w) => JSON.stringify(window.flagState()) === w, JSON.stringify(await want()), { timeout: 10_000, polling: 20 });
    assert.equal(proxy.counts.snapshot, reads, 'the change came over the stream, not by a re-read');
    assert.equal(warnings.length, 1, 'still one warning');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await proxy.stop();
    await server.stop();
  }
});

test('close() gives up a snapshot request in flight (the browser runs only six per origin)', async () => {
  const env = await setUp();
  try {
    env.proxy.snapshotFault = 'stall';
    await env.page.evaluate(() => { window.stalled = new window.client.constructor({ baseUrl: '', cache: false, streaming: false, requestTimeoutMs: 60_000 }); });
    await until(() => env.proxy.stalledRequests === 1, 'the request is held by the proxy');
    await env.page.evaluate(() => window.stalled.close());
    await until(() => env.proxy.stalledRequests === 0, 'close() aborted it');
  } finally {
    env.proxy.snapshotFault = null;
    await env.tearDown();
  }
});
