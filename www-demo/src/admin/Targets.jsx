// User and role targets of one flag: list, add (on or off), remove.
import { useState } from 'react';
import { api } from '../api.js';

export default function Targets({ flag, users, roles, run }) {
  const name = flag.flagName;
  const userName = (id) => users.find((u) => u.id === id)?.username ?? id;
  return (
    <div className="targets">
      <TargetList
        label="Users"
        testid={`user-targets-${name}`}
        items={(flag.userTargets ?? []).map((t) => ({ key: t.userId, label: userName(t.userId), enabled: t.enabled }))}
        options={users.map((u) => ({ key: u.id, label: u.username }))}
        set={(key, enabled) => run(() => api.setUserTarget(name, key, enabled))}
        remove={(key) => run(() => api.removeUserTarget(name, key))}
      />
      <TargetList
        label="Roles"
        testid={`role-targets-${name}`}
        items={(flag.roleTargets ?? []).map((t) => ({ key: t.role, label: t.role, enabled: t.enabled }))}
        options={roles.map((r) => ({ key: r, label: r }))}
        set={(key, enabled) => run(() => api.setRoleTarget(name, key, enabled))}
        remove={(key) => run(() => api.removeRoleTarget(name, key))}
      />
    </div>
  );
}

function TargetList({ label, testid, items, options, set, remove }) {
  const [pick, setPick] = useState(options[0]?.key ?? '');
  const [value, setValue] = useState('true');
  return (
    <div className="target-list" data-testid={testid}>
      <span className="muted small">{label}</span>
      {items.map((t) => (
        <span key={t.key} className={`chip ${t.enabled ? 'on' : 'off'}`}>
          {t.label} {t.enabled ? 'on' : 'off'}
          <button type="button" aria-label={`remove ${t.label}`} onClick={() => remove(t.key)}>×</button>
        </span>
      ))}
      <span className="add">
        <select aria-label={`${label} to target`} value={pick} onChange={(e) => setPick(e.target.value)}>
          {options.map((o) => <option key={o.key} value={o.key}>{o.label}</option>)}
        </select>
        <select aria-label="target value" value={value} onChange={(e) => setValue(e.target.value)}>
          <option value="true">on</option>
          <option value="false">off</option>
        </select>
        <button type="button" disabled={!pick} onClick={() => set(pick, value === 'true')}>Add</button>
      </span>
    </div>
  );
}
