// Launches Debian's headless Chromium through playwright-core (Playwright's
// own browser download cannot work on these machines).
import { chromium } from 'playwright-core';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

/** A browser for several isolated contexts (separate cookies: admin and user windows). */
export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ARGS });
}

export async function launchChromium() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flaglive-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ARGS,
  });
  return {
    context,
    async close() {
      await context.close();
      await fs.rm(userDataDir, { recursive: true, force: true });
    },
  };
}
