// The Pages Router beside the App Router (both in one Next app, as teams
// migrating have it): getServerSideProps reads the signed-in user's
// snapshot with their cookie and prepares it on the server (flaglive loads
// its wasm at import under Node); the page hydrates to the same values and
// then follows live changes. `bootstrap: null` when signed out.
import Head from 'next/head';
import { prepareBootstrap } from 'flaglive';
import { Flags } from '../app/flags';

const FLAG_SERVER = process.env.FLAG_SERVER ?? 'http://127.0.0.1:8080';

export async function getServerSideProps({ req }) {
  const r = await fetch(`${FLAG_SERVER}/api/feature-flags/snapshot`, { headers: { cookie: req.headers.cookie ?? '' } });
  const bootstrap = r.ok ? prepareBootstrap(await r.text(), { variants: { pricing_page: ['control', 'annual', 'compact'] } }) : null;
  return { props: { bootstrap } };
}

export default function PagesRouterPage({ bootstrap }) {
  return (
    <main>
      {/* No favicon request (the App Router's app/icon.svg is not this router's). */}
      <Head><link rel="icon" href="data:," /></Head>
      <h1>flaglive in the Next.js Pages Router</h1>
      {bootstrap ? <Flags bootstrap={bootstrap} /> : <p id="signed-out">signed out</p>}
    </main>
  );
}
