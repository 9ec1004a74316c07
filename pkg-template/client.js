// FlagClient: the state machine around the wasm core. Snapshot fetches
// (ETag, timeout, backoff with jitter, last identity wins), the page's
// shared stream (stream.js), the offline cache and overrides (storage.js),
// listeners and exposures. Every snapshot and stream message goes to the
// core as the text that arrived: what it means is decided there, never
// here. Reads are a plain object lookup of the evaluations the core
// reported. All its I/O goes through io.js.
import { call, init, isLoaded, newEngine, freeEngine, SNAPSHOT, MESSAGE } from './wasm.js';
import * as io from './io.js';
import { EVALUATIONS, NOT_FOUND, OVERRIDDEN, REREAD_NO, REREAD_SOON, REREAD_NOW, configAt, pickVariant, readable, setCode, variantKey } from './codes.js';
import { backoff, invalid, readOptions, REPLAY_MAX, CACHE_WRITE_MS } from './options.js';
import { overridesStored, overridesInUrl, cacheLoad, cacheEntry, cacheParts, cacheSave } from './storage.js';
import { SharedSource, sources } from './stream.js';

const wasmFailed = (e) => `flaglive: the wasm module could not be loaded: ${e?.message ?? e}`;

export class FlagClient {
  constructor(options) {
    const o = (this.o = readOptions(options));
    this.h = null; // the core's engine, once the wasm is in: engine()
    this.f = null; // flag name -> evaluation code, once loaded (overrides applied)
    // Left undefined until set: `base` (the same without overrides: what
    // the core reported), `cfg` ({ value, source } of the resolved
    // configuration), `ovUser` (whose overrides `ov` holds), `err`, `etag`,
    // `fetching` (the identity a request is out for), `fetchQueued`.
    this.ov = {}; // name -> true | false | variant: the tester's overrides
    this.st = 'loading';
    this.listeners = new Map();
    this.nextListener = 0;
    this.pending = new Set(); // changed names; null in it: every flag
    this.pendingConfig = false;
    this.notified = 'loading';
    this.waiters = [];
    this.identifyWaiters = [];
    this.gen = 0;
    this.failures = 0;
    this.timers = {};
    this.exposed = new Set(); // user, kind, name and value already reported
    this.exposureListeners = new Set(o.onExposure ? [o.onExposure] : []);
    if (o.bootstrap !== undefined) {
      if (!this.take(o.bootstrap, false)) throw invalid('bootstrap', 'not a snapshot');
      this.become('stale');
    }
    const page = (this.page = io.document());
    if (page) {
      this.onVisibility = () => this.visibility();
      page.addEventListener('visibilitychange', this.onVisibility);
    }
    // The snapshot request leaves now, in parallel with the wasm: until the
    // wasm is in, it asks for a prepared answer, whose flags need no wasm.
    if (this.engine() === null) {
      init().then(() => {
        // The wasm is in: the stream opens if the snapshot came before.
        if (this.engine() !== null && this.f && this.fetching === null) this.joinStream();
      }, (e) => {
        // Flags from a prepared answer stay, but nothing keeps them live
        // (a later load, by a plain snapshot's read, opens the stream, whose
        // `connection` makes it `ready` again).
        console.error((this.noWasm = wasmFailed(e)));
        if (this.f) this.become('stale', this.noWasm);
        this.record();
      });
    }
    this.refresh();
  }

  /** The core's engine once the wasm is in (null before). It takes the
   *  snapshot read without it, else the offline cache. */
  engine() {
    if (this.h === null && isLoaded() && !this.closed) {
      const h = (this.h = newEngine());
      if (this.snap !== undefined) this.v = JSON.parse(call(SNAPSHOT, h, this.snap)).v;
      else if (this.o.cache && this.o.bootstrap === undefined) {
        const cached = cacheLoad(this.o.base, this.o.userId);
        let parts = null;
        try { parts = cached && cacheParts(cached); } catch { /* corrupt */ }
        // A corrupt entry is left to be overwritten by the next good snapshot.
        if (parts && this.take(parts.snapshot, false)) {
          for (const m of parts.messages) this.apply(m);
          this.become('stale', this.err); // a failed read before the wasm keeps its cause
        }
      }
    }
    return this.h;
  }

