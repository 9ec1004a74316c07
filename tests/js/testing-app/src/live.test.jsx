// A real FlagClient against a fake server in Node, through flaglive/testing's
// setIO: the snapshot request, a live message, a dropped stream and its
// reconnection, on fake timers. What an app's own integration test can do.
// (.jsx like the rest of this app: `node --test tests/js/` would run a
// *.test.js file as one of its own.)
import { afterEach, expect, test } from 'vitest';
import { FlagClient } from 'flaglive';
import { resetIO, setIO } from 'flaglive/testing';

const snapshot = (enabled) => JSON.stringify({
  version: 1, user: { id: 'u1', role: null },
  flags: [{ id: 'f1', flagName: 'a', enabled, rolloutStrategy: 'all', rolloutPercentage: 0 }],
});
const toggled = (version, enabled) => JSON.stringify({
  type: 'flag.toggled', flagId: 'f1', flagName: 'a', version,
  payload: {
    enabled,
    previousState: { id: 'f1', flagName: 'a', enabled: !enabled, rolloutStrategy: 'all', rolloutPercentage: 0 },
    newState: { id: 'f1', flagName: 'a', enabled, rolloutStrategy: 'all', rolloutPercentage: 0 },
  },
});

/** Timers in a list, run by hand; one open EventSource at a time. */
function fakeWorld() {
  const world = { timers: [], now: 0, requests: [], streams: [] };
  world.tick = (ms) => {
    world.now += ms;
    for (const t of world.timers.filter((t) => t.at <= world.now).sort((x, y) => x.at - y.at)) {
      world.timers.splice(world.timers.indexOf(t), 1);
      t.fn();
    }
  };
  class FakeEventSource {
    constructor(url) { Object.assign(this, { url, onmessage: null, onerror: null }); world.streams.push(this); }
    send(data) { this.onmessage?.({ data, lastEventId: '' }); }
    close() { this.closed = true; }
  }
  setIO({
    fetch: async (url) => {
      world.requests.push(url);
      return { status: 200, ok: true, headers: { get: () => null }, text: async () => snapshot(true) };
    },
    EventSource: () => FakeEventSource,
    setTimeout: (fn, ms) => { const t = { fn, at: world.now + ms }; world.timers.push(t); return t; },
    clearTimeout: (t) => { const i = world.timers.indexOf(t); if (i >= 0) world.timers.splice(i, 1); },
    now: () => world.now,
    random: () => 0.5,
  });
  return world;
}

afterEach(resetIO);

test('setIO: a real client reads the fake server, follows its stream and reconnects after a drop', async () => {
  const world = fakeWorld();
  const client = new FlagClient({ baseUrl: 'https://flags.test', cache: false });
  await client.ready();
  expect(world.requests).toEqual(['https://flags.test/api/feature-flags/snapshot']);
  expect(client.isEnabled('a')).toBe(true);
  expect(world.streams.map((s) => s.url)).toEqual(['https://flags.test/api/feature-flags/sse']);

  const heard = [];
  client.subscribe((names) => heard.push(names));
  const [stream] = world.streams;
  stream.send(JSON.stringify({ type: 'connection', userId: 'u1', version: 1 }));
  stream.send(toggled(2, false));
  await Promise.resolve();
  expect(client.isEnabled('a')).toBe(false);
  expect(heard).toEqual([['a']]);

  stream.onerror();
  expect(client.status).toBe('stale');
  expect(stream.closed).toBe(true);
  world.tick(1000); // the backoff: 1 s at the jitter's middle is 750 ms
  expect(world.streams.length).toBe(2);
  client.close();
  expect(world.streams[1].closed).toBe(true);
  expect(world.timers).toEqual([]);
});

test('resetIO: the next client uses the globals again, not the fakes', async () => {
  const world = fakeWorld();
  resetIO();
  const seen = [];
  const saved = globalThis.fetch;
  globalThis.fetch = async (url) => {
    seen.push(url);
    return new Response(snapshot(false), { status: 200 });
  };
  try {
    const client = new FlagClient({ baseUrl: 'https://global.test', cache: false });
    await client.ready();
    expect(client.isEnabled('a')).toBe(false);
    client.close();
  } finally {
    globalThis.fetch = saved;
  }
  expect(seen).toEqual(['https://global.test/api/feature-flags/snapshot']);
  expect(world.requests).toEqual([]);
});
