// The configuration this user resolves to (PROTOCOL.md part E) and which
// layer it came from.
import { useConfig, useFlagClient } from 'flaglive/react';

const SOURCES = {
  CUSTOMER_OVERRIDE: 'your customer’s override',
  ORGANIZATION_OVERRIDE: 'your organization’s override',
  ENVIRONMENT: 'the environment',
  DEFAULT: 'the defaults',
};

export default function ConfigCard() {
  const config = useConfig(); // re-renders when the resolved config changes
  const source = useFlagClient()?.config()?.source;
  return (
    <section className="card">
      <h2>Configuration</h2>
      {config === undefined ? (
        <p className="muted">No configuration layers.</p>
      ) : (
        <>
          <p className="muted small" data-testid="config-source">From {SOURCES[source] ?? source} on top of the base (environment, else defaults).</p>
          <pre className="json" data-testid="config-json">{JSON.stringify(config, null, 2)}</pre>
        </>
      )}
    </section>
  );
}
