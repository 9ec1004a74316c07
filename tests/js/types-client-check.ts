// Compile-only check of the FlagClient, flaglive/react and flaglive/openfeature
// types against real usage. @ts-expect-error lines must stay errors.
import { createElement as h } from 'react';
import { createFlagClient, FlagClient, init, isLoaded, prepareBootstrap, type FlagStatus, type ChangeDetail, type PreparedBootstrap, type ExposureEvent } from '../../pkg/index.js';
import {
  FlagProvider, useFlag, useFlagDetail, useVariant, useFlags, useFlagsStatus, useConfig, useFlagClient,
  useFeatureFlag, useFeatureFlags, useFeatureFlagsWithSSE, useABTest,
} from '../../pkg/react.js';
import { FlagliveProvider } from '../../pkg/openfeature.js';
import { createTestClient, resetIO, setIO, type TestClient } from '../../pkg/testing.js';
import { FlagDevtools } from '../../pkg/devtools.js';

async function client(): Promise<void> {
  const c: FlagClient = await createFlagClient({ baseUrl: 'https://flags.example.com', credentials: 'include', hiddenCloseMs: 1000 });
  await c.ready();
  const s: FlagStatus = c.status;
  const on: boolean = c.isEnabled('new_dashboard', false);
  const v: 'a' | 'b' | undefined = c.variant('test', ['a', 'b'] as const, 'a');
  const theme = c.config<{ accent: string }>('theme');
  const accent: string | undefined = theme?.value.accent;
  const off: () => void = c.subscribe((names: string[], d: ChangeDetail) => void [names, d.config, d.status]);
  const loaded: boolean = isLoaded();
  new FlagClient({ bootstrap: '{"flags":[]}', streamStartTimeoutMs: 3000 });
  await init();
  const prepared: PreparedBootstrap = prepareBootstrap('{"flags":[]}', { variants: { pricing: ['a', 'b'], plan: { variants: ['x'], defaultVariant: 'y' } } });
  new FlagClient({ bootstrap: prepared });
  // Next's getServerSideProps cannot return undefined: no snapshot is null.
  new FlagClient({ bootstrap: null });
  // @ts-expect-error variants are lists of names
  prepareBootstrap({ flags: [] }, { variants: { pricing: 'a' } });
  void [s, on, v, accent, off, loaded];
  // @ts-expect-error credentials is a fetch mode
  new FlagClient({ credentials: 'always' });
  new FlagClient({ token: () => 'eyJ...' });
  new FlagClient({ token: async () => (Math.random() > 0.5 ? 'eyJ...' : null) });
  // @ts-expect-error token is a function returning the JWT, not the JWT
  new FlagClient({ token: 'eyJ...' });
  // @ts-expect-error the default must be one of the variants
  c.variant('test', ['a', 'b'] as const, 'c');
}

function Component(): null {
  const on: boolean = useFlag('x', true);
  const detail = useFlagDetail('x');
  const plan: 'monthly' | 'annual' = useVariant('pricing', ['monthly', 'annual'] as const, 'monthly');
  const all: Readonly<Record<string, boolean>> = useFlags();
  const { ready, status, error } = useFlagsStatus();
  const unknownConfig: unknown = useConfig('theme');
  const limit: number = useConfig<number>('limits.reportsPerDay', 10);
  const client: FlagClient | null = useFlagClient();
  const one = useFeatureFlag('x');
  const many = useFeatureFlags(['x', 'y']);
  const live = useFeatureFlagsWithSSE(['x'], { onUpdate: (name: string, enabled: boolean) => void [name, enabled] });
  const ab: 'a' | 'b' = useABTest('t', ['a', 'b'] as const);
  void [on, detail.reason, plan, all, ready, status, error, unknownConfig, limit, client, one.isEnabled, many.flags, live.isConnected, ab];
  // @ts-expect-error config is unknown unless typed
  const n: number = useConfig('limits.reportsPerDay');
  // @ts-expect-error the default must be one of the variants
  useVariant('pricing', ['monthly', 'annual'] as const, 'weekly');
  void n;
  return null;
}

const tree = h(FlagProvider, { options: { baseUrl: '' }, fallback: 'loading' }, h(Component));
const provider = new FlagliveProvider({ baseUrl: '' }, { variants: { pricing: ['a', 'b'] } });
void [tree, provider.metadata.name];

const testClient: TestClient = createTestClient({
  flags: { a: true, rollout: { enabled: true, rolloutStrategy: 'percentage', rolloutPercentage: 30 } },
  variants: { pricing: 'annual' }, config: { theme: 'dark' }, user: { id: 'u1', role: 'md' },
});
testClient.set({ flags: { a: false } });
const asClient: FlagClient = testClient;
const testTree = h(FlagProvider, { client: testClient });
// @ts-expect-error a flag is on/off or snapshot-shaped
createTestClient({ flags: { a: 'yes' } });
void [asClient, testTree];
// A real client's I/O, faked: any part, the others stay the browser's.
class FakeStream { onmessage = null; onerror = null; close() {} constructor(readonly url: string) {} }
setIO({
  fetch: async () => ({ status: 200, ok: true, headers: new Headers(), text: async () => '{}' }),
  EventSource: () => FakeStream, setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms), now: () => 0,
  storage: () => undefined, document: () => undefined,
});
// @ts-expect-error the clock is a number of milliseconds
setIO({ now: () => 'soon' });
resetIO();

const exposing = new FlagClient({
  exposeFlagReads: true, dedupeExposures: false,
  onExposure: (e: ExposureEvent) => {
    if (e.type === 'variant') { const v: string = e.variant; void v; }
    if (e.type === 'track') { const d: unknown = e.details; void d; }
    const who: string | null = e.userId; void who;
  },
});
const stop: () => void = exposing.onExposure(() => undefined);
exposing.expose('variant', 'pricing', 'annual');
exposing.expose('flag', 'promo');
exposing.track('purchase', { total: 1 });
const quiet: 'a' | 'b' | undefined = exposing.chooseVariant('t', ['a', 'b'] as const);
void [stop, quiet, exposing.detail('x').reason];
// @ts-expect-error a variant exposure names its variant
exposing.expose('variant', 'pricing');

exposing.setOverride('promo', true);
exposing.setOverride('pricing', 'annual');
exposing.setOverride('promo', null);
const forced: Record<string, boolean | string> = exposing.overrides();
new FlagClient({ urlOverrides: true });
const panel = h(FlagDevtools, { tests: { pricing: ['a', 'b'] }, title: 'Flags' });
// @ts-expect-error an override is a boolean, a variant or null
exposing.setOverride('promo', 1);
void [forced, panel];
