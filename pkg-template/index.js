// flaglive: the package entry. The generated wasm-bindgen glue lives in
// ./flaglive_wasm.js; this file names the public API.
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
import glueInit, { initSync as glueInitSync, FlagClient } from './flaglive_wasm.js';

export { evaluate, bucket, chooseVariant, FlagClient } from './flaglive_wasm.js';

let loaded = false;

/** Loads and instantiates the wasm module once; later calls return at once. */
export default async function init(input) {
  if (loaded) return;
  await glueInit(input === undefined ? undefined : { module_or_path: input?.module_or_path ?? input });
  loaded = true;
}

/** Synchronous init from bytes or a compiled module (Node, workers). */
export function initSync(module) {
  if (loaded) return;
  glueInitSync({ module: module?.module ?? module });
  loaded = true;
}

/** Whether init() / initSync() has completed. */
export function isLoaded() {
  return loaded;
}

/** init(wasm) if needed, then a new FlagClient(options). */
export async function createFlagClient(options, wasm) {
  await init(wasm);
  return new FlagClient(options);
}
