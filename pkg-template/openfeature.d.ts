// Hand-written types for flaglive/openfeature.
import type { EvaluationContext, JsonValue, Logger, OpenFeatureEventEmitter, Provider, ResolutionDetails } from '@openfeature/web-sdk';
import type { FlagClient, FlagClientOptions, InitInput } from './index.js';

export interface FlagliveProviderOptions {
  /** Per A/B test key, the variants in order (default: the suffixes of `${key}_*` flags, sorted). */
  variants?: Record<string, readonly string[]>;
  /** Where the wasm comes from, when the provider loads it. */
  wasm?: InitInput | Promise<InitInput>;
  /** Close the client in onClose (default: only a client the provider created). */
  closeClient?: boolean;
}

export class FlagliveProvider implements Provider {
  constructor(clientOrOptions: FlagClient | FlagClientOptions, options?: FlagliveProviderOptions);
  readonly metadata: { name: 'flaglive' };
  readonly runsOn: 'client';
  readonly events: OpenFeatureEventEmitter;
  readonly hooks: [];
  client: FlagClient | null;
  initialize(context?: EvaluationContext): Promise<void>;
  onContextChange(oldContext: EvaluationContext, newContext: EvaluationContext): Promise<void>;
  onClose(): Promise<void>;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext, logger: Logger): ResolutionDetails<boolean>;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext, logger: Logger): ResolutionDetails<string>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext, logger: Logger): ResolutionDetails<number>;
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext, logger: Logger): ResolutionDetails<T>;
}