  // -- reads: no wasm call --

  get status() { return this.st; }
  get lastError() { return this.err; }
  get version() { return this.v ?? undefined; }
  get reconnects() { return this.shared ? Math.max(this.shared.opened - 1, 0) : 0; }

  isEnabled(name, fallback) {
    const f = this.f;
    if (this.o.exposeFlagReads) this.expose('flag', name);
    // An inherited name (`toString`) is no number: `& 1` makes it 0, off.
    return f ? (f[name] & 1) === 1 : fallback ?? false;
  }

  evaluate(name) {
    if (this.o.exposeFlagReads) this.expose('flag', name);
    return this.detail(name);
  }

  /** `{ enabled, reason }` without reporting an exposure. */
  detail(name) {
    const code = this.f?.[name];
    return typeof code === 'number' ? EVALUATIONS[code] : NOT_FOUND;
  }

  variant(testName, variants, defaultVariant) {
    const chosen = this.chooseVariant(testName, variants, defaultVariant);
    if (chosen !== undefined) this.expose('variant', testName, chosen);
    return chosen;
  }

  /** The variant, without reporting an exposure (React reports from effects). */
  chooseVariant(testName, variants, defaultVariant) {
    variantKey('flaglive.variant', testName, variants, defaultVariant);
    const forced = this.f && this.ov[testName];
    if (typeof forced === 'string' && variants.includes(forced)) return forced;
    // The core's codes (an overridden flag does not pick a variant; only an
    // override of the test itself does).
    return pickVariant((n) => (this.base?.[n] & 1) === 1, testName, defaultVariant, ...variants);
  }

  allFlags() {
    // fromEntries: a flag named `__proto__` is a key like any other.
    return Object.fromEntries(Object.entries(this.f ?? {}).map(([name, code]) => [name, EVALUATIONS[code]]));
  }

  config(path) {
    return configAt(this.cfg, path);
  }

  /** Listens for exposures; returns the function that stops it. */
  onExposure(listener) {
    this.exposureListeners.add(listener);
    return () => this.exposureListeners.delete(listener);
  }

  /**
   * Reports that the app used a value: `kind` `'variant'` (`name` the test,
   * `variant` the one shown) or `'flag'`. Nothing before flags are loaded;
   * once per user, kind, name and value unless `dedupeExposures` is false,
   * so a value that changes for the user is reported again.
   */
  expose(kind, name, variant) {
    if (!this.f || !this.exposureListeners.size) return;
    const forced = kind === 'variant' && this.ov[name] === variant;
    const { enabled, reason } = forced ? EVALUATIONS[OVERRIDDEN + 1] : this.detail(kind === 'variant' ? `${name}_${variant}` : name);
    const key = JSON.stringify([this.u, kind, name, variant ?? enabled]);
    if (this.o.dedupeExposures && this.exposed.has(key)) return;
    this.exposed.add(key);
    this.report({ type: kind, name, variant, enabled, reason });
  }

  /** An event of the app's own (a conversion, say) to the exposure listeners, beside the exposures. */
  track(name, details) {
    this.report({ type: 'track', name, details });
  }

  report(event) {
    Object.assign(event, { userId: this.u ?? null, version: this.v ?? null, timestamp: io.time() });
    for (const listener of [...this.exposureListeners]) {
      try { listener(event); } catch { /* a throwing listener must not stop the others */ }
    }
  }

  subscribe(listener) {
    const id = ++this.nextListener;
    this.listeners.set(id, listener);
    return () => this.listeners.delete(id);
  }

  ready() {
    return new Promise((resolve, reject) => {
      if (this.f) resolve();
      else if (this.failed() && this.fetching === null) reject(this.error());
      else this.waiters.push([resolve, reject]);
    });
  }

