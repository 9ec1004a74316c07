// Live propagation: the same page (5 components, 4 flags each) built two
// ways. `flaglive`: useFlag over one shared FlagClient stream. `part-f`: a
// model of the production service's hooks (docs/protocol.md part F): each
// component's useFeatureFlagsWithSSE opens its own EventSource and, on
// every stream message, re-fetches its flag set with one request
// (POST /api/feature-flags/evaluate, the server's per-flag-set answer).
// The component showing `promo_banner` records when it committed each new
// value (wall clock, comparable with the driver's).
import { createElement as h, useEffect, useLayoutEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { FlagProvider, useFlag } from 'flaglive/react';

export const PROBE = 'promo_banner';
const SETS = [
  [PROBE, 'new_dashboard', 'dark_mode', 'beta_reports'],
  ['pricing_page_control', 'pricing_page_annual', 'pricing_page_compact', 'new_dashboard'],
  ['dark_mode', 'beta_reports', 'promo_banner', 'pricing_page_annual'],
  ['new_dashboard', 'pricing_page_compact', 'dark_mode', 'promo_banner'],
  ['beta_reports', 'pricing_page_control', 'new_dashboard', 'dark_mode'],
];
const wall = () => performance.timeOrigin + performance.now();
window.commits = [];

function Probe({ flags, first }) {
  const value = flags[PROBE];
  useLayoutEffect(() => {
    if (first && value !== undefined) window.commits.push({ t: wall(), value });
  }, [value, first]);
  return h('ul', null, Object.entries(flags).map(([n, v]) => h('li', { key: n }, `${n}: ${v ? 'on' : 'off'}`)));
}

function FlagliveSection({ names, first }) {
  const flags = {};
  for (const n of names) flags[n] = useFlag(n); // eslint-disable-line react-hooks/rules-of-hooks
  return h(Probe, { flags, first });
}

/** The part F model: own EventSource, a request per flag set on mount and on every message. */
function usePartFFlags(names) {
  const [flags, setFlags] = useState({});
  useEffect(() => {
    let live = true;
    const refetch = async () => {
      const r = await fetch('/api/feature-flags/evaluate', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flagNames: names }),
      });
      const results = await r.json();
      if (live) setFlags(Object.fromEntries(results.map((e) => [e.flagName, e.enabled])));
    };
    refetch();
    const source = new EventSource('/api/feature-flags/sse?compat=part-b', { withCredentials: true });
    source.onmessage = (e) => {
      const type = JSON.parse(e.data).type;
      if (type !== 'ping' && type !== 'connection') refetch();
    };
    return () => { live = false; source.close(); };
  }, [names]);
  return flags;
}

function PartFSection({ names, first }) {
  return h(Probe, { flags: usePartFFlags(names), first });
}

export function startPropagation(mode) {
  const root = createRoot(document.getElementById('root'));
  const Section = mode === 'flaglive' ? FlagliveSection : PartFSection;
  const sections = SETS.map((names, i) => h(Section, { key: i, names, first: names[0] === PROBE }));
  root.render(mode === 'flaglive' ? h(FlagProvider, { options: { baseUrl: '', cache: false } }, sections) : sections);
  window.stopPropagation = () => root.unmount();
}
