import preact from '@preact/preset-vite';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** One entry per browser app; each builds to clients/dist/<app>/index.html, shared hashed assets in clients/dist/assets/. */
export const CLIENT_APPS = ['kds', 'order', 'kiosk', 'pos'] as const;

const root = resolve(import.meta.dirname, 'clients');

/** First-load JavaScript budgets, KB gzipped (issue 6: kiosk and QR pages ≤ 100 KB). */
const JS_BUDGET_KB: Record<string, number> = { order: 100, kiosk: 100 };

/**
 * Prints each app's first-load JavaScript (its entry chunk plus every chunk it imports statically),
 * gzipped, and fails the build when an app is over its budget.
 */
function firstLoadBudget(): Plugin {
  return {
    name: 'brigade-first-load-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = new Map<string, { code: string; imports: string[] }>();
      for (const [file, out] of Object.entries(bundle)) if (out.type === 'chunk') chunks.set(file, { code: out.code, imports: out.imports });
      const over: string[] = [];
      for (const [file, out] of Object.entries(bundle)) {
        if (out.type !== 'chunk' || !out.isEntry) continue;
        const seen = new Set<string>();
        const visit = (f: string) => {
          if (seen.has(f)) return;
          seen.add(f);
          for (const i of chunks.get(f)?.imports ?? []) visit(i);
        };
        visit(file);
        let raw = 0;
        let gz = 0;
        for (const f of seen) {
          const code = chunks.get(f)?.code ?? '';
          raw += Buffer.byteLength(code);
          gz += gzipSync(code, { level: 9 }).length;
        }
        const budget = JS_BUDGET_KB[out.name];
        const kb = (n: number) => (n / 1024).toFixed(1);
        console.log(`first-load JS ${out.name}: ${kb(raw)} KB, ${kb(gz)} KB gzipped${budget ? ` (budget ${budget} KB)` : ''}`);
        if (budget && gz > budget * 1024) over.push(`${out.name} ${kb(gz)} KB > ${budget} KB`);
      }
      if (over.length > 0) this.error(`first-load JS over budget: ${over.join('; ')}`);
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [preact(), firstLoadBudget()],
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
