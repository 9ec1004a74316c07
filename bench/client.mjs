// Client benchmarks (not tests): one headless-Chromium run against the real
// flaglive-server, with the built package (pkg/). Prints ratios
// measured in the same browser. Run via bench/client.
import { FlagServer } from '../tests/js/lib/server.mjs';
import { launchChromium } from '../tests/js/lib/chromium.mjs';

const server = await FlagServer.start();
const browser = await launchChromium();
const page = await browser.context.newPage();
await page.goto(`${server.url}/tests/js/client-page.html`);
await page.evaluate(() => window.login('admin', 'admin-demo'));

const results = await page.evaluate(async () => {
  const m = await import('/pkg/index.js');
  await m.default();
  const out = {};
  const time = (f) => { const t = performance.now(); f(); return performance.now() - t; };

  // 1. Reads: isEnabled vs a plain object lookup, same names, 1e6 reads each.
  const client = new m.FlagClient({ baseUrl: '', cache: false });
  await client.ready();
  const names = Object.keys(client.allFlags());
  const plain = Object.fromEntries(names.map((n) => [n, client.isEnabled(n, false)]));
  const N = 1_000_000;
  let sink = 0;
  // Best of 3 rounds, alternating: one round of each swung 4x between runs.
  let tPlain = Infinity;
  let tClient = Infinity;
  for (let round = 0; round < 3; round++) {
    tPlain = Math.min(tPlain, time(() => { for (let i = 0; i < N; i++) sink += plain[names[i % names.length]] ? 1 : 0; }));
    tClient = Math.min(tClient, time(() => { for (let i = 0; i < N; i++) sink += client.isEnabled(names[i % names.length], false) ? 1 : 0; }));
  }
  out.read = { plainNs: (tPlain * 1e6) / N, clientNs: (tClient * 1e6) / N, sink };

  // 2. Take-in: snapshot text -> a client ready to answer every flag, against
  // JSON.parse of the same text, median of 7 (200 and 10 000 flags); and the
  // same snapshot given as a JS object (bootstrap).
  // Small snapshots repeat inside each timing: the browser's clock is coarse.
  const median = (f, reps) => {
    const runs = [];
    for (let r = 0; r < 7; r++) runs.push(time(() => { for (let i = 0; i < reps; i++) f(); }) / reps);
    runs.sort((a, b) => a - b);
    return runs[3];
  };
  const snapshotOf = (n) => ({
    version: 1, user: { id: 'user-bench', role: 'admin' },
    flags: Array.from({ length: n }, (_, i) => ({
      id: `f${i}`, flagName: `flag_${i}`, enabled: i % 3 !== 0, rolloutStrategy: ['all', 'percentage', 'targeted', 'none'][i % 4],
      rolloutPercentage: i % 101, roleTargets: i % 5 === 0 ? [{ role: 'admin', enabled: true }] : [],
    })),
  });
  out.takeIn = [200, 10_000].map((n) => {
    const snapshot = snapshotOf(n);
    const text = JSON.stringify(snapshot);
    const flipped = JSON.stringify({ ...snapshot, flags: snapshot.flags.map((f) => ({ ...f, enabled: !f.enabled })) });
    const load = (bootstrap) => () => {
      const c = new m.FlagClient({ baseUrl: '', cache: false, streaming: false, bootstrap });
      if (c.evaluate(`flag_${n - 1}`).reason === 'flag_not_found') throw new Error('not loaded');
      c.free();
    };
    let sink2 = 0;
    const reps = n < 1000 ? 100 : 1;
    // What a snapshot's arrival costs a running client (`take` is what the
    // fetch path calls with the response text), the network aside.
    const running = new m.FlagClient({ baseUrl: '', cache: false, streaming: false, bootstrap: text });
    // The page's first take-in also grows the module's memory, and V8
    // optimises the module's functions as they run, in the background (at
    // 10 000 flags take-ins got faster for the first few dozen): the first
    // is reported apart, and 40 more run before the timed ones.
    const firstMs = time(() => running.take(text, false));
    for (let i = 0; i < 40; i++) running.take(i % 2 ? text : flipped, false);
    const result = {
      n, bytes: text.length, firstMs,
      parseMs: median(() => { sink2 += JSON.parse(text).flags.length; }, reps),
      takeMs: median(() => { if (!running.take(text, false)) throw new Error('not taken'); }, reps),
      // The other extreme: every flag's evaluation changes (on/off
      // flipped), so the answer names them all and JS patches them all.
      allChangedMs: median(() => { for (const t of [flipped, text]) running.take(t, false); }, reps) / 2,
      textMs: median(load(text), reps),
      objectMs: median(load(snapshot), reps),
      sink2,
    };
    running.free();
    return result;
  });

  // 3. Admin change -> listener call, 200 toggles on the live stream.
  const latencies = [];
  for (let i = 0; i < 200; i++) {
    const heard = new Promise((resolve) => {
      const stop = client.subscribe((changed) => { if (changed.includes('promo_banner')) { stop(); resolve(performance.now()); } });
    });
    const sent = performance.now();
    await fetch('/api/admin/flags/promo_banner/toggle', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    latencies.push((await heard) - sent);
  }
  latencies.sort((a, b) => a - b);
  out.propagation = { p50: latencies[99], p99: latencies[197], max: latencies[199] };
  client.close();
  return out;
});

await browser.close();
await server.stop();
const r = results;
console.log('FlagClient benchmarks (headless Chromium, one run)');
console.log(`  read: plain object ${r.read.plainNs.toFixed(1)} ns, isEnabled ${r.read.clientNs.toFixed(1)} ns  -> ${(r.read.clientNs / r.read.plainNs).toFixed(1)}x a plain object read`);
for (const t of r.takeIn) {
  console.log(`  take-in, ${t.n} flags (${(t.bytes / 1e3).toFixed(0)} KB JSON): JSON.parse ${t.parseMs.toFixed(3)} ms; snapshot text -> every flag answerable ${t.takeMs.toFixed(3)} ms -> ${(t.takeMs / t.parseMs).toFixed(1)}x JSON.parse (the page's first: ${t.firstMs.toFixed(3)} ms)`);
  console.log(`    a snapshot in which every flag changed: ${t.allChangedMs.toFixed(3)} ms -> ${(t.allChangedMs / t.parseMs).toFixed(1)}x`);
  console.log(`    new FlagClient with it as bootstrap (options, engine, a fetch started): ${t.textMs.toFixed(3)} ms; from a JS object: ${t.objectMs.toFixed(3)} ms`);
}
console.log(`  admin change -> listener (200 changes): p50 ${r.propagation.p50.toFixed(1)} ms, p99 ${r.propagation.p99.toFixed(1)} ms, max ${r.propagation.max.toFixed(1)} ms`);
