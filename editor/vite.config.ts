/**
 * @module
 * Vite build of the editor into `editor/dist`, served by `momaflow serve` at `/` (assets under
 * `/assets/`, relative so the editor also works under a sub-path). `pnpm --filter @momaflow/editor dev`
 * proxies `/api` and `/ws` to a server on 127.0.0.1:8188.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8188', changeOrigin: true },
      '/ws': { target: 'ws://127.0.0.1:8188', ws: true, changeOrigin: true },
    },
  },
});
