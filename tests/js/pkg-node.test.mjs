// The built package in Node: instantiated with initSync from the .wasm bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PKG, VECTORS } from './lib/paths.mjs';
import { checkVectors, checkBadInput } from './vectors-check.mjs';

const api = await import(path.join(PKG, 'index.js'));
api.initSync({ module: fs.readFileSync(path.join(PKG, 'flaglive_wasm_bg.wasm')) });
const vectors = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));

test('every vector through pkg/ in Node (initSync)', () => {
  const r = checkVectors(api, vectors);
  assert.deepEqual(r.failures, []);
  assert.equal(r.failed, 0);
  assert.equal(r.passed, vectors.hashes.length + vectors.evaluations.length + vectors.abTests.length);
  console.log(`node vectors: ${r.passed} passed, ${r.failed} failed`);
});

test('bad input throws a clear TypeError in Node', () => {
  assert.deepEqual(checkBadInput(api), []);
});

test('the protocol example snapshot flag evaluates', () => {
  const flag = {
    id: 'f1', flagName: 'new_dashboard', description: null, enabled: true,
    rolloutStrategy: 'percentage', rolloutPercentage: 30, metadata: null,
    updatedAt: '2026-11-20T09:00:00.000Z', userTarget: { enabled: true },
    roleTargets: [{ role: 'admin', enabled: false }],
  };
  assert.deepEqual(api.evaluate(flag, { userId: 'user-123', userRole: 'admin' }), { enabled: true, reason: 'user_targeted' });
  const anonymousAdmin = api.evaluate(flag, { userRole: 'admin' });
  assert.deepEqual(anonymousAdmin, { enabled: false, reason: 'role_targeted' });
  const b = api.bucket('user-456', 'new_dashboard');
  const { userTarget, ...noTarget } = flag;
  assert.deepEqual(api.evaluate(noTarget, { userId: 'user-456', userRole: 'md' }), { enabled: b < 30, reason: 'percentage_rollout' });
});

test('the first snapshot notifies every flag, sorted, to a listener added before it is delivered', async () => {
  const flags = ['b', 'a', 'c'].map((flagName) => ({ flagName, enabled: true, rolloutStrategy: 'all' }));
  const options = { baseUrl: 'http://127.0.0.1:9', cache: false, streaming: false, requestTimeoutMs: 2000 };
  const client = new api.FlagClient({ ...options, bootstrap: { version: 1, user: { id: 'u1' }, flags } });
  const heard = [];
  const stop = client.subscribe((names, detail) => heard.push([names, detail.config]));
  // Nobody listening when the first snapshot's notification goes out: it names nothing later.
  const quiet = new api.FlagClient({ ...options, bootstrap: { version: 1, user: { id: 'u1' }, flags } });
  await Promise.resolve();
  const late = [];
  const stopLate = quiet.subscribe((names) => late.push(names));
  try {
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(heard[0], [['a', 'b', 'c'], true]);
    assert.equal(heard.length, 1);
    assert.deepEqual(late.flat(), [], 'a listener added after the first notification hears of no first snapshot');
  } finally {
    stop();
    stopLate();
    client.close();
    quiet.close();
  }
});

test('a FlagClient from a bootstrap: variants at once, numbers exact, flags kept when the server is unreachable', async () => {
  const numbers = { ratio: 0.1, big: 1e21, tiny: -1.5e-7, long: 12345678901234567890, third: [0.30000000000000004, 1 / 3] };
  const client = new api.FlagClient({
    baseUrl: 'http://127.0.0.1:9', cache: false, streaming: false, requestTimeoutMs: 2000,
    bootstrap: {
      version: 3, user: { id: 'u1', role: 'md' },
      flags: [
        { flagName: 'pricing_annual', enabled: true, rolloutStrategy: 'all' },
        { flagName: 'off', enabled: false, rolloutStrategy: 'all', rolloutPercentage: 49.5 },
      ],
      config: { defaults: numbers },
    },
  });
  const unloaded = new api.FlagClient({ baseUrl: 'http://127.0.0.1:9', cache: false, streaming: false });
  try {
    // Reads before any snapshot: fallbacks, the first variant.
    assert.equal(unloaded.variant('pricing', ['control', 'annual']), 'control');
    assert.equal(unloaded.isEnabled('pricing_annual', true), true);
    assert.equal(client.variant('pricing', ['control', 'annual']), 'annual');
    assert.equal(client.isEnabled('off', true), false);
    assert.deepEqual(client.evaluate('missing'), { enabled: false, reason: 'flag_not_found' });
    // Numbers that are not short integers make the round trip JS -> core -> JS unchanged.
    assert.deepEqual(client.config(), { value: numbers, source: 'DEFAULT' });
    await client.ready(); // bootstrap flags are usable
    await new Promise((r) => setTimeout(r, 300)); // the snapshot request fails meanwhile
    assert.equal(client.status, 'stale');
    assert.equal(client.isEnabled('pricing_annual'), true, 'flags survive the failed fetch');
  } finally {
    client.close();
    unloaded.close();
  }
});

