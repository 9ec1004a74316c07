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
