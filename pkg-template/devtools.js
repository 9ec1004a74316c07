// flaglive/devtools: <FlagDevtools />, a panel for the people who test
// flags. Inside a <FlagProvider>: every flag with its value, reason and
// rollout bucket; each A/B test's variant; the resolved configuration and
// its source; the stream status; a live event log; and overrides (set and
// clear, kept in this tab: client.setOverride). Its own entry: an app that
// does not import it ships none of it. It reads without reporting
// exposures, so opening it does not count as seeing a variant.
import { createElement as h, useEffect, useState } from 'react';
import { bucket, isLoaded } from './index.js';
import { userOf } from './internal.js';
import { useConfig, useFlagClient, useFlags, useFlagsStatus } from './react.js';

const KEEP = 30;
// The panel takes its container's width and never more: tables of fixed
// layout whose cells wrap long names anywhere, selects no wider than their
// cell (an app's side column is often 300-400 px; at 380 px the override
// column used to stick out and scroll the page sideways).
const box = { font: '13px/1.4 system-ui, sans-serif', border: '1px solid #ccc', borderRadius: 8, padding: '8px 10px', background: '#fff', color: '#222', boxSizing: 'border-box', maxWidth: '100%', minWidth: 0 };
const cell = { padding: '2px 4px', borderBottom: '1px solid #eee', textAlign: 'left', verticalAlign: 'top', overflowWrap: 'break-word' };
const table = { borderCollapse: 'collapse', width: '100%', tableLayout: 'fixed' };
const pick = { width: '100%', boxSizing: 'border-box', font: 'inherit', padding: 0 };
/** A header row; `columns` are [title, width] ('' takes the rest). */
const head = (columns) => h('thead', null, h('tr', null, ...columns.map(([t, width]) => h('th', { key: t, style: { ...cell, whiteSpace: 'nowrap', width } }, t))));
/** A flag name that may wrap after each `_` (and anywhere, if it must). */
const wrappable = (name) => name.split(/(?<=_)/).flatMap((part, i) => (i ? [h('wbr', { key: i }), part] : [part]));
const pill = (on) => ({ display: 'inline-block', minWidth: 28, textAlign: 'center', borderRadius: 9, padding: '0 6px', color: '#fff', background: on ? '#2e7d4f' : '#888' });

/** A/B tests from flag names: prefixes shared by two or more `${test}_${variant}` flags. */
function inferTests(names) {
  const groups = {};
  for (const name of names) {
    const at = name.lastIndexOf('_');
    if (at > 0) (groups[name.slice(0, at)] ??= []).push(name.slice(at + 1));
  }
  return Object.fromEntries(Object.entries(groups).filter(([, variants]) => variants.length > 1));
}

