import { GrowthBook } from '@growthbook/growthbook';
import { show } from './show.js';

const gb = new GrowthBook({ apiHost: location.origin, clientKey: 'sdk-key', attributes: { id: 'user-maria' } });
await gb.init({ streaming: true });
show((name) => gb.isOn(name));
