// The JS side's owner of what the core answers: evaluation codes (`reason
// index * 2 + enabled`, the reasons in the core's order), the prepared
// bootstraps that carry them with their format tag, the A/B rule over them,
// and configuration paths. src/engine.rs and src/rules.rs own the Rust side;
// tests/js/host-protocol.test.mjs ties the two.
import { call, withEngine, SNAPSHOT } from './wasm.js';

// The keys of the core's answers (src/engine.rs writes them): `v` version,
// `u` user, `f` codes by flag name (0: gone), `c` configuration
// (`{ value, source }`), `p` a patch (only what changed), `r` re-read
// advice, `h` a `connection` message, `s` why snapshot entries were left out.

/** The re-read advice `r` (resync_code in src/engine.rs): none, soon (debounced), now. */
export const REREAD_NO = 0, REREAD_SOON = 1, REREAD_NOW = 2;

// The core's reasons in its order, then `override` (a tester's, never the core's).
const REASONS = ['flag_not_found', 'flag_disabled', 'user_targeted', 'role_targeted', 'strategy_all',
  'strategy_none', 'strategy_targeted', 'percentage_rollout', 'default', 'override'];
export const OVERRIDDEN = 18; // + enabled
/** An evaluation per core code (`reason index * 2 + enabled`), shared and frozen. */
export const EVALUATIONS = REASONS.flatMap((reason) => [false, true].map((enabled) => Object.freeze({ enabled, reason })));
export const evaluationOf = (code) => EVALUATIONS[code];
export const NOT_FOUND = EVALUATIONS[0];

export const own = Object.hasOwn;
/** Sets a code in a name -> code object (0: deleted); any name, even `__proto__`. */
export function setCode(codes, name, code) {
  if (code === 0) delete codes[name];
  else Object.defineProperty(codes, name, { value: code, writable: true, enumerable: true, configurable: true });
}

// ---- bootstraps evaluated ahead (server rendering) ------------------------

/** Whether `b` has the shape prepareBootstrap() gives (its `snapshot` text
 *  is good whatever package made it). */
export const isPrepared = (b) => typeof b?.snapshot === 'string' && typeof b.state?.f === 'object' && b.state.f !== null;

/**
 * The format of the evaluation codes a prepared bootstrap carries: `reason
 * index * 2 + enabled`, the reasons in the core's order (REASONS). Bump it
 * when either changes: a browser reads a prepared state only when its tag
 * is this one, and otherwise evaluates the snapshot text itself, so a
 * server on an older package never makes a newer browser misread its codes.
 */
export const CODES = 1;

/** The prepared state of `b`, if it is in this package's code format. */
export const preparedState = (b) => (isPrepared(b) && b.state.codes === CODES ? b.state : null);

/** A prepared `b` as the client takes it in: as is when in this package's
 *  code format (read without the wasm), else its snapshot text. */
export const readable = (b) => (preparedState(b) ? b : isPrepared(b) ? b.snapshot : undefined);

/**
 * The snapshot plus what the core made of it, as plain JSON: a server
 * evaluates it once and hands it to the browser, which renders the same
 * values (flags, configuration) before its wasm has loaded.
 */
export function prepareBootstrap(snapshot, { variants = {} } = {}) {
  const text = isPrepared(snapshot) ? snapshot.snapshot : typeof snapshot === 'string' ? snapshot : JSON.stringify(snapshot);
  return withEngine((h) => {
    const r = call(SNAPSHOT, h, text);
    if (typeof r !== 'string') throw new TypeError(`flaglive.prepareBootstrap: not a snapshot: ${r.error}`);
    const out = JSON.parse(r);
    // The A/B tests the app reads, chosen here by the core, so that their
    // hydration needs no wasm either.
    const v = {};
    for (const [test, d] of Object.entries(variants)) {
      const list = Array.isArray(d) ? d : d?.variants;
      const key = variantKey(`flaglive.prepareBootstrap: variants of ${test}`, test, list, Array.isArray(d) ? null : d?.defaultVariant);
      v[key] = pickVariant((n) => (out.f[n] & 1) === 1, ...JSON.parse(key)) ?? null;
    }
    return { snapshot: text, state: { codes: CODES, u: out.u, f: out.f, c: out.c ?? null, v } };
  });
}

/**
 * The A/B rule (docs/protocol.md part A): test `T` with variants `[v1, v2,
 * ...]` is one flag per variant, `T_v1`, ...; the first variant whose flag
 * is on, else `defaultVariant`, else the first variant (`undefined` when
 * there is neither). The core's `choose_variant` (src/variant.rs) is the
 * same rule for the server; both pass the 120 A/B vectors. In JS it needs
 * no wasm, so a page shows its variant from a prepared answer at once.
 */
export const pickVariant = (isOn, testName, defaultVariant, ...variants) => variants.find((v) => isOn(`${testName}_${v}`)) ?? defaultVariant ?? variants[0];

/**
 * A variant read's arguments, checked (else a TypeError from `who`), as one
 * key: `[testName, defaultVariant|null, ...variants]` in JSON (prepared
 * bootstraps keep their choices under it).
 */
export function variantKey(who, testName, variants, defaultVariant) {
  if (typeof testName !== 'string' || !Array.isArray(variants) || variants.some((v) => typeof v !== 'string')
    || (defaultVariant != null && typeof defaultVariant !== 'string')) {
    throw new TypeError(`${who}: expected (testName: string, variants: string[], defaultVariant?: string)`);
  }
  return JSON.stringify([testName, defaultVariant ?? null, ...variants]);
}

/** `{ value, source }` of the configuration `c` at the dotted `path`. */
export function configAt(c, path) {
  if (!c) return undefined;
  let value = c.value;
  if (path) {
    for (const key of String(path).split('.')) {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !own(value, key)) return undefined;
      value = value[key];
    }
  }
  return { value, source: c.source };
}
