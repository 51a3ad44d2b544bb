/**
 * The staff apps' service worker (pos, kds, kiosk; one per app, scoped to its path). It lets a tablet reload
 * its app while the hub is briefly unreachable: the app's page and hashed JS/CSS come from a cache made when
 * this build's worker installed, and the menu from the last answer the hub gave. Nothing else is cached: the
 * apps' outbox and stream already handle an unreachable hub. Registered only in a secure context (HTTPS with
 * the hub's CA), by sw-register.ts. The build prepends `self.__BRIGADE_SHELL__` (see vite.config.ts).
 */
import { cacheName, isOlderCache, MENU_PATH, routeOf, type ShellManifest } from './sw-policy.ts';

// the project's TypeScript lib is DOM, not WebWorker: the little of the worker scope this file uses
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(r: Promise<Response>): void;
}
interface WorkerScope {
  __BRIGADE_SHELL__: ShellManifest;
  registration: { scope: string };
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvent) => void): void;
}

const sw = self as unknown as WorkerScope;
const shell = sw.__BRIGADE_SHELL__;
const CACHE = cacheName(shell);
const PAGE = `/${shell.app}/`;
const shellFiles = new Set(shell.files);
const scopePath = new URL(sw.registration.scope).pathname;
/** A LAN hub answers in milliseconds; a tablet on a dead Wi-Fi gets its cached page after this long. */
const NETWORK_WAIT_MS = 4000;

sw.addEventListener('install', (e) => {
  // a new build takes over at once: its shell is complete in its own cache before it activates
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(shell.files.map((f) => new Request(f, { cache: 'reload' }))))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => isOlderCache(n, shell)).map((n) => caches.delete(n))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (e) => {
  const route = routeOf(e.request, { origin: sw.location.origin, scopePath, shell: shellFiles });
  if (route === 'page') e.respondWith(networkFirst(e.request, () => fromCache(PAGE)));
  else if (route === 'asset') e.respondWith(fromCache(e.request).catch(() => fetch(e.request)));
  else if (route === 'menu') e.respondWith(networkFirst(e.request, () => fromCache(MENU_PATH), keepMenu));
  // 'network': no respondWith, so the browser sends it as if there were no worker
});

async function fromCache(request: RequestInfo): Promise<Response> {
  const hit = await caches.match(request, { cacheName: CACHE, ignoreSearch: true, ignoreVary: true });
  if (!hit) throw new Error(`not cached: ${typeof request === 'string' ? request : request.url}`);
  return hit;
}

function keepMenu(res: Response): void {
  // a 304 answers the page's own ETag; only a full menu is worth keeping
  if (res.status !== 200) return;
  // cloned now: by the time the cache opens, the page may have read the body
  const copy = res.clone();
  void caches.open(CACHE).then((c) => c.put(MENU_PATH, copy));
}

/** The network's answer, or the fallback when the network fails or is slower than NETWORK_WAIT_MS. */
function networkFirst(request: Request, fallback: () => Promise<Response>, onResponse?: (res: Response) => void): Promise<Response> {
  const network = fetch(request).then((res) => {
    onResponse?.(res);
    return res;
  });
  const slow = new Promise<'slow'>((resolve) => setTimeout(() => resolve('slow'), NETWORK_WAIT_MS));
  return Promise.race([network, slow]).then(
    (res) => (res === 'slow' ? fallback().catch(() => network) : res),
    (err: unknown) => fallback().catch(() => Promise.reject(err)),
  );
}
