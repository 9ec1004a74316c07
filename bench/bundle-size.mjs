// Bundle sizes: each one-flag app of peers/apps.mjs built by Vite for
// production; the gzipped (level 9) JS + wasm it ships, and that minus the
// React-only baseline (the SDK's own cost in a React app).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { APPS } from './peers/apps.mjs';

const PEERS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peers');
const { build } = await import(createRequire(path.join(PEERS, 'package.json')).resolve('vite'));

function shipped(dist) {
  let js = 0;
  let wasm = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.js')) js += zlib.gzipSync(fs.readFileSync(p), { level: 9 }).length;
      else if (p.endsWith('.wasm')) wasm += zlib.gzipSync(fs.readFileSync(p), { level: 9 }).length;
    }
  };
  walk(dist);
  return { js, wasm, total: js + wasm };
}

/** Builds every app; returns rows { name, kind, sdk, js, wasm, total, sdkCost }. */
export async function bundleSizes() {
  const work = path.join(PEERS, '.apps');
  fs.rmSync(work, { recursive: true, force: true });
  const rows = [];
  let i = 0;
  for (const [name, app] of Object.entries(APPS)) {
    const root = path.join(work, String(i++));
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="./main.js"></script>');
    fs.writeFileSync(path.join(root, 'main.js'), app.code);
    await build({ root, logLevel: 'silent', configFile: false, base: './', build: { outDir: 'dist', target: 'es2022' } });
    rows.push({ name, kind: app.kind, sdk: app.sdk, ...shipped(path.join(root, 'dist')) });
  }
  fs.rmSync(work, { recursive: true, force: true });
  const base = rows.find((r) => r.kind === 'baseline').total;
  for (const r of rows) r.sdkCost = r.kind === 'react' ? r.total - base : r.kind === 'js' ? r.total : 0;
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await bundleSizes();
  for (const r of rows) console.log(r.name.padEnd(46), String(r.total).padStart(8), String(r.sdkCost).padStart(8));
}
