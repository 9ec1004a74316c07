// The loader reads the signed-in user's snapshot with their cookie and
// prepares it on the server (flaglive loads its wasm at import under
// Node); the page hydrates to the same values, then follows live changes.
import { useLoaderData } from 'react-router';
import { prepareBootstrap } from 'flaglive';
import { FlagProvider, useFlag, useFlagsStatus, useVariant } from 'flaglive/react';

const FLAG_SERVER = process.env.FLAG_SERVER ?? 'http://127.0.0.1:8080';

export async function loader({ request }) {
  const r = await fetch(`${FLAG_SERVER}/api/feature-flags/snapshot`, { headers: { cookie: request.headers.get('cookie') ?? '' } });
  return { bootstrap: r.ok ? prepareBootstrap(await r.text(), { variants: { pricing_page: ['control', 'annual', 'compact'] } }) : null };
}

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

export default function Home() {
  const { bootstrap } = useLoaderData();
  return (
    <main>
      <h1>flaglive in React Router</h1>
      {bootstrap ? (
        <FlagProvider options={{ baseUrl: '', bootstrap, cache: false }}>
          <Values />
        </FlagProvider>
      ) : <p id="signed-out">signed out</p>}
    </main>
  );
}
