// Nothing flaglive-specific: the dev server proxies the API to the flag
// server the test started, as any app's would.
export default {
  logLevel: 'warn',
  server: { proxy: { '/api': { target: process.env.FLAG_SERVER, changeOrigin: false } } },
};
