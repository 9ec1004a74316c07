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
  const tPlain = time(() => { for (let i = 0; i < N; i++) sink += plain[names[i % names.length]] ? 1 : 0; });
  const tClient = time(() => { for (let i = 0; i < N; i++) sink += client.isEnabled(names[i % names.length], false) ? 1 : 0; });
  out.read = { plainNs: (tPlain * 1e6) / N, clientNs: (tClient * 1e6) / N, sink };

  // 2. A 10 000-flag snapshot, evaluated in full: as JSON text (what the
  // network and the offline cache deliver) and as a JS object (bootstrap).
  const flags = Array.from({ length: 10_000 }, (_, i) => ({
    id: `f${i}`, flagName: `flag_${i}`, enabled: i % 3 !== 0, rolloutStrategy: ['all', 'percentage', 'targeted', 'none'][i % 4],
    rolloutPercentage: i % 101, roleTargets: i % 5 === 0 ? [{ role: 'admin', enabled: true }] : [],
  }));
  const snapshot = { version: 1, user: { id: 'user-bench', role: 'admin' }, flags };
  const text = JSON.stringify(snapshot);
  const load = (bootstrap) => {
    const runs = [];
    for (let r = 0; r < 7; r++) {
      runs.push(time(() => { const c = new m.FlagClient({ baseUrl: '', cache: false, streaming: false, bootstrap }); c.close(); }));
    }
    runs.sort((a, b) => a - b);
    return { medianMs: runs[3], minMs: runs[0] };
  };
  out.apply10k = load(text);
  out.apply10kObject = load(snapshot);
  out.snapshotBytes = text.length;

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
console.log(`  10 000-flag snapshot (${(r.snapshotBytes / 1e6).toFixed(2)} MB JSON) parse + apply + evaluate: median ${r.apply10k.medianMs.toFixed(1)} ms (min ${r.apply10k.minMs.toFixed(1)} ms)`);
console.log(`  same, bootstrap given as a JS object: median ${r.apply10kObject.medianMs.toFixed(1)} ms (min ${r.apply10kObject.minMs.toFixed(1)} ms)`);
console.log(`  admin change -> listener (200 changes): p50 ${r.propagation.p50.toFixed(1)} ms, p99 ${r.propagation.p99.toFixed(1)} ms, max ${r.propagation.max.toFixed(1)} ms`);
