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
