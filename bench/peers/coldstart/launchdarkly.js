import { initialize } from 'launchdarkly-js-client-sdk';
import { show } from './show.js';

const client = initialize('env-id', { kind: 'user', key: 'user-maria' }, {
  baseUrl: location.origin, streamUrl: location.origin, eventsUrl: location.origin, sendEvents: false, diagnosticOptOut: true, fetchGoals: false,
});
await client.waitForInitialization(10);
show((name) => client.variation(name, false));
