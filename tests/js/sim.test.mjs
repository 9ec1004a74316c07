// The client's sync logic under a deterministic simulator (tests/js/sim/):
// SIM_SCHEDULES schedules (100 000 by default), each a seed that fixes
// every admin change, fault, sign-in change, visibility change and client
// joining or closing over 1-3 pages, against a simulated flaglive-server
// (parts C and D) or, for a third of the seeds, the production service
// (part B). After the faults stop, every open client must equal the
// server's evaluation for its user, be live, and its listeners must have
// heard exactly the flags whose value changed; nothing is heard after
// close(); a page never holds two streams. `scripts/sim N [FIRST]` runs more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runMany, explain } from './sim/run.mjs';
import { runSeed, runActions } from './sim/schedule.mjs';

const COUNT = Number(process.env.SIM_SCHEDULES ?? 100_000);

test('one seed replays the same schedule', async () => {
  const a = await runSeed(12345);
  const b = await runSeed(12345);
  assert.deepEqual(a, b);
  assert.ok(a.requests.length > 0, 'the schedule made requests');
});

// What the simulator found, as it found them (seed and fewest actions).
// A snapshot answer written before a change the stream brought while it
// travelled undid the change, and the stream's message, applied again over
// the answer, redid it: listeners heard `a` although it ended where it was.
test('regression, seed 34: an older answer undoing a change the stream then redoes tells listeners nothing', async () => {
  const { problems } = await runActions(34, [[0, 'signin', 1, 'u1'], [5, 'client', 1, false, false], [61, 'client', 1, true, false],
    [88, 'client', 1, true, true], [94, 'rollout', 'a', 11]]);
  assert.deepEqual(problems, []);
});
// A client's first answer named `a`, which a deletion the stream brought
// while it travelled then removed: listeners heard of a flag that never was.
test('regression, seed 433: a flag deleted while the first answer travelled is not named to listeners', async () => {
  const { problems } = await runActions(433, [[0, 'signin', 0, 'u2'], [116, 'client', 0, true, false], [278, 'client', 0, false, false], [300, 'delete', 'a']]);
  assert.deepEqual(problems, []);
});

// Part B: a client whose snapshot request left before its page's stream
// was opened (by another client) joined that stream after its answer, which
// the server had read before a change the stream then carried: with no
// versions nothing showed the change was lost, so the client kept it.
test('regression, seed 7782: part B, a client joining an open stream after its answer re-reads once', async () => {
  const { problems } = await runActions(7782, [[0, 'partB'], [0, 'signin', 1, 'u2'], [23, 'client', 0, true, true], [32, 'client', 1, false, false],
    [100, 'client', 1, true, true], [125, 'client', 1, false, true], [134, 'strategy', 'a', 'none']]);
  assert.deepEqual(problems, []);
});

// Part B: a re-read's answer, newer than a full `flag.updated` that came
// while it travelled, was undone in part by that message applied again
// over it; the next re-read got 304 for the answer's ETag and the client
// kept the mix. Now part B reads again, in full, after such a replay.
test('regression, seed 20091: part B, messages replayed over a newer answer are followed by a full re-read', async () => {
  const { problems } = await runActions(20091, [[0, 'partB'], [0, 'signin', 0, 'u1'], [10, 'client', 0, false, true], [1016, 'both', 'a', 8],
    [1339, 'strategy', 'b', 'targeted'], [1341, 'both', 'b', 83]]);
  assert.deepEqual(problems, []);
});

// Part B: a re-read's answer, written after two changes, came before the
// stream's messages of them; the full `flag.updated` then put an older
// strategy back, and the re-read a partial event asked for got 304 for the
// answer's ETag. Now a part B message that changes something drops the ETag.
test('regression, seed 434262: part B, a late message after a newer answer is followed by a full re-read', async () => {
  const { problems } = await runActions(434262, [[0, 'partB'], [0, 'signin', 0, 'u2'], [0, 'signin', 1, 'u2'], [0, 'signin', 2, 'u2'],
    [8, 'client', 0, false, false], [214, 'client', 2, true, false], [218, 'client', 1, false, false], [228, 'client', 1, false, false],
    [814, 'toggle', 'b'], [1148, 'strategy', 'a', 'none'], [1155, 'rollout', 'a', 25]]);
  assert.deepEqual(problems, []);
});

test(`the simulator: ${COUNT} schedules, every client converges and hears exactly its changes`, async () => {
  const started = performance.now();
  const { ran, failed } = await runMany(1, COUNT);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`simulator: ${ran} schedules in ${seconds} s, ${failed.length ? `${failed.length}+` : 0} failed`);
  assert.equal(ran, COUNT);
  if (failed.length) assert.fail((await Promise.all(failed.slice(0, 3).map((f) => explain(f.seed)))).join('\n\n'));
});
