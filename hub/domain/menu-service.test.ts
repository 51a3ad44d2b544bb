import { describe, expect, it } from 'vitest';
import type { MenuImage } from '../protocol/menu.ts';
import { MenuService } from './menu-service.ts';
import { domainErrorOf, kiosk, manager, openDemoStore, waiter } from './test-support.ts';

const image: MenuImage = { hash: 'a'.repeat(64), widths: [160, 320], width: 400, height: 300, color: '#b0302a' };

function setup() {
  const store = openDemoStore();
  return { store, menu: new MenuService(store.catalog) };
}

describe('MenuService.setItemImage', () => {
  it('puts the image on the item, in the menu and its ETag, and emits menu.item_updated', () => {
    const { store, menu } = setup();
    const etag = store.catalog.current().etag;
    const item = store.run(() => menu.setItemImage('mapo-tofu', image, store.ctx(manager)));
    expect(item.image).toEqual(image);
    const current = store.catalog.current();
    expect(current.index.menu.items.find((i) => i.id === 'mapo-tofu')?.image).toEqual(image);
    expect(current.etag).not.toBe(etag);
    expect(store.events).toEqual([{ type: 'menu.item_updated', payload: { item }, topics: ['menu'] }]);
  });

  it('lets two items share one image, and removing it from one leaves the other', () => {
    const { store, menu } = setup();
    store.run(() => menu.setItemImage('mapo-tofu', image, store.ctx(manager)));
    store.run(() => menu.setItemImage('hunan-beef', image, store.ctx(manager)));
    const removed = store.run(() => menu.setItemImage('mapo-tofu', null, store.ctx(manager)));
    expect(removed.image).toBeNull();
    const items = store.catalog.current().index.menu.items;
    expect(items.find((i) => i.id === 'hunan-beef')?.image).toEqual(image);
    expect(items.find((i) => i.id === 'mapo-tofu')?.image).toBeNull();
  });

  it.each([
    ['a waiter', waiter],
    ['a kiosk', kiosk],
  ])('refuses %s, changing nothing', (_who, principal) => {
    const { store, menu } = setup();
    const etag = store.catalog.current().etag;
    expect(domainErrorOf(() => store.run(() => menu.setItemImage('mapo-tofu', image, store.ctx(principal)))).code).toBe('forbidden');
    expect(store.catalog.current().etag).toBe(etag);
    expect(store.events).toEqual([]);
  });

  it('answers not_found for an unknown item', () => {
    const { store, menu } = setup();
    expect(domainErrorOf(() => store.run(() => menu.setItemImage('no-such-dish', image, store.ctx(manager)))).code).toBe('not_found');
  });
});