  /** Re-reads the snapshot after a sign-in change; the last call wins. */
  identify() {
    const gen = ++this.gen; // a request out for an older one is no longer waited for
    this.etag = null;
    this.fetchQueued = false;
    this.pending.clear();
    this.pendingConfig = false;
    if (this.st === 'unauthorized') this.become(this.f ? 'stale' : 'loading', this.err);
    // Other clients on the shared stream see the new identity and re-read too.
    this.shared?.restart();
    this.record();
    const done = new Promise((resolve, reject) => this.identifyWaiters.push([gen, resolve, reject]));
    this.refresh();
    return done;
  }

  reload() {
    return this.identify();
  }

  close() {
    this.closed = true;
    this.request?.abort();
    this.leaveStream();
    if (this.timers.cache !== undefined) this.writeCache(); // the pending write, now
    for (const t of Object.values(this.timers)) io.clearTimeout(t);
    this.page?.removeEventListener('visibilitychange', this.onVisibility);
  }

  /** Releases the core's memory for this client (after close()). */
  free() {
    if (!this.closed) this.close();
    if (this.h !== null) freeEngine(this.h);
    this.h = null;
  }

  // -- state from the core --

  error() {
    return new Error(this.err ?? 'flaglive: flags are not available');
  }

  /** Whether the client gave up until something changes (no flags to show). */
  failed() {
    return this.st === 'unauthorized' || this.st === 'error';
  }

  /** Takes in a snapshot's text, or a prepared one (readable()); false if
   *  it is not one. A prepared one before the wasm: its evaluation as is. */
  take(doc, fromNetwork) {
    let text = doc, out;
    if (typeof doc === 'object') {
      text = doc.snapshot;
      if (this.engine() === null) out = { ...doc.state, f: { ...doc.state.f }, v: undefined };
    }
    if (!out) {
      const r = call(SNAPSHOT, this.engine(), text);
      if (typeof r !== 'string') return false;
      out = JSON.parse(r);
    }
    // The first snapshot's answer holds every flag; later ones only what
    // changed. Every flag changed: `null`, named only if somebody listens.
    const names = out.p && this.f ? Object.keys(out.f) : null;
    if (names) this.patch(out.f, names);
    else this.base = this.f = out.f;
    this.v = out.v;
    this.cfg = out.c;
    this.u = out.u;
    if (this.ovUser !== out.u) this.loadOverrides();
    this.snap = text;
    this.replay = [];
    // Older than what the stream already brought: read it again (after this fetch).
    if (out.r) this.fetchQueued = true;
    this.changed(names && this.seen(names), true);
    if (fromNetwork && this.o.cache && typeof out.u === 'string') cacheSave(this.o.base, out.u, text);
    return true;
  }

  /** Applies one stream message: the core's report of it, or null when it
   *  is not a message. Kept for the cache when it changed anything. */
  apply(data) {
    const r = call(MESSAGE, this.h, data);
    if (typeof r !== 'string') return null; // not a message: ignored, never fatal
    const out = JSON.parse(r);
    const names = Object.keys(out.f);
    if (names.length || out.c !== undefined || out.v !== this.v) this.replay?.push(data);
    this.v = out.v;
    out.names = names;
    if (this.f) this.patch(out.f, names);
    if (out.c !== undefined) this.cfg = out.c;
    return out;
  }

  /** Sets the codes the core reported (0: the flag is gone); an
   *  overridden flag keeps showing its override. */
  patch(codes, names) {
    for (const name of names) {
      setCode(this.base, name, codes[name]);
      if (this.f !== this.base && typeof this.ov[name] !== 'boolean') setCode(this.f, name, codes[name]);
    }
  }

  // -- overrides --

  /**
   * Forces a flag on or off (`true`/`false`), an A/B test to a variant (a
   * string), or clears it (`null`): reads answer it with reason `override`,
   * listeners and hooks see the change, and it is kept in this tab's
   * sessionStorage for this base URL and user. It never leaves the browser.
   */
  setOverride(name, value) {
    if (typeof name !== 'string' || (value !== null && typeof value !== 'boolean' && typeof value !== 'string')) {
      throw new TypeError('flaglive.setOverride: expected a name and true, false, a variant or null');
    }
    if (value === null) delete this.ov[name];
    else this.ov[name] = value;
    this.saveOverrides();
    this.applyOverrides([name]);
  }

