// Cold start on an emulated phone (not a test): from navigation to the
// first correct flag values on screen, flaglive against peer SDKs, each
// fetching its own wire format from one origin with the same 20 flags.
// Headless Chromium, CPU 4x slower, "4g" (150 ms, 1.6 Mbit/s down) and "3g"
// (400 ms, 400 kbit/s), cache disabled, median of RUNS interleaved runs. A
// page that shows any fallback value is a failed run, not a fast one.
// flaglive's answers come from the real flaglive-server behind this origin;
// the peers' from stubs in their formats. Run via bench/coldstart.
//   RUNS=9         runs per SDK and profile (interleaved)
//   DETAIL=1       prints each run's resource timings
//   DELAY_WASM=ms  holds every wasm response that long (the first correct
//                  values of flaglive's rows must not move)
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { FlagServer } from '../tests/js/lib/server.mjs';
import { launchBrowser } from '../tests/js/lib/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PEERS = path.join(HERE, 'peers');
const require = createRequire(import.meta.url);
const esbuild = require(path.join(HERE, '../tests/js/node_modules/esbuild'));
const RUNS = Number(process.env.RUNS ?? 9);
const PROFILES = {
  '4g': { latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 },
  '3g': { latency: 400, downloadThroughput: 400e3 / 8, uploadThroughput: 400e3 / 8 },
};
const APPS = {
  'flaglive': 'flaglive.js',
  'flaglive, snapshot preloaded by the HTML': 'flaglive.js#preload',
  'flaglive, flags in the HTML (prepareBootstrap)': 'flaglive-bootstrap.js',
  'GrowthBook': 'growthbook.js',
  'LaunchDarkly JS': 'launchdarkly.js',
  'Unleash proxy client': 'unleash.js',
};
const version = (pkg) => JSON.parse(fs.readFileSync(path.join(PEERS, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const LABELS = {
  'GrowthBook': `GrowthBook ${version('@growthbook/growthbook')}`,
  'LaunchDarkly JS': `LaunchDarkly JS ${version('launchdarkly-js-client-sdk')}`,
  'Unleash proxy client': `Unleash proxy client ${version('unleash-proxy-client')}`,
};

// The same 20 flags everywhere: even ones on for everybody, odd ones off.
const NAMES = Array.from({ length: 20 }, (_, i) => `cold_${String(i).padStart(2, '0')}`);
const ON = Object.fromEntries(NAMES.map((n, i) => [n, i % 2 === 0]));

const server = await FlagServer.start({ pingMs: 30_000 });
const admin = await server.session('admin', 'admin-demo');
// Only these flags and no configuration: the demo's seeded ones go.
for (const f of await admin.call('GET', '/api/admin/flags')) await admin.call('DELETE', `/api/admin/flags/${f.flagName}`);
for (const layer of ['defaults', 'environment']) await admin.call('DELETE', `/api/admin/config/${layer}`).catch(() => {});
for (const scope of ['organization/acme', 'customer/acme-east']) await admin.call('DELETE', `/api/admin/config/${scope}`).catch(() => {});
for (const name of NAMES) await admin.call('POST', '/api/admin/flags', { flagName: name, enabled: ON[name] });
const login = await fetch(`${server.url}/api/auth/login`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'maria', password: 'md-demo' }),
});
const [cookieName, cookieValue] = login.headers.get('set-cookie').split(';')[0].split('=');
const prepared = await (await fetch(`${server.url}/api/feature-flags/snapshot?prepared=1`, { headers: { cookie: `${cookieName}=${cookieValue}` } })).text();

// One minified bundle per app, as a production build ships it.
const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'flaglive-coldstart-'));
await esbuild.build({
  entryPoints: [...new Set([...Object.values(APPS), 'wasm-load.js'].map((f) => f.split('#')[0]))].map((f) => path.join(PEERS, 'coldstart', f)),
  bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: dist,
  nodePaths: [path.join(PEERS, 'node_modules')], logLevel: 'error', define: { 'process.env.NODE_ENV': '"production"' },
});
fs.copyFileSync(path.join(PEERS, 'node_modules/flaglive/flaglive_wasm_bg.wasm'), path.join(dist, 'flaglive_wasm_bg.wasm'));
const gz = (file) => zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;

