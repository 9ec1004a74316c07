// `flaglive` under Node: index.js with the wasm already loaded (node-init.js).
import './node-init.js';

export * from './index.js';
export { init as default } from './index.js';
