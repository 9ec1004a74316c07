// A deterministic world for the client's sync logic: one seed fixes every
// delay, fault and choice. Simulated time; fake fetch, EventSource, timers,
// clock, storage and visibility given to the package through its io.js
// (the package runs unchanged; a direct touch of a browser global fails
// the schedule), and a simulated flaglive-server speaking part C and part
// D exactly as server/src does (versions, replay from
// Last-Event-ID, `connection`, `version` placeholders, pings carrying the
// stream's last version, `resync`). Nothing here knows the client's
// internals; schedule.mjs drives it and checks what the client shows.

/** mulberry32: a small seeded PRNG. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const realSetImmediate = globalThis.setImmediate;
/** Lets every microtask chain started by an event finish. */
const drain = () => new Promise((r) => realSetImmediate(r));

export const USERS = { u1: 'md', u2: 'sales' };

/** Events in simulated time; ties in the order they were scheduled. */
export class Clock {
  constructor(random) {
    Object.assign(this, { random, now: 0, queue: [], seq: 0, timers: new Map(), nextTimer: 1 });
  }

  at(t, fn) {
    this.queue.push({ t, seq: this.seq++, fn });
  }

  after(ms, fn) {
    this.at(this.now + ms, fn);
  }

  /** Runs events up to time `until`, every microtask they start settled before the next. */
  async run(until) {
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.queue.length; i++) {
        const e = this.queue[i];
        if (best < 0 || e.t < this.queue[best].t || (e.t === this.queue[best].t && e.seq < this.queue[best].seq)) best = i;
      }
      if (best < 0 || this.queue[best].t > until) break;
      const [e] = this.queue.splice(best, 1);
      this.now = e.t;
      e.fn();
      await drain();
    }
    this.now = Math.max(this.now, until);
  }

  setTimeout(fn, ms = 0) {
    const id = this.nextTimer++;
    const entry = { alive: true };
    this.timers.set(id, entry);
    this.after(Math.max(0, Number(ms) || 0), () => {
      if (!entry.alive) return;
      this.timers.delete(id);
      fn();
    });
    return id;
  }

  clearTimeout(id) {
    const entry = this.timers.get(id);
    if (entry) entry.alive = false;
    this.timers.delete(id);
  }
}

const full = (f) => ({
  id: f.id, flagName: f.flagName, description: '', enabled: f.enabled,
  rolloutStrategy: f.rolloutStrategy, rolloutPercentage: f.rolloutPercentage, metadata: {},
});

/**
 * flaglive-server, part C and part D, in memory; with `partB`, the
 * production service instead: no versions anywhere, partial toggle and
 * rollout events (one `flag.toggled` for a change of both), every target
 * event to everybody, no configuration events, nothing replayed.
 */
export class Server {
  constructor(clock, random) {
    Object.assign(this, { clock, random, version: 1, flags: new Map(), config: null, log: [], streams: new Set(), sessions: new Map(), nextId: 1, partB: false });
    this.faults = { snapshot: 0, stream: 0 }; // chance of a failed answer / a disturbed message
  }

  /** One committed change: `message(userId)` is what that user's stream
   *  gets in part D, `compat` what everybody gets in part B (none: nothing). */
  commit(message, compat = message) {
    this.version++;
    const change = { version: this.version, message, compat };
    this.log.push(change);
    if (this.log.length > 50) this.log.shift();
    for (const s of this.streams) s.send(change);
  }

  create(name, enabled, strategy = 'all', percentage = 0) {
    const f = { id: `f${this.nextId++}`, flagName: name, enabled, rolloutStrategy: strategy, rolloutPercentage: percentage, userTargets: {}, roleTargets: {} };
    this.flags.set(name, f);
    this.commit(() => ({ type: 'flag.created', flagId: f.id, flagName: name, payload: { newState: full(f) } }));
  }

  update(name, change) {
    const f = this.flags.get(name);
    if (!f) return;
    const prev = full(f);
    Object.assign(f, change);
    const type = prev.enabled !== f.enabled ? 'flag.toggled' : prev.rolloutPercentage !== f.rolloutPercentage ? 'flag.rollout_changed' : 'flag.updated';
    const now = full(f);
    const base = { type, flagId: f.id, flagName: name };
    const partial = (key) => ({ ...base, payload: { previousState: { [key]: prev[key] }, newState: { [key]: now[key] }, ...(key === 'enabled' && { enabled: f.enabled }) } });
    this.commit(() => ({ ...base, payload: { previousState: prev, newState: now, ...(type === 'flag.toggled' && { enabled: f.enabled }) } }),
      () => (type === 'flag.toggled' ? partial('enabled') : type === 'flag.rollout_changed' ? partial('rolloutPercentage') : { ...base, payload: { previousState: prev, newState: now } }));
  }

  remove(name) {
    const f = this.flags.get(name);
    if (!f) return;
    this.flags.delete(name);
    this.commit(() => ({ type: 'flag.deleted', flagId: f.id, flagName: name }));
  }

