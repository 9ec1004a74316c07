// The built package in headless Chromium: the page loads pkg/ with the
// default `init()` (fetching the .wasm like an app would) and runs every vector.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT } from './lib/paths.mjs';
import { serveDirectory } from './lib/static-server.mjs';
import { launchChromium } from './lib/chromium.mjs';

let server, browser, page;
const pageErrors = [];

before(async () => {
  server = await serveDirectory(ROOT);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(server.url + '/');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('every vector through pkg/ in Chromium (init() fetches the wasm)', async () => {
  const r = await page.evaluate(async () => {
    const api = await import('/pkg/index.js');
    await api.default();
    const vectors = await (await fetch('/tests/data/evaluation-vectors.json')).json();
    const { checkVectors } = await import('/tests/js/vectors-check.mjs');
    const result = checkVectors(api, vectors);
    result.expected = vectors.hashes.length + vectors.evaluations.length + vectors.abTests.length;
    return result;
  });
  assert.deepEqual(r.failures, []);
  assert.equal(r.passed, r.expected);
  console.log(`chromium vectors: ${r.passed} passed, ${r.failed} failed`);
});

test('bad input throws a clear TypeError in Chromium', async () => {
  const problems = await page.evaluate(async () => {
    const api = await import('/pkg/index.js');
    await api.default();
    const { checkBadInput } = await import('/tests/js/vectors-check.mjs');
    return checkBadInput(api);
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(pageErrors, []);
});
