/**
 * The business day's counts and sold-out switches: a dish sold out (or counted) for today is back on sale,
 * not counted, once the next business day starts (04:00 Shanghai); one set `until_changed` holds. Over the
 * demo store on real SQLite, the clock moved by the command's `now`.
 */
import { describe, expect, it } from 'vitest';
import type { UpdateMenuItem } from '../protocol/menu.ts';
import { MenuService } from './menu-service.ts';
import { resetStockDay, stockResetDue } from './stock-day.ts';
import { type DemoStore, manager, openDemoStore, posOrder, shanghai, waiter } from './test-support.ts';

const FISH = 'chopped-chili-fish-head';
const TOFU = 'mapo-tofu';
const BEEF = 'hunan-beef';

const EVENING = shanghai(2024, 5, 1, 21);
const BEFORE_DAWN = shanghai(2024, 5, 2, 3, 59);
const DAY_STARTS = shanghai(2024, 5, 2, 4);
const NEXT_LUNCH = shanghai(2024, 5, 2, 12);

function setup() {
  const store = openDemoStore();
  const menu = new MenuService(store.catalog);
  const edit = (id: string, patch: UpdateMenuItem, at: number) => store.run(() => menu.updateItem(id, patch, store.ctx(manager, at)));
  const reset = (at: number) => store.run(() => resetStockDay(store.catalog, store.ctx(manager, at)));
  const item = (id: string) => store.catalog.current().index.items.get(id)!;
  return { store, menu, edit, reset, item };
}

const resetEvents = (store: DemoStore, from: number) => store.events.slice(from).filter((e) => e.type === 'menu.item_updated');

describe('resetStockDay: counts and sold-out switches for today', () => {
  it('puts a dish sold out at 21:00 back on sale at the next day start, and drops a count, with an event each and a new ETag', () => {
    const { store, edit, reset, item } = setup();
    edit(TOFU, { available: false }, EVENING);
    edit(FISH, { remaining: 3 }, EVENING);
    const etag = store.catalog.current().etag;
    const seen = store.events.length;

    expect(reset(BEFORE_DAWN)).toEqual([]); // 03:59 is still 1 May's night
    expect(store.catalog.current().etag).toBe(etag);

    const back = reset(DAY_STARTS);
    expect(back.map((i) => i.id).sort()).toEqual([FISH, TOFU].sort());
    expect(item(TOFU)).toMatchObject({ available: true, remaining: null, stockFor: 'today' });
    expect(item(FISH)).toMatchObject({ available: true, remaining: null });
    expect(store.catalog.current().etag).not.toBe(etag);
    expect(resetEvents(store, seen)).toEqual(back.map((i) => ({ type: 'menu.item_updated', payload: { item: i }, topics: ['menu'] })));
  });

  it('resets once: run again the same day, or days later, it finds nothing and says nothing', () => {
    const { store, edit, reset } = setup();
    edit(TOFU, { available: false }, EVENING);
    const due = (at: number) => stockResetDue(store.catalog, at, 'Asia/Shanghai');
    expect([due(EVENING), due(BEFORE_DAWN), due(DAY_STARTS)]).toEqual([false, false, true]);
    expect(reset(DAY_STARTS)).toHaveLength(1);
    const seen = store.events.length;
    const etag = store.catalog.current().etag;
    expect(due(NEXT_LUNCH)).toBe(false);
    expect(reset(NEXT_LUNCH)).toEqual([]);
    expect(reset(shanghai(2024, 5, 9, 12))).toEqual([]);
    expect(store.events.length).toBe(seen);
    expect(store.catalog.current().etag).toBe(etag);
  });

  it('a count that orders ran down to zero is the day it was counted on: back on sale the next day', () => {
    const { store, edit, reset, item } = setup();
    edit(FISH, { remaining: 2 }, EVENING);
    store.place(waiter, posOrder([{ itemId: FISH, qty: 2, optionIds: ['spice-medium'] }]));
    expect(item(FISH).remaining).toBe(0);
    reset(DAY_STARTS);
    expect(item(FISH).remaining).toBeNull();
    // what yesterday's lines took is forgotten with the count: none comes back to a count taken later
    expect(store.db.prepare('SELECT count(*) FROM stock_taken WHERE item_id = ?').pluck().get(FISH)).toBe(0);
  });

  it('keeps a dish set `until_changed`: off the menu is off until a manager puts it back', () => {
    const { edit, reset, item } = setup();
    edit(BEEF, { available: false, stockFor: 'until_changed' }, EVENING);
    edit(FISH, { stockFor: 'until_changed' }, EVENING);
    edit(FISH, { remaining: 4 }, EVENING);
    expect(reset(DAY_STARTS)).toEqual([]);
    expect(item(BEEF)).toMatchObject({ available: false, stockFor: 'until_changed' });
    expect(item(FISH).remaining).toBe(4);
  });

  it("a dish sold out after the day's reset stays off that day, and comes back the next", () => {
    const { edit, reset, item } = setup();
    reset(DAY_STARTS);
    edit(TOFU, { available: false }, NEXT_LUNCH);
    expect(reset(shanghai(2024, 5, 2, 23))).toEqual([]);
    expect(reset(shanghai(2024, 5, 3, 1, 30))).toEqual([]); // the night of 2 May
    expect(item(TOFU).available).toBe(false);
    expect(reset(shanghai(2024, 5, 3, 4)).map((i) => i.id)).toEqual([TOFU]);
  });

  it('a dish switched to `today` while off goes back on at the next day start, not at once', () => {
    const { edit, reset, item } = setup();
    edit(BEEF, { available: false, stockFor: 'until_changed' }, shanghai(2024, 4, 20, 12));
    edit(BEEF, { stockFor: 'today' }, EVENING);
    expect(reset(shanghai(2024, 5, 1, 22))).toEqual([]);
    expect(item(BEEF).available).toBe(false);
    expect(reset(DAY_STARTS).map((i) => i.id)).toEqual([BEEF]);
  });

  it('leaves what was counted or switched off before the day was kept (the demo count, a store migrated): nothing comes back unasked', () => {
    const { store, reset, item } = setup();
    store.db.prepare('UPDATE items SET available = 0 WHERE id = ?').run(TOFU); // as a store from before migration 0027
    store.catalog.invalidate();
    expect(item(FISH).remaining).not.toBeNull();
    expect(reset(DAY_STARTS)).toEqual([]);
    expect(item(TOFU).available).toBe(false);
  });
});

describe('MenuService.updateItem: the stock mode', () => {
  it('is `today` for every dish unless a manager says otherwise, and is in the menu', () => {
    const { store, edit, item } = setup();
    expect(store.catalog.current().index.menu.items.every((i) => i.stockFor === 'today')).toBe(true);
    expect(edit(BEEF, { stockFor: 'until_changed' }, EVENING).stockFor).toBe('until_changed');
    expect(item(BEEF).stockFor).toBe('until_changed');
  });
});