  /** `{ [name]: true | false | variant }` in force. */
  overrides() {
    return { ...this.ov };
  }

  /** The overrides of the user the flags are now for: their tab's, any set
   *  before the first snapshot, and the URL's when allowed. */
  loadOverrides() {
    const before = this.ov;
    this.ov = {
      ...overridesStored(this.o.base, this.u),
      ...(this.ovUser === undefined && before),
      ...(this.o.urlOverrides && overridesInUrl()),
    };
    this.ovUser = this.u;
    this.saveOverrides();
    this.applyOverrides([...Object.keys(before), ...Object.keys(this.ov)]);
  }

  saveOverrides() {
    overridesStored(this.o.base, this.u, this.ov);
  }

  /** Rebuilds the flags read from the core's and the overrides. */
  applyOverrides(names) {
    if (!this.base) return;
    const forced = Object.entries(this.ov).filter(([, v]) => typeof v === 'boolean');
    this.f = forced.length ? { ...this.base } : this.base;
    for (const [name, on] of forced) setCode(this.f, name, OVERRIDDEN + Number(on));
    this.changed(names, false);
  }

  /** A stream message; `again`: one replayed over a fresher snapshot,
   *  applied and followed (its advice to re-read) when it first came. */
  onMessage(data, again) {
    if (this.closed) return;
    if (this.fetching !== null) this.missed.push(data);
    if (!this.f) return; // no flags yet: all of it once they are in
    const out = this.apply(data);
    if (!out) return;
    const names = out.names;
    if (out.h && out.r === REREAD_NO && this.st === 'stale') {
      this.become('ready'); // reconnected and up to date
    }
    this.changed(this.seen(names), out.c !== undefined);
    if (names.length || out.c !== undefined) {
      this.scheduleCacheWrite();
      // Part B cannot tell a late message from a new one: after one that
      // arrived behind a newer answer, the state is no longer the ETag's,
      // so the next re-read is in full (found by the simulator, seed 434262).
      if (this.v == null) this.etag = null;
    }
    if (again) return;
    if (out.r === REREAD_NOW || this.replay?.length > REPLAY_MAX) this.refresh();
    else if (out.r === REREAD_SOON && this.timers.resync === undefined) this.arm('resync', this.o.resyncDebounceMs, () => this.refresh());
  }

  /** The stream is held by a proxy: say so, and re-read the snapshot on
   *  each reopening meanwhile (the stream's backoff paces it). */
  onStreamHeld(why) {
    if (this.f) this.become('stale', why);
    this.record();
    this.refresh();
  }

  onStreamDown() {
    // A session from `token` ends with the token, and a stream refused for
    // it looks like any drop: re-read, so a 401 exchanges a fresh token.
    if (this.o.token) this.refresh();
    if (this.st !== 'ready') return;
    this.become('stale', 'flaglive: the live stream was interrupted; reconnecting');
    this.record();
  }

  /** The core's changed names, less those an override hides from the user. */
  seen(names) {
    return names.filter((n) => typeof this.ov[n] !== 'boolean');
  }

  /** Records changed flags for the next notification; `names` null: all. */
  changed(names, config) {
    for (const n of names ?? [null]) this.pending.add(n);
    this.pendingConfig ||= config;
    this.record();
  }

  /** One notification per burst of changes (a microtask later). */
  record() {
    if (this.flushScheduled) return;
    if (!this.pending.size && !this.pendingConfig && this.st === this.notified) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  flush() {
    this.flushScheduled = false;
    if (this.closed) return;
    // Naming all 10 000 flags of a first snapshot took a third of a
    // client's start (measured); nobody listens to most starts.
    if (this.pending.delete(null) && this.listeners.size) for (const n in this.base) this.pending.add(n);
    const names = [...this.pending].sort();
    this.pending.clear();
    const config = this.pendingConfig;
    this.pendingConfig = false;
    const status = this.st !== this.notified ? this.st : undefined;
    this.notified = this.st;
    if (!names.length && !config && status === undefined) return;
    const detail = { config };
    if (status !== undefined) detail.status = status;
    for (const listener of [...this.listeners.values()]) {
      try { listener(names, detail); } catch { /* a throwing listener must not stop the others */ }
    }
  }

