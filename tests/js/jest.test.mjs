// The packed package under Jest 29 and 30 with jsdom, as an app's tests
// use it: Jest's default mode (test files and node_modules loaded as
// CommonJS, which needs the package's require() build) and ESM mode (node
// --experimental-vm-modules). The tests (tests/js/jest-tests) evaluate with
// the core and render a component on createTestClient; nothing in the apps
// is configured for flaglive (their one Jest setting is the environment),
// except the one setting Jest 29's ESM mode needs (below).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';
import { installPacked } from '../../scripts/lib/install-packed.mjs';

const TESTS = path.join(ROOT, 'tests/js/jest-tests');

for (const version of ['29', '30']) {
  const app = path.join(ROOT, `tests/js/jest${version}-app`);
  let installed = false;
  const prepare = () => {
    if (installed) return;
    installPacked(app);
    // Kept as *.jest.* here, so that node --test does not take them for its
    // own; *.spec.* in the app, which Jest runs and node --test does not.
    for (const f of fs.readdirSync(TESTS)) fs.copyFileSync(path.join(TESTS, f), path.join(app, f.replace('.jest.', '.spec.')));
    installed = true;
  };
  // Jest 29's ESM mode offers jsdom tests only the `browser` condition, where
  // the module would be fetched: the one setting it needs (README) points it
  // at the Node entries. Jest 30 offers `module-sync`, which leads there.
  // (Jest 29's default testMatch has no .mjs: naming the file is the test's choice, not a setting for flaglive.)
  const esmSetting = version === '29'
    ? ['--testEnvironmentOptions', JSON.stringify({ customExportConditions: ['node'] }), '--testMatch', '**/flags.spec.mjs']
    : [];
  for (const [mode, file, nodeArgs, setting] of [
    ['CommonJS', 'flags\\.spec\\.js$', [], []],
    ['ESM', 'flags\\.spec\\.mjs$', ['--experimental-vm-modules'], esmSetting],
  ]) {
    test(`Jest ${version}, ${mode} mode, jsdom: the core evaluates and a component follows createTestClient`, () => {
      prepare();
      const jest = path.join(app, 'node_modules/jest/bin/jest.js');
      const r = spawnSync(process.execPath, [...nodeArgs, jest, '--ci', '--json', ...setting, file], {
        cwd: app, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' },
      });
      let report;
      try {
        report = JSON.parse(r.stdout);
      } catch {
        assert.fail(`Jest ${version} printed no report:\n${r.stdout}\n${r.stderr}`);
      }
      const failures = report.testResults.flatMap((f) => [f.message, ...f.assertionResults.filter((a) => a.status !== 'passed').map((a) => a.failureMessages.join('\n'))]).filter(Boolean);
      assert.deepEqual(failures, [], r.stderr);
      assert.equal(report.numPassedTests, 2, r.stderr);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /not wrapped in act|Warning:/);
    });
  }
}
