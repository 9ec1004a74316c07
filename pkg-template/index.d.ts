// Hand-written types for the public API of `flaglive` (checked by
// tests/js/types-check.ts against real usage). The generated
// ./flaglive_wasm.d.ts only knows `any` for JS values.

/** Why a flag evaluated as it did; the production server's strings. */
export type Reason =
  | 'flag_not_found'
  | 'flag_disabled'
  | 'user_targeted'
  | 'role_targeted'
  | 'strategy_all'
  | 'strategy_none'
  | 'strategy_targeted'
  | 'percentage_rollout'
  | 'default';

export interface Evaluation {
  enabled: boolean;
  reason: Reason;
}

/** Known strategies; any other string evaluates by rule 7 (`enabled`, `default`). */
export type RolloutStrategy = 'all' | 'none' | 'targeted' | 'percentage' | (string & {});

/**
 * A flag as the snapshot endpoint sends it (PROTOCOL.md part C).
 * `flagName` and `enabled` are required; the rest may be missing or null.
 */
export interface SnapshotFlag {
  id?: string | null;
  flagName: string;
  description?: string | null;
  enabled: boolean;
  rolloutStrategy?: RolloutStrategy | null;
  /** Any number: below 0 nobody, above 100 everybody. */
  rolloutPercentage?: number | null;
  metadata?: string | null;
  createdAt?: string | null;
  updatedAt?: string | null;
  /** The evaluated user's own target on this flag, if any. */
  userTarget?: { enabled: boolean } | null;
  /** Role targets; the first one for a role wins. */
  roleTargets?: ReadonlyArray<{ role: string; enabled: boolean }> | null;
}

/** Who to evaluate for. An empty string counts as absent. */
export interface EvaluationContext {
  userId?: string | null;
  userRole?: string | null;
}

/**
 * Evaluates one flag for a context with the server's rules.
 * Pass `null`/`undefined` for a flag that does not exist (`flag_not_found`).
 * @throws TypeError naming the field when `flag` or `context` has the wrong shape.
 */
export function evaluate(
  flag: SnapshotFlag | null | undefined,
  context?: EvaluationContext | null,
): Evaluation;

/**
 * The rollout bucket (0..99) of `userId` for `flagName`: Java's
 * `String.hashCode` of `userId + ":" + flagName` over UTF-16 code units.
 * @throws TypeError when an argument is not a string.
 */
export function bucket(userId: string, flagName: string): number;

/**
 * A/B variant: the first `v` in `variants` whose flag `${testName}_${v}` is in
 * `enabledFlagNames`; else `defaultVariant`; else the first variant;
 * `undefined` only when there is neither a variant nor a default.
 * @throws TypeError when an argument has the wrong type.
 */
export function chooseVariant<T extends string>(
  testName: string,
  variants: readonly T[],
  enabledFlagNames: readonly string[],
  defaultVariant?: NoInfer<T> | null,
): T | undefined;

export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module;

/**
 * Loads and instantiates the WebAssembly module. Without an argument it
 * fetches `flaglive_wasm_bg.wasm` next to the package's JS (bundlers such as
 * Vite and webpack 5 resolve that URL). Resolves once the API is usable;
 * calling it again is a no-op.
 */
export default function init(
  moduleOrPath?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<unknown>;

/** Instantiates the module synchronously from bytes or a compiled module (Node, workers). */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
