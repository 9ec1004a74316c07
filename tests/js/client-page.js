// Helpers for tests/js/client-browser.test.mjs, on the server's origin.
window.login = async (username, password, base = '') => {
  const r = await fetch(`${base}/api/auth/login`, {
    method: 'POST', credentials: 'include',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  return r.status;
};
window.startClient = async (options = {}) => {
  const m = await import('/pkg/index.js');
  await m.default();
  // tokenFromWindow: the app's JWT is whatever window.jwt holds when asked.
  const { tokenFromWindow, ...rest } = options;
  window.tokenCalls = 0;
  const token = tokenFromWindow ? async () => (window.tokenCalls++, window.jwt) : undefined;
  const client = new m.FlagClient({ baseUrl: '', token, ...rest });
  window.client = client;
  window.notifications = [];
  client.subscribe((names, detail) => window.notifications.push({ names: [...names], config: detail.config }));
  try {
    await client.ready();
    return { ok: true, status: client.status };
  } catch (e) {
    return { ok: false, status: client.status, error: String(e.message) };
  }
};
const sorted = (all) => Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
window.flagState = (client = window.client) => sorted(client.allFlags());
// Many clients on one page (they share one EventSource), for the load test.
window.startClients = async (n, options = {}) => {
  const m = await import('/pkg/index.js');
  await m.default();
  window.clients = Array.from({ length: n }, () => new m.FlagClient({ baseUrl: '', cache: false, ...options }));
  await Promise.all(window.clients.map((c) => c.ready()));
  return window.clients.map((c) => c.status);
};
window.clientStates = () => window.clients.map((c) => JSON.stringify(sorted(c.allFlags())));
// createFlagClient as an app calls it, the wasm not loaded yet: what
// ready() found (flags, whether the wasm was in) and the variant read then.
window.startEarly = async (options = {}) => {
  const m = await import('/pkg/index.js');
  const client = await m.createFlagClient({ baseUrl: '', cache: false, ...options });
  window.client = client;
  window.notifications = [];
  client.subscribe((names, detail) => window.notifications.push({ names: [...names], status: detail.status }));
  window.wasmLoaded = () => m.isLoaded();
  try {
    await client.ready();
    return {
      ok: true, status: client.status, wasmLoaded: m.isLoaded(), flags: sorted(client.allFlags()),
      variant: client.variant('pricing_page', ['control', 'annual', 'compact']) ?? null,
    };
  } catch (e) {
    return { ok: false, status: client.status, wasmLoaded: m.isLoaded(), error: String(e.message) };
  }
};
