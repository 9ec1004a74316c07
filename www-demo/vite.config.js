import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API to a running flaglive-server (scripts/demo
// starts one on :8080), so the page and the API share an origin and the
// session cookie just works.
const server = process.env.FLAGLIVE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  base: './',
  server: { proxy: { '/api': { target: server, changeOrigin: false } } },
});
