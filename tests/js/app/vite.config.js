// Nothing flaglive-specific: the package must work with Vite's defaults.
export default { base: './', logLevel: 'warn', build: { outDir: 'dist', emptyOutDir: true } };
