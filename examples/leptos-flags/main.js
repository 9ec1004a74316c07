// Loads the app built by wasm-bindgen (--target web); its start function mounts it.
import init from './pkg/leptos_flags_example.js';

init();
