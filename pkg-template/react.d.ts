// Hand-written types for flaglive/react.
import type { ReactNode, JSX } from 'react';
import type { Evaluation, FlagClient, FlagClientOptions, FlagStatus, NotInferred } from './index.js';

export interface FlagProviderProps {
  /** Your client (not closed by the provider)... */
  client?: FlagClient;
  /** ...or options for a client the provider creates on mount and closes on unmount. */
  options?: FlagClientOptions;
  /** Rendered instead of children until flags are usable. */
  fallback?: ReactNode;
  children?: ReactNode;
}

export function FlagProvider(props: FlagProviderProps): JSX.Element;

export interface FlagsStatus {
  /** Flags are usable (fresh, cached or bootstrapped). */
  ready: boolean;
  status: FlagStatus;
  error: string | undefined;
}

export function useFlag(name: string, fallback?: boolean): boolean;
export function useFlagDetail(name: string): Evaluation;
export function useFlags(): Readonly<Record<string, boolean>>;
export function useFlagsStatus(): FlagsStatus;
export function useVariant<T extends string>(testName: string, variants: readonly T[], defaultVariant?: NotInferred<T>): T;
/** The resolved configuration at a dotted path; `unknown` unless you name the type. */
export function useConfig<T = unknown>(path: string | undefined, fallback: T): T;
export function useConfig<T = unknown>(path?: string): T | undefined;
export function useFlagClient(): FlagClient | null;

// Drop-in equivalents of the production service's hooks (docs/protocol.md part F).
export interface QueryLike {
  isLoading: boolean;
  isError: boolean;
  error: Error | null;
  refetch: () => Promise<void>;
}
export function useFeatureFlag(flagName: string, enabled?: boolean): QueryLike & { isEnabled: boolean };
export function useFeatureFlags(flagNames: readonly string[], enabled?: boolean): QueryLike & { flags: Record<string, boolean> };
export function useFeatureFlagsWithSSE(
  flagNames: readonly string[],
  options?: { enabled?: boolean; onUpdate?: (flagName: string, enabled: boolean) => void },
): QueryLike & { flags: Record<string, boolean>; isConnected: boolean };
export function useABTest<T extends string>(testName: string, variants: readonly T[], defaultVariant?: NotInferred<T>): T;
