// As create-next-app writes it, plus the usual same-origin setup: /api is
// rewritten to the flag server. Next's default compression stays on.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const FLAG_SERVER = process.env.FLAG_SERVER ?? 'http://127.0.0.1:8080';

export default {
  // The test builds once per bundler, side by side.
  distDir: process.env.NEXT_DIST_DIR ?? '.next',
  // This app's own root, not the test harness's (it has a lock file too).
  turbopack: { root: here },
  outputFileTracingRoot: here,
  async rewrites() {
    return [{ source: '/api/:path*', destination: `${FLAG_SERVER}/api/:path*` }];
  },
};
