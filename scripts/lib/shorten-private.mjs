// Shortens the package's private property names in pkg/*.js (after
// pkg-template/ is copied there): `this.exposureListeners` ships as
// `this.k`. A bundler minifies variables but never property names, so
// these were ~4 % of the gzipped JS an app ships (measured: -230 B of the
// 6.5 KB of createFlagClient). Every file gets the same names (one table,
// below), so sibling entries that share a FlagClient still agree. No new
// name can meet a real property: the one-letter names are those no file of
// the package uses as a property, the rest start with `$`.
// Nothing public is here: options, methods and fields in the .d.ts files,
// the core's answer keys, and what tests read stay as they are (checked).
//
//   node scripts/lib/shorten-private.mjs pkg
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const esbuild = require(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../tests/js/node_modules/esbuild'));

// Internal state and methods of FlagClient, SharedSource and FlagStore.
const PRIVATE = `timers pending pendingConfig fetchQueued engine reconnectTimer members failures notified
  exposureListeners onVisibility idleMs startMs lastId ovUser identifyWaiters noWasm snap replay hiddenClosed
  shut startTimer lastSeen broken waiters memoAt memo exposed take joinStream leaveStream changed missed
  flushScheduled openedAt watchdog nextListener applyOverrides loadOverrides saveOverrides scheduleCacheWrite
  writeCache settle arm patch seen onStreamHeld onStreamDown onMessage held record closed gen cfg etag pv
  ov base session request changes serverFlags serverConfig serverVariants serverStatus unread usages configVersion
  listeners apply flush become visibility report opened restart leave watch open
  shared blocked sendsCookies address failed page`.split(/\s+/);
// Fields of the client's checked options (`this.o`): the app's option object
// is read by these names as strings (readOptions), so only the checked copy
// changes. They are in the .d.ts as option names, hence their own list.
const OPTION_FIELDS = `resyncDebounceMs hiddenCloseMs requestTimeoutMs streamTimeoutMs streamStartTimeoutMs
  exposeFlagReads dedupeExposures urlOverrides`.split(/\s+/);

const dir = process.argv[2];
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js') && !f.startsWith('flaglive_wasm_inline'));
const sources = Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
const all = Object.values(sources).join('\n');
// One-letter names no source uses as a property (`x.f`, `{ f: ... }`), then `$`-names.
const LETTERS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((l) => !new RegExp(`(\\.${l}\\b|\\b${l}:)`).test(all));
const names = (i) => (i < LETTERS.length ? LETTERS[i] : `$${i}`);
// The most used names get the one-letter ones, counted in the modules
// createFlagClient ships (measured: -26 B gzipped against `$a`..`$z`, then
// `$aa`.., in the lists' order).
const SHIPPED = ['index.js', 'wasm.js', 'client.js', 'stream.js', 'storage.js', 'options.js', 'codes.js', 'io.js'];
const shipped = SHIPPED.map((f) => sources[f]).join('\n');
const uses = (n) => shipped.match(new RegExp(`\\.${n}\\b`, 'g'))?.length ?? 0;
const byUse = [...PRIVATE, ...OPTION_FIELDS].map((n) => [n, uses(n)]).sort((a, b) => b[1] - a[1]).map(([n]) => n);
const mangleCache = Object.fromEntries(byUse.map((n, i) => [n, names(i)]));

// Public names must never be shortened: the .d.ts files' members.
const declared = fs.readdirSync(dir).filter((f) => f.endsWith('.d.ts')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
const clash = PRIVATE.filter((n) => new RegExp(`^\\s*(readonly\\s+)?${n}\\??[(:<]`, 'm').test(declared));
if (clash.length) throw new Error(`shorten-private: public in a .d.ts, cannot be shortened: ${clash.join(', ')}`);

const mangleProps = new RegExp(`^(${[...PRIVATE, ...OPTION_FIELDS].join('|')})$`);
for (const file of files) {
  const full = path.join(dir, file);
  const source = sources[file];
  const out = esbuild.transformSync(source, { format: 'esm', mangleProps, mangleCache, legalComments: 'none', logLevel: 'error', sourcefile: file });
  const added = Object.keys(out.mangleCache).filter((k) => !(k in mangleCache));
  if (added.length) throw new Error(`shorten-private: unexpected names ${added.join(', ')}`);
  fs.writeFileSync(full, `// flaglive ${file}: private property names shortened by scripts/lib/shorten-private.mjs; the source is pkg-template/${file}.\n${out.code}`);
}
