import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The app is fully static: everything it needs (demo model, batch, wasm binaries) is served
// from its own origin, so `vite build` + `vite preview` is the production shape we test.
export default defineConfig({
  plugins: [react()],
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  server: { host: '127.0.0.1', port: 5173 },
});
