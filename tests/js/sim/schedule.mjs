// One schedule: a seed gives a list of actions (admin changes of every
// kind, faults, sign-in changes, hidden and visible, clients joining and
// closing) at simulated times over 1-3 pages of 1-3 clients each. After the
// actions, the faults stop and time runs on; then every open client must
// show exactly the server's evaluation for its user, be live, and its
// listeners must have heard every flag whose value changed and no other;
// nothing is heard after close(); a page never holds two streams.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PKG } from '../lib/paths.mjs';
import { prng, Clock, Server, USERS, install } from './world.mjs';

const api = await import(pathToFileURL(path.join(PKG, 'node.js')).href);
const { evaluationOf } = await import(pathToFileURL(path.join(PKG, 'codes.js')).href);
const { FlagClient } = await import(pathToFileURL(path.join(PKG, 'client.js')).href);
const io = await import(pathToFileURL(path.join(PKG, 'io.js')).href);

const NAMES = ['a', 'b', 'c', 'd'];
const ROLES = Object.values(USERS);
const pick = (random, list) => list[Math.floor(random() * list.length)];

/** The actions of `seed`: [time, kind, ...args]. */
export function actionsOf(seed) {
  const random = prng(seed);
  const pages = 1 + Math.floor(random() * 3);
  // A third of the schedules against the production service's stream (part B).
  const partB = random() < 1 / 3;
  const actions = partB ? [[0, 'partB']] : [];
  for (let p = 0; p < pages; p++) {
    actions.push([0, 'signin', p, pick(random, ['u1', 'u2'])]);
    const n = 1 + Math.floor(random() * 3);
    for (let c = 0; c < n; c++) actions.push([Math.floor(random() * 300), 'client', p, random() < 0.5, random() < 0.3]);
  }
  const count = 3 + Math.floor(random() * 20);
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += Math.floor(random() * 400);
    const r = random();
    const name = pick(random, NAMES);
    if (r < 0.14) actions.push([t, 'toggle', name]);
    else if (r < 0.22) actions.push([t, 'rollout', name, Math.floor(random() * 101)]);
    else if (r < 0.28) actions.push([t, 'strategy', name, pick(random, ['all', 'none', 'percentage', 'targeted'])]);
    else if (r < 0.38) actions.push([t, 'userTarget', name, pick(random, ['u1', 'u2']), pick(random, [true, false, null])]);
    else if (r < 0.45) actions.push([t, 'roleTarget', name, pick(random, ROLES), pick(random, [true, false, null])]);
    else if (r < 0.52) actions.push([t, 'create', name, random() < 0.5]);
    else if (r < 0.57) actions.push([t, 'delete', name]);
    else if (r < 0.63) actions.push(partB ? [t, 'both', name, Math.floor(random() * 101)] : [t, 'config', pick(random, [null, { n: 1 }, { n: 2, deep: { x: true } }])]);
    else if (r < 0.68) actions.push([t, 'dropStreams']);
    else if (r < 0.74) actions.push([t, 'faults', pick(random, [0, 0.2, 0.5]), pick(random, [0, 0.2, 0.5])]);
    else if (r < 0.8) actions.push([t, 'signin', Math.floor(random() * pages), pick(random, ['u1', 'u2', null])]);
    else if (r < 0.86) actions.push([t, 'visible', random() < 0.5]);
    else if (r < 0.92) actions.push([t, 'close', Math.floor(random() * pages), Math.floor(random() * 3)]);
    else actions.push([t, 'client', Math.floor(random() * pages), random() < 0.5, random() < 0.3]);
  }
  return actions.sort((x, y) => x[0] - y[0]);
}

