// Under Node in a DOM-like test environment (Jest's jsdom has no
// TextEncoder or TextDecoder): Node's own, before ./wasm.js makes its
// encoder at import. Elsewhere (Node itself, browsers) it does nothing.
if (typeof TextEncoder === 'undefined' && typeof process === 'object' && typeof process.getBuiltinModule === 'function') {
  const { TextEncoder, TextDecoder } = process.getBuiltinModule('node:util');
  Object.assign(globalThis, { TextEncoder, TextDecoder });
}
