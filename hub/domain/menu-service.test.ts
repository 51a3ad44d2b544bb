import { describe, expect, it } from 'vitest';
import type { MenuImage } from '../protocol/menu.ts';
import type { Order } from '../protocol/orders.ts';
import { MenuService } from './menu-service.ts';
import { type DemoStore, domainErrorOf, kiosk, manager, openDemoStore, posOrder, waiter } from './test-support.ts';

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

describe('MenuService.updateItem: a manager counting a dish', () => {
  const fishHead = (qty: number, hold = true) => ({ itemId: 'chopped-chili-fish-head', qty, optionIds: ['spice-medium'], hold });
  const lineOf = (order: Order) => order.lines.find((l) => l.itemId === 'chopped-chili-fish-head')!.id;
  const voidLine = (store: DemoStore, order: Order) =>
    store.run(() => store.service.voidLine(order.id, lineOf(order), 'changed mind', store.ctx(manager)));

  // a count is what is left to sell when the manager takes it, after the orders already placed: a line ordered
  // before it took its portions from the old count. Given back on top of the new one, the dish would be sold
  // beyond what the kitchen has (the count may well have been taken from the fridge, that portion in it).
  it('is what is left to sell: a line ordered before it gives nothing back when voided', () => {
    const { store, menu } = setup();
    const held = store.place(waiter, posOrder([fishHead(2)]));
    expect(store.remaining('chopped-chili-fish-head')).toBe(6);
    store.run(() => menu.updateItem('chopped-chili-fish-head', { remaining: 10 }, store.ctx(manager)));

    voidLine(store, held);
    expect(store.remaining('chopped-chili-fish-head')).toBe(10);
    expect(store.events.filter((e) => e.type === 'menu.stock_changed')).toHaveLength(1); // the order's, none for the void
  });

  it('a line ordered after the count gives its portions back to it', () => {
    const { store, menu } = setup();
    store.place(waiter, posOrder([fishHead(2)]));
    store.run(() => menu.updateItem('chopped-chili-fish-head', { remaining: 10 }, store.ctx(manager)));
    const after = store.place(waiter, posOrder([fishHead(3)], { tableId: 't-a2' }));
    expect(store.remaining('chopped-chili-fish-head')).toBe(7);

    voidLine(store, after);
    expect(store.remaining('chopped-chili-fish-head')).toBe(10);
  });

  it('counting stopped and started again: a line ordered under the first count gives nothing to the second', () => {
    const { store, menu } = setup();
    const held = store.place(waiter, posOrder([fishHead(2)]));
    store.run(() => menu.updateItem('chopped-chili-fish-head', { remaining: null }, store.ctx(manager)));
    store.run(() => menu.updateItem('chopped-chili-fish-head', { remaining: 4 }, store.ctx(manager)));

    voidLine(store, held);
    expect(store.remaining('chopped-chili-fish-head')).toBe(4);
  });

  it('switching a dish off or renaming it is no count: lines ordered before still give back', () => {
    const { store, menu } = setup();
    const held = store.place(waiter, posOrder([fishHead(2)]));
    store.run(() => menu.updateItem('chopped-chili-fish-head', { available: false, nameEn: 'Fish head' }, store.ctx(manager)));
    store.run(() => menu.updateItem('chopped-chili-fish-head', { available: true }, store.ctx(manager)));

    voidLine(store, held);
    expect(store.remaining('chopped-chili-fish-head')).toBe(8);
  });

  it('a count refused (a waiter) forgets nothing', () => {
    const { store, menu } = setup();
    const held = store.place(waiter, posOrder([fishHead(2)]));
    expect(domainErrorOf(() => store.run(() => menu.updateItem('chopped-chili-fish-head', { remaining: 10 }, store.ctx(waiter)))).code).toBe('forbidden');

    voidLine(store, held);
    expect(store.remaining('chopped-chili-fish-head')).toBe(8);
  });
});
