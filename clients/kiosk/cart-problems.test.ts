import { describe, expect, it } from 'vitest';
import type { Menu } from '../../hub/protocol/index.ts';
import { cartProblems, type CartLine } from '../shared/cart.ts';
import { menuItem } from '../shared/menu-fixtures.ts';
import { translator } from '../shared/i18n.ts';
import { checkoutRows, lineProblems, maxQty, refusalView, sheetLimit } from './kiosk-logic.ts';
import { kioskMessages } from './messages.ts';

const menu: Menu = {
  version: 1,
  currency: 'CNY',
  stations: [],
  categories: [],
  optionGroups: [
    { id: 'spice', nameZh: '辣度', nameEn: 'Spice', minChoices: 1, maxChoices: 1, options: [{ id: 'mild', nameZh: '微辣', nameEn: 'Mild', priceDeltaMinor: 0 }] },
  ],
  items: [
    menuItem({ id: 'tofu', optionGroupIds: ['spice'] }),
    menuItem({ id: 'off', available: false }),
    menuItem({ id: 'none', remaining: 0 }),
    menuItem({ id: 'plum', nameZh: '酸梅汤', nameEn: 'Sour Plum Drink', remaining: 3 }),
    menuItem({ id: 'rice' }),
  ],
};
const line = (id: string, itemId: string, qty = 1, optionIds: string[] = []): CartLine => ({ id, itemId, qty, optionIds, note: '' });

describe('the item sheet stops at what is left of a counted dish', () => {
  it('an uncounted dish stops at 99', () => {
    expect(maxQty(menu.items[4]!, [], null)).toBe(99);
  });

  it('"only 3 left": at most 3, less what the dish\'s other cart rows already take', () => {
    const plum = menu.items[3]!;
    expect(maxQty(plum, [], null)).toBe(3);
    const cart = [line('a', 'plum', 2), line('b', 'rice', 5)];
    expect(maxQty(plum, cart, null)).toBe(1); // a new row
    expect(maxQty(plum, cart, 'a')).toBe(3); // editing row a: its own 2 are not "other"
    expect(maxQty(plum, [line('a', 'plum', 3)], null)).toBe(0); // all of it is in the cart already
    expect(maxQty(plum, [line('a', 'plum', 5)], null)).toBe(0); // never negative
  });

  it('a dish switched off while its sheet is open (no stock count: remaining stays null) can no longer be added', () => {
    expect(maxQty(menuItem({ id: 'x', available: false }), [], null)).toBe(0);
    // the sheet reads the live menu by the dish's id: switched off, counted out, or taken off the menu
    expect(sheetLimit(menu, 'rice', [], null)).toEqual({ most: 99, blocked: null });
    expect(sheetLimit(menu, 'off', [], null)).toEqual({ most: 0, blocked: 'soldOut' });
    expect(sheetLimit(menu, 'none', [], null)).toEqual({ most: 0, blocked: 'soldOut' });
    expect(sheetLimit(menu, 'left-the-menu', [], null)).toEqual({ most: 0, blocked: 'gone' });
    // all that is left is in the cart already: not blocked, the sheet says so itself
    expect(sheetLimit(menu, 'plum', [line('a', 'plum', 3)], null)).toEqual({ most: 0, blocked: null });
  });
});

describe('each problem cart row says why', () => {
  const cart = [
    line('ok', 'rice'),
    line('opts', 'tofu'), // a required choice missing
    line('unavail', 'off'),
    line('zero', 'none'),
    line('p1', 'plum', 2),
    line('p2', 'plum', 2), // 4 of 3 over both rows
    line('gone', 'left-the-menu'),
  ];

  it('names the reason: sold out, only n left, choose options again, no longer on the menu', () => {
    const problems = lineProblems(menu, cart);
    expect(Object.fromEntries(problems)).toEqual({
      opts: { kind: 'options' },
      unavail: { kind: 'soldOut' },
      zero: { kind: 'soldOut' },
      p1: { kind: 'short', left: 3 },
      p2: { kind: 'short', left: 3 },
      gone: { kind: 'gone' },
    });
  });

  it('a chosen option taken off the menu: the row says so in the customer\'s language and is blocked', () => {
    const c = [line('ok', 'tofu', 1, ['mild']), line('truffle', 'tofu', 1, ['mild', 'truffle'])];
    expect(Object.fromEntries(lineProblems(menu, c))).toEqual({ truffle: { kind: 'optionGone' } });
    expect(cartProblems(menu, c)).toEqual(['truffle']);
    expect(translator(kioskMessages, 'zh-CN')('problem.optionGone')).toMatch(/选项/);
    expect(translator(kioskMessages, 'en')('problem.optionGone')).toMatch(/option/);
  });

  it('flags exactly the rows the shared cartProblems blocks "place order" for', () => {
    const carts = [cart, [line('o', 'tofu', 1, ['mild', 'truffle'])], [line('p', 'plum', 3)], [line('p', 'plum', 4)], [line('a', 'plum', 1), line('b', 'plum', 1), line('c', 'plum', 1)], [line('t', 'tofu', 1, ['mild'])], []];
    for (const c of carts) expect([...lineProblems(menu, c).keys()].sort()).toEqual([...cartProblems(menu, c)].sort());
  });
});

describe('checkout shows every cart row', () => {
  it('a row whose dish left the menu is listed (with its reason) so it can be removed, not hidden', () => {
    const rows = checkoutRows(menu, [line('a', 'rice'), line('b', 'left-the-menu', 2)]);
    expect(rows.map((r) => [r.line.id, r.item?.id ?? null, r.problem])).toEqual([
      ['a', 'rice', null],
      ['b', null, { kind: 'gone' }],
    ]);
  });
});

describe('a refused order is told in the customer\'s language', () => {
  const refused = [line('a', 'plum', 4), line('b', 'rice')];

  it('sold out: names the dishes from the fresh menu, both names, with why', () => {
    const fresh: Menu = { ...menu, items: menu.items.map((i) => (i.id === 'plum' ? { ...i, remaining: 0 } : i)) };
    expect(refusalView('sold_out', refused, fresh)).toEqual({ kind: 'dishes', dishes: [{ nameZh: '酸梅汤', nameEn: 'Sour Plum Drink', problem: { kind: 'soldOut' } }] });
  });

  it('a dish gone from the menu is named generically; unknown dishes before the menu is fresh say "the menu has changed"', () => {
    expect(refusalView('invalid_order', [line('x', 'left-the-menu')], menu)).toEqual({ kind: 'dishes', dishes: [{ nameZh: null, nameEn: null, problem: { kind: 'gone' } }] });
    expect(refusalView('sold_out', refused, menu)).toEqual({ kind: 'dishes', dishes: [{ nameZh: '酸梅汤', nameEn: 'Sour Plum Drink', problem: { kind: 'short', left: 3 } }] });
    expect(refusalView('sold_out', [line('b', 'rice')], menu)).toEqual({ kind: 'changed' });
    expect(refusalView('item_unavailable', [line('b', 'rice')], null)).toEqual({ kind: 'changed' });
  });

  it('paused ordering and anything else', () => {
    expect(refusalView('ordering_paused', refused, menu)).toEqual({ kind: 'paused' });
    expect(refusalView('forbidden', [line('b', 'rice')], menu)).toEqual({ kind: 'other' });
  });
});
