import { useState } from 'react';
import { api, DEMO_USERS } from './api.js';

export default function SignIn({ onSignedIn, problem }) {
  const [error, setError] = useState(problem);
  const [busy, setBusy] = useState(false);

  const signIn = async (username, password) => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.login(username, password));
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    signIn(String(form.get('username')), String(form.get('password')));
  };

  return (
    <main className="signin card">
      <h1>flaglive demo</h1>
      <p className="muted">Sign in as a demo user. Open a second window as <b>admin</b> and change flags: this page follows within milliseconds.</p>
      <div className="demo-users">
        {DEMO_USERS.map((u) => (
          <button key={u.username} type="button" disabled={busy} data-testid={`signin-${u.username}`} onClick={() => signIn(u.username, u.password)}>
            <b>{u.username}</b> <span className="muted">{u.role} · {u.note}</span>
          </button>
        ))}
      </div>
      <form onSubmit={submit} className="row">
        <input name="username" placeholder="username" autoComplete="username" required />
        <input name="password" type="password" placeholder="password" autoComplete="current-password" required />
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
    </main>
  );
}
