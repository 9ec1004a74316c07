// Hand-written types for the public API of `flaglive` (checked by
// tests/js/types-check.ts against real usage), like the JS they describe.

/** Why a flag evaluated as it did; the production server's strings. */
/**
 * `T`, in a place TypeScript does not infer `T` from (a default variant
 * must be one of the variants, not widen them). TypeScript's own `NoInfer`
 * needs 5.4; this works from 5.0, the oldest version these types support.
 */
export type NotInferred<T> = [T][T extends any ? 0 : never];

export type Reason =
  | 'flag_not_found'
  | 'flag_disabled'
  | 'user_targeted'
  | 'role_targeted'
  | 'strategy_all'
  | 'strategy_none'
  | 'strategy_targeted'
  | 'percentage_rollout'
  | 'default'
  /** A tester's override (`setOverride`), never the server's. */
  | 'override';

export interface Evaluation {
  enabled: boolean;
  reason: Reason;
}

/** Known strategies; any other string evaluates by rule 7 (`enabled`, `default`). */
export type RolloutStrategy = 'all' | 'none' | 'targeted' | 'percentage' | (string & {});

/**
 * A flag as the snapshot endpoint sends it (docs/protocol.md part C).
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
  defaultVariant?: NotInferred<T> | null,
): T | undefined;

export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module;

/**
 * Loads and instantiates the WebAssembly module. Without an argument it
 * fetches `flaglive_wasm_bg.wasm` next to the package's JS (Vite and
 * webpack 5 resolve that URL). Pass a URL, Response or bytes for CSP-strict
 * pages, workers or CDNs. Calling it again is a no-op.
 */
export function init(
  input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<void>;
export default init;

/** Instantiates the module synchronously from bytes or a compiled module (Node, workers). */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): void;

/**
 * A snapshot and what the core made of it, as plain JSON (from
 * prepareBootstrap). Pass it as `bootstrap`: a browser renders the same
 * flags and configuration with it before its wasm has loaded, so a server
 * render hydrates without a mismatch. Treat `state` as opaque.
 */
export interface PreparedBootstrap {
  readonly snapshot: string;
  readonly state: {
    /** The format of the codes; a browser on another package version evaluates `snapshot` itself instead. */
    readonly codes?: number;
    /** The user the snapshot is for. */
    readonly u?: string | null;
    readonly f: Readonly<Record<string, number>>;
    readonly c: unknown;
    readonly v: Readonly<Record<string, string | null>>;
  };
}

/**
 * Evaluates a snapshot (or its JSON text) for hydration: on the server
 * (where `flaglive` loads its wasm at import), pass the result from a
 * server component to `<FlagProvider options={{ bootstrap }}>`.
 * `variants` (optional): A/B tests whose choice to keep with the flags
 * (`{ pricing: ['monthly', 'annual'] }`, or `{ variants, defaultVariant }`);
 * any test is chosen from the flags without the wasm anyway.
 * @throws TypeError when it is not a snapshot.
 */
export function prepareBootstrap(
  snapshot: Snapshot | string | PreparedBootstrap,
  options?: { variants?: Record<string, readonly string[] | { variants: readonly string[]; defaultVariant?: string }> },
): PreparedBootstrap;

/** Whether init() or initSync() has completed. */
export function isLoaded(): boolean;

/**
 * `new FlagClient(options)`, with the wasm's request (from `wasm` if given,
 * else beside this file) and the snapshot's on their way at once. Against
 * flaglive-server, `ready()` resolves from its prepared answer without
 * waiting for the wasm; other servers' plain snapshots wait for it. A wasm
 * that cannot load is logged with console.error and leaves the client
 * `stale` (flags, no live updates) or `error`.
 */