// The peers' wire formats.
const json = (res, body) => send(res, 'application/json', JSON.stringify(body));
const PEER_ROUTES = [
  [/^\/api\/features\/sdk-key/, (res) => json(res, { status: 200, features: Object.fromEntries(NAMES.map((n) => [n, { defaultValue: ON[n] }])), dateUpdated: '2026-01-01T00:00:00Z' })],
  [/^\/sdk\/evalx\/env-id\/contexts\//, (res) => json(res, Object.fromEntries(NAMES.map((n) => [n, { value: ON[n], variation: ON[n] ? 0 : 1, version: 1, flagVersion: 1, trackEvents: false }])))],
  [/^\/api\/frontend/, (res) => json(res, { toggles: NAMES.filter((n) => ON[n]).map((name) => ({ name, enabled: true, variant: { name: 'disabled', enabled: false }, impressionData: false })) })],
  [/^\/(sub\/|eval\/)/, (res) => { res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }); res.write(':\n\n'); }],
];
let acceptsGzip = false;
function send(res, type, body) {
  const headers = { 'content-type': type, 'cache-control': 'no-store', 'access-control-allow-origin': '*' };
  if (acceptsGzip) {
    headers['content-encoding'] = 'gzip';
    body = zlib.gzipSync(body);
  }
  res.writeHead(200, headers);
  res.end(body);
}
// The README's one line for an app's HTML (same origin as the flag server).
const PRELOAD = '<link rel="preload" href="/api/feature-flags/snapshot?prepared=1" as="fetch" crossorigin="use-credentials">';
const page = (file, extra = '') => `<!doctype html><meta charset="utf-8"><title>cold start</title><div id="root"></div>${extra}<script type="module" src="/app/${file}"></script>`;