  /** Settles ready() and identify() promises after a fetch of `gen` ended. */
  settle(gen, ok) {
    if (this.f || this.failed()) {
      for (const [resolve, reject] of this.waiters.splice(0)) this.f ? resolve() : reject(this.error());
    }
    this.identifyWaiters = this.identifyWaiters.filter(([g, resolve, reject]) => {
      if (g > gen) return true;
      ok ? resolve() : reject(this.error());
      return false;
    });
  }

  // -- I/O --

  arm(slot, ms, action) {
    this.timers[slot] = io.setTimeout(() => { delete this.timers[slot]; action(); }, ms);
  }

  writeCache() {
    if (!this.o.cache || !this.f || typeof this.u !== 'string') return;
    cacheSave(this.o.base, this.u, cacheEntry(this.snap, this.replay));
  }

  scheduleCacheWrite() {
    if (this.o.cache && this.timers.cache === undefined) this.arm('cache', CACHE_WRITE_MS, () => this.writeCache());
  }

  /** Re-reads the snapshot now (queued behind a fetch of the same identity). */
  refresh() {
    if (this.closed) return;
    io.clearTimeout(this.timers.retry);
    delete this.timers.retry;
    if (this.fetching === this.gen) {
      this.fetchQueued = true;
      return;
    }
    this.fetching = this.gen;
    this.missed = [];
    // Another client's stream, open already, will bring no `connection` to
    // re-read on: hear it from now on, or a change while the snapshot
    // travels is lost. (A stream of its own opens once the flags are in.)
    this.joinStream(true);
    this.fetch(this.gen);
  }

