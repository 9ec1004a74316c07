// The pricing A/B test (flags pricing_page_control/_annual/_compact): one
// layout per variant, chosen by useVariant.
const PLANS = [
  { name: 'Starter', monthly: 19, features: ['5 users', 'Email support'] },
  { name: 'Team', monthly: 49, features: ['25 users', 'Reports', 'Chat support'] },
  { name: 'Business', monthly: 99, features: ['Unlimited users', 'SSO', 'Priority support'] },
];

export default function Pricing({ variant }) {
  return (
    <section className={`card pricing ${variant}`} data-testid="pricing" data-variant={variant}>
      <h2>Plans <span className="tag" title="A/B variant">variant: {variant}</span></h2>
      {variant === 'compact' ? (
        <table className="compact-table">
          <tbody>
            {PLANS.map((p) => (
              <tr key={p.name}><th>{p.name}</th><td>${p.monthly}/mo</td><td className="muted">{p.features.join(' · ')}</td></tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="plans">
          {PLANS.map((p) => (
            <div className="plan" key={p.name}>
              <h3>{p.name}</h3>
              {variant === 'annual' ? (
                <p><b>${p.monthly * 10}</b>/year <span className="muted">(2 months free)</span></p>
              ) : (
                <p><b>${p.monthly}</b>/month</p>
              )}
              <ul className="plain muted">{p.features.map((f) => <li key={f}>{f}</li>)}</ul>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