test('token: the JWT becomes a session before the first snapshot and again after a 401; no token is signed out', async () => {
  const snapshot = JSON.stringify({ version: 1, user: { id: 'ana', role: 'md' }, flags: [{ flagName: 'beta', enabled: true, rolloutStrategy: 'all' }] });
  const calls = [];
  let session = false; // what the browser's cookie would carry
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init = {}) => {
    const path = new URL(url).pathname;
    calls.push(`${init.method ?? 'GET'} ${path} ${init.headers?.Authorization ?? ''}`.trim());
    if (path === '/api/auth/session') {
      session = init.headers?.Authorization === 'Bearer good';
      return new Response('{}', { status: session ? 200 : 401 });
    }
    return session ? new Response(snapshot, { status: 200 }) : new Response('{}', { status: 401 });
  };
  const options = { baseUrl: 'http://flags.test', cache: false, streaming: false };
  const clients = [];
  const start = async (token) => {
    const client = new api.FlagClient({ ...options, token });
    clients.push(client);
    const error = await client.ready().then(() => null, (e) => e.message);
    return { client, error };
  };
  try {
    let tokens = 0;
    const { client } = await start(async () => { tokens++; return 'good'; });
    assert.deepEqual(calls.splice(0), ['POST /api/auth/session Bearer good', 'GET /api/feature-flags/snapshot']);
    assert.equal(client.status, 'ready');
    assert.equal(client.isEnabled('beta'), true);

    session = false; // the session ended (it lasts no longer than its token)
    client.refresh();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(calls.splice(0), ['GET /api/feature-flags/snapshot', 'POST /api/auth/session Bearer good', 'GET /api/feature-flags/snapshot']);
    assert.equal(client.status, 'ready');
    assert.equal(tokens, 2);

    await client.identify(); // a new sign-in: a new exchange first
    assert.deepEqual(calls.splice(0), ['POST /api/auth/session Bearer good', 'GET /api/feature-flags/snapshot']);

    session = false;
    for (const token of [() => null, () => { throw new Error('signed out'); }, async () => undefined]) {
      const { client: out, error } = await start(token);
      assert.equal(out.status, 'unauthorized');
      assert.match(error, /401 Unauthorized/);
      assert.deepEqual(calls.splice(0), [], 'no token: no request');
    }
    const { client: refused, error } = await start(() => 'forged');
    assert.equal(refused.status, 'unauthorized');
    assert.match(error, /401 Unauthorized/);
    assert.deepEqual(calls.splice(0), ['POST /api/auth/session Bearer forged']);

    assert.throws(() => new api.FlagClient({ ...options, token: 'good' }), /field `token`: must be a function/);
  } finally {
    globalThis.fetch = realFetch;
    for (const c of clients) c.close();
  }
});

test('offline cache: the newest 3 users per base URL, `userId` picks one, a corrupt or missing entry starts without flags', async () => {
  const store = new Map();
  let full = false;
  globalThis.localStorage = {
    getItem: (k) => store.get(k) ?? null,
    setItem: (k, v) => { if (full) throw new Error('QuotaExceededError'); store.set(k, String(v)); },
    removeItem: (k) => store.delete(k),
  };
  const realFetch = globalThis.fetch;
  let signedIn = null; // the user the server answers for; null: server down
  globalThis.fetch = async () => {
    if (!signedIn) throw new TypeError('fetch failed');
    const snapshot = { version: 1, user: { id: signedIn, role: 'md' }, flags: [{ flagName: `only_${signedIn}`, enabled: true, rolloutStrategy: 'all' }] };
    return new Response(JSON.stringify(snapshot), { status: 200 });
  };
  const options = { baseUrl: 'http://flags.test', streaming: false, requestTimeoutMs: 1000 };
  const start = async (extra = {}) => {
    const client = new api.FlagClient({ ...options, ...extra });
    await client.ready().catch(() => {});
    client.close();
    return client;
  };
  try {
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      signedIn = user; // a new user on this browser: nothing cached for them yet
      assert.equal((await start({ userId: user })).isEnabled(`only_${user}`), true);
    }
    assert.deepEqual(JSON.parse(store.get('flaglive:v1:http://flags.test:users')), ['u4', 'u3', 'u2']);
    assert.equal(store.has('flaglive:v1:http://flags.test:user:u1'), false, 'the oldest user is dropped');

    signedIn = null;
    const last = await start();
    assert.equal(last.status, 'stale');
    assert.deepEqual(Object.keys(last.allFlags()), ['only_u4'], 'the last user by default');
    assert.deepEqual(Object.keys((await start({ userId: 'u2' })).allFlags()), ['only_u2']);
    assert.deepEqual((await start({ userId: 'u1' })).allFlags(), {}, 'a dropped user has nothing cached');
    assert.equal((await start({ userId: 'u1' })).status, 'error');

    store.set('flaglive:v1:http://flags.test:user:u4', 'm:["not closed');
    assert.deepEqual((await start()).allFlags(), {}, 'a corrupt entry is not used');
    signedIn = 'u4';
    assert.equal((await start({ userId: 'u4' })).status, 'ready');
    signedIn = null;
    assert.deepEqual(Object.keys((await start()).allFlags()), ['only_u4'], 'the next good snapshot replaced it');

    full = true;
    signedIn = 'u5';
    assert.equal((await start({ userId: 'u5' })).status, 'ready', 'a full storage costs the cache, nothing else');
  } finally {
    globalThis.fetch = realFetch;
    delete globalThis.localStorage;
  }
});
