// One flag in the admin view: on/off, strategy, rollout slider, targets.
import { useEffect, useRef, useState } from 'react';
import { api } from '../api.js';
import Targets from './Targets.jsx';

const STRATEGIES = ['all', 'none', 'targeted', 'percentage'];

export default function FlagEditor({ flag, users, roles, run }) {
  const name = flag.flagName;
  // The switch moves at once; each refresh (a new `flag` object) shows the server's value again.
  const [enabled, setEnabled] = useState(flag.enabled);
  useEffect(() => setEnabled(flag.enabled), [flag]);
  return (
    <article className="card flag-editor" data-testid={`admin-flag-${name}`}>
      <header>
        <h3 className="name">{name}</h3>
        <label className="switch">
          <input
            type="checkbox"
            data-testid={`toggle-${name}`}
            checked={enabled}
            onChange={(e) => {
              const next = e.target.checked;
              setEnabled(next);
              run(() => api.toggle(name, next));
            }}
          />
          {enabled ? 'on' : 'off'}
        </label>
      </header>
      {flag.description && <p className="muted small">{flag.description}</p>}
      <div className="row">
        <label>
          Strategy{' '}
          <select
            data-testid={`strategy-${name}`}
            value={flag.rolloutStrategy}
            onChange={(e) => run(() => api.updateFlag(name, { rolloutStrategy: e.target.value }))}
          >
            {[...new Set([...STRATEGIES, flag.rolloutStrategy])].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        {flag.rolloutStrategy === 'percentage' && <Rollout name={name} value={flag.rolloutPercentage} run={run} />}
      </div>
      <Targets flag={flag} users={users} roles={roles} run={run} />
      <button
        type="button"
        className="link danger small"
        onClick={() => window.confirm(`Delete flag ${name}?`) && run(() => api.deleteFlag(name))}
      >
        Delete flag
      </button>
    </article>
  );
}

/** A slider that follows the server's value, and sends a moved value once it rests (150 ms). */
function Rollout({ name, value, run }) {
  const [local, setLocal] = useState(value);
  const timer = useRef(null);
  useEffect(() => setLocal(value), [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const move = (next) => {
    setLocal(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => run(() => api.rollout(name, next)), 150);
  };
  return (
    <label className="rollout">
      <input
        type="range"
        min="0"
        max="100"
        data-testid={`rollout-${name}`}
        value={local}
        onChange={(e) => move(Number(e.target.value))}
      />
      <b>{local}%</b>
    </label>
  );
}
