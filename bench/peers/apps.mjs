// One-flag apps, one per SDK: the smallest real use (create the client for
// a signed-in user, read one flag, render it). Each is bundled by Vite for
// production and its JS + wasm gzipped: what an app ships. `react` apps
// use the SDK's React binding; `js` apps the SDK alone. Each SDK is given
// what it needs to start without a network (keys, bootstrap) so no app is
// smaller for skipping setup. Read by bench/compare.mjs.
const mount = `import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
const root = createRoot(document.getElementById('root'));`;

export const APPS = {
  'react alone (baseline)': { kind: 'baseline', code: `${mount}
root.render(h('p', null, 'on'));` },

  'flaglive': { kind: 'js', sdk: 'flaglive', code: `import { createFlagClient } from 'flaglive';
const client = await createFlagClient({ baseUrl: '' });
document.body.textContent = client.isEnabled('new_dashboard') ? 'on' : 'off';` },
  'flaglive/react': { kind: 'react', sdk: 'flaglive', code: `${mount}
import { FlagProvider, useFlag } from 'flaglive/react';
function App() { return h('p', null, useFlag('new_dashboard') ? 'on' : 'off'); }
root.render(h(FlagProvider, { options: { baseUrl: '' } }, h(App)));` },

  'launchdarkly-js-client-sdk': { kind: 'js', sdk: 'launchdarkly', code: `import { initialize } from 'launchdarkly-js-client-sdk';
const client = initialize('client-side-id', { kind: 'user', key: 'user-1' });
await client.waitForInitialization(5);
document.body.textContent = client.variation('new_dashboard', false) ? 'on' : 'off';` },
  'launchdarkly-react-client-sdk': { kind: 'react', sdk: 'launchdarkly', code: `${mount}
import { withLDProvider, useFlags } from 'launchdarkly-react-client-sdk';
function App() { return h('p', null, useFlags().newDashboard ? 'on' : 'off'); }
const Wrapped = withLDProvider({ clientSideID: 'client-side-id', context: { kind: 'user', key: 'user-1' } })(App);
root.render(h(Wrapped));` },

  '@growthbook/growthbook': { kind: 'js', sdk: 'growthbook', code: `import { GrowthBook } from '@growthbook/growthbook';
const gb = new GrowthBook({ apiHost: 'https://cdn.example', clientKey: 'sdk-key', attributes: { id: 'user-1' } });
await gb.init({ streaming: true });
document.body.textContent = gb.isOn('new_dashboard') ? 'on' : 'off';` },
  '@growthbook/growthbook-react': { kind: 'react', sdk: 'growthbook', code: `${mount}
import { GrowthBook } from '@growthbook/growthbook';
import { GrowthBookProvider, useFeatureIsOn } from '@growthbook/growthbook-react';
const gb = new GrowthBook({ apiHost: 'https://cdn.example', clientKey: 'sdk-key', attributes: { id: 'user-1' } });
gb.init({ streaming: true });
function App() { return h('p', null, useFeatureIsOn('new_dashboard') ? 'on' : 'off'); }
root.render(h(GrowthBookProvider, { growthbook: gb }, h(App)));` },

  'unleash-proxy-client': { kind: 'js', sdk: 'unleash', code: `import { UnleashClient } from 'unleash-proxy-client';
const client = new UnleashClient({ url: 'https://unleash.example/api/frontend', clientKey: 'key', appName: 'app', context: { userId: 'user-1' } });
await client.start();
document.body.textContent = client.isEnabled('new_dashboard') ? 'on' : 'off';` },
  '@unleash/proxy-client-react': { kind: 'react', sdk: 'unleash', code: `${mount}
import { FlagProvider, useFlag } from '@unleash/proxy-client-react';
const config = { url: 'https://unleash.example/api/frontend', clientKey: 'key', appName: 'app', context: { userId: 'user-1' } };
function App() { return h('p', null, useFlag('new_dashboard') ? 'on' : 'off'); }
root.render(h(FlagProvider, { config }, h(App)));` },

  '@openfeature/web-sdk (in-memory provider)': { kind: 'js', sdk: 'openfeature', code: `import { OpenFeature, InMemoryProvider } from '@openfeature/web-sdk';
await OpenFeature.setProviderAndWait(new InMemoryProvider({ new_dashboard: { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false } }));
document.body.textContent = OpenFeature.getClient().getBooleanValue('new_dashboard', false) ? 'on' : 'off';` },
  '@openfeature/react-sdk (in-memory provider)': { kind: 'react', sdk: 'openfeature', code: `${mount}
import { OpenFeature, InMemoryProvider, OpenFeatureProvider, useBooleanFlagValue } from '@openfeature/react-sdk';
OpenFeature.setProvider(new InMemoryProvider({ new_dashboard: { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false } }));
function App() { return h('p', null, useBooleanFlagValue('new_dashboard', false) ? 'on' : 'off'); }
root.render(h(OpenFeatureProvider, null, h(App)));` },

  '@flipt-io/flipt-client-js (wasm)': { kind: 'js', sdk: 'flipt', code: `import { FliptClient } from '@flipt-io/flipt-client-js';
const client = await FliptClient.init({ url: 'https://flipt.example', namespace: 'default' });
document.body.textContent = client.evaluateBoolean({ flagKey: 'new_dashboard', entityId: 'user-1', context: {} }).enabled ? 'on' : 'off';` },
};
