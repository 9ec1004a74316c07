import { FlagProvider, useFlag, useFlagsStatus, useVariant } from 'flaglive/react';

function Values() {
  const promo = useFlag('promo_banner');
  const dashboard = useFlag('new_dashboard');
  const pricing = useVariant('pricing_page', ['control', 'annual', 'compact']);
  const { status } = useFlagsStatus();
  return (
    <>
      <p id="promo">{String(promo)}</p>
      <p id="dashboard">{String(dashboard)}</p>
      <p id="pricing">{pricing}</p>
      <p id="status">{status}</p>
    </>
  );
}

export function Flags({ bootstrap }) {
  return (
    <FlagProvider options={{ baseUrl: '', bootstrap, cache: false }}>
      <Values />
    </FlagProvider>
  );
}
