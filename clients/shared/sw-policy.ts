/**
 * What the staff apps' service worker does with each request. Pure, so the rules that matter (mutations and
 * the stream never come from a cache) are tested without a browser. The worker itself is sw.ts.
 */

/** Written into each app's sw.js by the build (vite.config.ts): its shell files and a version naming that build. */
export interface ShellManifest {
  app: string;
  version: string;
  /** absolute paths: `/<app>/` (the page) and the hashed JS/CSS it loads */
  files: string[];
}

/**
 * - `page`: a navigation inside the app's scope → the network, or the cached page when the hub is unreachable
 * - `asset`: a shell file → the cache (the names are content hashes, so a cached copy is never stale)
 * - `menu`: GET /api/v1/menu → the network, or the last menu it answered
 * - `network`: everything else, untouched (mutations, the snapshot, every other API call; the WebSocket
 *   stream never reaches a service worker at all)
 */
export type SwRoute = 'page' | 'asset' | 'menu' | 'network';

export const MENU_PATH = '/api/v1/menu';

export function routeOf(req: { method: string; url: string; mode: string }, o: { origin: string; scopePath: string; shell: ReadonlySet<string> }): SwRoute {
  if (req.method !== 'GET') return 'network';
  const url = new URL(req.url);
  if (url.origin !== o.origin) return 'network';
  if (url.pathname === MENU_PATH) return 'menu';
  if (url.pathname.startsWith('/api/')) return 'network';
  if (req.mode === 'navigate') return url.pathname.startsWith(o.scopePath) ? 'page' : 'network';
  return o.shell.has(url.pathname) ? 'asset' : 'network';
}

/** One cache per app and build: a new build's worker deletes the caches of its app's older builds. */
export const cacheName = (m: Pick<ShellManifest, 'app' | 'version'>) => `brigade-${m.app}-${m.version}`;
export const isOlderCache = (name: string, m: Pick<ShellManifest, 'app' | 'version'>) => name.startsWith(`brigade-${m.app}-`) && name !== cacheName(m);
