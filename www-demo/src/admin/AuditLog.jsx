// Who changed what: GET /api/admin/audit, newest first, a page at a time
// ("Older" asks for the entries before the last one shown). Re-read each
// time the admin page re-reads its `lists` (after a change made there or
// heard from another admin) and on demand.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api.js';

const PAGE = 20;

/** A before/after value in one short line (null: it did not exist). */
function brief(value) {
  if (value == null) return '—';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

export default function AuditLog({ lists }) {
  const [entries, setEntries] = useState([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState(null);
  const latest = useRef(0); // answers can cross: only the last request's counts

  const load = useCallback(async (before) => {
    const request = ++latest.current;
    try {
      const { entries: page } = await api.audit(before, PAGE);
      if (request !== latest.current) return;
      setEntries((shown) => (before === undefined ? page : [...shown, ...page]));
      setMore(page.length === PAGE);
      setError(null);
    } catch (e) {
      if (request === latest.current) setError(e.message);
    }
  }, []);

  useEffect(() => { load(); }, [load, lists]);

  return (
    <section className="audit" data-testid="audit-log">
      <h1>Audit log</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {entries.length === 0 && !error ? <p className="muted">No changes yet.</p> : (
        <table className="compact-table">
          <thead>
            <tr><th>Version</th><th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Before</th><th>After</th></tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.version} data-testid={`audit-${e.version}`}>
                <td>{e.version}</td>
                <td title={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleTimeString()}</td>
                <td>{e.actor.name}{e.actor.kind === 'token' ? ' (token)' : ''}</td>
                <td><code>{e.action}</code></td>
                <td>{e.target}</td>
                <td><code>{brief(e.before)}</code></td>
                <td><code>{brief(e.after)}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <button type="button" onClick={() => load()}>Refresh</button>
        {more && <button type="button" onClick={() => load(entries[entries.length - 1].version)}>Older</button>}
      </p>
    </section>
  );
}
