// `flaglive/openfeature` under Node (node-init.js loads the wasm; the
// provider itself stays inert on a server, see openfeature.js).
import './node-init.js';

export * from './openfeature.js';
