// flaglive: the package entry. The wasm core (rules, wire format, store)
// is loaded by ./wasm.js; ./client.js is the client around it (its I/O in ./io.js).
//
//   import { createFlagClient } from 'flaglive';
//   const client = await createFlagClient({ baseUrl: 'https://flags.example.com' });
//   await client.ready();
//   client.isEnabled('new_dashboard', false);
//
// The wasm is fetched from next to this file (Vite and webpack 5 resolve the
// URL with no configuration); pass your own URL, Response or bytes to
// init() / createFlagClient() for CSP-strict pages, workers or CDNs, or use
// initSync({ module: bytes }) in Node.
import { init, call, withEngine, BUCKET, SNAPSHOT } from './wasm.js';
import { FlagClient } from './client.js';
import { evaluationOf, pickVariant, prepareBootstrap, variantKey } from './codes.js';

export { init, initSync, isLoaded } from './wasm.js';
export { FlagClient, prepareBootstrap };
export default init;

// JSON has no Infinity or NaN; these keep JS's comparisons (`b < Infinity`
// for everyone, `b < NaN` for nobody) through the text the core reads.
const finite = (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? (v > 0 ? 1e308 : -1e308) : v);

const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

/** `{ enabled, reason }` of `flag` (snapshot shape) for `context`. */
export function evaluate(flag, context) {
  const c = context ?? {};
  const problem = typeof c !== 'object' || Array.isArray(c) ? `expected an object, found ${kind(c)}`
    : ['userId', 'userRole'].map((k) => c[k] != null && typeof c[k] !== 'string' && `field \`${k}\`: wrong type, found ${kind(c[k])}`).find(Boolean);
  if (problem) throw new TypeError(`flaglive.evaluate: invalid context: ${problem}`);
  if (flag == null) return { ...evaluationOf(0) };
  // The core's own evaluation, of a snapshot of this one flag for this
  // user; `s` says why it left the flag out (no entry point of its own).
  const snapshot = { user: { id: c.userId ?? null, role: c.userRole ?? null }, flags: [flag] };
  const { f, s } = JSON.parse(withEngine((h) => call(SNAPSHOT, h, JSON.stringify(snapshot, finite))));
  if (s) throw new TypeError(`flaglive.evaluate: invalid flag: ${s}`);
  return { ...evaluationOf(Object.values(f)[0]) };
}

/** The rollout bucket (0..99) of `userId` for `flagName`. */
export function bucket(userId, flagName) {
  if (typeof userId !== 'string') throw new TypeError('flaglive.bucket: userId must be a string');
  if (typeof flagName !== 'string') throw new TypeError('flaglive.bucket: flagName must be a string');
  return Number(call(BUCKET, 0, JSON.stringify([userId, flagName])));
}

/** The first `v` whose flag `${testName}_${v}` is enabled, else the default, else the first. */
export function chooseVariant(testName, variants, enabledFlagNames, defaultVariant) {
  if (!Array.isArray(enabledFlagNames) || enabledFlagNames.some((n) => typeof n !== 'string')) {
    throw new TypeError('flaglive.chooseVariant: enabledFlagNames must be an array of strings');
  }
  variantKey('flaglive.chooseVariant', testName, variants, defaultVariant);
  const on = new Set(enabledFlagNames);
  return pickVariant((n) => on.has(n), testName, defaultVariant, ...variants);
}

/** A new FlagClient(options), its snapshot request and the wasm's (from
 *  `wasm` if given) on their way at once: flaglive-server's prepared answer
 *  makes flags readable before the wasm is in. */
export async function createFlagClient(options, wasm) {
  init(wasm).catch(() => {}); // a failure is the client's to report
  return new FlagClient(options);
}
