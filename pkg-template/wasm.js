// Loads the wasm core and calls it through its raw exports (src/wasm.rs):
// text in through one buffer, text out through another. The core imports
// two functions (below), so instantiating it needs no generated glue.

let core = null;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Operation numbers of src/wasm.rs.
export const SNAPSHOT = 1, MESSAGE = 2, BUCKET = 6;

function use(instance) {
  core = instance.exports;
}

// What the core imports: JS's own number <-> text conversions, for the rare
// number that is not a short integer (saves Rust's conversion code).
const imports = {
  env: {
    fl_parse_float: (ptr, len) => parseFloat(decoder.decode(new Uint8Array(core.memory.buffer, ptr, len))),
    // String(n) of a finite number is at most 25 ASCII bytes ("-1.2345678901234567e-308").
    fl_format_float: (n, ptr) => encoder.encodeInto(String(n), new Uint8Array(core.memory.buffer, ptr, 32)).written,
  },
};

function moduleOf(input) {
  return input?.module_or_path ?? input?.module ?? input;
}

let loading = null;

/** Loads and instantiates the wasm module once; later calls share the first
 *  load (one fetch however many providers and clients ask at once). */
export function init(input) {
  if (core) return Promise.resolve();
  loading ??= load(input).catch((e) => {
    loading = null; // a failed load may be retried
    throw e;
  });
  return loading;
}

async function load(input) {
  let source = (await moduleOf(input)) ?? new URL('flaglive_wasm_bg.wasm', import.meta.url);
  if (typeof source === 'string' || source instanceof URL || (typeof Request === 'function' && source instanceof Request)) {
    source = await fetch(source);
  }
  // The bytes, then compile: `instantiateStreaming` would also need the
  // server's content type right, and saves nothing measurable on a module
  // this small.
  if (typeof Response === 'function' && source instanceof Response) source = await source.arrayBuffer();
  const result = await WebAssembly.instantiate(source, imports);
  if (!core) use(result.instance ?? result);
}

/** Synchronous init from bytes or a compiled module (Node, workers). */
export function initSync(input) {
  if (core) return;
  const source = moduleOf(input);
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
  use(new WebAssembly.Instance(module, imports));
}

/** Whether init() / initSync() has completed. */
export function isLoaded() {
  return core !== null;
}

function loaded() {
  if (!core) throw new Error('flaglive: the wasm module is not loaded; await init() (or call initSync()) first');
  return core;
}

export const newEngine = () => loaded().fl_new();
export const freeEngine = (handle) => core?.fl_free(handle);

/** `answer(handle)` of a throwaway engine, freed afterwards. */
export function withEngine(answer) {
  const h = newEngine();
  try {
    return answer(h);
  } finally {
    freeEngine(h);
  }
}

/** Runs `op` on `text`: the output text, or an `{ error }` for a failed
 *  operation (an empty error: input ignored). */
export function call(op, handle, text) {
  const c = loaded();
  const max = text.length * 3;
  const ptr = c.fl_input(max);
  const { written } = encoder.encodeInto(text, new Uint8Array(c.memory.buffer, ptr, max));
  const n = c.fl_call(op, handle, written);
  const len = n < 0 ? -1 - n : n;
  const out = len ? decoder.decode(new Uint8Array(c.memory.buffer, c.fl_output(), len)) : '';
  return n < 0 ? { error: out } : out;
}
