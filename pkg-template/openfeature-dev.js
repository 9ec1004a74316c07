// The openfeature entry of development builds: ./dev-init.js, then ./openfeature.js.
import './dev-init.js';

export * from './openfeature.js';