/** Runs `actions` in a fresh world seeded by `seed`; the problems found (none: passed). */
export async function runActions(seed, actions) {
  const random = prng(seed ^ 0x9e3779b9);
  const clock = new Clock(random);
  const server = new Server(clock, random);
  for (const name of ['a', 'b']) server.create(name, true);
  const world = { clock, server, random, requests: [], streamsOpened: 0, maxStreamsPerPage: 0, open: new Set(), log: process.env.SIM_LOG ? [] : null };
  world.prepare = (text) => JSON.stringify(api.prepareBootstrap(text));
  const problems = [];
  const clients = []; // { page, client, closed, heard: Map name -> evaluation }
  const undo = install(world, io);
  try {
    for (const [t, kind, ...args] of actions) {
      clock.at(t, () => act(kind, args));
    }
    // Pages are told apart by base URL (`http://sim/pN`): each its own
    // session cookie and, the stream table being keyed by URL, its own stream.
    function addClient(page, cache, withBootstrap) {
      const user = server.sessions.get(`p${page}`);
      const options = { baseUrl: `http://sim/p${page}`, cache, requestTimeoutMs: 3000 };
      if (withBootstrap && user) options.bootstrap = server.snapshot(user);
      const entry = { page, closed: false, heard: new Map(), spurious: [] };
      const client = new FlagClient(options);
      entry.client = client;
      client.subscribe((names) => {
        if (entry.closed) problems.push(`client ${clients.indexOf(entry)} (page ${page}) heard ${names.join(',')} after close()`);
        for (const n of names) {
          const now = client.detail(n);
          const before = entry.heard.get(n) ?? evaluationOf(0);
          if (before.enabled === now.enabled && before.reason === now.reason) entry.spurious.push(`${n}@${clock.now}`);
          entry.heard.set(n, now);
        }
      });
      clients.push(entry);
    }
    function act(kind, args) {
      switch (kind) {
        case 'signin': {
          const [page, user] = args;
          server.sessions.set(`p${page}`, user);
          // The app tells its clients of the sign-in change.
          for (const e of clients) if (e.page === page && !e.closed) e.client.identify().catch(() => {});
          break;
        }
        case 'client': addClient(...args); break;
        case 'partB': server.partB = true; break;
        case 'toggle': server.update(args[0], { enabled: !server.flags.get(args[0])?.enabled }); break;
        // Part B's hidden change: one flag.toggled names only `enabled`.
        case 'both': server.update(args[0], { enabled: !server.flags.get(args[0])?.enabled, rolloutStrategy: 'percentage', rolloutPercentage: args[1] }); break;
        case 'rollout': server.update(args[0], { rolloutStrategy: 'percentage', rolloutPercentage: args[1] }); break;
        case 'strategy': server.update(args[0], { rolloutStrategy: args[1] }); break;
        case 'userTarget': server.userTarget(...args); break;
        case 'roleTarget': server.roleTarget(...args); break;
        case 'create': if (!server.flags.has(args[0])) server.create(args[0], args[1]); break;
        case 'delete': server.remove(args[0]); break;
        case 'config': server.setConfig(args[0]); break;
        case 'dropStreams': world.dropStreams(); break;
        case 'faults': server.faults = { snapshot: args[0], stream: args[1] }; break;
        case 'visible': world.setVisible(args[0]); break;
        case 'close': {
          const mine = clients.filter((e) => e.page === args[0] && !e.closed);
          const e = mine[args[1] % Math.max(mine.length, 1)];
          if (e) { e.closed = true; e.client.close(); }
          break;
        }
        default: throw new Error(`unknown action ${kind}`);
      }
    }
    const end = actions.length ? actions.at(-1)[0] : 0;
    await clock.run(end);
    // The faults stop; the tab is visible; time runs on past every backoff.
    server.faults = { snapshot: 0, stream: 0 };
    world.setVisible(true);
    await clock.run(clock.now + 70_000);

    if (world.maxStreamsPerPage > 1) problems.push(`a page held ${world.maxStreamsPerPage} streams at once`);
    for (const [i, e] of clients.entries()) {
      if (e.closed) continue;
      const user = server.sessions.get(`p${e.page}`);
      const c = e.client;
      const who = `client ${i} (page ${e.page}, ${user ?? 'signed out'})`;
      if (!user) {
        if (c.status !== 'unauthorized') problems.push(`${who}: status ${c.status}, not unauthorized`);
        continue;
      }
      if (c.status !== 'ready') problems.push(`${who}: status ${c.status} (${c.lastError}), not ready`);
      const truth = api.prepareBootstrap(server.snapshot(user)).state;
      const want = Object.fromEntries(Object.entries(truth.f).map(([n, code]) => [n, evaluationOf(code)]));
      const got = c.allFlags();
      const diff = [...new Set([...Object.keys(want), ...Object.keys(got)])].filter((n) => JSON.stringify(want[n]) !== JSON.stringify(got[n]));
      if (diff.length) problems.push(`${who}: flags differ from the server's: ${diff.map((n) => `${n} ${JSON.stringify(got[n])} != ${JSON.stringify(want[n])}`).join('; ')}`);
      if (JSON.stringify(c.config() ?? null) !== JSON.stringify(truth.c ?? null)) problems.push(`${who}: config ${JSON.stringify(c.config())} != ${JSON.stringify(truth.c)}`);
      const unheard = Object.keys(got).filter((n) => JSON.stringify(e.heard.get(n)) !== JSON.stringify(got[n]));
      const goneUnheard = [...e.heard].filter(([n, v]) => !(n in got) && v.reason !== 'flag_not_found').map(([n]) => n);
      if (unheard.length || goneUnheard.length) problems.push(`${who}: listeners did not hear the last change of ${[...unheard, ...goneUnheard].join(', ')}`);
      if (e.spurious.length) problems.push(`${who}: listeners heard flags whose value had not changed: ${e.spurious.join(', ')}`);
    }
  } catch (err) {
    problems.push(`threw: ${err?.stack ?? err}`);
  } finally {
    // free(): a schedule's engines go back to the module (it lives on for the next).
    for (const e of clients) { e.closed = true; e.client.free(); }
    if (world.touched.size) problems.push(`the client touched the browser globals ${[...world.touched].join(', ')} itself, not through io.js`);
    undo();
  }
  return { problems, requests: world.requests, log: world.log };
}

/** A smaller action list of `seed` that still fails (greedy: drop one action at a time). */
export async function shrink(seed, actions) {
  let best = actions;
  for (let i = best.length - 1; i >= 0; i--) {
    const fewer = best.filter((_, j) => j !== i);
    if ((await runActions(seed, fewer)).problems.length) best = fewer;
  }
  return best;
}

export const runSeed = (seed) => runActions(seed, actionsOf(seed));
