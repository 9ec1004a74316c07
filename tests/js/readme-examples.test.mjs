// Every JS and JSX example in the README type-checks against the package's
// own .d.ts (pkg/, as published), with the current TypeScript, strict, as
// JavaScript with checkJs: an example that calls something the types do not
// have, or passes the wrong shape, fails here. The names an example leaves
// to the reader (its own components, `analytics`, `./Pricing.jsx`) are
// declared below; a new example with a new such name must add it there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';

const PRELUDE = `
import type { JSX } from 'react';
declare global {
  const Spinner: () => JSX.Element;
  const NewDashboard: (props: { plan: string }) => JSX.Element;
  const OldDashboard: () => JSX.Element;
  const Banner: (props: { plan: string }) => JSX.Element;
  const analytics: { track(event: string, properties: object): void };
  const process: { env: Record<string, string | undefined> };
  const auth: { getAccessToken(): Promise<string | null> };
  const Buffer: { from(text: string): { toString(encoding: 'base64url'): string } };
  const test: (name: string, body: () => void) => void;
  const expect: (value: unknown) => { toBe(v: unknown): void; toBeNull(): void };
  interface ImportMeta { env: { DEV: boolean } }
}
export {};
`;
// Modules an example imports that are the app's or a framework's, not ours.
const MODULES = `
declare module 'node:crypto' {
  export function createHmac(algorithm: string, key: string): { update(data: string): { digest(encoding: 'base64url'): string } };
}
declare module 'next/headers' { export function cookies(): Promise<{ toString(): string }>; }
declare module 'react-router' { export function useLoaderData(): unknown; }
declare module '@testing-library/react' {
  export function render(ui: unknown): void;
  export function act(f: () => void): void;
  export const screen: { getByRole(role: string): HTMLElement; queryByRole(role: string): HTMLElement | null };
}
`;

/** The README's js/jsx blocks, each with the file name its first comment gives. */
function examples() {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/^```(js|jsx)\n([\s\S]*?)^```/gm)].map(([, lang, code], i) => {
    const named = code.match(/^\/\/ ([\w./-]+\.m?jsx?)\b/);
    let file = named ? named[1] : `example-${i}.${lang}`;
    // Next's app/*.js files hold JSX.
    if (lang === 'jsx' && file.endsWith('.js')) file = file.replace(/\.js$/, '.jsx');
    return { file, code };
  });
}

test('every JS example in the README type-checks against the published types', () => {
  const blocks = examples();
  assert.ok(blocks.length >= 8, `found ${blocks.length} examples`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flaglive-readme-'));
  try {
    for (const { file, code } of blocks) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), code);
    }
    // `./flags` in Next's page resolves to app/flags.jsx.
    fs.writeFileSync(path.join(dir, 'globals.d.ts'), PRELUDE);
    fs.writeFileSync(path.join(dir, 'modules.d.ts'), MODULES);
    // The component the testing example tests (the app's own).
    fs.writeFileSync(path.join(dir, 'Pricing.jsx'), 'export function Pricing() { return null; }\n');
    const modules = path.join(ROOT, 'tests/js/node_modules');
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        // Strict, but these are JavaScript examples: an unannotated
        // parameter is the reader's to type, not an error.
        strict: true, noImplicitAny: false, noEmit: true, allowJs: true, checkJs: true, jsx: 'react-jsx',
        target: 'es2022', module: 'es2022', moduleResolution: 'bundler', lib: ['es2022', 'dom'],
        skipLibCheck: false, types: [], typeRoots: [],
        paths: {
          'flaglive': [path.join(ROOT, 'pkg/index.d.ts')],
          'flaglive/*': [path.join(ROOT, 'pkg/*.d.ts')],
          'react': [path.join(modules, '@types/react')],
          'react/jsx-runtime': [path.join(modules, '@types/react/jsx-runtime')],
          '@openfeature/web-sdk': [path.join(modules, '@openfeature/web-sdk')],
          '@openfeature/core': [path.join(modules, '@openfeature/core')],
        },
      },
      include: ['**/*.js', '**/*.jsx', '*.d.ts'],
    }));
    const tsc = path.join(modules, 'typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    const files = blocks.map((b) => b.file).join(', ');
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}\n(examples: ${files})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
