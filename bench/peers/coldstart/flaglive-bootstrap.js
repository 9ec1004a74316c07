// flaglive with the flags in the HTML (prepareBootstrap on the server): the
// client reads them at once, wasm or not, and goes live behind them.
import { createFlagClient } from 'flaglive';
import { show } from './show.js';

const bootstrap = JSON.parse(document.getElementById('flags').textContent);
const client = await createFlagClient({ baseUrl: '', cache: false, bootstrap });
show((name) => client.isEnabled(name, false));