export function createFlagClient(
  options: FlagClientOptions,
  wasm?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<FlagClient>;

/** A snapshot document (docs/protocol.md part C). */
export interface Snapshot {
  version?: number | null;
  generatedAt?: string | null;
  user?: { id?: string | null; role?: string | null } | null;
  flags: SnapshotFlag[];
  config?: {
    defaults?: unknown;
    environment?: unknown;
    organization?: unknown;
    customer?: unknown;
  } | null;
}

export type FlagStatus = 'loading' | 'ready' | 'stale' | 'unauthorized' | 'error';

/** Which configuration layer a resolved value came from (part E). */
export type ConfigSource = 'CUSTOMER_OVERRIDE' | 'ORGANIZATION_OVERRIDE' | 'ENVIRONMENT' | 'DEFAULT';

export interface FlagClientOptions {
  /** The flag server's origin (and path prefix); `''` for the page's own origin. */
  baseUrl?: string;
  /** Fetch credentials mode; `include` (default) also sets `withCredentials` on the stream. */
  credentials?: 'include' | 'same-origin' | 'omit';
  /**
   * The signed-in user's identity from the app's own auth: a function
   * returning a JWT (sync or async) that flaglive-server verifies
   * (`--jwt-secret-file`, `--jwt-public-key-file` or `--jwks-url`). The
   * client posts it to `/api/auth/session` before the first snapshot of each
   * `identify()` and again after any 401, then goes on with the session
   * cookie. Returning `null`/`undefined` (or throwing) means signed out:
   * status `unauthorized` until `identify()`.
   */
  token?: () => string | null | undefined | PromiseLike<string | null | undefined>;
  /** Flags to use at once (status `stale`) until the snapshot arrives: a snapshot or its JSON text. */
  bootstrap?: Snapshot | string | PreparedBootstrap | null;
  /** Keep the last good flags in localStorage (default true). */
  cache?: boolean;
  /** Whose cached flags to show at start; default: the last user seen. */
  userId?: string;
  /** Keep a live stream open (default true). */
  streaming?: boolean;
  /** Delay before re-reading the snapshot after a partial event (default 300). */
  resyncDebounceMs?: number;
  /** Close the stream after the tab has been hidden this long (default 60000). */
  hiddenCloseMs?: number;
  /** Give up on a snapshot request after this long and retry with backoff (default 10000). */
  requestTimeoutMs?: number;
  /** Reopen the stream when nothing, not even a ping, arrived for this long (default 75000; servers ping every 30 s). */
  streamTimeoutMs?: number;
  /**
   * A stream that opened but delivered nothing (servers send a `connection`
   * message at once) for this long is held by a buffering or compressing
   * proxy: status `stale`, `lastError` says so, one console warning, and
   * the stream is reopened with backoff while the snapshot is re-read on
   * each attempt (default 5000).
   */
  streamStartTimeoutMs?: number;
  /**
   * Called when the app actually used a value: an A/B variant read with
   * `variant()` or shown by `useVariant` (after React commits it), and, with
   * `exposeFlagReads`, a flag read. Once per user, kind, name and value
   * unless `dedupeExposures` is false; nothing before flags are loaded.
   */
  onExposure?: (event: ExposureEvent) => void;
  /** Flag reads (`isEnabled`, `evaluate`, `useFlag`) are exposures too (default false). */
  exposeFlagReads?: boolean;
  /** Report each user's value once per client (default true). */
  dedupeExposures?: boolean;
  /**
   * Take overrides from the page URL, `?flaglive=promo_banner:off,pricing_page:annual`
   * (default false: a production page cannot be steered by a link unless the app allows it).
   */
  urlOverrides?: boolean;
}

/** A value the app used, or an event it tracked. */
export type ExposureEvent = {
  /** The user the value was evaluated for, and the snapshot version. */
  userId: string | null;
  version: number | null;
  /** `Date.now()` when it was reported. */
  timestamp: number;
} & (
  | { type: 'variant'; name: string; variant: string; enabled: boolean; reason: Reason }
  | { type: 'flag'; name: string; enabled: boolean; reason: Reason }
  | { type: 'track'; name: string; details: unknown }
);

export interface ChangeDetail {
  /** The layered configuration changed. */
  config: boolean;
  /** The new status, when it changed. */
  status?: FlagStatus;
}

/** Called once per burst of changes with the names of flags whose value for this user changed. */
export type FlagListener = (changed: string[], detail: ChangeDetail) => void;

/**
 * The live flag client: fetches the snapshot, follows the stream, caches
 * offline, evaluates locally. Reads are synchronous.
 * @throws TypeError from the constructor when options have the wrong shape.
 */
export class FlagClient {
  /** Starts loading the wasm if init() was not called; the client works before it is in (see createFlagClient). */
  constructor(options: FlagClientOptions);
  /** Resolves when flags are usable (network, bootstrap or cache); rejects when the first attempt fails without any. */
  ready(): Promise<void>;
  readonly status: FlagStatus;
  /** The last problem, in words. */
  readonly lastError: string | undefined;
  /** The snapshot version the flags are at, if the server sends versions. */
  readonly version: number | undefined;
  /** How many times the shared stream was reopened. */
  readonly reconnects: number;
  /** Whether a flag is on for this user; `fallback` (default false) until flags are loaded. */
  isEnabled(name: string, fallback?: boolean): boolean;
  evaluate(name: string): Evaluation;
  /** The A/B variant of `testName`: first enabled `${testName}_${v}`, else `defaultVariant`, else the first. An exposure. */
  variant<T extends string>(testName: string, variants: readonly T[], defaultVariant?: NotInferred<T> | null): T | undefined;
  /** The same variant without reporting an exposure (e.g. to decide before showing it). */
  chooseVariant<T extends string>(testName: string, variants: readonly T[], defaultVariant?: NotInferred<T> | null): T | undefined;
  /** `evaluate(name)` without reporting an exposure. */
  detail(name: string): Evaluation;
  /** Listens for exposures and tracked events; returns the function that stops it. */
  onExposure(listener: (event: ExposureEvent) => void): () => void;
  /** Reports that a value was used (what `variant()` and the hooks do for you). */
  expose(kind: 'variant', testName: string, variant: string): void;
  expose(kind: 'flag', name: string): void;
  /** An event of the app's own (a conversion) to the exposure listeners. */
  track(name: string, details?: unknown): void;
  /**
   * For testers: forces a flag on or off, or an A/B test to a variant;
   * `null` clears it. Reads answer it with reason `override`; it stays in
   * this tab (sessionStorage, per base URL and user) and never leaves the browser.
   */
  setOverride(name: string, value: boolean | string | null): void;
  /** The overrides in force: `{ [name]: true | false | variant }`. */
  overrides(): Record<string, boolean | string>;
  allFlags(): Record<string, Evaluation>;
  /** The resolved configuration at a dotted `path` (all of it without one). */
  config<T = unknown>(path?: string): { value: T; source: ConfigSource } | undefined;
  /** Returns the unsubscribe function. */
  subscribe(listener: FlagListener): () => void;
  /** Re-reads the snapshot after a sign-in change; the last call wins. */
  identify(): Promise<void>;
  reload(): Promise<void>;
  /** Stops the stream, timers and listeners; reads keep answering from the last flags. */
  close(): void;
  /** Releases the wasm memory (after close()). */
  free(): void;
}
