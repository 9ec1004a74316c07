// The last changes the client reported, newest first: which flags changed
// value, config changes, and status changes (stale, ready, ...).
import { useEffect, useState } from 'react';
import { useFlagClient } from 'flaglive/react';

const KEEP = 30;
let nextId = 0;

export default function EventLog() {
  const client = useFlagClient();
  const [entries, setEntries] = useState([]);

  useEffect(() => {
    if (!client) return undefined;
    const add = (text, kind) => setEntries((old) => [{ id: nextId++, at: new Date(), text, kind }, ...old].slice(0, KEEP));
    add(`connected · status ${client.status}`, 'status');
    return client.subscribe((changed, detail) => {
      for (const name of changed) {
        const { enabled, reason } = client.evaluate(name);
        add(`${name} → ${enabled ? 'on' : 'off'} (${reason})`, 'flag');
      }
      if (detail.config) add('configuration changed', 'config');
      if (detail.status) add(`status ${detail.status}${client.lastError ? `: ${client.lastError}` : ''}`, 'status');
    });
  }, [client]);

  return (
    <section className="card">
      <h2>Live events</h2>
      <ol className="log" data-testid="event-log">
        {entries.map((e) => (
          <li key={e.id} className={e.kind}>
            <time>{e.at.toLocaleTimeString()}</time> {e.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
