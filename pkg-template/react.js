// flaglive/react: React bindings over a FlagClient.
//
// Hooks read a JS-side cache of evaluated flags (FlagStore) through
// useSyncExternalStore: a read is a Map lookup with no wasm call, and a
// component re-renders only when the value it reads changed. Only React
// state lives here; rules, wire data and the network are the client's.
import {
  createContext, createElement, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore,
} from 'react';
import init, { FlagClient, chooseVariant, evaluate, isLoaded } from './index.js';

const NOT_FOUND = Object.freeze({ enabled: false, reason: 'flag_not_found' });
const useClientLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/** Evaluates a bootstrap snapshot without a client (server render, hydration). */
function evaluateBootstrap(bootstrap) {
  const out = new Map();
  if (!bootstrap || !isLoaded()) return out;
  const snapshot = typeof bootstrap === 'string' ? JSON.parse(bootstrap) : bootstrap;
  const ctx = { userId: snapshot?.user?.id ?? null, userRole: snapshot?.user?.role ?? null };
  for (const flag of Array.isArray(snapshot?.flags) ? snapshot.flags : []) {
    try {
      if (!out.has(flag.flagName)) out.set(flag.flagName, Object.freeze(evaluate(flag, ctx)));
    } catch { /* a malformed entry is skipped, as the client skips it */ }
  }
  return out;
}

/** The cache the hooks read. Values keep their identity until they change. */
export class FlagStore {
  constructor(bootstrap) {
    this.flags = evaluateBootstrap(bootstrap);
    this.serverFlags = this.flags;
    this.client = null;
    this.version = 0; // bumped on every change: memo key for derived reads
    this.configVersion = 0;
    this.status = Object.freeze({ ready: this.flags.size > 0, status: this.flags.size > 0 ? 'stale' : 'loading', error: undefined });
    this.serverStatus = this.status;
    this.listeners = new Set();
    this.all = null;
    this.subscribe = this.subscribe.bind(this);
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
        const e = client.evaluate(name);
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
    return this.serverFlags.get(name) ?? NOT_FOUND;
  }

  /** The variant the bootstrap snapshot gives (server render, hydration). */
  serverVariant(testName, variants, defaultVariant) {
    if (!isLoaded() || this.serverFlags.size === 0) return undefined;
    const enabled = [...this.serverFlags].filter(([, e]) => e.enabled).map(([n]) => n);
    return chooseVariant(testName, [...variants], enabled, defaultVariant ?? null);
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
    if (isLoaded()) start();
    else init().then(start, (e) => {
      store.status = Object.freeze({ ready: false, status: 'error', error: String(e?.message ?? e) });
      store.emit();
    });
    return () => { cancelled = true; detach?.(); own?.close(); own?.free?.(); };
  }, [client, store]);
  const status = useSyncExternalStore(store.subscribe, () => store.status, () => store.serverStatus);
  const body = fallback !== undefined && !status.ready ? fallback : children;
  return createElement(StoreContext.Provider, { value: store }, body);
}

/** Whether `name` is on for the user; `fallback` until flags are known. */
export function useFlag(name, fallback = false) {
  const store = useStore();
  const pick = (e) => (e === NOT_FOUND ? fallback : e.enabled);
  return useSyncExternalStore(store.subscribe, () => pick(store.detail(name)), () => pick(store.serverDetail(name)));
}

/** `{ enabled, reason }` for `name`. */
export function useFlagDetail(name) {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => store.detail(name), () => store.serverDetail(name));
}

/** `{ [flagName]: boolean }` for every flag. */
export function useFlags() {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => store.allEnabled(), () => store.allEnabled());
}

/** `{ ready, status, error }`. */
export function useFlagsStatus() {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => store.status, () => store.serverStatus);
}

/** A value derived from the client, recomputed only when `key` changes. */
function useDerived(store, key, compute, serverValue) {
  const memo = useRef({ key: undefined, value: undefined });
  const read = () => {
    const k = key();
    if (memo.current.key !== k) memo.current = { key: k, value: compute() };
    return memo.current.value;
  };
  return useSyncExternalStore(store.subscribe, read, () => serverValue);
}

/** The A/B variant of `testName`; `defaultVariant` (or the first) until flags are known. */
export function useVariant(testName, variants, defaultVariant) {
  const store = useStore();
  const args = `${testName}\u0000${variants.join('\u0000')}\u0000${defaultVariant ?? ''}`;
  // Until the client is attached (and on the server), the bootstrap's answer.
  const initial = useMemo(
    () => store.serverVariant(testName, variants, defaultVariant) ?? defaultVariant ?? variants[0],
    [store, args], // eslint-disable-line react-hooks/exhaustive-deps
  );
  return useDerived(
    store,
    () => `${store.version}\u0001${store.client ? 1 : 0}\u0001${args}`,
    () => (store.client ? store.client.variant(testName, [...variants], defaultVariant ?? null) ?? initial : initial),
    initial,
  );
}

/** The resolved layered configuration at `path` (part E), or `fallback`. */
export function useConfig(path, fallback) {
  const store = useStore();
  return useDerived(
    store,
    () => `${store.configVersion}\u0001${store.client ? 1 : 0}\u0001${path ?? ''}`,
    () => {
      const r = store.client?.config(path ?? undefined);
      return r === undefined ? fallback : r.value;
    },
    fallback,
  );
}

/** The FlagClient behind the provider (null before it is created or during SSR). */
export function useFlagClient() {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => store.client, () => null);
}

// Drop-in equivalents of the production service's hooks (PROTOCOL.md part F),
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
