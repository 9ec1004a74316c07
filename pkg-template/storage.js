// What the client keeps in the browser's storage: a tester's overrides
// (sessionStorage, this tab only) and the offline cache (localStorage, the
// last good state per base URL and user). Each access is in a try: a
// sandboxed frame throws, Node has none (memory only).
import * as io from './io.js';
import { CACHE_PREFIX, CACHE_USERS } from './options.js';

// ---- overrides: a tester's values, in this tab only -------------------------

/** This tab's overrides for a base URL and user: read, or (`save`) written. */
export function overridesStored(base, user, save) {
  const key = `${CACHE_PREFIX}overrides:${base}:${user}`;
  try {
    const tab = io.storage('sessionStorage');
    if (save) return Object.keys(save).length ? tab.setItem(key, JSON.stringify(save)) : tab.removeItem(key);
    const o = JSON.parse(tab.getItem(key));
    return o?.constructor === Object ? o : {};
  } catch { return {}; } // no sessionStorage: memory only
}

/** `?flaglive=promo_banner:off,pricing_page:annual` (only with `urlOverrides`). */
export function overridesInUrl() {
  const out = {};
  try {
    for (const [, name, v] of new URLSearchParams(io.search()).get('flaglive')?.matchAll(/([^,:]+):([^,]*)/g) ?? []) {
      out[name] = v === 'on' || (v !== 'off' && v);
    }
  } catch { /* no page URL */ }
  return out;
}

// ---- the offline cache: the last good state per base URL and user ---------

// localStorage: a key per user, and the list of users, newest first.
const local = () => io.storage('localStorage');
const cacheKey = (base, user) => `${CACHE_PREFIX}${base}:user:${user}`;
const usersKey = (base) => `${CACHE_PREFIX}${base}:users`;
function cachedUsers(base) {
  try {
    const list = JSON.parse(local().getItem(usersKey(base)));
    return Array.isArray(list) ? list : []; // a stray entry names no key of ours
  } catch { return []; }
}
/** The entry text of `user`, else of the last user; null when none. */
export function cacheLoad(base, user) {
  user ??= cachedUsers(base)[0];
  try { return user === undefined ? null : local().getItem(cacheKey(base, user)); } catch { return null; }
}
/**
 * A cache entry is the last snapshot text as it arrived, or, once live
 * changes came in, `m:` + the JSON array of their message texts + a newline
 * + that snapshot: the core reads both again, so the cache never needs a
 * writer of its own and holds exactly what the client had.
 */
export function cacheEntry(snapshot, messages) {
  return messages.length ? `m:${JSON.stringify(messages)}\n${snapshot}` : snapshot;
}
export function cacheParts(text) {
  if (!text.startsWith('m:')) return { snapshot: text, messages: [] };
  const newline = text.indexOf('\n');
  if (newline < 0) throw new Error('corrupt');
  const messages = JSON.parse(text.slice(2, newline));
  if (!Array.isArray(messages) || messages.some((m) => typeof m !== 'string')) throw new Error('corrupt');
  return { snapshot: text.slice(newline + 1), messages };
}
/** Stores `user`'s entry, keeping the newest CACHE_USERS users. Over
 *  quota, an older entry of the user may stay: a start shows it as stale
 *  and reads the network, as for any cached state. */
export function cacheSave(base, user, text) {
  const list = [user, ...cachedUsers(base).filter((u) => u !== user)];
  try {
    const store = local();
    for (const u of list.splice(CACHE_USERS)) store.removeItem(cacheKey(base, u));
    store.setItem(usersKey(base), JSON.stringify(list));
    store.setItem(cacheKey(base, user), text);
  } catch { /* full or unavailable: memory only */ }
}
