import { useSyncExternalStore } from 'react';

const subscribe = (fn) => {
  window.addEventListener('hashchange', fn);
  return () => window.removeEventListener('hashchange', fn);
};
const read = () => window.location.hash.replace(/^#\/?/, '');

/** The part of the URL after `#/`: a route the demo can link to and reload. */
export const useHashRoute = () => useSyncExternalStore(subscribe, read, () => '');
