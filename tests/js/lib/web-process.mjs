// Starts a web server process of a test (a framework's dev or production
// server) and waits until it answers.
import { spawn } from 'node:child_process';

/**
 * Runs `command args` and resolves once `url` answers 200, with the process
 * and `output()`, everything it printed so far. Fails with that output if
 * it exits first or does not answer after `tries` looks `everyMs` apart.
 */
export async function startAnswering(command, args, { url, cwd, env = process.env, tries, everyMs, what }) {
  const proc = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  for (let i = 0; i < tries; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited:\n${out}`);
    try {
      if ((await fetch(url)).status === 200) return { proc, output: () => out };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  proc.kill('SIGKILL');
  throw new Error(`${what} did not answer:\n${out}`);
}
