// The packed package in a React Router 7 framework-mode app (server
// rendering, a loader calling prepareBootstrap, Vite 7), with no
// flaglive-specific configuration (React Router's own `unstable_optimizeDeps`, which
// every dependency needs, see react-router.config.js), under `react-router dev` (Vite's
// dependency pre-bundling moves flaglive away from its .wasm) and a
// production build served by react-router-serve: the server HTML holds the
// signed-in user's values, hydration changes nothing, no console error, and
// an admin toggle re-renders the page (lib/framework-page.mjs).
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';
import { frameworkTests, mustRun } from './lib/framework-page.mjs';

const APP = path.join(ROOT, 'tests/js/react-router-app');
const BIN = (name) => path.join(APP, 'node_modules/.bin', name);

frameworkTests('React Router 7', APP, ['dev', 'build'], (mode, env, port) => {
  if (mode === 'dev') return [BIN('react-router'), ['dev', '--port', String(port), '--strictPort', '--host', '127.0.0.1', '--force']];
  mustRun(APP, env, BIN('react-router'), ['build']);
  return [BIN('react-router-serve'), ['./build/server/index.js']];
});
