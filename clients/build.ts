/**
 * Builds the browser apps unless the last build is newer than every source it came from. `npm start`
 * runs it first (`prestart`), and the browser tests call it before they load a page, so the two README
 * commands still suffice. `npm run build:clients` always rebuilds.
 *
 *   tsx clients/build.ts [--force]
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const CLIENTS = join(ROOT, 'clients');
const DIST = join(CLIENTS, 'dist');
const STAMP = join(DIST, '.build-stamp');
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

const mtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

export function isStale(): boolean {
  const built = mtime(STAMP);
  if (built === 0) return true;
  // the apps import hub/protocol types only, which leave no trace in the bundle; the config and the
  // installed packages do
  const inputs = Math.max(newestSource(CLIENTS), mtime(join(ROOT, 'vite.config.ts')), mtime(join(ROOT, 'package-lock.json')));
  return inputs > built;
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

/** Builds when stale (or forced); resolves whether it built. */
export async function buildClients(opts: { force?: boolean; quiet?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !isStale()) return false;
  return withLock(async () => {
    if (!opts.force && !isStale()) return false; // another process built it while we waited
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: opts.quiet ? 'warn' : 'info' });
    writeFileSync(STAMP, new Date().toISOString());
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
