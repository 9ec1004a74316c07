// The admin view: every flag with its switches, rollout and targets, the
// configuration layers, and the audit log of who changed what. Each change
// goes to the admin API; the server streams it to every open tab (this one
// included, through its own client).
import { useCallback, useEffect, useState } from 'react';
import { useFlagClient } from 'flaglive/react';
import { api } from '../api.js';
import FlagEditor from './FlagEditor.jsx';
import NewFlag from './NewFlag.jsx';
import ConfigEditor from './ConfigEditor.jsx';
import AuditLog from './AuditLog.jsx';

export default function AdminPage() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const client = useFlagClient();

  const refresh = useCallback(async () => {
    try {
      const [flags, users, layers] = await Promise.all([api.flags(), api.users(), api.layers()]);
      setData({ flags, users, layers });
    } catch (e) {
      setError(e.message);
    }
  }, []);

  /** Runs one admin change, shows its error if any, then re-reads the lists. */
  const run = useCallback(async (change) => {
    setError(null);
    try {
      await change();
    } catch (e) {
      setError(e.message);
    }
    await refresh();
  }, [refresh]);

  useEffect(() => { refresh(); }, [refresh]);
  // Another admin's change that moves this admin's own flags refreshes too.
  useEffect(() => client?.subscribe(() => refresh()), [client, refresh]);

  if (!data) return <main className="admin"><p className="muted">{error ?? 'Loading…'}</p></main>;
  const roles = [...new Set(['admin', 'md', 'field-tech', 'sales', ...data.users.map((u) => u.role)])].sort();

  return (
    <main className="admin">
      {error && <p className="error" role="alert" data-testid="admin-error">{error}</p>}
      <section>
        <h1>Flags</h1>
        <div className="flag-grid">
          {data.flags.map((flag) => (
            <FlagEditor key={flag.id ?? flag.flagName} flag={flag} users={data.users} roles={roles} run={run} />
          ))}
        </div>
        <NewFlag run={run} />
      </section>
      <ConfigEditor layers={data.layers} run={run} />
      <AuditLog lists={data} />
    </main>
  );
}
