// No webpack configuration: webpack 5 finds the wasm through
// `new URL(..., import.meta.url)` in flaglive and emits it beside main.js.
import { createFlagClient } from 'flaglive';

const client = await createFlagClient({ baseUrl: '', cache: false });
const show = () => {
  document.getElementById('promo').textContent = String(client.isEnabled('promo_banner', false));
  document.getElementById('pricing').textContent = client.variant('pricing_page', ['control', 'annual', 'compact']);
  document.getElementById('status').textContent = client.status;
};
client.subscribe(show);
await client.ready();
show();
