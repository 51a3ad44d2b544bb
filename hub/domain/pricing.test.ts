import { beforeAll, describe, expect, it } from 'vitest';
import type { Menu } from '../protocol/menu.ts';
import type { LineInput } from '../protocol/orders.ts';
import { indexMenu, type MenuIndex } from './menu-index.ts';
import { priceLine, reserveStock, stockDemand } from './pricing.ts';
import { domainErrorOf, NOON, openDemoStore } from './test-support.ts';

let menu: MenuIndex;
beforeAll(() => {
  // the demo menu exactly as the store serves it to the order path
  const store = openDemoStore();
  menu = store.catalog.current().index;
  store.db.close();
});

const lineMeta = { id: 'l-1', now: NOON, staffId: 's-waiter' };

describe('priceLine', () => {
  it.each([
    { what: 'an item without option groups at its menu price', input: { itemId: 'century-egg-tofu', qty: 1 }, unit: 1800, total: 1800 },
    {
      what: 'a zero-delta choice at the base price',
      input: { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-regular'] },
      unit: 2800,
      total: 2800,
    },
    {
      what: 'a negative size delta below the base price',
      input: { itemId: 'mapo-tofu', qty: 2, optionIds: ['spice-hot', 'size-small'] },
      unit: 2300,
      total: 4600,
    },
    {
      what: 'a positive size delta above the base price, times qty',
      input: { itemId: 'kung-pao-chicken', qty: 3, optionIds: ['size-large', 'spice-none'] },
      unit: 4600,
      total: 13_800,
    },
    {
      what: 'every add-on summed onto the base price',
      input: { itemId: 'dan-dan-noodles', qty: 1, optionIds: ['spice-none', 'noodle-firm', 'addon-egg', 'addon-meat', 'addon-rice'] },
      unit: 3200,
      total: 3200,
    },
    {
      what: 'a negative and a positive delta netted',
      input: { itemId: 'yangzhou-fried-rice', qty: 2, optionIds: ['size-small', 'addon-meat'] },
      unit: 2700,
      total: 5400,
    },
    {
      what: 'an optional group left empty at the base price',
      input: { itemId: 'scallion-oil-noodles', qty: 4, optionIds: ['noodle-soft'] },
      unit: 1600,
      total: 6400,
    },
  ])('prices $what (unit $unit, line $total)', ({ input, unit, total }) => {
    const line = priceLine(menu, input, lineMeta);
    expect(line.unitPriceMinor).toBe(unit);
    expect(line.lineTotalMinor).toBe(total);
    expect(line.qty).toBe(input.qty);
  });

  it('snapshots the chosen options with their group and delta, in the order chosen', () => {
    const line = priceLine(menu, { itemId: 'mapo-tofu', qty: 1, optionIds: ['size-small', 'spice-mild'] }, lineMeta);
    expect(line.options).toEqual([
      { id: 'size-small', groupId: 'size', nameZh: '小份', nameEn: 'Small', priceDeltaMinor: -500 },
      { id: 'spice-mild', groupId: 'spice', nameZh: '微辣', nameEn: 'Mild', priceDeltaMinor: 0 },
    ]);
  });

  it('creates a held line routed to the item station, course 1 by default, with the adding staff and time', () => {
    const line = priceLine(menu, { itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'], note: '' }, lineMeta);
    expect(line).toMatchObject({
      id: 'l-1',
      itemId: 'sour-plum-drink',
      nameZh: '酸梅汤',
      stationId: 'bar',
      status: 'held',
      course: 1,
      note: null,
      addedAt: NOON,
      firedAt: null,
      addedByStaffId: 's-waiter',
    });
  });

  it('keeps the requested course and a non-empty note', () => {
    const line = priceLine(menu, { itemId: 'steamed-rice', qty: 1, course: 3, note: 'after the fish' }, lineMeta);
    expect(line).toMatchObject({ course: 3, note: 'after the fish' });
  });

  it.each<{ what: string; input: LineInput; code: string; details: Record<string, unknown> }>([
    {
      what: 'no choice in a required group (too few)',
      input: { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild'] },
      code: 'invalid_order',
      details: { itemId: 'mapo-tofu', groupId: 'size', min: 1, max: 1, chosen: 0 },
    },
    {
      what: 'no options at all for an item with required groups',
      input: { itemId: 'lemon-tea', qty: 1 },
      code: 'invalid_order',
      details: { itemId: 'lemon-tea', groupId: 'ice', chosen: 0 },
    },
    {
      what: 'two choices in a pick-one group (too many)',
      input: { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'spice-hot', 'size-regular'] },
      code: 'invalid_order',
      details: { itemId: 'mapo-tofu', groupId: 'spice', min: 1, max: 1, chosen: 2 },
    },
    {
      what: 'an option from a group of another item',
      input: { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-regular', 'ice-none'] },
      code: 'invalid_order',
      details: { itemId: 'mapo-tofu', optionId: 'ice-none' },
    },
    {
      what: 'an option id that does not exist',
      input: { itemId: 'century-egg-tofu', qty: 1, optionIds: ['extra-century-egg'] },
      code: 'invalid_order',
      details: { itemId: 'century-egg-tofu', optionId: 'extra-century-egg' },
    },
    {
      what: 'the same option chosen twice',
      input: { itemId: 'dan-dan-noodles', qty: 1, optionIds: ['spice-mild', 'noodle-firm', 'addon-egg', 'addon-egg'] },
      code: 'invalid_order',
      details: { itemId: 'dan-dan-noodles' },
    },
    {
      what: 'an unknown item',
      input: { itemId: 'peking-duck', qty: 1 },
      code: 'invalid_order',
      details: { itemId: 'peking-duck' },
    },
    {
      what: 'an unavailable item',
      input: { itemId: 'toona-scrambled-eggs', qty: 1 },
      code: 'item_unavailable',
      details: { itemId: 'toona-scrambled-eggs' },
    },
  ])('refuses $what with $code', ({ input, code, details }) => {
    const error = domainErrorOf(() => priceLine(menu, input, lineMeta));
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject(details);
  });

  it('refuses options that would make the unit price negative', () => {
    const tiny: Menu = {
      version: 1,
      currency: 'CNY',
      stations: [{ id: 'hot', nameZh: '热厨', nameEn: 'Hot', targetPrepSeconds: 600 }],
      categories: [{ id: 'c', nameZh: '类', nameEn: 'C', sort: 1 }],
      optionGroups: [
        {
          id: 'size',
          nameZh: '份量',
          nameEn: 'Size',
          minChoices: 1,
          maxChoices: 1,
          options: [{ id: 'size-small', nameZh: '小份', nameEn: 'Small', priceDeltaMinor: -500 }],
        },
      ],
      items: [
        {
          id: 'rice',
          categoryId: 'c',
          nameZh: '米饭',
          nameEn: 'Rice',
          descriptionZh: null,
          descriptionEn: null,
          priceMinor: 300,
          stationId: 'hot',
          optionGroupIds: ['size'],
          available: true,
          remaining: null,
          targetPrepSeconds: null,
          sort: 1,
        },
      ],
    };
    const error = domainErrorOf(() => priceLine(indexMenu(tiny), { itemId: 'rice', qty: 1, optionIds: ['size-small'] }, lineMeta));
    expect(error.code).toBe('invalid_order');
  });
});

describe('stockDemand', () => {
  it.each([
    { what: 'nothing for no lines', lines: [], demand: {} },
    { what: 'one entry per item', lines: [{ itemId: 'a', qty: 2 }, { itemId: 'b', qty: 1 }], demand: { a: 2, b: 1 } },
    {
      what: 'lines of the same item summed',
      lines: [{ itemId: 'a', qty: 2 }, { itemId: 'b', qty: 1 }, { itemId: 'a', qty: 3 }],
      demand: { a: 5, b: 1 },
    },
  ])('counts $what', ({ lines, demand }) => {
    expect(Object.fromEntries(stockDemand(lines))).toEqual(demand);
  });
});

describe('reserveStock', () => {
  const nameOf = (id: string) => `Name of ${id}`;
  const reserve = (demand: Record<string, number>, remaining: Record<string, number | null>) =>
    reserveStock(new Map(Object.entries(demand)), new Map(Object.entries(remaining)), nameOf);

  type Counts = Record<string, number>;
  type Remaining = Record<string, number | null>;

  it.each<{ what: string; demand: Counts; remaining: Remaining; updates: Counts }>([
    { what: 'decrements a counted item', demand: { fish: 3 }, remaining: { fish: 8 }, updates: { fish: 5 } },
    { what: 'takes the last portions down to 0', demand: { fish: 8 }, remaining: { fish: 8 }, updates: { fish: 0 } },
    { what: 'ignores an item that is not counted (null)', demand: { rice: 50 }, remaining: { rice: null }, updates: {} },
    { what: 'ignores an item absent from the counts', demand: { rice: 50 }, remaining: {}, updates: {} },
    {
      what: 'updates only the counted items of a mixed demand',
      demand: { fish: 2, rice: 9, bao: 1 },
      remaining: { fish: 2, rice: null, bao: 30 },
      updates: { fish: 0, bao: 29 },
    },
  ])('$what', ({ demand, remaining, updates }) => {
    expect(Object.fromEntries(reserve(demand, remaining))).toEqual(updates);
  });

  it.each<{ what: string; demand: Counts; remaining: Remaining; short: { itemId: string; requested: number; remaining: number }[] }>([
    {
      what: 'one item short refuses the whole request, naming only it',
      demand: { fish: 9, bao: 1 },
      remaining: { fish: 8, bao: 30 },
      short: [{ itemId: 'fish', requested: 9, remaining: 8 }],
    },
    {
      what: 'a sold-out item (0 left) is short by any amount',
      demand: { fish: 1 },
      remaining: { fish: 0 },
      short: [{ itemId: 'fish', requested: 1, remaining: 0 }],
    },
    {
      what: 'every short item is listed with what was requested and what is left',
      demand: { fish: 9, rice: 100, bao: 31 },
      remaining: { fish: 8, rice: null, bao: 30 },
      short: [
        { itemId: 'fish', requested: 9, remaining: 8 },
        { itemId: 'bao', requested: 31, remaining: 30 },
      ],
    },
  ])('sold_out: $what', ({ demand, remaining, short }) => {
    const error = domainErrorOf(() => reserve(demand, remaining));
    expect(error.code).toBe('sold_out');
    expect(error.details).toEqual({ items: short });
    for (const s of short) expect(error.message).toContain(`${nameOf(s.itemId)} (${s.remaining} left)`);
  });

  it('leaves the given counts untouched when it refuses', () => {
    const remaining = new Map<string, number | null>([
      ['fish', 8],
      ['bao', 0],
    ]);
    domainErrorOf(() => reserveStock(new Map([['fish', 1], ['bao', 1]]), remaining, nameOf));
    expect(Object.fromEntries(remaining)).toEqual({ fish: 8, bao: 0 });
  });
});
