// What the SDK knows about this user: every flag with its value and the
// rule that decided it, the connection status, and the live event log.
import { bucket } from 'flaglive';
import { useFlagDetail, useFlags, useFlagsStatus } from 'flaglive/react';
import EventLog from './EventLog.jsx';
import ConfigCard from './ConfigCard.jsx';

const REASONS = {
  flag_not_found: 'no such flag',
  flag_disabled: 'switched off',
  user_targeted: 'targets you',
  role_targeted: 'targets your role',
  strategy_all: 'on for everyone',
  strategy_none: 'off for everyone',
  strategy_targeted: 'not targeted',
  percentage_rollout: 'rollout',
  default: 'default',
};

export default function FlagPanel({ user }) {
  const { status, error } = useFlagsStatus();
  const names = Object.keys(useFlags()).sort();
  return (
    <aside className="panel">
      <section className="card">
        <h2>
          Flags for {user.username}
          <span className={`status ${status}`} data-testid="status" title={error ?? ''}>{status}</span>
        </h2>
        {error && status !== 'ready' && <p className="error small" data-testid="status-error">{error}</p>}
        <table className="flags" data-testid="flag-table">
          <tbody>
            {names.map((name) => <FlagRow key={name} name={name} userId={user.id} />)}
          </tbody>
        </table>
        {names.length === 0 && <p className="muted">No flags yet.</p>}
      </section>
      <ConfigCard />
      <EventLog />
    </aside>
  );
}

function FlagRow({ name, userId }) {
  const { enabled, reason } = useFlagDetail(name);
  return (
    <tr data-testid={`flag-${name}`} data-enabled={String(enabled)} data-reason={reason}>
      <td className="name">{name}</td>
      <td><span className={`pill ${enabled ? 'on' : 'off'}`}>{enabled ? 'on' : 'off'}</span></td>
      <td className="muted reason">
        <code>{reason}</code> {REASONS[reason] ?? ''}
        {reason === 'percentage_rollout' && <> · bucket <b data-testid={`bucket-${name}`}>{bucket(userId, name)}</b></>}
      </td>
    </tr>
  );
}
