import preact from '@preact/preset-vite';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** One entry per browser app; each builds to clients/dist/<app>/index.html, shared hashed assets in clients/dist/assets/. */
export const CLIENT_APPS = ['kds'] as const;

const root = resolve(import.meta.dirname, 'clients');

export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    // old kitchen tablets run old WebViews
    target: 'es2020',
    reportCompressedSize: true,
    rolldownOptions: {
      input: Object.fromEntries(CLIENT_APPS.map((app) => [app, resolve(root, app, 'index.html')])),
    },
  },
  // `npx vite` serves the apps with hot reload; the API and stream go to a hub on :8080
  server: {
    proxy: { '/api': { target: 'http://localhost:8080', ws: true } },
  },
});
