// The benchmark lab page (bench/compare.mjs drives it in headless
// Chromium, served by flaglive-server so flaglive fetches a real snapshot).
// Every SDK is loaded here so all figures come from one browser run.
import { FlagClient, createFlagClient } from 'flaglive';
import { FlagStore } from 'flaglive/react';
import { initialize as ldInitialize } from 'launchdarkly-js-client-sdk';
import { GrowthBook } from '@growthbook/growthbook';
import { UnleashClient } from 'unleash-proxy-client';
import { OpenFeature, InMemoryProvider } from '@openfeature/web-sdk';
import { FliptClient } from '@flipt-io/flipt-client-js';
import { startPropagation } from './propagation.js';
import { tenThousand } from './ten-thousand.js';

const now = () => performance.now();
let sink = 0;

/** ns per read over `n` reads cycling through `names`; best of 3 rounds (JIT warm). */
function perRead(names, read, n = 1_000_000) {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t = now();
    for (let i = 0; i < n; i++) sink += read(names[i % names.length]) ? 1 : 0;
    best = Math.min(best, ((now() - t) * 1e6) / n);
  }
  return best;
}

/** Each SDK holding the same 20 on/off flags, read the way an app reads them. */
async function reads() {
  const client = await createFlagClient({ baseUrl: '', cache: false, streaming: false });
  await client.ready();
  const names = Object.keys(client.allFlags());
  const values = Object.fromEntries(names.map((n) => [n, client.isEnabled(n)]));
  const store = new FlagStore();
  store.attach(client);
  const out = {};
  out['plain JS object'] = perRead(names, (n) => values[n]);
  out['flaglive useFlag (JS-side store)'] = perRead(names, (n) => { const e = store.detail(n); return e.enabled; });
  out['flaglive client.isEnabled (plain object of codes)'] = perRead(names, (n) => client.isEnabled(n));

  const ld = ldInitialize('bench', { kind: 'user', key: 'user-admin' }, {
    bootstrap: values, streaming: false, sendEvents: false, fetchGoals: false, diagnosticOptOut: true, sendEventsOnlyForVariation: true,
  });
  await ld.waitForInitialization(5);
  out['LaunchDarkly variation'] = perRead(names, (n) => ld.variation(n, false), 200_000);
  ld.close();

  const gb = new GrowthBook({ features: Object.fromEntries(names.map((n) => [n, { defaultValue: values[n] }])), attributes: { id: 'user-admin' } });
  out['GrowthBook isOn'] = perRead(names, (n) => gb.isOn(n), 200_000);

  const unleash = new UnleashClient({
    url: 'http://127.0.0.1:1/unused', clientKey: 'bench', appName: 'bench', refreshInterval: 0, disableRefresh: true, disableMetrics: true,
    bootstrap: names.filter((n) => values[n]).map((n) => ({ name: n, enabled: true, variant: { name: 'disabled', enabled: false }, impressionData: false })),
  });
  await unleash.start(); // applies the bootstrap; a fresh bootstrap skips the first fetch
  out['Unleash isEnabled'] = perRead(names, (n) => unleash.isEnabled(n), 200_000);
  unleash.stop();

  await OpenFeature.setProviderAndWait(new InMemoryProvider(Object.fromEntries(names.map((n) => [n, {
    variants: { on: true, off: false }, defaultVariant: values[n] ? 'on' : 'off', disabled: false,
  }]))));
  const of = OpenFeature.getClient();
  out['OpenFeature getBooleanValue (in-memory)'] = perRead(names, (n) => of.getBooleanValue(n, false), 200_000);

  try {
    const fliptSnapshot = {
      namespace: { key: 'default' },
      flags: names.map((n) => ({ key: n, name: n, type: 'BOOLEAN_FLAG_TYPE', enabled: values[n], rollouts: [] })),
    };
    const fetcher = async () => new Response(JSON.stringify(fliptSnapshot), { status: 200, headers: { 'content-type': 'application/json' } });
    const flipt = await FliptClient.init({ namespace: 'default', fetcher, updateInterval: 3600 });
    const ok = names.every((n) => flipt.evaluateBoolean({ flagKey: n, entityId: 'user-admin', context: {} }).enabled === values[n]);
    if (!ok) throw new Error('Flipt answered differently from the snapshot');
    out['Flipt evaluateBoolean (wasm)'] = perRead(names, (n) => flipt.evaluateBoolean({ flagKey: n, entityId: 'user-admin', context: {} }).enabled, 100_000);
    flipt.close?.();
  } catch (e) {
    out['Flipt evaluateBoolean (wasm)'] = `failed: ${e.message}`;
  }
  client.close();
  return { flags: names.length, nsPerRead: out, sink };
}

async function login(username, password) {
  const r = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!r.ok) throw new Error(`login ${r.status}`);
}

Object.assign(window, { login, reads, tenThousand, startPropagation, FlagClient });
window.labReady = true;
