// The index entry of development builds: ./dev-init.js, then ./index.js.
import './dev-init.js';

export * from './index.js';
export { init as default } from './index.js';
