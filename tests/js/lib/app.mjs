// Packs pkg/ with `npm pack`, installs the tarball into the throwaway Vite
// app (tests/js/app) with npm, and builds the app with Vite's defaults:
// what a user of the published package does.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, PKG } from './paths.mjs';

export const APP = path.join(ROOT, 'tests/js/app');

export function buildApp() {
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flaglive-pack-'));
  try {
    const out = execFileSync('npm', ['pack', PKG, '--pack-destination', packDir, '--json', '--loglevel=error'], { encoding: 'utf8' });
    const tarball = path.join(packDir, JSON.parse(out)[0].filename);
    fs.rmSync(path.join(APP, 'node_modules'), { recursive: true, force: true });
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: APP, stdio: 'inherit' });
    const vite = path.join(ROOT, 'tests/js/node_modules/.bin/vite');
    execFileSync(vite, ['build'], { cwd: APP, stdio: 'inherit' });
    const files = JSON.parse(out)[0].files.map((f) => f.path).sort();
    return { files };
  } finally {
    fs.rmSync(packDir, { recursive: true, force: true });
  }
}
