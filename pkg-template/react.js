// flaglive/react: React bindings over a FlagClient.
//
// Hooks read a JS-side cache of evaluated flags (FlagStore) through
// useSyncExternalStore: a read is a Map lookup with no wasm call, and a
// component re-renders only when the value it reads changed. Only React
// state lives here; rules, wire data and the network are the client's.
import {
  createContext, createElement, useContext, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore,
} from 'react';
import { init, FlagClient, isLoaded } from './index.js';
import { readsAreExposures } from './internal.js';
import { configAt, evaluationOf, own, pickVariant, prepareBootstrap, preparedState, variantKey } from './codes.js';

const NOT_FOUND = Object.freeze({ enabled: false, reason: 'flag_not_found' });
const useClientLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/** The evaluated state of a bootstrap: a prepareBootstrap() result in this
 *  package's code format as is (the browser needs no wasm for it); a plain
 *  snapshot, or a prepared one in another format, through the core. */
function bootstrapState(bootstrap) {
  const prepared = preparedState(bootstrap);
  if (prepared) return prepared;
  try { return prepareBootstrap(bootstrap).state; } catch { return null; }
}

const statusOf = (flags) => Object.freeze({ ready: flags.size > 0, status: flags.size > 0 ? 'stale' : 'loading', error: undefined });

/** The cache the hooks read. Values keep their identity until they change. */
export class FlagStore {
  constructor(bootstrap) {
    this.client = null;
    this.version = 0; // bumped on every change: memo key for derived reads
    this.configVersion = 0;
    this.listeners = new Set();
    this.all = null;
    this.usages = new Map(); // values mounted components show: exposures
    this.subscribe = this.subscribe.bind(this);
    // A plain snapshot needs the wasm to be read: until it is loaded, the
    // server-side reads (hydration) suspend, so React keeps the server's
    // HTML instead of rendering a mismatch; a prepared one in this
    // package's code format is read at once.
    this.unread = bootstrap != null && !preparedState(bootstrap) && !isLoaded() ? bootstrap : null;
    this.adopt(this.unread === null && bootstrap != null ? bootstrapState(bootstrap) : null);
  }

  adopt(state) {
    this.flags = new Map(Object.entries(state?.f ?? {}).map(([name, code]) => [name, evaluationOf(code)]));
    this.serverFlags = this.flags;
    this.serverConfig = state?.c ?? null;
    this.serverVariants = { ...state?.v }; // a copy: answers of the core are added to it
    this.status = this.serverStatus = statusOf(this.flags);
    this.all = null;
    this.version++;
    this.configVersion++;
  }

  /** Reads a bootstrap that waited for the wasm; suspends until it is loaded. */
  server() {
    if (this.unread !== null) {
      if (!isLoaded()) throw init();
      const state = bootstrapState(this.unread);
      this.unread = null;
      if (!this.client) this.adopt(state);
    }
    return this;
  }

  /** Starts following `client`; returns the function that stops it. */
  attach(client) {
    this.client = client;
    const off = client.subscribe((changed, detail) => this.onChange(changed, detail));
    const fresh = new Map();
    for (const [name, e] of Object.entries(client.allFlags())) fresh.set(name, Object.freeze(e));
    this.replace(fresh);
    this.readStatus();
    this.configVersion++;
    this.emit();
    this.exposeAll();
    client.ready().then(() => { this.readStatus(); this.emit(); }, () => { this.readStatus(); this.emit(); });
    return () => { off(); if (this.client === client) this.client = null; };
  }

  replace(fresh) {
    for (const [name, e] of fresh) {
      const old = this.flags.get(name);
      if (old && old.enabled === e.enabled && old.reason === e.reason) fresh.set(name, old);
    }
    this.flags = fresh;
    this.all = null;
    this.version++;
  }

  onChange(changed, detail) {
    const client = this.client;
    if (!client) return;
    if (changed.length) {
      const next = new Map(this.flags);
      for (const name of changed) {
        const e = client.detail(name);
        if (e.reason === 'flag_not_found') next.delete(name);
        else next.set(name, Object.freeze(e));
      }
      this.flags = next;
      this.all = null;
      this.version++;
    }
    if (detail?.config) this.configVersion++;
    this.readStatus();
    this.emit();
    this.exposeAll();
  }

  /**
   * A mounted component shows `value` (a variant, or a flag's `enabled`):
   * called from a commit-phase effect, so renders that never commit
   * (StrictMode's second render, a suspended or abandoned render) report
   * nothing. Returns the cleanup for unmount.
   */
  track(usage) {
    const key = JSON.stringify(usage);
    let entry = this.usages.get(key);
    if (!entry) this.usages.set(key, (entry = { ...usage, count: 0 }));
    entry.count++;
    this.expose(entry);
    return () => { if (--entry.count === 0) this.usages.delete(key); };
  }

