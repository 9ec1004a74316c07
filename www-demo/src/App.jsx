// Session and layout: sign in, then the product page with flaglive's
// devtools panel (flags, variants, config, events, overrides),
// and the admin view for admins. One FlagProvider per signed-in user: a
// new user gets a new client (key), so no flag of the last user survives.
import { useEffect, useState } from 'react';
import { FlagProvider } from 'flaglive/react';
import { api } from './api.js';
import SignIn from './SignIn.jsx';
import ProductPage from './ProductPage.jsx';
import { FlagDevtools } from 'flaglive/devtools';
import AdminPage from './admin/AdminPage.jsx';
import { useHashRoute } from './route.js';

export default function App() {
  const [user, setUser] = useState(undefined); // undefined: asking the server
  const [problem, setProblem] = useState(null);
  const route = useHashRoute();

  useEffect(() => {
    api.me().then(setUser, (e) => {
      setUser(null);
      if (e.status !== 401) setProblem(e.message);
    });
  }, []);

  if (user === undefined) return <p className="center muted">Loading…</p>;
  if (user === null) return <SignIn onSignedIn={setUser} problem={problem} />;

  const signOut = async () => {
    try { await api.logout(); } finally { setUser(null); }
  };
  const admin = user.role === 'admin';
  const view = admin && route === 'admin' ? 'admin' : 'product';

  return (
    <FlagProvider key={user.id} options={{ userId: user.id }} fallback={<p className="center muted">Loading flags…</p>}>
      <div className="shell">
        <header className="topbar">
          <span className="brand">flaglive <span className="muted">demo</span></span>
          <nav>
            <a href="#/" className={view === 'product' ? 'active' : ''}>Product</a>
            {admin && <a href="#/admin" className={view === 'admin' ? 'active' : ''} data-testid="nav-admin">Admin</a>}
          </nav>
          <span className="who" data-testid="who">
            {user.username} <span className="muted">({user.role})</span>
            <button type="button" className="link" onClick={signOut}>Sign out</button>
          </span>
        </header>
        {view === 'admin' ? (
          <AdminPage />
        ) : (
          <div className="columns">
            <ProductPage user={user} />
            <aside className="panel">
              <FlagDevtools title={`Flags for ${user.username}`} tests={{ pricing_page: ['control', 'annual', 'compact'] }} />
            </aside>
          </div>
        )}
      </div>
    </FlagProvider>
  );
}
