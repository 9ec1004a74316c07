// Runs flaglive-web's browser tests (web/tests/browser.rs: wasm-bindgen-test
// in headless Chromium) against a real flaglive-server: the server allows
// the test page's origin (a fixed port for wasm-bindgen-test-runner) by
// CORS, and the tests get at compile time its URL, an admin API token and a
// user JWT signed with the secret of the server's --jwt-secret-file.
// Exits as cargo does; cargo's "test result" lines are the counts.
//
//   node web/tests/chromium.mjs      (scripts/test sets WASM_CARGO and the toolchain)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlagServer, freePort } from '../../tests/js/lib/server.mjs';
import { jwtSecret, mintHs256 } from '../../tests/js/lib/jwt.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runnerPort = await freePort();
// With a JWT key: the token option's user signs in with the "app's" token.
const jwt = await jwtSecret();
const server = await FlagServer.start({ args: ['--cors-origin', `http://127.0.0.1:${runnerPort}`, ...jwt.args] });
let status = 1;
try {
  const admin = await server.session('admin', 'admin-demo');
  const { token } = await admin.call('POST', '/api/admin/tokens', { name: 'rust-web-tests', scope: 'admin' });
  const [cargo, ...toolchain] = (process.env.WASM_CARGO ?? 'cargo').split(' ');
  const flags = (process.env.WASM_CARGO_FLAGS ?? '').split(' ').filter(Boolean);
  const r = spawnSync(cargo, [...toolchain, 'test', '-p', 'flaglive-web', '--features', 'leptos', '--target', 'wasm32-unknown-unknown', ...flags, '--test', 'browser'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: 'wasm-bindgen-test-runner',
      WASM_BINDGEN_TEST_TIMEOUT: '180',
      WASM_BINDGEN_TEST_ADDRESS: `127.0.0.1:${runnerPort}`,
      FLAGLIVE_TEST_SERVER: server.url,
      FLAGLIVE_TEST_TOKEN: token,
      FLAGLIVE_TEST_JWT: mintHs256(jwt.secret, { sub: 'sso-rust', role: 'md', exp: Math.floor(Date.now() / 1000) + 6 * 3600 }),
    },
  });
  status = r.status ?? 1;
} finally {
  await server.stop();
  await jwt.remove();
}
process.exit(status);
