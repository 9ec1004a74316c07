// Runs schedules `first`..`first + count - 1` on every core (one worker
// each); a failing seed is shrunk to the fewest actions that still fail and
// printed with its trace, which `node tests/js/sim/run.mjs --seed N` replays.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { actionsOf, runActions, shrink } from './schedule.mjs';

export async function runMany(first, count, workers = Math.max(1, os.availableParallelism())) {
  const to = first + count;
  const results = await Promise.all(Array.from({ length: Math.min(workers, count) }, (_, i) => new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { from: first + i, to, step: workers } });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  return { ran: results.reduce((n, r) => n + r.ran, 0), failed: results.flatMap((r) => r.failed).sort((a, b) => a.seed - b.seed) };
}

/** The minimal failing actions of `seed`, their problems and the requests made. */
export async function explain(seed) {
  const actions = await shrink(seed, actionsOf(seed));
  const { problems, requests } = await runActions(seed, actions);
  return [`seed ${seed}: ${actions.length} actions`, ...actions.map((a) => `  at ${a[0]} ms: ${a.slice(1).map((x) => JSON.stringify(x)).join(' ')}`),
    ...problems.map((p) => `  problem: ${p}`), `  requests: ${requests.join(', ')}`].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--seed');
  if (at > 0) {
    console.log(await explain(Number(process.argv[at + 1])));
  } else {
    const count = Number(process.argv[2] ?? 100_000);
    const first = Number(process.argv[3] ?? 1);
    const started = performance.now();
    const { ran, failed } = await runMany(first, count);
    console.log(`simulator: ${ran} schedules (seeds ${first}..${first + count - 1}) in ${((performance.now() - started) / 1000).toFixed(1)} s, ${failed.length ? `${failed.length}+ failed` : '0 failed'}`);
    for (const f of failed.slice(0, 3)) console.log(await explain(f.seed));
    process.exitCode = failed.length ? 1 : 0;
  }
}