  async fetch(gen) {
    const o = this.o;
    let result;
    // Aborted on timeout, and by close(): a closed client holds no request
    // (a browser runs only six per origin at a time).
    const request = (this.request = new AbortController());
    const timer = io.setTimeout(() => request.abort(), o.requestTimeoutMs);
    // Without the wasm, a prepared answer (flaglive-server) is read at once;
    // servers that do not know the query answer the plain snapshot.
    const early = this.engine() === null;
    try {
      // No Accept header: the request is then the same as the documented
      // preload's (`<link rel="preload" as="fetch">`), which it takes over.
      const headers = this.etag ? { 'If-None-Match': this.etag } : {};
      const send = (path, init) => io.fetch(o.base + path, { credentials: o.credentials, headers, signal: request.signal, ...init });
      const read = () => send(`/api/feature-flags/snapshot${early ? '?prepared=1' : ''}`);
      let r = o.token && this.session !== gen ? { status: 401 } : await read();
      if (r.status === 401 && o.token) {
        // The app's identity: its JWT becomes a session cookie, before the
        // first snapshot of each identify() and again after any 401. No
        // token (or a throw) is a signed-out user.
        const jwt = await Promise.resolve().then(o.token).catch(() => {});
        if (jwt) r = await send('/api/auth/session', { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } });
        if (r.ok) {
          this.session = gen;
          r = await read();
        }
      }
      result = r.status === 200 ? { text: await r.text(), etag: r.headers.get('ETag') } : { status: r.status };
    } catch {
      result = { status: 0 };
    }
    io.clearTimeout(timer);
    let doc = result.text;
    if (early && doc !== undefined) {
      try { doc = readable(JSON.parse(doc)) ?? doc; } catch { /* not JSON: the core says so */ }
      // A plain snapshot: only the core reads it.
      if (typeof doc === 'string') {
        await init().catch((e) => { result = { why: wasmFailed(e) }; });
      }
    }
    if (this.closed || this.gen !== gen) return; // a newer identity took over
    this.fetching = null;
    let ok = false;
    if (result.text !== undefined) {
      const had = this.f !== null;
      // What listeners were last told, for the names this answer touches.
      const was = this.missed.length && { ...this.f };
      ok = this.take(doc, true);
      if (ok) {
        // The server may have written this snapshot before changes the
        // stream brought while it travelled, or after: part D's versions
        // tell, part B cannot, so those messages go again over it, in
        // order, and in part B it is read again in full (an older message
        // may have undone part of it, and a 304 would keep that mix; found
        // by the simulator).
        const mixed = this.missed.length && this.v == null;
        this.etag = mixed ? null : result.etag;
        this.fetchQueued ||= mixed;
        for (const m of this.missed) this.onMessage(m, had);
        // An older answer undid a change the messages then redid: a flag
        // back at its value is no change to tell (found by the simulator).
        // (Nothing else is pending here: each stream message and answer is
        // told in its own notification.)
        if (was) for (const n of this.pending) if (n !== null && was[n] === this.f[n]) this.pending.delete(n);
      } else this.become(this.f ? 'stale' : 'error', 'flaglive: the snapshot answer is not a snapshot');
    } else if (result.status === 304) {
      ok = true;
    } else if (result.status === 401) {
      this.become('unauthorized', 'flaglive: 401 Unauthorized: sign in, then call identify()');
      this.leaveStream();
    } else {
      this.become(this.f ? 'stale' : 'error', result.why ?? (result.status
        ? `flaglive: the snapshot request failed: HTTP ${result.status}`
        : 'flaglive: the flag server cannot be reached'));
    }
    if (ok) {
      // Fresh flags, but without a working stream they are not live.
      const held = this.shared?.blocked ?? this.noWasm;
      this.become(held ? 'stale' : 'ready', held ?? undefined);
      this.failures = 0;
    } else if (this.st !== 'unauthorized') {
      // Retry with backoff; 401 waits for identify() instead.
      this.arm('retry', backoff(this.failures++), () => this.refresh());
    }
    const again = this.fetchQueued && this.st !== 'unauthorized';
    this.fetchQueued = false;
    this.record();
    this.settle(gen, ok);
    if (ok) this.joinStream();
    if (again) this.refresh();
  }

  /** The one status transition: `status` (FlagStatus) and its `lastError`. */
  become(status, error) {
    this.st = status;
    this.err = error;
  }

  /** Joins this base URL's stream, opening it unless `shared`. */
  joinStream(shared) {
    const o = this.o;
    if (!o.streaming || this.closed || this.st === 'unauthorized' || this.hiddenClosed || this.shared || this.h === null) return;
    if (typeof io.EventSource() !== 'function') return;
    const url = `${o.base}/api/feature-flags/sse`;
    const key = `${o.sendsCookies}\n${url}`;
    let src = sources.get(key);
    if (!src) {
      if (shared) return;
      src = new SharedSource(url, o.sendsCookies, o);
      src.key = key;
      sources.set(key, src);
    }
    // Joining after its snapshot a stream another client opened meanwhile:
    // what it carried before is not this client's. Versions (part D) show
    // a gap at the next message or ping; part B has none, so re-read once,
    // now a member (found by the simulator).
    const late = !shared && src.es && this.v == null;
    this.shared = src;
    src.join(this);
    if (late) this.refresh();
  }

  leaveStream() {
    this.shared?.leave(this);
    this.shared = null;
  }

  /** Hidden for hiddenCloseMs: close the stream (browsers allow few
   *  connections per origin). Visible again: reopen and re-read. */
  visibility() {
    if (this.closed) return;
    if (this.page.visibilityState === 'hidden') {
      if (this.timers.hidden === undefined && this.shared) {
        this.arm('hidden', this.o.hiddenCloseMs, () => { this.hiddenClosed = true; this.leaveStream(); });
      }
    } else {
      io.clearTimeout(this.timers.hidden);
      delete this.timers.hidden;
      if (this.hiddenClosed) {
        this.hiddenClosed = false;
        this.refresh(); // reopens the stream once the snapshot is in
      }
    }
  }
}
