// Development builds only (the "development" export condition, which Vite,
// webpack and Next.js set in dev; Node entries come first and never load
// this): the module starts loading at import, from where a dev server can
// serve it. Vite 5-7's dev server pre-bundles dependencies into
// node_modules/.vite, away from flaglive_wasm_bg.wasm, and answers the URL
// beside the code with its HTML page; the same module then comes from the
// base64 copy the Node entries use, in a chunk of its own. init() calls
// share this load. Production builds ship none of it.
import { init } from './wasm.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d]; // "\0asm"

async function besideOrInlined() {
  // Vite's pre-bundled copy (node_modules/.vite/deps) has nothing beside
  // it, and asking would put a 404 in the console.
  const moved = import.meta.url.includes('/.vite/');
  if (!moved) {
    try {
      const r = await fetch(new URL('flaglive_wasm_bg.wasm', import.meta.url));
      const bytes = new Uint8Array(await r.arrayBuffer());
      if (r.ok && WASM_MAGIC.every((b, i) => bytes[i] === b)) return bytes;
    } catch { /* not reachable here (a test runner's file URL): the inlined copy */ }
  }
  return (await import('./flaglive_wasm_inline.js')).wasmBytes;
}

// A failure is reported by the init() the app makes, which tries again.
init(besideOrInlined()).catch(() => {});
