import { describe, expect, it } from 'vitest';
import type { Menu } from '../../hub/protocol/index.ts';
import { menuItem } from './menu-fixtures.ts';
import { cartProblems, cartTotal, unknownOptions, chosenOptions, customerStatus, defaultOptions, isSoldOut, optionProblems, toggleOption, toLineInputs, unitPrice, type CartLine } from './cart.ts';

const item = menuItem;

const menu: Menu = {
  version: 1,
  currency: 'CNY',
  stations: [],
  categories: [],
  optionGroups: [
    { id: 'spice', nameZh: '辣度', nameEn: 'Spice', minChoices: 1, maxChoices: 1, options: [
      { id: 'mild', nameZh: '微辣', nameEn: 'Mild', priceDeltaMinor: 0 },
      { id: 'hot', nameZh: '特辣', nameEn: 'Hot', priceDeltaMinor: 0 },
    ] },
    { id: 'size', nameZh: '份量', nameEn: 'Size', minChoices: 1, maxChoices: 1, options: [{ id: 'large', nameZh: '大份', nameEn: 'Large', priceDeltaMinor: 800 }] },
    { id: 'add', nameZh: '加料', nameEn: 'Add-ons', minChoices: 0, maxChoices: 2, options: [
      { id: 'egg', nameZh: '加蛋', nameEn: 'Egg', priceDeltaMinor: 200 },
      { id: 'meat', nameZh: '加肉', nameEn: 'Meat', priceDeltaMinor: 600 },
      { id: 'rice', nameZh: '加饭', nameEn: 'Rice', priceDeltaMinor: 200 },
    ] },
  ],
  items: [
    item({ id: 'tofu', optionGroupIds: ['spice', 'size', 'add'] }),
    item({ id: 'out', available: false }),
    item({ id: 'gone', remaining: 0 }),
    item({ id: 'few', remaining: 3, priceMinor: 300 }),
  ],
};
const tofu = menu.items[0]!;

describe('option groups', () => {
  it('lists a line\'s chosen options in the item\'s group order, whatever order they were tapped in', () => {
    expect(chosenOptions(menu, tofu, ['meat', 'large', 'hot']).map((o) => o.id)).toEqual(['hot', 'large', 'meat']);
    expect(chosenOptions(menu, tofu, ['not-an-option'])).toEqual([]);
  });

  it('a required group must be chosen; a single-option required group starts chosen', () => {
    expect(defaultOptions(menu, tofu)).toEqual(['large']);
    expect(optionProblems(menu, tofu, ['large']).map((p) => [p.group.id, p.kind])).toEqual([['spice', 'min']]);
    expect(optionProblems(menu, tofu, ['large', 'mild'])).toEqual([]);
    expect(optionProblems(menu, tofu, ['large', 'mild', 'egg', 'meat', 'rice']).map((p) => [p.group.id, p.kind])).toEqual([['add', 'max']]);
  });

  it('a one-choice group swaps; a required choice cannot be untapped; a many-choice group stops at its max', () => {
    let o = toggleOption(menu, tofu, ['large'], 'mild');
    o = toggleOption(menu, tofu, o, 'hot');
    expect(o).toEqual(['large', 'hot']);
    expect(toggleOption(menu, tofu, o, 'hot')).toEqual(o);
    o = toggleOption(menu, tofu, o, 'egg');
    o = toggleOption(menu, tofu, o, 'meat');
    expect(toggleOption(menu, tofu, o, 'rice')).toEqual(o); // max 2
    expect(toggleOption(menu, tofu, o, 'egg')).toEqual(['large', 'hot', 'meat']); // optional: untoggles
  });

  it('prices a line with its option deltas, in integer fen', () => {
    expect(unitPrice(menu, tofu, ['large', 'mild', 'egg'])).toBe(2800 + 800 + 200);
    const cart: CartLine[] = [
      { id: 'l1', itemId: 'tofu', qty: 2, optionIds: ['large', 'mild'], note: ' 少盐 ' },
      { id: 'l2', itemId: 'few', qty: 3, optionIds: [], note: '' },
    ];
    expect(cartTotal(menu, cart)).toBe(2 * 3600 + 900);
    expect(toLineInputs(cart)).toEqual([
      { id: 'l1', itemId: 'tofu', qty: 2, optionIds: ['large', 'mild'], note: '少盐' },
      { id: 'l2', itemId: 'few', qty: 3, optionIds: [] },
    ]);
  });
});

describe('sold out and cart problems', () => {
  it('unavailable or none remaining is sold out; a sold-out or incomplete cart line blocks sending', () => {
    expect(menu.items.map((i) => [i.id, isSoldOut(i)])).toEqual([['tofu', false], ['out', true], ['gone', true], ['few', false]]);
    expect(
      cartProblems(menu, [
        { id: 'a', itemId: 'gone', qty: 1, optionIds: [], note: '' },
        { id: 'b', itemId: 'tofu', qty: 1, optionIds: ['large'], note: '' },
        { id: 'c', itemId: 'few', qty: 1, optionIds: [], note: '' },
        { id: 'd', itemId: 'deleted-from-menu', qty: 1, optionIds: [], note: '' },
      ]),
    ).toEqual(['a', 'b', 'd']);
  });

  it('more of a counted dish than is left, over all its cart lines, blocks sending (the hub refuses it sold out)', () => {
    const few = menu.items.find((i) => i.id === 'few')!.remaining!;
    const line = (id: string, qty: number) => ({ id, itemId: 'few', qty, optionIds: [], note: '' });
    expect(cartProblems(menu, [line('a', few)])).toEqual([]);
    expect(cartProblems(menu, [line('a', few), line('b', 1)])).toEqual(['a', 'b']);
    expect(cartProblems(menu, [line('a', few + 1)])).toEqual(['a']);
  });

  it('a chosen option taken off the menu, or off the dish, blocks sending like a dish taken off (the hub refuses it)', () => {
    const line = (id: string, optionIds: string[]) => ({ id, itemId: 'tofu', qty: 1, optionIds, note: '' });
    // the optional add-on "truffle" is gone: the required groups are still satisfied, so only its absence tells
    const cart = [line('ok', ['large', 'mild', 'egg']), line('truffle', ['large', 'mild', 'truffle']), line('moved', ['large', 'mild', 'salt'])];
    const changed: Menu = {
      ...menu,
      optionGroups: [...menu.optionGroups, { id: 'seasoning', nameZh: '调味', nameEn: 'Seasoning', minChoices: 0, maxChoices: 1, options: [{ id: 'salt', nameZh: '加盐', nameEn: 'Salt', priceDeltaMinor: 0 }] }],
    };
    // "salt" exists on the menu, in a group the dish does not have
    expect(cartProblems(changed, cart)).toEqual(['truffle', 'moved']);
    expect(unknownOptions(changed, tofu, ['large', 'truffle', 'salt', 'mild'])).toEqual(['truffle', 'salt']);
  });
});

describe('what the customer is told', () => {
  it.each([
    ['placed', 'received'],
    ['fired', 'received'],
    ['preparing', 'cooking'],
    ['ready', 'ready'],
    ['served', 'served'],
    ['closed', 'paid'],
    ['voided', 'cancelled'],
  ] as const)('%s → %s', (status, shown) => expect(customerStatus({ status })).toBe(shown));

});
