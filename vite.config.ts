import preact from '@preact/preset-vite';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** One entry per browser app; each builds to clients/dist/<app>/index.html, shared hashed assets in clients/dist/assets/. */
export const CLIENT_APPS = ['kds', 'order', 'kiosk', 'pos'] as const;

const root = resolve(import.meta.dirname, 'clients');

/** Apps that get a service worker (clients/shared/sw.ts) at /<app>/sw.js: the staff devices. */
export const SW_APPS = ['pos', 'kds', 'kiosk'] as const;
const SW_ENTRY = 'sw';

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

/**
 * Turns the one compiled service worker into /<app>/sw.js per staff app, each prefixed with the list of
 * that app's shell files (its page and every JS/CSS file it may load, lazy chunks included) and a version
 * hashed from them. A new build changes the bytes of sw.js, which is how browsers notice a new worker.
 */
function serviceWorkers(): Plugin {
  return {
    name: 'brigade-service-workers',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const worker = Object.values(bundle).find((o) => o.type === 'chunk' && o.isEntry && o.name === SW_ENTRY);
      if (!worker || worker.type !== 'chunk') return this.error('the service worker entry was not built');
      if (worker.imports.length > 0) this.error(`the service worker must not share chunks with the apps (it imports ${worker.imports.join(', ')})`);
      delete bundle[worker.fileName];
      const chunks = new Map(Object.values(bundle).flatMap((o) => (o.type === 'chunk' ? [[o.fileName, o] as const] : [])));
      for (const app of SW_APPS) {
        const page = bundle[`${app}/index.html`];
        const entry = [...chunks.values()].find((c) => c.isEntry && c.facadeModuleId === resolve(root, app, 'index.html'));
        if (!page || page.type !== 'asset' || !entry) return this.error(`no built page for ${app}`);
        const files = new Set<string>();
        const visit = (fileName: string) => {
          const c = chunks.get(fileName);
          if (!c || files.has(`/${fileName}`)) return;
          files.add(`/${fileName}`);
          for (const f of [...c.viteMetadata?.importedCss ?? [], ...c.viteMetadata?.importedAssets ?? []]) files.add(`/${f}`);
          for (const f of [...c.imports, ...c.dynamicImports]) visit(f);
        };
        visit(entry.fileName);
        const sorted = [...files].sort();
        const version = createHash('sha256').update(String(page.source)).update(sorted.join('\n')).update(worker.code).digest('hex').slice(0, 16);
        const manifest = { app, version, files: [`/${app}/`, ...sorted] };
        this.emitFile({ type: 'asset', fileName: `${app}/sw.js`, source: `self.__BRIGADE_SHELL__ = ${JSON.stringify(manifest)};\n${worker.code}` });
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [preact(), firstLoadBudget(), serviceWorkers()],
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    // old kitchen tablets run old WebViews
    target: 'es2020',
    reportCompressedSize: true,
    rolldownOptions: {
      input: { ...Object.fromEntries(CLIENT_APPS.map((app) => [app, resolve(root, app, 'index.html')])), [SW_ENTRY]: resolve(root, 'shared', 'sw.ts') },
      // the worker's code is copied into each app's folder (serviceWorkers above), so its own name stays plain
      output: { entryFileNames: (chunk) => (chunk.name === SW_ENTRY ? `${SW_ENTRY}.js` : 'assets/[name]-[hash].js') },
    },
  },
  // `npx vite` serves the apps with hot reload; the API and stream go to a hub on :8080
  server: {
    proxy: { '/api': { target: 'http://localhost:8080', ws: true } },
  },
});
