import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** `vite build --config ui/vite.config.ts` writes the app into dist/ui, which `mloop server` serves at `/`. */
const target = process.env.MLOOP_TRACKING_URI ?? 'http://127.0.0.1:5000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  // `npx vite --config ui/vite.config.ts` for development, against a running `mloop server`.
  server: { proxy: { '/api': target, '/ajax-api': target } },
});
