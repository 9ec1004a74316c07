// flaglive: the package entry. The generated wasm-bindgen glue lives in
// ./flaglive_wasm.js; this file names the public API and nothing else.
//
//   import init, { evaluate, bucket, chooseVariant } from 'flaglive';
//   await init();            // fetches flaglive_wasm_bg.wasm next to this file
//
// In Node or a worker with the bytes at hand: initSync({ module: bytes }).
export { default } from './flaglive_wasm.js';
// `export *` so a build with the `client` feature also exposes FlagClient.
export * from './flaglive_wasm.js';
