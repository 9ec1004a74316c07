'use client';
// OpenFeature's React SDK with the provider set at module scope, as its
// docs show: on the server the provider stays inert (no fetch in a prerender).
import { OpenFeature, OpenFeatureProvider, useBooleanFlagValue } from '@openfeature/react-sdk';
import { FlagliveProvider } from 'flaglive/openfeature';

OpenFeature.setProvider(new FlagliveProvider({ baseUrl: '', cache: false }));

function Promo() {
  const promo = useBooleanFlagValue('promo_banner', false);
  return <p id="of-promo">{String(promo)}</p>;
}

export function OpenFeatureDemo() {
  return (
    <OpenFeatureProvider>
      <Promo />
      <button id="of-context" onClick={() => OpenFeature.setContext({ targetingKey: 'again' })}>new context</button>
    </OpenFeatureProvider>
  );
}