const front = http.createServer((req, res) => {
  acceptsGzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/wasm-load.html') return send(res, 'text/html', page('wasm-load.js'));
  const app = url.pathname.match(/^\/page\/(.+)\.html$/);
  if (app) {
    const [file, variant] = APPS[decodeURIComponent(app[1])].split('#');
    const head = file === 'flaglive-bootstrap.js' ? `<script id="flags" type="application/json">${prepared.replaceAll('<', '\\u003c')}</script>`
      : variant === 'preload' ? PRELOAD : '';
    return send(res, 'text/html', page(file, head));
  }
  if (url.pathname.startsWith('/app/')) {
    const file = path.join(dist, path.basename(url.pathname));
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end(); }
    return send(res, file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', fs.readFileSync(file));
  }
  for (const [pattern, answer] of PEER_ROUTES) if (pattern.test(url.pathname)) return answer(res);
  // flaglive's own API: the real server.
  if (process.env.DETAIL) console.log('  front:', req.method, req.url, req.headers['if-none-match'] ?? '', req.headers.accept ?? '');
  const upstream = http.request({ host: '127.0.0.1', port: server.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});
await new Promise((r) => front.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${front.address().port}`;

const browser = await launchBrowser();
/** Milliseconds from navigation to `window.shownAt` on `url` when
 *  `check(window.shown)` holds, else null (a failed run). */
async function timed(url, profile, check, label = url) {
  const context = await browser.newContext();
  await context.addCookies([{ name: cookieName, value: cookieValue, url: origin }]);
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, ...PROFILES[profile] });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  if (process.env.DELAY_WASM) await tab.route('**/*.wasm', async (route) => { await new Promise((r) => setTimeout(r, Number(process.env.DELAY_WASM))); await route.continue(); });
  try {
    await tab.goto(url);
    await tab.waitForFunction(() => window.shownAt !== undefined, null, { timeout: 60_000 });
    const { shownAt, shown, resources } = await tab.evaluate(() => ({
      shownAt: window.shownAt, shown: window.shown,
      resources: [
        ...performance.getEntriesByType('resource').map((r) => `${r.name.replace(location.origin, '')} ${Math.round(r.startTime)}-${Math.round(r.responseEnd)} ${r.encodedBodySize}B`),
        ...performance.getEntriesByType('mark').map((m) => `${m.name} ${Math.round(m.startTime)}`)],
    }));
    if (process.env.DETAIL) console.log(label, profile, Math.round(shownAt), resources.join(' | '));
    return check(shown) ? shownAt : null;
  } catch {
    return null;
  } finally {
    await context.close();
  }
}

const run = (app, profile) => timed(`${origin}/page/${encodeURIComponent(app)}.html`, profile, (shown) => NAMES.every((n) => shown?.[n] === ON[n]), app);

const times = {};
for (let i = 0; i < RUNS; i++) {
  for (const profile of Object.keys(PROFILES)) {
    for (const app of Object.keys(APPS)) {
      const t = await run(app, profile);
      ((times[app] ??= {})[profile] ??= []).push(t);
    }
  }
}
// The wasm alone: the package's way (bytes, then compile) against
// streaming compilation, same runs interleaved.
const WASM_RUNS = { bytes: '', streaming: '#streaming' };
const wasmTimes = {};
for (let i = 0; i < RUNS; i++) {
  for (const profile of Object.keys(PROFILES)) {
    for (const [way, hash] of Object.entries(WASM_RUNS)) {
      ((wasmTimes[way] ??= {})[profile] ??= []).push(await timed(`${origin}/wasm-load.html${hash}`, profile, (s) => s?.wasm === true));
    }
  }
}
const median = (xs) => {
  const ok = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return ok.length ? ok[Math.floor(ok.length / 2)] : null;
};
const peers = ['GrowthBook', 'LaunchDarkly JS', 'Unleash proxy client'];
const best = Object.fromEntries(Object.keys(PROFILES).map((p) => [p, Math.min(...peers.map((a) => median(times[a][p])).filter((x) => x !== null))]));
const rows = Object.entries(APPS).map(([app, file]) => {
  const cells = Object.keys(PROFILES).flatMap((p) => {
    const m = median(times[app][p]);
    const failed = times[app][p].filter((x) => x === null).length;
    return [m === null ? 'failed' : `${Math.round(m)}${failed ? ` (${failed} failed)` : ''}`, m === null ? '-' : `${(m / best[p]).toFixed(2)}x`];
  });
  const wasm = file.startsWith('flaglive') ? `${(gz('flaglive_wasm_bg.wasm') / 1024).toFixed(1)}` : '-';
  return [LABELS[app] ?? app, ...cells, (gz(file.split('#')[0]) / 1024).toFixed(1), wasm];
});
const head = ['SDK', '4g ms', 'vs best peer', '3g ms', 'vs best peer', 'JS gz KB', 'wasm gz KB'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
console.log(`\nCold start on an emulated phone: navigation -> the 20 flags' correct values on screen (median of ${RUNS}, CPU 4x slower, cache off)`);
console.log(line(head));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log('4g: 150 ms, 1.6 Mbit/s down; 3g: 400 ms, 400 kbit/s. "vs best peer": the fastest of GrowthBook, LaunchDarkly and Unleash in this run.');
console.log(`\nThe wasm alone, navigation -> init() resolved (median of ${RUNS}, same emulation)`);
console.log('| way | 4g ms | 3g ms |\n|---|---:|---:|');
for (const [way, label] of [['bytes', 'the package: the bytes, then WebAssembly.instantiate'], ['streaming', 'WebAssembly.compileStreaming while it downloads']]) {
  console.log(`| ${label} | ${Math.round(median(wasmTimes[way]['4g']))} | ${Math.round(median(wasmTimes[way]['3g']))} |`);
}

await browser.close();
front.close();
await server.stop();
fs.rmSync(dist, { recursive: true, force: true });
