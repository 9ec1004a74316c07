// Installs the packed package into the throwaway Vite app (tests/js/app)
// with npm and builds the app with Vite's defaults: what a user of the
// published package does.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { installPacked } from '../../../scripts/lib/install-packed.mjs';

export const APP = path.join(ROOT, 'tests/js/app');

export function buildApp() {
  fs.rmSync(path.join(APP, 'node_modules'), { recursive: true, force: true });
  const files = installPacked(APP);
  const vite = path.join(ROOT, 'tests/js/node_modules/.bin/vite');
  execFileSync(vite, ['build'], { cwd: APP, stdio: 'inherit' });
  return { files };
}
