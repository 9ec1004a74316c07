// Everything the client does to the world outside it, in one place: the
// network, timers, clock, randomness, storage and the page. By default the
// browser's, read when used (a fetch, EventSource or fake timers a test
// installs after import are the ones used). setIO() replaces any of them:
// tests/js/sim runs the package's sync logic on fakes through it, with no
// browser and no globals touched. Nothing else in the client touches a
// global. (Bindings, not an object's fields: a bundler shortens their names
// and drops setIO from apps that never call it: 38 B less than an object.)
//
//   import * as io from './io.js';  io.fetch(url, init)
export let fetch = (url, init) => globalThis.fetch(url, init);
/** The EventSource class, if there is one (not in Node). */
export let EventSource = () => globalThis.EventSource;
export let setTimeout = (fn, ms) => globalThis.setTimeout(fn, ms);
export let clearTimeout = (timer) => globalThis.clearTimeout(timer);
/** Monotonic milliseconds (a stream's silence and health). */
export let now = () => performance.now();
/** Wall-clock milliseconds (exposure events' `timestamp`). */
export let time = () => Date.now();
/** [0, 1): backoff jitter. */
export let random = () => Math.random();
/** `localStorage` or `sessionStorage`: undefined in Node, and reading it
 *  throws in a sandboxed frame (callers catch). */
export let storage = (name) => globalThis[name];
/** The page's document (its visibility), if any. */
export let document = () => globalThis.document;
/** The page URL's query string (`urlOverrides`). */
export let search = () => globalThis.location.search;

// The browser's, as above, for resetIO (dropped with it from apps that never
// call it).
const browser = { fetch, EventSource, setTimeout, clearTimeout, now, time, random, storage, document, search };

/** Replaces any of the above: `setIO({ fetch, EventSource: () => Fake })`. */
export function setIO(parts) {
  ({ fetch = fetch, EventSource = EventSource, setTimeout = setTimeout, clearTimeout = clearTimeout, now = now, time = time,
    random = random, storage = storage, document = document, search = search } = parts);
}

/** Puts every part back to the browser's (a test's afterEach). */
export const resetIO = () => setIO(browser);