/** The panel. `tests`: `{ test: [variants] }` in their order (default: inferred from flag names). */
export function FlagDevtools({ tests, title = 'flaglive' }) {
  const client = useFlagClient();
  const all = useFlags(); // a new object after every change: the panel follows them all
  const { status, error } = useFlagsStatus();
  const config = useConfig();
  const [log, add] = useEventLog(client);
  if (!client) return h('section', { style: box }, `${title}: loading…`);
  const names = Object.keys(all).sort();
  const overrides = client.overrides();
  const abTests = tests ?? inferTests(names);
  const set = (name, value) => {
    client.setOverride(name, value);
    add(`override ${name}: ${value === null ? 'cleared' : value === true ? 'on' : value === false ? 'off' : value}`, 'override');
  };
  return h('section', { style: box, 'data-flaglive-devtools': '' },
    h('h2', { style: { fontSize: 15, margin: '0 0 6px', display: 'flex', flexWrap: 'wrap', gap: 8 } }, title,
      h('span', { 'data-testid': 'status', className: `status ${status}`, title: error ?? '' }, status),
      h('span', { style: { color: '#888' } }, `reconnects ${client.reconnects}`)),
    error && status !== 'ready' ? h('p', { 'data-testid': 'status-error', style: { color: '#b3261e', margin: 0 } }, error) : null,
    h('table', { 'data-testid': 'flag-table', style: table },
      head([['flag', ''], ['value', '4.6em'], ['reason', '30%'], ['override', '5.4em']]),
      h('tbody', null, names.map((name) => {
        const { enabled, reason } = client.detail(name);
        const forced = overrides[name];
        return h('tr', { key: name, 'data-testid': `flag-${name}`, 'data-enabled': String(enabled), 'data-reason': reason },
          h('td', { style: cell }, wrappable(name)),
          h('td', { style: cell }, h('span', { style: pill(enabled) }, enabled ? 'on' : 'off'),
            // The bucket is the core's: shown once the wasm is in (flags may come before it).
            userOf(client) && isLoaded() ? h('span', { 'data-testid': `bucket-${name}`, title: 'rollout bucket (0-99)', style: { color: '#888', marginLeft: 4 } }, bucket(userOf(client), name)) : null),
          h('td', { style: cell }, h('code', { style: { fontSize: 11 } }, reason)),
          h('td', { style: cell }, h('select', {
            style: pick,
            'data-testid': `override-${name}`,
            value: typeof forced === 'boolean' ? (forced ? 'on' : 'off') : '',
            onChange: (e) => set(name, e.target.value === '' ? null : e.target.value === 'on'),
          }, h('option', { value: '' }, 'server'), h('option', { value: 'on' }, 'on'), h('option', { value: 'off' }, 'off'))));
      }))),
    names.length === 0 ? h('p', { style: { color: '#888' } }, 'No flags yet.') : null,
    Object.keys(abTests).length ? h('table', { style: { ...table, marginTop: 8 } },
      head([['A/B test', ''], ['variant', '30%'], ['override', '30%']]),
      h('tbody', null, Object.entries(abTests).map(([test, variants]) => h('tr', { key: test },
        h('td', { style: cell }, wrappable(test)),
        h('td', { style: cell, 'data-testid': `variant-${test}` }, client.chooseVariant(test, [...variants]) ?? ''),
        h('td', { style: cell }, h('select', {
          style: pick,
          'data-testid': `override-variant-${test}`,
          value: typeof overrides[test] === 'string' ? overrides[test] : '',
          onChange: (e) => set(test, e.target.value || null),
        }, h('option', { value: '' }, 'server'), ...variants.map((v) => h('option', { key: v, value: v }, v)))))))) : null,
    h('h3', { style: { fontSize: 13, margin: '8px 0 2px' } }, 'Configuration'),
    config === undefined ? h('p', { style: { color: '#888', margin: 0 } }, 'No configuration layers.') : h('div', null,
      h('p', { 'data-testid': 'config-source', style: { color: '#888', margin: 0 } }, `source: ${client.config()?.source}`),
      h('pre', { 'data-testid': 'config-json', style: { margin: 0, maxHeight: 160, overflow: 'auto' } }, JSON.stringify(config, null, 2))),
    h('h3', { style: { fontSize: 13, margin: '8px 0 2px' } }, 'Live events'),
    h('ol', { 'data-testid': 'event-log', style: { listStyle: 'none', margin: 0, padding: 0, maxHeight: 200, overflow: 'auto', overflowWrap: 'anywhere' } },
      log.map((e) => h('li', { key: e.id, className: e.kind }, h('time', { style: { color: '#888', marginRight: 6 } }, e.at.toLocaleTimeString()), e.text))));
}

let nextId = 0;

/** The client's last changes, status changes and exposures, newest first. */
function useEventLog(client) {
  const [entries, setEntries] = useState([]);
  const add = (text, kind) => setEntries((old) => [{ id: nextId++, at: new Date(), text, kind }, ...old].slice(0, KEEP));
  useEffect(() => {
    if (!client) return undefined;
    add(`connected · status ${client.status}`, 'status');
    let known = new Set(Object.keys(client.allFlags()));
    const offChanges = client.subscribe((changed, detail) => {
      for (const name of changed) {
        const { enabled, reason } = client.detail(name);
        if (reason === 'flag_not_found' && !known.has(name)) continue; // an A/B test's override, not a flag
        add(`${name} → ${enabled ? 'on' : 'off'} (${reason})`, 'flag');
      }
      known = new Set(Object.keys(client.allFlags()));
      if (detail.config) add('configuration changed', 'config');
      if (detail.status) add(`status ${detail.status}${client.lastError ? `: ${client.lastError}` : ''}`, 'status');
    });
    const offExposures = client.onExposure((e) => add(`${e.type} ${e.name}${e.variant ? ` = ${e.variant}` : ''}`, 'exposure'));
    return () => { offChanges(); offExposures(); };
  }, [client]); // eslint-disable-line react-hooks/exhaustive-deps
  return [entries, add];
}
