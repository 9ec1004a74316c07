// The packed package in an Astro 5 app (server output, the Node adapter, a
// React island), with no flaglive-specific configuration, under `astro dev`
// (Vite 6's dependency pre-bundling moves flaglive away from its .wasm) and
// a production build run by the adapter's standalone server: the server
// HTML holds the signed-in user's values, hydration changes nothing, no
// console error, and an admin toggle re-renders the island
// (lib/framework-page.mjs).
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';
import { frameworkTests, mustRun } from './lib/framework-page.mjs';

const APP = path.join(ROOT, 'tests/js/astro-app');
const ASTRO = path.join(APP, 'node_modules/.bin/astro');

frameworkTests('Astro 5', APP, ['dev', 'build'], (mode, env, port) => {
  if (mode === 'dev') return [ASTRO, ['dev', '--port', String(port), '--host', '127.0.0.1', '--force']];
  mustRun(APP, env, ASTRO, ['build']);
  return [process.execPath, ['./dist/server/entry.mjs']];
});
