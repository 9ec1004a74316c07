// Builds the lab page (lab/) for bench/compare.mjs.
export default { root: 'lab', base: './', logLevel: 'warn', build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' } };
