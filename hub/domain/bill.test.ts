import { describe, expect, it } from 'vitest';
import { allocate, evenShares, lineAmounts, lineBalances, seatsOf } from './bill.ts';
import { makeLine, makeOrder, NOON } from './test-support.ts';

describe('evenShares', () => {
  it.each([
    [10_000, 2, [5000, 5000]],
    [10_001, 2, [5001, 5000]],
    [10_000, 3, [3334, 3333, 3333]],
    [10_002, 4, [2501, 2501, 2500, 2500]],
    [1, 3, [1, 0, 0]],
    [0, 2, [0, 0]],
    [8888, 1, [8888]],
  ])('splits %i fen %i ways as %j', (total, ways, shares) => {
    expect(evenShares(total, ways)).toEqual(shares);
  });

  it.each([
    [1, 7],
    [99_999, 7],
    [123_457, 13],
  ])('shares of %i fen %i ways sum exactly and differ by at most one fen', (total, ways) => {
    const shares = evenShares(total, ways);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
  });

  it('gives the same remaining shares when the first is paid and the rest is split again', () => {
    const [first = 0, ...rest] = evenShares(10_000, 3);
    expect(evenShares(10_000 - first, 2)).toEqual(rest);
  });

  it.each([
    [100, 0],
    [100, 1.5],
    [-1, 2],
    [10.5, 2],
  ])('refuses to split %d fen %d ways', (total, ways) => {
    expect(() => evenShares(total, ways)).toThrow(RangeError);
  });
});

describe('lineBalances', () => {
  it('counts what payments naming a line paid, and leaves voided lines out', () => {
    const order = makeOrder([
      makeLine({ id: 'a', unitPriceMinor: 2800 }),
      makeLine({ id: 'b', unitPriceMinor: 800 }),
      makeLine({ id: 'v', status: 'voided' }),
    ]);
    const paid = {
      ...order,
      payments: [
        { id: 'p1', tender: 'cash' as const, amountMinor: 2800, lines: [{ lineId: 'a', amountMinor: 2800 }], tenderedMinor: 2800, changeMinor: 0, reference: null, createdAt: NOON, staffId: null },
        { id: 'p2', tender: 'cash' as const, amountMinor: 500, lines: [], tenderedMinor: 500, changeMinor: 0, reference: null, createdAt: NOON, staffId: null },
      ],
    };
    expect(Object.fromEntries(lineBalances(paid))).toEqual({
      a: { paidMinor: 2800, openMinor: 0 },
      b: { paidMinor: 0, openMinor: 800 },
    });
  });
});

describe('lineAmounts', () => {
  const lines = (...totals: number[]) => totals.map((t, i) => makeLine({ id: String.fromCharCode(97 + i), unitPriceMinor: t }));

  it.each([
    { what: 'no discount: each line its total', totals: [2800, 800], discount: 0, amounts: [2800, 800] },
    { what: 'in proportion to the lines', totals: [6000, 4000], discount: 2000, amounts: [4800, 3200] },
    { what: 'the odd fen to the larger remainder', totals: [2800, 800], discount: 600, amounts: [2333, 667] },
    { what: 'a tie to the earlier line', totals: [100, 100, 100], discount: 100, amounts: [66, 67, 67] },
    { what: 'the whole subtotal', totals: [2800, 800, 0], discount: 3600, amounts: [0, 0, 0] },
    { what: 'a free line takes no part', totals: [999, 0, 1], discount: 500, amounts: [499, 0, 1] },
  ])('$what', ({ totals, discount, amounts }) => {
    const got = lineAmounts({ lines: lines(...totals), discountMinor: discount });
    expect([...got.values()]).toEqual(amounts);
    expect(amounts.reduce((a, b) => a + b, 0)).toBe(totals.reduce((a, b) => a + b, 0) - discount);
  });

  it('sums exactly to the bill and never takes a line below 0, whatever the amounts', () => {
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    for (let run = 0; run < 500; run++) {
      const totals = Array.from({ length: 1 + next(8) }, () => next(20_000));
      const subtotal = totals.reduce((a, b) => a + b, 0);
      const discount = next(subtotal + 1);
      const got = [...lineAmounts({ lines: lines(...totals), discountMinor: discount }).values()];
      expect(got.reduce((a, b) => a + b, 0)).toBe(subtotal - discount);
      for (const [i, amount] of got.entries()) expect(amount >= 0 && amount <= totals[i]!).toBe(true);
    }
  });

  it('leaves voided lines out', () => {
    const order = { lines: [...lines(3000, 1000), makeLine({ id: 'v', unitPriceMinor: 5000, status: 'voided' })], discountMinor: 1000 };
    expect(Object.fromEntries(lineAmounts(order))).toEqual({ a: 2250, b: 750 });
  });
});

describe('allocate', () => {
  it('fills the lines in order and stops when the amount runs out (a discount made the bill smaller)', () => {
    expect(
      allocate(1000, [
        { lineId: 'a', openMinor: 800 },
        { lineId: 'b', openMinor: 800 },
        { lineId: 'c', openMinor: 800 },
      ]),
    ).toEqual([
      { lineId: 'a', amountMinor: 800 },
      { lineId: 'b', amountMinor: 200 },
    ]);
  });
});

describe('seatsOf', () => {
  it('lists the seats of live lines once each, ascending; lines without a seat are shared', () => {
    const order = makeOrder([
      makeLine({ id: 'a', seat: 3 }),
      makeLine({ id: 'b', seat: 1 }),
      makeLine({ id: 'c', seat: 3 }),
      makeLine({ id: 'd', seat: null }),
      makeLine({ id: 'e', seat: 2, status: 'voided' }),
    ]);
    expect(seatsOf(order)).toEqual([1, 3]);
  });
});