  /** A user (`key` `userId`) or role target set or removed (`enabled` null). */
  target(kind, key, name, id, enabled) {
    const f = this.flags.get(name);
    if (!f) return;
    const targets = kind === 'user' ? f.userTargets : f.roleTargets;
    if (enabled === null) delete targets[id];
    else targets[id] = enabled;
    const now = full(f);
    const type = `flag.${kind}_target_${enabled === null ? 'removed' : 'added'}`;
    const wire = { type, flagId: f.id, flagName: name, payload: { [key]: id, ...(enabled !== null && { enabled }) } };
    const d = () => ({ ...wire, payload: { ...wire.payload, newState: now } });
    // Part D: a user target only to that user (everyone else a placeholder
    // of the version); role targets to all. Part B: the wire event to all.
    this.commit(kind === 'user' ? (viewer) => (viewer === id ? d() : null) : d, () => wire);
  }

  userTarget(name, userId, enabled) {
    this.target('user', 'userId', name, userId, enabled);
  }

  roleTarget(name, role, enabled) {
    this.target('role', 'role', name, role, enabled);
  }

  setConfig(value) {
    this.config = value;
    this.commit(() => ({ type: 'config.changed', layer: 'defaults', value }), () => null);
  }

  /** Part C for `userId`: the text flaglive-server would send. */
  snapshot(userId) {
    const flags = [...this.flags.values()].map((f) => ({
      ...full(f),
      ...(Object.hasOwn(f.userTargets, userId) && { userTarget: { enabled: f.userTargets[userId] } }),
      roleTargets: Object.entries(f.roleTargets).map(([role, enabled]) => ({ role, enabled })),
    }));
    return JSON.stringify({
      ...(!this.partB && { version: this.version }), user: { id: userId, role: USERS[userId] }, flags,
      ...(this.config !== null && { config: { defaults: this.config } }),
    });
  }

  /** The message of `change` as `userId`'s stream renders it (null: none). */
  render(change, userId) {
    if (this.partB) {
      const m = change.compat(userId);
      return m && JSON.stringify(m);
    }
    const m = change.message(userId) ?? { type: 'version' };
    return JSON.stringify({ ...m, version: change.version });
  }
}

/** The browser globals the client must never touch itself (io.js does). */
const GLOBALS = ['fetch', 'EventSource', 'setTimeout', 'clearTimeout', 'localStorage', 'sessionStorage', 'document', 'location'];

/**
 * Gives the package the fakes for one schedule through its io.js (`setIO`,
 * the module every page's client shares) and, meanwhile, makes the real
 * globals record any direct touch in `world.touched`; returns the undo.
 */
