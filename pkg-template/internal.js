// What the package's other entries (react, openfeature, devtools, testing)
// use of a FlagClient beyond its public API (index.d.ts), written down: they
// import these and touch none of its private state themselves, so the
// client can change inside without them. Not part of the package's API.
//
// A subclass may also replace `refresh()`, the snapshot read (the test
// client's flags need no network).

/** Whether reads of flags count as exposures (`exposeFlagReads`). */
export const readsAreExposures = (client) => client.o.exposeFlagReads;

/** The user the flags are for, as the core read it (null: anonymous). */
export const userOf = (client) => client.u;

/** Shows a snapshot's text at once, listeners told now (not a microtask
 *  later); false when it is not a snapshot. */
export function showSnapshot(client, text) {
  if (!client.take(text, false)) return false;
  client.flush();
  return true;
}

/** Flags that need no network are `ready` now: ready() and identify() settle. */
export function readyWithoutNetwork(client) {
  if (client.closed) return;
  client.become('ready');
  client.record();
  client.settle(client.gen, true);
}
