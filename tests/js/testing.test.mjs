// flaglive/testing as an app uses it: component tests under Vitest + jsdom
// + React Testing Library (tests/js/testing-app), the package installed from
// its packed tarball, no server anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';
import { installPacked } from '../../scripts/lib/install-packed.mjs';

const APP = path.join(ROOT, 'tests/js/testing-app');

test('component tests with createTestClient, and a real client on setIO fakes (then resetIO), pass under Vitest, without act() warnings', () => {
  installPacked(APP);
  const r = spawnSync(path.join(APP, 'node_modules/.bin/vitest'), ['run', '--reporter=json'], { cwd: APP, encoding: 'utf8' });
  const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  const failures = report.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join('\n')}`));
  assert.deepEqual(failures, []);
  assert.equal(report.numPassedTests, 5, r.stdout + r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /not wrapped in act|Warning:/, r.stderr);
});
