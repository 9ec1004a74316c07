// How long the wasm takes to be ready (navigation -> init() resolved), as
// the package loads it (the bytes, then compile) or, with `#streaming` in
// the page URL, compiled while it downloads (WebAssembly.compileStreaming).
import { init } from 'flaglive';

const url = new URL('flaglive_wasm_bg.wasm', import.meta.url);
const streaming = location.hash === '#streaming';
await init(streaming ? WebAssembly.compileStreaming(fetch(url)) : url);
window.shown = { wasm: true };
window.shownAt = performance.now();
