// Builds the lab page (lab/) for bench/compare.mjs. The lab bundles every
// SDK at once, so a big chunk is expected.
export default {
  root: 'lab',
  base: './',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
};