  /** Exposures of what is on screen; the client reports each value once per user. */
  exposeAll() {
    for (const usage of this.usages.values()) this.expose(usage);
  }

  expose({ kind, name, value, variants, defaultVariant }) {
    const c = this.client;
    if (!c || (kind === 'flag' && !readsAreExposures(c))) return;
    // Only a value the client still gives: a changed one is about to be rendered, and reported then.
    const now = kind === 'variant' ? c.chooseVariant(name, variants, defaultVariant) : c.detail(name).enabled;
    if (now === value) c.expose(kind, name, kind === 'variant' ? value : undefined);
  }

  readStatus() {
    const c = this.client;
    if (!c) return;
    const status = c.status;
    const error = c.lastError;
    const ready = status === 'ready' || status === 'stale' || this.flags.size > 0 && status !== 'loading';
    const s = this.status;
    if (s.status !== status || s.error !== error || s.ready !== ready) this.status = Object.freeze({ ready, status, error });
  }

  emit() {
    for (const l of this.listeners) l();
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  detail(name) {
    return this.flags.get(name) ?? NOT_FOUND;
  }

  serverDetail(name) {
    return this.server().serverFlags.get(name) ?? NOT_FOUND;
  }

  /** The variant the bootstrap gives (server render, hydration, and until
   *  a client is attached): as prepareBootstrap() chose it, else by the A/B
   *  rule over the bootstrap's flags (no wasm needed). `wait`: a plain
   *  snapshot's bootstrap is read first (hydration suspends for its wasm). */
  serverVariant(testName, variants, defaultVariant, wait) {
    const store = wait ? this.server() : this;
    if (store.serverFlags.size === 0) return undefined;
    const key = variantKey('flaglive.variant', testName, variants, defaultVariant);
    if (!own(this.serverVariants, key)) {
      this.serverVariants[key] = pickVariant((n) => this.serverFlags.get(n)?.enabled === true, testName, defaultVariant, ...variants) ?? null;
    }
    return this.serverVariants[key] ?? undefined;
  }

  /** `{ [name]: boolean }`, a new object only after a change. */
  allEnabled() {
    if (!this.all) this.all = Object.freeze(Object.fromEntries([...this.flags].map(([n, e]) => [n, e.enabled])));
    return this.all;
  }
}

const StoreContext = createContext(null);

function useStore() {
  const store = useContext(StoreContext);
  if (!store) throw new Error('flaglive/react: wrap your app in <FlagProvider>');
  return store;
}

/**
 * Provides flags to the tree. Either `client` (yours; not closed here) or
 * `options` (a client is created on mount and closed on unmount). `fallback`
 * renders instead of `children` until flags are usable.
 */
export function FlagProvider({ client, options, fallback, children }) {
  const [store] = useState(() => new FlagStore(options?.bootstrap));
  const optionsRef = useRef(options);
  optionsRef.current = options;
  useClientLayoutEffect(() => {
    if (client) return store.attach(client);
    let own = null;
    let detach = null;
    let cancelled = false;
    const start = () => {
      if (cancelled) return;
      own = new FlagClient(optionsRef.current ?? {});
      detach = store.attach(own);
    };
    // The client asks for its snapshot at once, in parallel with the wasm;
    // only a plain snapshot as bootstrap needs the wasm to be read first.
    const bootstrap = optionsRef.current?.bootstrap;
    if (isLoaded() || bootstrap == null || preparedState(bootstrap)) start();
    else init().then(start, (e) => {
      // Said in the console too: a `fallback` would otherwise hide it for good.
      console.error('flaglive: the wasm module could not be loaded:', e);
      store.status = Object.freeze({ ready: false, status: 'error', error: String(e?.message ?? e) });
      store.emit();
    });
    return () => { cancelled = true; detach?.(); own?.close(); own?.free?.(); };
  }, [client, store]);
  const status = useSyncExternalStore(store.subscribe, () => store.status, () => store.server().serverStatus);
  const body = fallback !== undefined && !status.ready ? fallback : children;
  return createElement(StoreContext.Provider, { value: store }, body);
}

/** Whether `name` is on for the user; `fallback` until flags are known. */
export function useFlag(name, fallback = false) {
  const store = useStore();
  const pick = (e) => (e === NOT_FOUND ? fallback : e.enabled);
  const value = useSyncExternalStore(store.subscribe, () => pick(store.detail(name)), () => pick(store.serverDetail(name)));
  useFlagExposure(store, name, value);
  return value;
}

/** With `exposeFlagReads`, a mounted flag read is an exposure. */
function useFlagExposure(store, name, shown) {
  useEffect(() => store.track({ kind: 'flag', name, value: store.detail(name).enabled }), [store, name, shown]);
}

/** `{ enabled, reason }` for `name`. */
export function useFlagDetail(name) {
  const store = useStore();
  const detail = useSyncExternalStore(store.subscribe, () => store.detail(name), () => store.serverDetail(name));
  useFlagExposure(store, name, detail);
  return detail;
}

/** `{ [flagName]: boolean }` for every flag. */
export function useFlags() {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => store.allEnabled(), () => store.server().allEnabled());
}

