// The client's options, checked once (a wrong type is a TypeError naming
// the field), and every tunable of its timing in one place.
import * as io from './io.js';
import { readable } from './codes.js';

export const HEALTHY_MS = 60_000; // a stream open this long starts its backoff over
export const CACHE_PREFIX = 'flaglive:v1:';
export const CACHE_USERS = 3; // users with an offline cache entry per base URL
// Live changes the cache replays over its snapshot; beyond this many, a
// fresh snapshot is read instead (which also renews the cache).
export const REPLAY_MAX = 1000;
export const CACHE_WRITE_MS = 1000; // live changes are written to the cache at most this often

/** About 1 s doubling to 30 s, with jitter so clients spread out. */
export const backoff = (failures) => Math.min(1000 * 2 ** Math.min(failures, 5), 30_000) * (0.5 + io.random() * 0.5);

export function invalid(field, problem) {
  return new TypeError(`flaglive.FlagClient: invalid options: field \`${field}\`: ${problem}`);
}

export function readOptions(o) {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new TypeError('flaglive.FlagClient: invalid options: expected an object');
  }
  /** Option `k` of JS type `type`, or `d` when absent or null. */
  const typed = (type, problem = 'wrong type') => (k, d) => {
    if (o[k] != null && typeof o[k] !== type) throw invalid(k, problem);
    return o[k] ?? d;
  };
  const str = typed('string');
  const bool = typed('boolean');
  const fn = typed('function', 'must be a function');
  /** Option `k` in whole milliseconds, or `d`; a timeout (`least` 1) is never 0. */
  const ms = (k, d, least = 0) => {
    const v = o[k] ?? d;
    if (typeof v !== 'number' || !(v >= 0 && v <= 4294967295) || v % 1) throw invalid(k, 'must be a whole number of milliseconds');
    return Math.max(v, least);
  };
  let bootstrap = o.bootstrap ?? undefined;
  if (bootstrap !== undefined && typeof bootstrap !== 'string') {
    if (typeof bootstrap !== 'object') throw invalid('bootstrap', 'wrong type');
    bootstrap = readable(bootstrap) ?? JSON.stringify(bootstrap);
  }
  const credentials = str('credentials', 'include');
  return {
    base: str('baseUrl', '').replace(/\/+$/, ''),
    credentials: credentials === 'omit' || credentials === 'same-origin' ? credentials : 'include',
    sendsCookies: credentials === 'include',
    bootstrap,
    cache: bool('cache', true),
    userId: str('userId'),
    streaming: bool('streaming', true),
    onExposure: fn('onExposure'),
    token: fn('token'),
    exposeFlagReads: bool('exposeFlagReads', false),
    dedupeExposures: bool('dedupeExposures', true),
    urlOverrides: bool('urlOverrides', false),
    resyncDebounceMs: ms('resyncDebounceMs', 300),
    hiddenCloseMs: ms('hiddenCloseMs', 60_000),
    // A stalled proxy must not hold the snapshot request forever.
    requestTimeoutMs: ms('requestTimeoutMs', 10_000, 1),
    // Servers ping every 30 s: 75 s of silence is a stalled stream.
    streamTimeoutMs: ms('streamTimeoutMs', 75_000, 1),
    // Servers send `connection` at once: silence this long means a proxy holds the stream.
    streamStartTimeoutMs: ms('streamStartTimeoutMs', 5_000, 1),
  };
}
