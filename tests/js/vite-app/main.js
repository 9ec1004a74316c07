// What a new user writes first: the plain client, and the React provider,
// imported from the package with no configuration of any kind.
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { createFlagClient } from 'flaglive';
import { FlagProvider, useFlag, useFlagsStatus } from 'flaglive/react';

// No top-level await: the builds of Vite 5 and 6 target browsers without it
// by default (README, "Frameworks").
createFlagClient({ baseUrl: '' }).then((client) => {
  const show = () => {
    const out = document.getElementById('client');
    out.textContent = String(client.isEnabled('promo_banner'));
    out.dataset.status = client.status;
  };
  client.subscribe(show);
  client.ready().then(show, show);
});

function Promo() {
  const on = useFlag('promo_banner');
  const { status } = useFlagsStatus();
  return h('span', { 'data-status': status }, String(on));
}
createRoot(document.getElementById('react')).render(
  h(FlagProvider, { options: { baseUrl: '' }, fallback: 'loading' }, h(Promo)),
);
