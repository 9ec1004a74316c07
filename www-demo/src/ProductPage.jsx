// The "product": every part of it is switched by a flag, an A/B variant or
// the layered configuration, and re-renders live when they change.
import { useState } from 'react';
import { useConfig, useFlag, useVariant } from 'flaglive/react';
import Pricing from './Pricing.jsx';

const PRICING_VARIANTS = ['control', 'annual', 'compact'];

export default function ProductPage({ user }) {
  const theme = useConfig('theme', {});
  const darkModeOffered = useFlag('dark_mode');
  const [dark, setDark] = useState(false);
  const mode = darkModeOffered && dark ? 'dark' : theme.mode === 'dark' ? 'dark' : 'light';
  const accent = typeof theme.accent === 'string' ? theme.accent : undefined;

  return (
    <main className={`product ${mode}`} style={accent ? { '--accent': accent } : undefined} data-testid="product" data-accent={accent ?? ''}>
      <div className="product-head">
        <h1>Welcome back, {user.username}</h1>
        {darkModeOffered && (
          <label className="switch" data-testid="dark-mode">
            <input type="checkbox" checked={dark} onChange={(e) => setDark(e.target.checked)} /> Dark
          </label>
        )}
      </div>
      <PromoBanner />
      <Dashboard />
      <BetaReports />
      <Pricing variant={useVariant('pricing_page', PRICING_VARIANTS, 'control')} />
      <Support />
    </main>
  );
}

function PromoBanner() {
  if (!useFlag('promo_banner')) return null;
  return <div className="banner" data-testid="promo-banner">Autumn offer: two months free on annual plans.</div>;
}

function Dashboard() {
  const next = useFlag('new_dashboard');
  return (
    <section className={`card dashboard ${next ? 'next' : 'classic'}`} data-testid="dashboard" data-layout={next ? 'new' : 'classic'}>
      <h2>{next ? 'Dashboard' : 'Overview'} <span className="tag">{next ? 'new layout' : 'classic'}</span></h2>
      {next ? (
        <div className="tiles">
          <Tile label="Open jobs" value="18" />
          <Tile label="Due today" value="5" />
          <Tile label="Revenue (week)" value="$12.4k" />
        </div>
      ) : (
        <ul className="plain">
          <li>Open jobs: 18</li>
          <li>Due today: 5</li>
          <li>Revenue this week: $12,400</li>
        </ul>
      )}
    </section>
  );
}

const Tile = ({ label, value }) => (
  <div className="tile"><span className="muted">{label}</span><b>{value}</b></div>
);

function BetaReports() {
  const on = useFlag('beta_reports');
  const perDay = useConfig('limits.reportsPerDay', 0);
  if (!on) return null;
  return (
    <section className="card" data-testid="beta-reports">
      <h2>Reports <span className="tag">beta</span></h2>
      <p>Build custom reports from your jobs and invoices. Your plan allows <b data-testid="reports-per-day">{String(perDay)}</b> reports a day.</p>
    </section>
  );
}

function Support() {
  const chat = useConfig('support.chat', false);
  const email = useConfig('support.email', '');
  return (
    <footer className="support muted" data-testid="support">
      Need help? {chat === true ? <span>Chat with us (bottom right) or write to </span> : <span>Write to </span>}
      <span>{String(email)}</span>
    </footer>
  );
}
