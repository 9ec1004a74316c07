// Under Node (server rendering, tests, scripts) the package's entries load
// the wasm synchronously at import, so whichever copy of the package a
// framework bundles for its server is ready before the first render, and
// nothing fetches. The module is inlined as base64 (written by
// scripts/build) rather than read from the .wasm file beside this one:
// server bundlers (Next.js, webpack) move this code away from that file,
// while a string travels with it. Browsers never load this file (package
// exports: only the `node` condition leads here).
import './node-text.js';
import { initSync, isLoaded } from './wasm.js';
import { wasmBytes } from './flaglive_wasm_inline.js';

if (!isLoaded()) initSync({ module: wasmBytes });
