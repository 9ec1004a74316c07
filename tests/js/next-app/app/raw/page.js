// The snapshot text passed down as it came, without prepareBootstrap: the
// browser hydrates once its wasm has loaded (React keeps the server HTML
// meanwhile), still without a mismatch.
import { cookies } from 'next/headers';
import { Flags } from '../flags';

const FLAG_SERVER = process.env.FLAG_SERVER ?? 'http://127.0.0.1:8080';

export default async function RawPage() {
  const cookie = (await cookies()).toString();
  const r = await fetch(`${FLAG_SERVER}/api/feature-flags/snapshot`, { headers: { cookie }, cache: 'no-store' });
  return <main>{r.ok ? <Flags bootstrap={await r.text()} /> : <p id="signed-out">signed out</p>}</main>;
}
