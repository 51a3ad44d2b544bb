/**
 * The seats a waiter can put a dish on, after a merge numbered the joining table's seats on after the
 * target's highest (hub/domain/order.ts joiningLines), and splitting the merged bill by those seats.
 */
import { describe, expect, it } from 'vitest';
import { joiningLines } from '../../hub/domain/order.ts';
import type { Order } from '../../hub/protocol/index.ts';
import { lineBalances, seatChoices, seatLineIds, seatsOf } from './pos-logic.ts';

type Line = Order['lines'][number];
const line = (id: string, seat: number | null, lineTotalMinor = 1000, status: Line['status'] = 'served') => ({ id, seat, lineTotalMinor, status }) as Line;

describe('seatChoices', () => {
  it('offers one seat per guest (4 when the count is not known), at most 12 by the count alone', () => {
    expect(seatChoices(2, [])).toEqual([1, 2]);
    expect(seatChoices(null, [])).toEqual([1, 2, 3, 4]);
    expect(seatChoices(0, [])).toEqual([1]);
    expect(seatChoices(20, [])).toHaveLength(12);
  });

  it("offers every seat a merge renumbered: a 4-top joining a table whose 2 guests sat at seats 5 and 6 is seats 7-10", () => {
    const target = [line('t1', 5), line('t2', 6)];
    const source = [line('s1', 1), line('s2', 2), line('s3', 3), line('s4', 4)];
    const merged = [...target, ...joiningLines({ lines: source }, { lines: target, guestCount: 2 })];
    expect(merged.map((l) => l.seat)).toEqual([5, 6, 7, 8, 9, 10]);
    // the merged order's guest count is 2 + 4 = 6: seats by the count alone stop at 6
    expect(seatChoices(6, merged)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // and the bill splits by each of them
    const order = { lines: merged, payments: [], refunds: [], discountMinor: 0 };
    expect(seatsOf(order)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(seatLineIds(order, 10, lineBalances(order))).toEqual(['s4']);
  });

  it('two parties of 8 merged: seats up to 16, past the 12 a guest count alone offers; never past the hub\'s 99', () => {
    const eight = Array.from({ length: 8 }, (_, i) => line(`l${i}`, i + 1));
    const merged = [...eight, ...joiningLines({ lines: eight.map((l) => ({ ...l, id: `s${l.id}` })) }, { lines: eight, guestCount: 8 })];
    expect(seatChoices(16, merged).at(-1)).toBe(16);
    expect(seatChoices(2, [line('x', 120)]).at(-1)).toBe(99);
  });

  it('counts the seats of dishes in the cart', () => {
    expect(seatChoices(2, [{ seat: 5 }, { seat: null }, {}])).toEqual([1, 2, 3, 4, 5]);
  });
});
