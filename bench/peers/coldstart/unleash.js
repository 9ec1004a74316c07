import { UnleashClient } from 'unleash-proxy-client';
import { show } from './show.js';

const client = new UnleashClient({
  url: `${location.origin}/api/frontend`, clientKey: 'key', appName: 'bench', context: { userId: 'user-maria' }, disableMetrics: true, refreshInterval: 0,
});
client.on('ready', () => show((name) => client.isEnabled(name)));
client.start();
