// Test scenarios, mounted on demand by tests/js/app.test.mjs through window.*.
// Plain createElement (no JSX) so the app needs no Vite plugin.
import { createElement as h, StrictMode } from 'react';
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

window.unmount = () => {
  root?.unmount();
  root = null;
};

window.text = (id) => document.getElementById(id)?.textContent ?? null;

/** OpenFeature: sets the provider and records its events. */
window.openFeature = async () => {
  window.ofEvents = [];
  for (const e of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged, ProviderEvents.Error]) {
    OpenFeature.addHandler(e, (details) => window.ofEvents.push({ type: e, flags: details?.flagsChanged ?? null }));
  }
  window.ofProvider = new FlagliveProvider({ baseUrl: '', cache: false }, { variants: { pricing_page: ['control', 'annual', 'compact'] } });
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
