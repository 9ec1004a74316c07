// The react entry of development builds: ./dev-init.js, then ./react.js.
import './dev-init.js';

export * from './react.js';

