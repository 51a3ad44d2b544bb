import { describe, expect, it } from 'vitest';
import { cacheName, isOlderCache, routeOf } from './sw-policy.ts';

const o = { origin: 'https://hub.test:8443', scopePath: '/pos/', shell: new Set(['/pos/', '/assets/pos-abc.js', '/assets/pos-abc.css']) };
const at = (method: string, path: string, mode = 'cors') => routeOf({ method, url: `https://hub.test:8443${path}`, mode }, o);

describe('service worker routes', () => {
  it.each([
    ['POST', '/api/v1/orders'],
    ['PUT', '/api/v1/orders/o1/lines'],
    ['DELETE', '/api/v1/staff/sessions/current'],
    ['POST', '/api/v1/menu'],
    ['PATCH', '/api/v1/menu/items/mapo-tofu'],
  ])('never touches a mutation: %s %s', (method, path) => expect(at(method, path)).toBe('network'));

  it.each(['/api/v1/stream', '/api/v1/snapshot', '/api/v1/floor', '/api/v1/orders/o1', '/api/v1/menu/items', '/api/v1/health'])(
    'never caches any other API read: GET %s',
    (path) => expect(at('GET', path)).toBe('network'),
  );

  it('serves the menu network-first with a cached fallback', () => expect(at('GET', '/api/v1/menu')).toBe('menu'));

  it('serves the app page for a navigation in its scope, at any client-side route', () => {
    expect(at('GET', '/pos/', 'navigate')).toBe('page');
    expect(at('GET', '/pos/?lock=4', 'navigate')).toBe('page');
    expect(at('GET', '/pos/table/t-a1', 'navigate')).toBe('page');
  });

  it('leaves navigations outside its scope alone', () => {
    expect(at('GET', '/kds/', 'navigate')).toBe('network');
    expect(at('GET', '/', 'navigate')).toBe('network');
    expect(at('GET', '/ca.crt', 'navigate')).toBe('network');
  });

  it('serves its own shell files from the cache, and no others', () => {
    expect(at('GET', '/assets/pos-abc.js')).toBe('asset');
    expect(at('GET', '/assets/kds-xyz.js')).toBe('network');
    expect(routeOf({ method: 'GET', url: 'https://elsewhere.test/assets/pos-abc.js', mode: 'cors' }, o)).toBe('network');
  });

  it("names one cache per app and build; a new build deletes only its own app's older caches", () => {
    const m = { app: 'pos', version: 'v2' };
    expect(cacheName(m)).toBe('brigade-pos-v2');
    expect(isOlderCache('brigade-pos-v1', m)).toBe(true);
    expect(isOlderCache('brigade-pos-v2', m)).toBe(false);
    expect(isOlderCache('brigade-kds-v1', m)).toBe(false);
  });
});
