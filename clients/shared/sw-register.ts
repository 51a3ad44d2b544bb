/**
 * Offline support that only a secure context allows (HTTPS with the hub's CA installed; see docs/https.md).
 * Over plain http:// on the LAN this does nothing and the apps work as before.
 */
export function enableOffline(app: 'pos' | 'kds' | 'kiosk'): void {
  if (!window.isSecureContext) return;
  // the outbox lives in IndexedDB: ask the browser not to evict it under storage pressure
  void navigator.storage
    ?.persisted?.()
    .then((yes) => yes || navigator.storage.persist())
    .catch(() => false);
  if (!('serviceWorker' in navigator)) return;
  const register = () =>
    navigator.serviceWorker.register(`/${app}/sw.js`, { scope: `/${app}/` }).catch((err: unknown) => console.warn('no service worker:', err));
  // the app's own first requests go first
  if (document.readyState === 'complete') void register();
  else addEventListener('load', () => void register(), { once: true });
}
