// Benchmarks against peer SDKs (not tests), printed as tables: bundle size
// of a one-flag app per SDK, per-read cost, 10 000-flag evaluation vs
// GrowthBook, and live propagation + bytes/requests per change vs the
// production service's request-per-change hooks (docs/protocol.md part F).
// Browser figures come from one headless-Chromium run. Run via bench/compare.
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FlagServer } from '../tests/js/lib/server.mjs';
import { launchBrowser } from '../tests/js/lib/chromium.mjs';
import { bundleSizes } from './bundle-size.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHANGES = Number(process.env.CHANGES ?? 200);
const wall = () => performance.timeOrigin + performance.now();
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function table(title, head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  console.log(`\n${title}\n${line(head)}\n|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

/** A loopback TCP proxy that counts bytes both ways (Chromium <-> server). */
async function countingProxy(target) {
  const counts = { up: 0, down: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    client.on('data', (d) => { counts.up += d.length; upstream.write(d); });
    upstream.on('data', (d) => { counts.down += d.length; client.write(d); });
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('close', end); upstream.on('close', end); client.on('error', end); upstream.on('error', end);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, counts, close: () => server.close() };
}

// 1. Bundle size.
const sizes = await bundleSizes();
table('Bundle: one-flag app built by Vite (production), gzipped JS + wasm',
  ['app', 'JS', 'wasm', 'total', 'SDK cost'],
  sizes.map((r) => [r.name, kb(r.js), r.wasm ? kb(r.wasm) : '-', kb(r.total), r.kind === 'baseline' ? '(React 19)' : kb(r.sdkCost)]));
console.log('SDK cost: total for JS-only apps; total minus the React-only app for React apps.');

// 2-4. In the browser.
// The part F page model opens part B streams, which the operator must allow.
const server = await FlagServer.start({ staticDir: path.join(HERE, 'peers/lab/dist'), pingMs: 600_000, args: ['--allow-compat-query'] });
const proxy = await countingProxy(server.port);
const admin = await server.session('admin', 'admin-demo');
const browser = await launchBrowser();

async function labPage(username, password) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', String(e)));
  await page.goto(`${proxy.url}/index.html`);
  await page.waitForFunction(() => window.labReady === true);
  await page.evaluate(([u, p]) => window.login(u, p), [username, password]);
  return { page, context };
}

const { page: lab, context: labContext } = await labPage('admin', 'admin-demo');
const reads = await lab.evaluate(() => window.reads());
const plain = reads.nsPerRead['plain JS object'];
table(`Flag read: ns per read (${reads.flags} flags, cycling names)`, ['read', 'ns', 'vs plain object'],
  Object.entries(reads.nsPerRead).map(([k, v]) => (typeof v === 'number' ? [k, v.toFixed(1), `${(v / plain).toFixed(1)}x`] : [k, v, '-'])));

const ten = await lab.evaluate(() => window.tenThousand());
table(`10 000 flags for one user, from JSON text (median of 7; snapshot ${kb(ten.snapshotBytes)}, GrowthBook payload ${kb(ten.growthbookBytes)})`,
  ['SDK', 'load (parse + set up)', 'read all 10 000', 'total', 'flags on'],
  [['flaglive (evaluates at load)', ten.flaglive.loadMs, ten.flaglive.evaluateAllMs, ten.flaglive.totalMs, ten.flaglive.on],
    ['GrowthBook (evaluates at read)', ten.growthbook.loadMs, ten.growthbook.evaluateAllMs, ten.growthbook.totalMs, ten.growthbook.on]]
    .map(([n, l, r, t, on]) => [n, `${l.toFixed(1)} ms`, `${r.toFixed(1)} ms`, `${t.toFixed(1)} ms`, on]));
await labContext.close();

// Live propagation: maria's window, admin toggles sent straight to the server.
async function propagation(mode) {
  const { page, context } = await labPage('maria', 'md-demo');
  let requests = 0;
  page.on('request', () => requests++);
  await page.evaluate((m) => window.startPropagation(m), mode);
  await page.waitForFunction(() => window.commits.length >= 1);
  await page.waitForTimeout(300);
  const start = await page.evaluate(() => window.commits.length);
  requests = 0;
  proxy.counts.up = 0;
  proxy.counts.down = 0;
  const sent = [];
  for (let i = 0; i < CHANGES; i++) {
    sent.push(wall());
    await admin.call('POST', '/api/admin/flags/promo_banner/toggle', {});
    await page.waitForFunction((n) => window.commits.length >= n, start + i + 1, { polling: 'raf' });
  }
  await page.waitForTimeout(300); // late requests of the last change
  const commits = (await page.evaluate(() => window.commits)).slice(start);
  const latencies = commits.map((c, i) => c.t - sent[i]).sort((a, b) => a - b);
  const row = {
    mode, p50: pct(latencies, 50), p99: pct(latencies, 99), max: latencies.at(-1),
    requests: requests / CHANGES, bytes: (proxy.counts.up + proxy.counts.down) / CHANGES,
  };
  await page.evaluate(() => window.stopPropagation());
  await context.close();
  return row;
}
const prop = [await propagation('flaglive'), await propagation('part-f')];
table(`Live propagation: admin change -> re-render in the user's tab (${CHANGES} changes, loopback; 5 components x 4 flags)`,
  ['page built with', 'p50', 'p99', 'max', 'requests / change', 'bytes / change'],
  prop.map((r) => [r.mode === 'flaglive' ? 'flaglive/react (one stream, local store)' : 'part F hooks (stream per hook, refetch per event)',
    `${r.p50.toFixed(1)} ms`, `${r.p99.toFixed(1)} ms`, `${r.max.toFixed(1)} ms`, r.requests.toFixed(1), Math.round(r.bytes)]));
console.log('bytes: both directions between Chromium and the server (counting proxy), admin requests not included.');

await browser.close();
proxy.close();
await server.stop();
