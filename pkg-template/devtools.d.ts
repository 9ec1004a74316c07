// Hand-written types for flaglive/devtools.
import type { JSX } from 'react';

export interface FlagDevtoolsProps {
  /** The A/B tests to show, `{ test: [variants in order] }`; default: inferred from flag names `${test}_${variant}`. */
  tests?: Record<string, readonly string[]>;
  /** The panel's heading (default `flaglive`). */
  title?: string;
}

/** A panel for testers inside a <FlagProvider>: flags, variants, config, status, events, overrides. */
export function FlagDevtools(props: FlagDevtoolsProps): JSX.Element;
