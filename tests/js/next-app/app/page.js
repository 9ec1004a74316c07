// A server component: reads the signed-in user's snapshot with their cookie
// and evaluates it here (flaglive loads its wasm at import under Node), so
// the HTML already holds their flags and the browser hydrates to the same.
import { cookies } from 'next/headers';
import { prepareBootstrap } from 'flaglive';
import { Flags } from './flags';
import { OpenFeatureDemo } from './openfeature';

const FLAG_SERVER = process.env.FLAG_SERVER ?? 'http://127.0.0.1:8080';

async function loadBootstrap() {
  const cookie = (await cookies()).toString();
  const r = await fetch(`${FLAG_SERVER}/api/feature-flags/snapshot`, { headers: { cookie }, cache: 'no-store' });
  // The A/B tests the page reads, as useVariant reads them: chosen here too,
  // so hydrating them needs no wasm either.
  return r.ok ? prepareBootstrap(await r.text(), { variants: { pricing_page: ['control', 'annual', 'compact'] } }) : null;
}

export default async function Page() {
  const bootstrap = await loadBootstrap();
  return (
    <main>
      <h1>flaglive in Next.js</h1>
      {bootstrap ? <Flags bootstrap={bootstrap} /> : <p id="signed-out">signed out</p>}
      <OpenFeatureDemo />
    </main>
  );
}
