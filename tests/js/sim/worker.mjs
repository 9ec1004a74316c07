// One worker's share of the schedules: seeds from, from + step, ... below `to`.
import { parentPort, workerData } from 'node:worker_threads';
import { runSeed } from './schedule.mjs';

const { from, to, step } = workerData;
const failed = [];
let ran = 0;
for (let seed = from; seed < to; seed += step) {
  const { problems } = await runSeed(seed);
  ran++;
  if (problems.length && failed.length < 5) failed.push({ seed, problems });
}
parentPort.postMessage({ ran, failed });
