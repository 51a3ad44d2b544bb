/**
 * Builds the browser apps unless the last build is newer than every source it came from. `npm start`
 * runs it first (`prestart`), and the browser tests call it before they load a page, so the two README
 * commands still suffice. `npm run build:clients` always rebuilds.
 *
 *   tsx clients/build.ts [--force]
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'vite';

const ROOT = resolve(import.meta.dirname, '..');
const CLIENTS = join(ROOT, 'clients');
const DIST = join(CLIENTS, 'dist');
const STAMP = '.build-stamp';
const LOCK = join(CLIENTS, '.build-lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (!/\.test\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** 0 for a file that is not there. */
const mtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/**
 * The stamp lists the checkout's files the last build was made from (relative to the checkout). The apps
 * bundle modules of the hub too (hub/domain/bill.ts, business dates, the protocol's constants): judged by
 * clients/ alone, an update that changed only those left every tablet on the old code.
 */
function inputsOf(stampFile: string): string[] | null {
  try {
    const { inputs } = JSON.parse(readFileSync(stampFile, 'utf8')) as { inputs?: unknown };
    return Array.isArray(inputs) && inputs.every((i) => typeof i === 'string') ? inputs : null;
  } catch {
    return null; // none yet, or of the earlier form (a date): built again
  }
}

export function isStale(outDir = DIST): boolean {
  const stampFile = join(outDir, STAMP);
  const built = mtime(stampFile);
  const inputs = inputsOf(stampFile);
  if (built === 0 || !inputs) return true;
  const times = inputs.map((i) => mtime(join(ROOT, i)));
  // an input gone (moved, deleted) is a change too; a new file in clients/ may be one the next build takes;
  // the installed packages stand for every module under node_modules
  if (times.includes(0)) return true;
  const newest = Math.max(...times, newestSource(CLIENTS), mtime(join(ROOT, 'vite.config.ts')), mtime(join(ROOT, 'package-lock.json')));
  return newest > built;
}

/** Notes every file of the checkout the build reads (outside node_modules), for the stamp. */
function inputsCollector(into: Set<string>): Plugin {
  return {
    name: 'brigade-build-inputs',
    apply: 'build',
    buildEnd() {
      for (const id of this.getModuleIds()) {
        const file = id.split('?')[0] ?? '';
        if (!file.startsWith(`${ROOT}/`) || file.includes('/node_modules/')) continue;
        into.add(relative(ROOT, file));
      }
    },
  };
}

/** One build at a time across processes (parallel test workers): a lock directory, given up after 2 min. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() - mtime(LOCK) > 120_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another build holds ${LOCK}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds when stale (or forced); resolves whether it built. `outDir`: elsewhere than clients/dist (tests). */
export async function buildClients(opts: { force?: boolean; quiet?: boolean; outDir?: string } = {}): Promise<boolean> {
  const outDir = opts.outDir ?? DIST;
  if (!opts.force && !isStale(outDir)) return false;
  return withLock(async () => {
    if (!opts.force && !isStale(outDir)) return false; // another process built it while we waited
    const { build } = await import('vite');
    const inputs = new Set<string>();
    await build({
      configFile: join(ROOT, 'vite.config.ts'),
      logLevel: opts.quiet ? 'warn' : 'info',
      plugins: [inputsCollector(inputs)],
      ...(opts.outDir ? { build: { outDir } } : {}),
    });
    writeFileSync(join(outDir, STAMP), JSON.stringify({ builtAt: new Date().toISOString(), inputs: [...inputs].sort() }));
    return true;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const force = process.argv.includes('--force');
  buildClients({ force })
    .then((built) => {
      if (!built) process.stdout.write('browser apps are up to date (clients/dist)\n');
    })
    .catch((err: unknown) => {
      process.stderr.write(`brigade: building the browser apps failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
