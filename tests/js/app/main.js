// Test scenarios, mounted on demand by tests/js/app.test.mjs through window.*.
// Plain createElement (no JSX) so the app needs no Vite plugin.
import { createElement as h, StrictMode, Suspense } from 'react';
import { createRoot, hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import init, { FlagClient } from 'flaglive';
import {
  FlagProvider, useFlag, useFlagDetail, useVariant, useFlags, useFlagsStatus, useConfig,
  useFeatureFlag, useFeatureFlags, useABTest,
} from 'flaglive/react';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { FlagliveProvider } from 'flaglive/openfeature';

window.renders = {};
const counted = (name, Component) => (props) => {
  window.renders[name] = (window.renders[name] ?? 0) + 1;
  return Component(props);
};
const Text = (id, text) => h('span', { id }, String(text));

const Dashboard = counted('dashboard', () => Text('dashboard', useFlag('new_dashboard')));
const Promo = counted('promo', () => Text('promo', useFlag('promo_banner')));
const Detail = counted('detail', () => Text('detail', useFlagDetail('beta_reports').reason));
const Pricing = counted('pricing', () => Text('pricing', useVariant('pricing_page', ['control', 'annual', 'compact'])));
const AllFlags = counted('all', () => Text('all', Object.keys(useFlags()).length));
const Status = counted('status', () => Text('status', useFlagsStatus().status));
const Theme = counted('config', () => Text('config', JSON.stringify(useConfig('theme', null))));
const Compat = counted('compat', () => {
  const one = useFeatureFlag('new_dashboard');
  const many = useFeatureFlags(['promo_banner', 'dark_mode']);
  const ab = useABTest('pricing_page', ['control', 'annual', 'compact']);
  return Text('compat', JSON.stringify({ one: one.isEnabled, loading: one.isLoading, many: many.flags, ab }));
});

function App() {
  return h('div', null, h(Dashboard), h(Promo), h(Detail), h(Pricing), h(AllFlags), h(Status), h(Theme), h(Compat));
}

let root = null;

/** Mounts the hooks scenario: `{ strict, options, fallback, ownClient }`. */
window.mountHooks = async ({ strict = false, options = { baseUrl: '', cache: false }, fallback, ownClient = false } = {}) => {
  window.renders = {};
  await init();
  if (ownClient) window.client = new FlagClient(options);
  const provider = h(FlagProvider, ownClient ? { client: window.client, fallback } : { options, fallback }, h(App));
  root = createRoot(document.getElementById('root'));
  root.render(strict ? h(StrictMode, null, provider) : provider);
};

/** A provider that loads the wasm itself (no init() first), under a fallback. */
window.mountProviderOnly = () => {
  root = createRoot(document.getElementById('root'));
  root.render(h(FlagProvider, { options: { baseUrl: '', cache: false }, fallback: h('span', { id: 'fallback' }, 'waiting') }, h(App)));
};

window.unmount = () => {
  root?.unmount();
  root = null;
};

window.text = (id) => document.getElementById(id)?.textContent ?? null;

/** OpenFeature: sets the provider and records its events. */
window.openFeature = async () => {
  window.ofEvents = [];
  window.exposures = [];
  for (const e of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged, ProviderEvents.Error]) {
    OpenFeature.addHandler(e, (details) => window.ofEvents.push({ type: e, flags: details?.flagsChanged ?? null }));
  }
  window.ofProvider = new FlagliveProvider({ baseUrl: '', cache: false, onExposure: (e) => window.exposures.push(e) },
    { variants: { pricing_page: ['control', 'annual', 'compact'] } });
  await OpenFeature.setProviderAndWait(window.ofProvider);
  window.of = OpenFeature.getClient();
};

/** Server-renders with a bootstrap snapshot, then hydrates: returns the
 *  server HTML, the text right after hydration and React's recoverable errors. */
window.ssrHydrate = async (bootstrap) => {
  await init();
  const tree = () => h(FlagProvider, { options: { baseUrl: '', cache: false, bootstrap } }, h(App));
  const html = renderToString(tree());
  const container = document.getElementById('root');
  container.innerHTML = html;
  const recoverable = [];
  root = hydrateRoot(container, tree(), { onRecoverableError: (e) => recoverable.push(String(e?.message ?? e)) });
  await new Promise((r) => setTimeout(r, 0));
  return { html, hydrated: container.innerHTML, recoverable };
};

/** Exposures: StrictMode, the same test shown twice, a flag, and a Suspense
 *  boundary whose child reads a variant, then suspends until
 *  `window.releaseSuspended()`: that render never commits before. */
window.mountExposures = async ({ exposeFlagReads = false } = {}) => {
  await init();
  window.exposures = [];
  window.client = new FlagClient({ baseUrl: '', cache: false, exposeFlagReads, onExposure: (e) => window.exposures.push(e) });
  await window.client.ready();
  let release;
  const gate = new Promise((r) => { release = r; });
  let released = false;
  window.releaseSuspended = () => { released = true; release(); };
  const Pricing = ({ id }) => Text(id, useVariant('pricing_page', ['control', 'annual', 'compact']));
  const Checkout = () => {
    const flow = useVariant('checkout_flow', ['classic', 'express']);
    if (!released) throw gate;
    return Text('checkout', flow);
  };
  const Promo = () => Text('promo', useFlag('promo_banner'));
  const tree = (n) => h(StrictMode, null, h(FlagProvider, { client: window.client },
    h('div', { 'data-n': n }, h(Pricing, { id: 'pricing' }), h(Pricing, { id: 'pricing2' }), h(Promo),
      h(Suspense, { fallback: Text('checkout', 'waiting') }, h(Checkout)))));
  root = createRoot(document.getElementById('root'));
  root.render(tree(0));
  let n = 0;
  window.rerender = () => root.render(tree(++n));
};

/** A client that has not loaded yet: what variant() gives, and exposures then. */
window.exposureBeforeLoad = async () => {
  await init();
  const events = [];
  const c = new FlagClient({ baseUrl: '', cache: false, streaming: false, onExposure: (e) => events.push(e) });
  const chosen = c.variant('pricing_page', ['control', 'annual']);
  c.close();
  return { chosen, events };
};
