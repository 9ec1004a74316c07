// `flaglive/react` under Node: react.js with the wasm already loaded, so a
// server render shows the bootstrap's flags and variants (node-init.js).
import './node-init.js';

export * from './react.js';
