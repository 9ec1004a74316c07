// The hand-written .d.ts compiles and rejects misuse (see types-check.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The current TypeScript, and the oldest the README promises (5.0: the
// types use nothing newer, e.g. their own NotInferred instead of 5.4's
// NoInfer), both with skipLibCheck off so that our .d.ts are checked.
for (const [version, pkg] of [['current', 'typescript'], ['5.0', 'typescript-5.0']]) {
  test(`the hand-written .d.ts (client, react, openfeature) type-check against real usage (TypeScript ${version})`, () => {
    const tsc = path.join(here, 'node_modules', pkg, 'bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.json')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}
