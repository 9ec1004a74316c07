// Hand-written types for flaglive/testing.
import { FlagClient, type SnapshotFlag } from './index.js';

export interface TestSpec {
  /** Each flag as on/off, or in the snapshot shape (evaluated for `user` by the real core). */
  flags?: Record<string, boolean | Omit<SnapshotFlag, 'flagName'>>;
  /** The variant each A/B test is on: `{ pricing_page: 'annual' }` turns on the flag `pricing_page_annual`. */
  variants?: Record<string, string>;
  /** The resolved layered configuration `useConfig` and `client.config` read. */
  config?: unknown;
  /** Who the flags are evaluated for (default `{ id: 'test-user', role: null }`). */
  user?: { id?: string | null; role?: string | null };
}

/** A FlagClient that never touches the network; `status` is `ready` at once. */
export class TestClient extends FlagClient {
  constructor(spec?: TestSpec);
  /** Merges `changes` into the spec and applies it like a live update (listeners, hooks re-render). */
  set(changes: TestSpec): void;
}

export function createTestClient(spec?: TestSpec): TestClient;

/**
 * Replaces parts of every FlagClient's I/O (all default to the browser's,
 * read when used), to run a real client against a fake server in Node:
 * the network, stream, timers and clock of a simulated world.
 */
export function setIO(parts: {
  fetch?: (url: string, init: RequestInit) => Promise<Pick<Response, 'status' | 'ok' | 'headers' | 'text'>>;
  /** The EventSource class to use (undefined: no live stream). */
  EventSource?: () => (new (url: string, init?: EventSourceInit) => Pick<EventSource, 'close' | 'onmessage' | 'onerror'>) | undefined;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (timer: unknown) => void;
  /** Monotonic milliseconds. */
  now?: () => number;
  /** Wall-clock milliseconds (exposure timestamps). */
  time?: () => number;
  /** [0, 1): backoff jitter. */
  random?: () => number;
  storage?: (name: 'localStorage' | 'sessionStorage') => Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined;
  /** The page's document, for its visibility (undefined: always visible). */
  document?: () => Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'> | undefined;
  /** The page URL's query string (`urlOverrides`). */
  search?: () => string;
}): void;

/** Puts every part setIO replaced back to the browser's (a test's `afterEach`). */
export function resetIO(): void;
