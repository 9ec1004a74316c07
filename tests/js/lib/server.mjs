// Runs the real flaglive-server (built by scripts/test) on a loopback port
// with a fresh SQLite file (or a given PostgreSQL database) and demo data,
// serving the repository root so a page and the API share one origin.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.mjs';

const BINARY = process.env.FLAGLIVE_SERVER || path.join(ROOT, 'target/debug/flaglive-server');

export async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** Server options for the load driver (bench/src/load.rs): half its
 *  followers ask for part B streams, which the operator must allow, and a
 *  thousand streams from one address over a few sessions exceed the default caps. */
export const LOAD_ARGS = ['--allow-compat-query', '--max-connections', '100000', '--max-connections-per-address', '100000',
  '--max-streams-per-session', '100000'];

export class FlagServer {
  /** `databaseUrl`: a postgres:// URL to use instead of a SQLite file. */
  static async start({ args = [], port, dir, staticDir = ROOT, pingMs = 500, databaseUrl } = {}) {
    const s = new FlagServer();
    s.databaseUrl = databaseUrl;
    s.dir = dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'flaglive-e2e-')));
    s.port = port ?? (await freePort());
    s.args = args;
    s.staticDir = staticDir;
    s.pingMs = pingMs;
    await s.#spawn();
    return s;
  }

  async #spawn() {
    this.url = `http://127.0.0.1:${this.port}`;
    this.proc = spawn(BINARY, [
      ...(this.databaseUrl ? ['--database-url', this.databaseUrl] : ['--database', path.join(this.dir, 'flags.sqlite')]),
      '--listen', `127.0.0.1:${this.port}`,
      '--static-dir', this.staticDir, '--seed-demo', '--ping-interval-ms', String(this.pingMs), '--retry-ms', '500', ...this.args,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    this.proc.stdout.on('data', (d) => (out += d));
    this.proc.stderr.on('data', (d) => (out += d));
    for (let i = 0; i < 100 && !out.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 100));
    if (!out.includes('listening on')) throw new Error(`flaglive-server did not start:\n${out}`);
  }

  /** Stops the process (SIGKILL: as abrupt as a crash). */
  async kill() {
    if (!this.proc) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await exited;
    this.proc = null;
  }

  /** Starts again on the same port and database. */
  async restart() {
    await this.kill();
    await this.#spawn();
  }

  async stop() {
    await this.kill();
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  /** Open streams on the server now. */
  /** `/api/health`: { ok, version, connections, restarts }. */
  async health() {
    return (await fetch(`${this.url}/api/health`)).json();
  }

  async connections() {
    return (await this.health()).connections;
  }

  /** Open streams on the server, polled until it is `n` (the server notices
   *  a closed stream on its next write, a ping) or 10 s pass. */
  async connectionsBecome(n) {
    let count;
    for (let i = 0; i < 100; i++) {
      count = (await (await fetch(`${this.url}/api/health`)).json()).connections;
      if (count === n) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return count;
  }

  /** A signed-in API session (for admin changes from the test). */
  async session(username, password) {
    const r = await fetch(`${this.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
    });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`);
    const cookie = r.headers.get('set-cookie').split(';')[0];
    const call = async (method, p, body) => {
      const res = await fetch(`${this.url}${p}`, {
        method, headers: { cookie, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return res.status === 204 ? null : res.json();
    };
    /** The server's own evaluation of `names` for `user` ({ id, role }) as
     *  { [name]: { enabled, reason } }, in the order of `names` (admin only). */
    const evaluate = async (names, user) => {
      const results = await call('POST', '/api/feature-flags/evaluate', { flagNames: names, context: { userId: user.id, userRole: user.role } });
      return Object.fromEntries(results.map((r) => [r.flagName, { enabled: r.enabled, reason: r.reason }]));
    };
    return { call, cookie, evaluate };
  }
}