/** `{ ready, status, error }`. */
export function useFlagsStatus() {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => store.status, () => store.server().serverStatus);
}

/** A value derived from the client, recomputed only when `key` changes;
 *  `serverValue()` on the server and while hydrating. */
function useDerived(store, key, compute, serverValue) {
  const memo = useRef({ key: undefined, value: undefined });
  const read = () => {
    const k = key();
    if (memo.current.key !== k) memo.current = { key: k, value: compute() };
    return memo.current.value;
  };
  return useSyncExternalStore(store.subscribe, read, serverValue);
}

/** The A/B variant of `testName`; `defaultVariant` (or the first) until flags are known. */
export function useVariant(testName, variants, defaultVariant) {
  const store = useStore();
  const args = `${testName}\u0000${variants.join('\u0000')}\u0000${defaultVariant ?? ''}`;
  const otherwise = defaultVariant ?? variants[0];
  const fromBootstrap = (wait) => store.serverVariant(testName, variants, defaultVariant, wait) ?? otherwise;
  const value = useDerived(
    store,
    () => `${store.version}\u0001${store.client ? 1 : 0}\u0001${args}`,
    () => (store.client ? store.client.chooseVariant(testName, [...variants], defaultVariant ?? null) : undefined) ?? fromBootstrap(false),
    () => fromBootstrap(true),
  );
  // The variant shown is an exposure once this commits (never during render).
  useEffect(
    () => store.track({ kind: 'variant', name: testName, value, variants, defaultVariant }),
    [store, args, value], // eslint-disable-line react-hooks/exhaustive-deps
  );
  return value;
}

const valueOr = (found, fallback) => (found === undefined ? fallback : found.value);

/** The resolved layered configuration at `path` (part E), or `fallback`. */
export function useConfig(path, fallback) {
  const store = useStore();
  return useDerived(
    store,
    () => `${store.configVersion}\u0001${store.client ? 1 : 0}\u0001${path ?? ''}`,
    () => valueOr(store.client ? store.client.config(path ?? undefined) : configAt(store.serverConfig, path), fallback),
    () => valueOr(configAt(store.server().serverConfig, path), fallback),
  );
}

/** The FlagClient behind the provider (null before it is created or during SSR). */
export function useFlagClient() {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => store.client, () => null);
}

// Drop-in equivalents of the production service's hooks (docs/protocol.md part F),
// answered from the local store with no request.

function queryShape(store, status, enabled) {
  const loading = enabled && !status.ready && status.status === 'loading';
  const isError = enabled && !status.ready && (status.status === 'error' || status.status === 'unauthorized');
  const refetch = () => (store.client ? store.client.reload() : Promise.resolve());
  return { isLoading: loading, isError, error: isError ? new Error(status.error ?? status.status) : null, refetch };
}

/** `{ isEnabled, isLoading, isError, error, refetch }`. */
export function useFeatureFlag(flagName, enabled = true) {
  const store = useStore();
  const on = useFlag(flagName, false);
  const status = useFlagsStatus();
  const shape = queryShape(store, status, enabled);
  return { isEnabled: enabled && status.ready && on, ...shape };
}

/** `{ flags: { [name]: boolean }, isLoading, isError, error, refetch }`. */
export function useFeatureFlags(flagNames, enabled = true) {
  const store = useStore();
  const all = useFlags();
  const status = useFlagsStatus();
  const flags = {};
  for (const name of flagNames) flags[name] = Boolean(enabled && status.ready && all[name]);
  return { flags, ...queryShape(store, status, enabled) };
}

/** `{ flags, isConnected, ... }`; `onUpdate(flagName, enabled)` on live changes. One shared stream. */
export function useFeatureFlagsWithSSE(flagNames, { enabled = true, onUpdate } = {}) {
  const result = useFeatureFlags(flagNames, enabled);
  const status = useFlagsStatus();
  const previous = useRef(null);
  useEffect(() => {
    const before = previous.current;
    previous.current = result.flags;
    if (!before || !onUpdate) return;
    for (const name of flagNames) if (before[name] !== result.flags[name]) onUpdate(name, result.flags[name]);
  });
  return { ...result, isConnected: enabled && status.status === 'ready' };
}

/** `T`: the default (or first) variant while loading. */
export function useABTest(testName, variants, defaultVariant) {
  return useVariant(testName, variants, defaultVariant);
}
