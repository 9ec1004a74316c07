// Installs the built package (pkg/) into an app the way an npm user gets
// it: `npm pack`, then `npm install` of the tarball (without touching the
// app's package.json or lock file). Used by scripts/demo for www-demo and
// by the JS tests for their throwaway app.
//   node scripts/lib/install-packed.mjs APP_DIR
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Returns the packed file list (sorted paths inside the package). */
export function installPacked(appDir, pkgDir = path.join(ROOT, 'pkg')) {
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flaglive-pack-'));
  try {
    const out = execFileSync('npm', ['pack', pkgDir, '--pack-destination', packDir, '--json', '--loglevel=error'], { encoding: 'utf8' });
    const [info] = JSON.parse(out);
    fs.rmSync(path.join(appDir, 'node_modules', 'flaglive'), { recursive: true, force: true });
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', path.join(packDir, info.filename)], { cwd: appDir, stdio: 'inherit' });
    return info.files.map((f) => f.path).sort();
  } finally {
    fs.rmSync(packDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) throw new Error('usage: install-packed.mjs APP_DIR');
  installPacked(path.resolve(process.argv[2]));
}
