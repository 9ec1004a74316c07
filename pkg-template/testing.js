// flaglive/testing: a FlagClient for component tests, with no server.
//
//   import { createTestClient } from 'flaglive/testing';
//   const flags = createTestClient({ flags: { new_dashboard: true }, variants: { pricing_page: 'annual' } });
//   render(<FlagProvider client={flags}><Page /></FlagProvider>);
//   act(() => flags.set({ flags: { new_dashboard: false } }));
//
// It is a real FlagClient whose snapshot is made from what the test says:
// the core evaluates it (a flag given in the snapshot shape, e.g. a
// percentage rollout, is evaluated for `user` exactly as in production) and
// reads never call the network. Under Node (Vitest, Jest) the package loads
// its wasm at import; in a browser, `await init()` first.
import { FlagClient } from './client.js';
import { readyWithoutNetwork, showSnapshot } from './internal.js';

const DEFAULT_USER = Object.freeze({ id: 'test-user', role: null });

function flagOf(flagName, spec) {
  if (typeof spec === 'boolean') return { flagName, enabled: spec, rolloutStrategy: 'all' };
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new TypeError(`flaglive/testing: flag ${flagName}: expected true, false or a flag in the snapshot shape`);
  }
  return { rolloutStrategy: 'all', ...spec, flagName };
}

/** The snapshot a test's spec stands for. */
function snapshotOf({ flags, variants, config, user }) {
  const all = Object.entries(flags).map(([name, spec]) => flagOf(name, spec));
  // A/B test T on variant v: the flag T_v is on (docs/protocol.md part A).
  for (const [test, variant] of Object.entries(variants)) {
    if (typeof variant !== 'string') throw new TypeError(`flaglive/testing: variant of ${test} must be a string`);
    all.push(flagOf(`${test}_${variant}`, true));
  }
  return JSON.stringify({ version: null, user, flags: all, config: config === undefined ? null : { defaults: config } });
}

export class TestClient extends FlagClient {
  constructor({ flags = {}, variants = {}, config, user = DEFAULT_USER } = {}) {
    const spec = { flags: { ...flags }, variants: { ...variants }, config, user };
    super({ baseUrl: '', cache: false, streaming: false, bootstrap: snapshotOf(spec) });
    this.spec = spec;
  }

  /** Changes what the test says (merged into it), as a live update would:
   *  listeners and hooks see the flags whose value changed. */
  set({ flags, variants, config, user } = {}) {
    const s = this.spec;
    if (flags) Object.assign(s.flags, flags);
    if (variants) Object.assign(s.variants, variants);
    if (config !== undefined) s.config = config;
    if (user) s.user = user;
    // Listeners hear it now, not a microtask later: inside the test's act().
    if (!showSnapshot(this, snapshotOf(s))) throw new TypeError('flaglive/testing: not a valid flag');
  }

  // No network: the flags are what the test says, at once.
  refresh() {
    readyWithoutNetwork(this);
  }
}

/** The client's I/O, for a test that runs a real FlagClient against a fake
 *  server in Node: `setIO({ fetch, EventSource: () => FakeEventSource,
 *  setTimeout, clearTimeout, now })` (io.js lists every part); resetIO()
 *  puts the browser's back. */
export { setIO, resetIO } from './io.js';

/** A FlagClient for tests: `flags` as booleans or snapshot-shaped flags,
 *  `variants` as `{ test: variant }`, `config` as the resolved
 *  configuration, `user` as `{ id, role }`. */
export function createTestClient(spec) {
  return new TestClient(spec);
}
