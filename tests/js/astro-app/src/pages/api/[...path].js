// /api/* forwarded to the flag server, so the browser's cookie, snapshot
// and stream are this app's origin, under `astro dev` and the built server.
const FLAG_SERVER = process.env.FLAG_SERVER ?? 'http://127.0.0.1:8080';

export async function ALL({ request }) {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  headers.delete('host');
  const init = { method: request.method, headers, redirect: 'manual', signal: request.signal };
  if (request.method !== 'GET' && request.method !== 'HEAD') init.body = await request.arrayBuffer();
  const r = await fetch(`${FLAG_SERVER}${url.pathname}${url.search}`, init);
  // fetch decoded the body already.
  const out = new Headers(r.headers);
  out.delete('content-encoding');
  out.delete('content-length');
  return new Response(r.body, { status: r.status, headers: out });
}
