import React from 'react';
import { useConfig, useFlag, useVariant } from 'flaglive/react';

export function Pricing() {
  const promo = useFlag('promo_banner');
  const plan = useVariant('pricing_page', ['control', 'annual', 'compact']);
  const currency = useConfig('pricing.currency', 'USD');
  return (
    <section>
      {promo && <p role="status">Spring sale</p>}
      <h2>{plan === 'annual' ? 'Pay yearly, save 20%' : 'Monthly plans'}</h2>
      <p>Prices in {currency}</p>
    </section>
  );
}
