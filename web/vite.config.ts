/// <reference types="vitest" />
// Builds the SPA into the Python package (callcenter/webapp/), which FastAPI serves.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const outDir = fileURLToPath(new URL('../callcenter/webapp', import.meta.url));

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir, emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1200 },
  server: {
    // `npm run dev` against a running `callcenter demo` on :8000.
    proxy: {
      '^/(auth|me|seats|room|dispatch|calls|supervisor|audit|users|healthz|readyz)': 'http://127.0.0.1:8000',
      '/live': { target: 'ws://127.0.0.1:8000', ws: true },
    },
  },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
