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
