// flaglive: the package entry. The wasm core (rules, wire format, store)
// is loaded by ./wasm.js; ./client.js is the browser I/O around it.
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
import { init, call, newEngine, freeEngine, EVALUATE, BUCKET, SNAPSHOT, VARIANT } from './wasm.js';
import { FlagClient, evaluationOf, prepareBootstrap } from './client.js';

export { init, initSync, isLoaded } from './wasm.js';
export { FlagClient, prepareBootstrap };
export default init;

// JSON has no Infinity or NaN; these keep JS's comparisons (`b < Infinity`
// for everyone, `b < NaN` for nobody) through the text the core reads.
const finite = (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? (v > 0 ? 1e308 : -1e308) : v);

/** `{ enabled, reason }` of `flag` (snapshot shape) for `context`. */
export function evaluate(flag, context) {
  const r = call(EVALUATE, 0, JSON.stringify([flag ?? null, context ?? null], finite));
  if (typeof r !== 'string') throw new TypeError(`flaglive.evaluate: ${r.error}`);
  return { ...evaluationOf(Number(r)) };
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
  // The core's own variant choice over a store where exactly these flags
  // are on (no second entry point in the wasm for it).
  const h = newEngine();
  try {
    call(SNAPSHOT, h, JSON.stringify({ flags: enabledFlagNames.map((flagName) => ({ flagName, enabled: true, rolloutStrategy: 'all' })) }));
    const r = call(VARIANT, h, JSON.stringify([testName, variants, defaultVariant ?? null]));
    if (typeof r !== 'string') throw new TypeError(`flaglive.chooseVariant: ${r.error}`);
    return JSON.parse(r) ?? undefined;
  } finally {
    freeEngine(h);
  }
}

/** init(wasm) if needed, then a new FlagClient(options). */
export async function createFlagClient(options, wasm) {
  await init(wasm);
  return new FlagClient(options);
}
