// The testing entry of development builds: ./dev-init.js, then ./testing.js.
import './dev-init.js';

export * from './testing.js';