export function install(world, io) {
  const { clock, server, random } = world;
  const saved = GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]);
  world.touched = new Set();
  for (const name of GLOBALS) {
    Object.defineProperty(globalThis, name, { configurable: true, get: () => { world.touched.add(name); return undefined; } });
  }
  const delay = (lo, hi) => lo + Math.floor(random() * (hi - lo));
  const store = () => {
    const m = new Map();
    return {
      getItem: (k) => (m.has(k) ? m.get(k) : null),
      setItem: (k, v) => { m.set(k, String(v)); },
      removeItem: (k) => { m.delete(k); },
    };
  };

  const storages = { localStorage: store(), sessionStorage: store() };
  const listeners = new Set();
  const doc = {
    visibilityState: 'visible',
    addEventListener: (type, fn) => { if (type === 'visibilitychange') listeners.add(fn); },
    removeEventListener: (type, fn) => { listeners.delete(fn); },
  };
  world.setVisible = (visible) => {
    doc.visibilityState = visible ? 'visible' : 'hidden';
    for (const fn of [...listeners]) fn();
  };
  const time = () => 1_700_000_000_000 + clock.now;

  /** Which page (base URL `http://sim/pN`) a URL is for. */
  const pageOf = (url) => new URL(url).pathname.split('/')[1];

  const fetch = (url, init = {}) => new Promise((resolve, reject) => {
    const u = new URL(url);
    const page = pageOf(url);
    const signal = init.signal;
    let done = false;
    const fail = () => { if (!done) { done = true; reject(new DOMException('aborted', 'AbortError')); } };
    signal?.addEventListener('abort', fail);
    world.requests.push(`${page} ${u.pathname.split('/').slice(2).join('/')}${u.search}`);
    // The server reads its state when the request arrives, the answer comes later.
    clock.after(delay(1, 40), () => {
      if (done) return;
      const user = server.sessions.get(page);
      let answer;
      const roll = random();
      if (roll < server.faults.snapshot / 3) answer = { status: 503, body: 'unavailable' };
      else if (roll < (server.faults.snapshot * 2) / 3) answer = { status: 200, body: '<html>a proxy page</html>' };
      else if (roll < server.faults.snapshot) answer = { error: true };
      else if (!user) answer = { status: 401, body: 'Unauthorized' };
      else {
        const text = server.snapshot(user);
        const etag = `"${server.version}-${user}"`;
        if (init.headers?.['If-None-Match'] === etag) answer = { status: 304, body: '', etag };
        else {
          const prepared = u.searchParams.get('prepared') === '1' && world.prepare ? world.prepare(text) : null;
          answer = { status: 200, body: prepared ?? text, etag };
        }
      }
      clock.after(delay(1, 60), () => {
        if (done) return;
        done = true;
        world.log?.push(`${clock.now} ${page} answer ${answer.status ?? 'error'} ${answer.body?.slice?.(0, 60) ?? ''}`);
        if (answer.error) return reject(new TypeError('fetch failed'));
        resolve({
          status: answer.status, ok: answer.status >= 200 && answer.status < 300,
          headers: { get: (h) => (h.toLowerCase() === 'etag' ? answer.etag ?? null : null) },
          text: () => Promise.resolve(answer.body),
        });
      });
    });
  });

  class FakeEventSource {
    constructor(url) {
      Object.assign(this, { url, onmessage: null, onerror: null, closed: false, broken: false, queue: [], lastAt: 0, sentVersion: 0 });
      this.page = pageOf(url);
      world.streamsOpened++;
      world.open.add(this);
      world.log?.push(`${clock.now} ${this.page} EventSource ${url}`);
      const open = [...world.open].filter((s) => s.page === this.page).length;
      world.maxStreamsPerPage = Math.max(world.maxStreamsPerPage, open);
      clock.after(delay(1, 30), () => this.accept());
    }

    accept() {
      if (this.closed) return;
      const user = server.sessions.get(this.page);
      if (!user || random() < server.faults.stream / 4) return this.drop();
      this.user = user;
      server.streams.add(this);
      const last = Number(new URL(this.url).searchParams.get('lastEventId'));
      if (server.partB) {
        this.deliver({ data: JSON.stringify({ type: 'connection', userId: user, timestamp: time() }), lastEventId: '' });
        return this.ping();
      }
      this.deliver({ data: JSON.stringify({ type: 'connection', userId: user, version: server.version }), lastEventId: String(server.version) });
      this.sentVersion = server.version;
      if (last) {
        const missed = server.log.filter((c) => c.version > last);
        if (missed.length && missed[0].version !== last + 1) this.deliver({ data: '{"type":"resync"}', lastEventId: String(server.version) });
        else for (const c of missed) this.deliver({ data: server.render(c, user), lastEventId: String(c.version) });
      }
      this.ping();
    }

    ping() {
      clock.after(30_000, () => {
        if (this.closed || !server.streams.has(this)) return;
        this.deliver({ data: JSON.stringify(server.partB ? { type: 'ping', timestamp: time() } : { type: 'ping', version: this.sentVersion }), lastEventId: '' });
        this.ping();
      });
    }

    /** A committed change, rendered for this stream's user, maybe disturbed. */
    send(change) {
      const data = server.render(change, this.user);
      if (data === null) return;
      const event = { data, lastEventId: server.partB ? '' : String(change.version) };
      this.sentVersion = change.version;
      const roll = random();
      const f = server.faults.stream;
      if (roll < f / 4) return this.drop(); // the stream breaks (the change stays in the log)
      // Part B has no versions to tell a duplicate or an overtaken event by:
      // only breaks (a TCP stream neither duplicates nor reorders).
      if (server.partB) return this.deliver(event);
      if (roll < f / 2) this.deliver(event); // duplicated
      this.deliver(event);
      // Swapped with the one before it, if that is still on its way.
      if (roll >= f / 2 && roll < (f * 3) / 4 && this.queue.length >= 2) this.queue.push(...this.queue.splice(-2, 1));
    }

    /** In order (one TCP connection): each delivery takes the queue's head. */
    deliver(event) {
      const when = Math.max(this.lastAt, clock.now + delay(1, 50));
      this.lastAt = when;
      this.queue.push(event);
      clock.at(when, () => {
        const e = this.queue.shift();
        world.log?.push(`${clock.now} ${this.page} stream ${this.closed ? 'closed ' : ''}${this.broken ? 'broken ' : ''}${e?.data}`);
        if (e && !this.closed && !this.broken && this.onmessage) this.onmessage(e);
      });
    }

    /** The connection fails: the client hears an error (and reconnects itself). */
    drop() {
      server.streams.delete(this);
      if (this.closed || this.broken) return;
      this.broken = true; // what was on its way is lost
      clock.after(delay(1, 20), () => { if (!this.closed) this.onerror?.(new Event('error')); });
    }

    close() {
      this.closed = true;
      world.open.delete(this);
      server.streams.delete(this);
    }
  }
  world.dropStreams = () => { for (const s of [...server.streams]) s.drop(); };

  io.setIO({
    fetch, EventSource: () => FakeEventSource,
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (id) => clock.clearTimeout(id),
    now: () => clock.now, time, random, storage: (name) => storages[name], document: () => doc, search: () => '',
  });
  return () => {
    io.resetIO();
    for (const [name, d] of saved) {
      if (d) Object.defineProperty(globalThis, name, d);
      else delete globalThis[name];
    }
  };
}
