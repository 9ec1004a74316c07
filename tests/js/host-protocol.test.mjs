// The text protocol between the JS host (pkg-template/wasm.js, codes.js)
// and the engine (src/wasm.rs, src/engine.rs, src/rules.rs) is written on
// both sides: operation numbers, the order of the reasons (an evaluation
// code is `reason index * 2 + enabled`), the re-read advice (`r`: 0, 1, 2)
// and the answer keys. This ties them together, so that changing one side
// alone fails here: the numbers by reading both sources, the meanings by
// asking the built module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, PKG } from './lib/paths.mjs';

const read = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8');

test('operation numbers: src/wasm.rs and pkg-template/wasm.js agree', () => {
  const rust = Object.fromEntries([...read('src/wasm.rs').matchAll(/^const (\w+): u32 = (\d+);/gm)].map(([, k, v]) => [k, Number(v)]));
  const line = read('pkg-template/wasm.js').match(/^export const (SNAPSHOT = .*);$/m);
  assert.ok(line, 'wasm.js names its operations on one line');
  const js = Object.fromEntries(line[1].split(',').map((p) => p.trim().split(/\s*=\s*/)).map(([k, v]) => [k, Number(v)]));
  assert.deepEqual(js, rust);
  assert.deepEqual(Object.keys(rust).sort(), ['BUCKET', 'MESSAGE', 'SNAPSHOT']);
});

test('reason order: Reason::ALL in src/rules.rs is the order of REASONS in codes.js', () => {
  const rules = read('src/rules.rs');
  const all = rules.match(/pub const ALL: \[Reason; \d+\] = \[([^\]]*)\]/)[1].match(/Reason::\w+/g).map((r) => r.slice(8));
  const words = Object.fromEntries([...rules.matchAll(/Reason::(\w+) => "(\w+)"/g)].map(([, v, w]) => [v, w]));
  const rust = all.map((v) => words[v]);
  assert.equal(rust.length, 9);
  const js = read('pkg-template/codes.js').match(/const REASONS = \[([^\]]*)\]/)[1].match(/'(\w+)'/g).map((s) => s.slice(1, -1));
  assert.deepEqual(js.slice(0, rust.length), rust, 'the core\'s reasons, in its order');
  assert.deepEqual(js.slice(rust.length), ['override'], 'then the host\'s own');
  assert.match(read('pkg-template/codes.js'), new RegExp(`export const OVERRIDDEN = ${rust.length * 2};`), 'override codes follow the core\'s');
  // The code format prepared bootstraps carry (codes.js CODES) is for
  // exactly this reason list: change the list, bump CODES, and record both here.
  const codes = Number(read('pkg-template/codes.js').match(/export const CODES = (\d+);/)[1]);
  const formats = { 1: 'flag_not_found flag_disabled user_targeted role_targeted strategy_all strategy_none strategy_targeted percentage_rollout default' };
  assert.equal(formats[codes], rust.join(' '), `CODES ${codes} is recorded for this reason list`);
  // The server's prepared answers carry the Rust side's number (src/engine.rs).
  assert.equal(Number(read('src/engine.rs').match(/pub const CODES: u32 = (\d+);/)[1]), codes, 'engine::CODES is codes.js CODES');
});

test('re-read advice: resync_code in src/engine.rs is REREAD_* in codes.js', () => {
  const arms = Object.fromEntries([...read('src/engine.rs').match(/fn resync_code[\s\S]*?\n}/)[0].matchAll(/Resync::(\w+) => (\d+)/g)].map(([, k, v]) => [k.toUpperCase(), Number(v)]));
  const js = Object.fromEntries([...read('pkg-template/codes.js').matchAll(/REREAD_(\w+) = (\d+)/g)].map(([, k, v]) => [k, Number(v)]));
  assert.deepEqual(js, arms);
  assert.deepEqual(Object.keys(js).sort(), ['NO', 'NOW', 'SOON']);
});

test('the built module answers with the keys and codes the host reads', async () => {
  const { initSync, isLoaded, call, newEngine, freeEngine, SNAPSHOT, MESSAGE } = await import(path.join(PKG, 'wasm.js'));
  const { wasmBytes } = await import(path.join(PKG, 'flaglive_wasm_inline.js'));
  const { REREAD_NO, REREAD_SOON, REREAD_NOW } = await import(path.join(PKG, 'codes.js'));
  if (!isLoaded()) initSync({ module: wasmBytes });
  const h = newEngine();
  try {
    const flag = (flagName, enabled, extra = {}) => ({ flagName, enabled, rolloutStrategy: 'all', ...extra });
    const first = JSON.parse(call(SNAPSHOT, h, JSON.stringify({ version: 10, user: { id: 'u', role: 'md' }, flags: [flag('on', true), flag('off', false)] })));
    // Every flag the first time: code = reason index * 2 + enabled.
    assert.deepEqual(first, { v: 10, u: 'u', f: { on: 4 * 2 + 1, off: 1 * 2 + 0 }, c: null });
    // A later snapshot: a patch (`p`) of what changed; a removed flag as 0.
    const patch = JSON.parse(call(SNAPSHOT, h, JSON.stringify({ version: 11, user: { id: 'u' }, flags: [flag('on', false)] })));
    assert.deepEqual({ p: patch.p, f: patch.f, v: patch.v }, { p: 1, f: { on: 2, off: 0 }, v: 11 });
    // Re-read advice: none for the next version, 2 (now) for a gap, 1 (soon) for part B's partial events.
    const next = JSON.parse(call(MESSAGE, h, JSON.stringify({ type: 'flag.toggled', flagName: 'on', version: 12, payload: { newState: flag('on', true), enabled: true } })));
    assert.deepEqual({ r: next.r, f: next.f, v: next.v }, { r: REREAD_NO, f: { on: 9 }, v: 12 });
    const gap = JSON.parse(call(MESSAGE, h, JSON.stringify({ type: 'version', version: 15 })));
    assert.equal(gap.r, REREAD_NOW);
    const partB = JSON.parse(call(MESSAGE, h, JSON.stringify({ type: 'flag.toggled', flagName: 'on', payload: { enabled: false } })));
    assert.equal(partB.r, REREAD_SOON);
    // `h` marks a connection message, `c` a changed configuration.
    const hello = JSON.parse(call(MESSAGE, h, JSON.stringify({ type: 'connection', userId: 'u', version: 15 })));
    assert.equal(hello.h, 1);
    const config = JSON.parse(call(MESSAGE, h, JSON.stringify({ type: 'config.changed', layer: 'defaults', value: { a: 1 }, version: 16 })));
    assert.deepEqual(config.c, { value: { a: 1 }, source: 'DEFAULT' });
    // `s`: why entries of `flags` were left out.
    const skipped = JSON.parse(call(SNAPSHOT, h, JSON.stringify({ flags: [{ flagName: 'x', enabled: 'yes' }] })));
    assert.match(skipped.s, /enabled/);
  } finally {
    freeEngine(h);
  }
});
