// flaglive: the client created at once; the first correct values are those
// ready() brings (flaglive-server's prepared answer, in parallel with the wasm).
import { createFlagClient } from 'flaglive';
import { show } from './show.js';

performance.mark('start');
const client = await createFlagClient({ baseUrl: '', cache: false });
performance.mark('created');
await client.ready();
performance.mark('ready');
show((name) => client.isEnabled(name, false));
