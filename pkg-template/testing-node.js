// `flaglive/testing` under Node (Vitest, Jest): testing.js with the wasm
// already loaded (node-init.js).
import './node-init.js';

export * from './testing.js';
